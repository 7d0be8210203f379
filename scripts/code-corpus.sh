#!/usr/bin/env bash
# Writes a real code corpus as JSON lines, one document per Java source file, from sources
# jars on Maven Central: fields id (jar/path), repo (the jar) and text. Source files cluster:
# a file repeats its own identifiers, which is what the document-level unseen rates are for
# (README, Method). Usage: scripts/code-corpus.sh OUT.jsonl [group:artifact:version ...]
set -euo pipefail
out="${1:?usage: scripts/code-corpus.sh OUT.jsonl [group:artifact:version ...]}"
shift
artifacts=("$@")
if [[ ${#artifacts[@]} -eq 0 ]]; then
  artifacts=(org.apache.commons:commons-lang3:3.14.0 com.google.guava:guava:33.0.0-jre
    org.apache.lucene:lucene-core:9.12.3 org.apache.commons:commons-collections4:4.4
    com.fasterxml.jackson.core:jackson-databind:2.17.0)
fi
repo="$(mvn -B -q -Dstyle.color=never help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null | sed "s/\x1b\[[0-9;]*m//g" || true)"
[[ -d "$repo" ]] || repo="$HOME/.m2/repository"
jars=()
for a in "${artifacts[@]}"; do
  IFS=: read -r g id v <<< "$a"
  mvn -B -q dependency:get -Dartifact="$a:jar:sources" -Dtransitive=false >&2
  jars+=("$repo/${g//.//}/$id/$v/$id-$v-sources.jar")
done
python3 - "$out" "${jars[@]}" <<'PY'
import json, os, sys, zipfile
out, jars = sys.argv[1], sys.argv[2:]
files = 0
with open(out, "w", encoding="utf-8") as f:
    for jar in jars:
        name = os.path.basename(jar)[:-len("-sources.jar")]
        with zipfile.ZipFile(jar) as z:
            for e in sorted(z.namelist()):
                if e.endswith(".java"):
                    text = z.read(e).decode("utf-8", "replace")
                    f.write(json.dumps({"id": name + "/" + e, "repo": name, "text": text}) + "\n")
                    files += 1
print(f"{files} source files written to {out}", file=sys.stderr)
PY
