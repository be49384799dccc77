#!/usr/bin/env bash
# html-shot.sh: render the demo report as one HTML page, screenshot it with
# headless Chromium and check that the page is self-contained and the
# screenshot is not blank.
#
#   scripts/html-shot.sh [OUTDIR] [--update-docs]
#
# Needs chromium (apt-get install -y chromium). The page is
# `uptake report --demo --format html`. --update-docs also writes the top of
# the screenshot, scaled down, to docs/img/report.png.
set -euo pipefail
cd "$(dirname "$0")/.."

out=/tmp/uptake-html-shot
docs=false
for a in "$@"; do
	case $a in
	--update-docs) docs=true ;;
	*) out=$a ;;
	esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

go build -o "$out/uptake" ./cmd/uptake
"$out/uptake" report --demo -q --format html -o "$out/report.html" 2>/dev/null
echo "wrote $out/report.html ($(wc -c <"$out/report.html") bytes)"

# self-contained: no reference out of the page, no script
if grep -Eio '(src|href)="[^#"][^"]*"|<script|<link|url\(' "$out/report.html"; then
	echo "html-shot: the page refers to something outside it" >&2
	exit 1
fi

chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--screenshot="$out/report.png" --window-size=1200,3000 "file://$out/report.html" 2>/dev/null
test -s "$out/report.png"

# not blank: at least 3% of the pixels are not near-white
if $docs; then
	go run ./scripts/pngcheck -min 0.03 -out docs/img/report.png -height 1900 -width 760 "$out/report.png"
	echo "wrote docs/img/report.png ($(wc -c <docs/img/report.png) bytes)"
else
	go run ./scripts/pngcheck -min 0.03 "$out/report.png"
fi
