#!/usr/bin/env bash
# Proves that `tcpstate explain --format mermaid` writes diagrams Mermaid accepts: every connection of every capture in
# captures/, every golden .mmd file and every diagram in the docs is rendered by Mermaid's own CLI (mmdc, @mermaid-js/mermaid-cli pinned in
# scripts/mermaid/package-lock.json) in headless Chromium (Debian's chromium package). mmdc fails on a parse error, so a
# broken diagram fails this script; it first checks that about itself, on a deliberately broken copy.
#
#   bash scripts/check-mermaid.sh     (after `dotnet build Analyzer.sln -c Release`; scripts/test.sh runs it)
#
# Needs node/npm and /usr/bin/chromium (scripts/test.sh installs them with apt-get). Skips, saying why, only when mmdc
# cannot be installed at all (no npm registry reachable and no scripts/mermaid/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=scripts/mermaid
TCPSTATE=(dotnet src/Cli/bin/Release/net10.0/tcpstate.dll)
MMDC=$HERE/node_modules/.bin/mmdc

if [ ! -x "$MMDC" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "check-mermaid: SKIPPED — npm is not installed, so Mermaid's CLI cannot run" >&2
        exit 0
    fi
    # Chromium comes from apt; puppeteer must not download its own.
    if ! PUPPETEER_SKIP_DOWNLOAD=1 timeout 600 npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error; then
        echo "check-mermaid: SKIPPED — could not install @mermaid-js/mermaid-cli from the npm registry" >&2
        exit 0
    fi
fi
[ -x /usr/bin/chromium ] || { echo "check-mermaid: /usr/bin/chromium is missing (apt-get install chromium)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tcpstate-mermaid.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

render() {  # render INPUT.md OUTPUT.md: every ```mermaid block of INPUT, one Chromium, bounded
    timeout 300 "$MMDC" --quiet -p "$HERE/puppeteer.json" -i "$1" -o "$2" >"$WORK/mmdc.log" 2>&1
}

all=$WORK/all.md
count=0
for capture in captures/*.pcap; do
    for uid in $("${TCPSTATE[@]}" read -f json "$capture" |
                 python3 -c 'import json, sys; [print(r["uid"]) for r in map(json.loads, sys.stdin) if r["record"] == "connection"]'); do
        { printf '## %s %s\n\n```mermaid\n' "$capture" "$uid"
          "${TCPSTATE[@]}" explain "$capture" --conn "$uid" --format mermaid
          printf '```\n\n'; } >>"$all"
        count=$((count + 1))
    done
done
for golden in tests/Cli.Tests/Golden/*.mmd; do
    { printf '## %s\n\n```mermaid\n' "$golden"; cat "$golden"; printf '```\n\n'; } >>"$all"
    count=$((count + 1))
done
for doc in README.md docs/*.md; do   # the diagrams the documentation shows (GitHub renders them)
    blocks=$(grep -c '^```mermaid$' "$doc" || true)
    [ "$blocks" -gt 0 ] || continue
    awk -v doc="$doc" '/^```mermaid$/ { print "## " doc "\n"; inside = 1 } inside { print } inside && /^```$/ { print ""; inside = 0 }' \
        "$doc" >>"$all"
    count=$((count + blocks))
done

# The check must be able to fail: one misspelt keyword in one diagram has to make mmdc reject the file.
broken=$WORK/broken.md
awk '!done && /Note left of O:/ { sub(/Note left of O:/, "Note lft of O:"); done = 1 } { print }' "$all" >"$broken"
if render "$broken" "$WORK/broken-out.md"; then
    echo "check-mermaid: mmdc accepted a broken diagram; it cannot be trusted to validate" >&2
    exit 1
fi
grep -q "Parse error" "$WORK/mmdc.log" || { cat "$WORK/mmdc.log" >&2; echo "check-mermaid: mmdc failed without a parse error" >&2; exit 1; }

if ! render "$all" "$WORK/out.md"; then
    grep -v '^ *at ' "$WORK/mmdc.log" >&2
    echo "check-mermaid: Mermaid rejected a diagram (see above)" >&2
    exit 1
fi
svgs=$(find "$WORK" -maxdepth 1 -name 'out-*.svg' | wc -l)
[ "$svgs" -eq "$count" ] || { echo "check-mermaid: $count diagrams but $svgs rendered" >&2; exit 1; }
echo "check-mermaid: $count Mermaid diagrams parsed and rendered by mmdc $(node -p "require('./$HERE/node_modules/@mermaid-js/mermaid-cli/package.json').version"); a broken one was rejected"
