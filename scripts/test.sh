#!/usr/bin/env bash
# Installs what the tests need, builds, runs every test and the quick fuzz pass, then checks agreement with Zeek on
# ../shared/corpus/zeek.
# Run as root on Debian (it apt-get installs missing packages). This is the command README and .ci/run use.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)            # live dashboard tests drive a real terminal
command -v setcap >/dev/null 2>&1 || missing+=(libcap2-bin)   # live test of the setcap advice
ldconfig -p 2>/dev/null | grep -q 'libpcap\.so\.0\.8' || missing+=(libpcap0.8)
# Mermaid's CLI (scripts/check-mermaid.sh) renders the explain diagrams in Debian's Chromium.
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet build Analyzer.sln -c Release -nologo -clp:ErrorsOnly
dotnet test Analyzer.sln -c Release --no-build -nologo

# The seeded fuzz pass (tests/Fuzzing/README.md): 12,000 mutated files and 1.2 million mutated frames through the whole
# pipeline, a sample through the tcpstate executable; about a minute. Findings are written to fuzz-findings/.
dotnet run --project tests/Fuzzing -c Release --no-build -- quick

# Every `tcpstate explain --format mermaid` diagram must parse in Mermaid itself.
bash scripts/check-mermaid.sh

# Floors sit at the agreement reached (conn_state 126/128, history 149/151); raise them as it improves.
python3 scripts/zeek-conformance.py --quiet --min-conn-state 98 --min-history 98.5
