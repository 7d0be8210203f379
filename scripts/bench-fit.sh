#!/usr/bin/env bash
# What the fitted scale (THEORY 5, hallufloor.fitted-scale) costs: the job with it off and on,
# alternating, BENCH_ROUNDS rounds (default 2), on the default corpus or the job file and
# overrides given. Prints each run's wall time and evidence stage, then the ratio of the means.
# Usage: scripts/bench-fit.sh [JOB.conf] [key=value ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${BENCH_ROUNDS:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
printf '%-13s %5s %9s %10s\n' fitted-scale round wall_s evidence_s
declare -A wall evidence
for round in $(seq "$rounds"); do
  for fit in false true; do
    start=$(date +%s.%N)
    scripts/run-local.sh "$@" hallufloor.fitted-scale=$fit hallufloor.report=false \
      "hallufloor.output.root=\"$out/$fit\"" "hallufloor.run-id=bench-$round" > "$out/log" 2>&1 \
      || { cat "$out/log" >&2; exit 1; }
    end=$(date +%s.%N)
    w=$(echo "$end - $start" | bc)
    e=$(grep -o 'counted evidence and bounds: .* in [0-9.]* s' "$out/log" | grep -o 'in [0-9.]* s' | grep -o '[0-9.]*' || echo 0)
    printf '%-13s %5d %9.1f %10s\n' "$fit" "$round" "$w" "$e"
    wall[$fit]=$(echo "${wall[$fit]:-0} + $w" | bc)
    evidence[$fit]=$(echo "${evidence[$fit]:-0} + ${e:-0}" | bc)
  done
done
printf 'on / off: wall %.3f' "$(echo "${wall[true]} / ${wall[false]}" | bc -l)"
if [[ "$(echo "${evidence[false]} > 0" | bc)" == 1 ]]; then
  printf ', evidence stage %.3f' "$(echo "${evidence[true]} / ${evidence[false]}" | bc -l)"
fi
echo
