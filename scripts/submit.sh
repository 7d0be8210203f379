#!/usr/bin/env bash
# Submits a hallufloor job to any Spark master with spark-submit, building the fat jar if needed.
# Usage: scripts/submit.sh JOB.conf [key=value ...] [-- spark-submit options]
#   scripts/submit.sh jobs/fineweb.conf hallufloor.run-id=2026-11-28 -- --master yarn --deploy-mode cluster
# The job file travels with the job (--files). Without a Spark distribution on PATH
# (spark-submit), Spark's own SparkSubmit runs from the project's classpath.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 JOB.conf [key=value ...] [-- spark-submit options]" >&2; exit 2; }
job="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
submit_opts=("$@")

cd "$root"
jar="$(ls target/hallufloor-*-spark.jar 2>/dev/null | head -1 || true)"
if [[ -z "$jar" || -n "$(find src pom.xml -newer "$jar" -print -quit)" ]]; then
  mvn -B -q -DskipTests package >&2
  jar="$(ls target/hallufloor-*-spark.jar | head -1)"
fi

# In cluster mode the driver runs elsewhere and finds the shipped job file in its working folder.
job_arg="$job"
for ((i = 0; i < ${#submit_opts[@]}; i++)); do
  if [[ "${submit_opts[$i]}" == "--deploy-mode" && "${submit_opts[$((i + 1))]:-}" == "cluster" ]]; then
    job_arg="$(basename "$job")"
  fi
done

if command -v spark-submit >/dev/null 2>&1; then
  submit=(spark-submit)
else
  [[ -f target/spark-classpath.txt ]] || mvn -B -q -DskipTests generate-resources >&2
  # shellcheck disable=SC2046
  submit=(java $(cat target/jvm-options.txt) -Dlog4j2.configurationFile="$root/conf/log4j2.properties"
    -cp "$(cat target/spark-classpath.txt)" org.apache.spark.deploy.SparkSubmit)
fi
exec "${submit[@]}" --class org.hallufloor.job.HallufloorJob --name "hallufloor $(basename "$job" .conf)" \
  --files "$job" "${submit_opts[@]}" "$jar" "$job_arg" "${args[@]}"
