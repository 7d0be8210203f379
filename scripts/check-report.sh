#!/usr/bin/env bash
# Opens a run's report in a real headless browser (Debian's chromium; installed when missing
# and this user may install packages), saves a screenshot beside it, and fails when an image
# does not load or a script fails: the page records both on its <body> (see RunReport).
# Usage: scripts/check-report.sh REPORT_DIR   (e.g. target/hallufloor-output/report/run_id=<id>)
set -euo pipefail
dir="${1:?usage: check-report.sh REPORT_DIR}"
page="$(cd "$dir" && pwd)/index.html"
[[ -f "$page" ]] || { echo "check-report: no index.html in $dir" >&2; exit 1; }

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser="$b"; break; fi
done
if [[ -z "$browser" ]]; then
  echo "check-report: installing Debian's chromium ..." >&2
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2
  browser=chromium
fi

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --allow-file-access-from-files
  --virtual-time-budget=10000)
dom="$(mktemp)"
trap 'rm -f "$dom"' EXIT
"$browser" "${flags[@]}" --dump-dom "file://$page" >"$dom" 2>/dev/null
"$browser" "${flags[@]}" --window-size=1280,4000 --screenshot="$(dirname "$page")/screenshot.png" \
  "file://$page" >/dev/null 2>&1

images="$(grep -o 'data-images-loaded="[0-9]*/[0-9]*"' "$dom" | head -1 | sed 's/.*="\(.*\)"/\1/')"
errors="$(grep -o 'data-report-errors="[^"]*"' "$dom" | head -1 | sed 's/.*="\(.*\)"/\1/' || true)"
if [[ -z "$images" ]]; then
  echo "check-report: the page did not finish loading in $browser (no data-images-loaded mark)" >&2
  exit 1
fi
if [[ -n "$errors" ]]; then
  echo "check-report: $page: $errors" >&2
  exit 1
fi
if [[ "${images%/*}" != "${images#*/}" || "${images#*/}" == "0" ]]; then
  echo "check-report: $page: only $images images loaded" >&2
  exit 1
fi
[[ -s "$(dirname "$page")/screenshot.png" ]] || { echo "check-report: no screenshot was written" >&2; exit 1; }
echo "check-report: $page: $images images loaded, no errors; screenshot $(dirname "$page")/screenshot.png"
