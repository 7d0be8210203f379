#!/usr/bin/env bash
# Starts (or stops) a Spark standalone master and one worker on this machine from the
# project's own classpath, for trying scripts/submit.sh without a Spark distribution.
# Usage: scripts/local-standalone.sh start|stop   (master at spark://127.0.0.1:7077)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
run="target/standalone"
case "${1:-}" in
  start)
    [[ -f target/spark-classpath.txt ]] || mvn -B -q -DskipTests generate-resources >&2
    # Spark's jars only, as a real installation has: the job brings its own in the fat jar.
    rm -rf target/spark-home && mkdir -p "$run" target/spark-home/jars
    tr ':' '\n' < target/spark-classpath.txt | while read -r jar; do ln -sf "$jar" target/spark-home/jars/; done
    export SPARK_HOME="$root/target/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
    cp=(-cp "$(cat target/spark-classpath.txt)")
    # shellcheck disable=SC2046
    nohup java $(cat target/jvm-options.txt) "${cp[@]}" org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port 7077 --webui-port 8080 > "$run/master.log" 2>&1 &
    echo $! > "$run/master.pid"
    sleep 3
    # shellcheck disable=SC2046
    nohup java $(cat target/jvm-options.txt) "${cp[@]}" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "$(nproc)" --memory 4g --webui-port 8081 spark://127.0.0.1:7077 > "$run/worker.log" 2>&1 &
    echo $! > "$run/worker.pid"
    sleep 3
    echo "master spark://127.0.0.1:7077 (logs in $run)"
    ;;
  stop)
    for p in worker master; do
      [[ -f "$run/$p.pid" ]] && kill "$(cat "$run/$p.pid")" 2>/dev/null || true
      rm -f "$run/$p.pid"
    done
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
