#!/usr/bin/env bash
# Installs what the tests need, builds, runs every test, then checks agreement with Zeek on ../shared/corpus/zeek.
# Run as root on Debian (it apt-get installs missing packages). This is the command README and .ci/run use.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)            # live dashboard tests drive a real terminal
command -v setcap >/dev/null 2>&1 || missing+=(libcap2-bin)   # live test of the setcap advice
ldconfig -p 2>/dev/null | grep -q 'libpcap\.so\.0\.8' || missing+=(libpcap0.8)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet build Analyzer.sln -c Release -nologo -clp:ErrorsOnly
dotnet test Analyzer.sln -c Release --no-build -nologo

# Floors sit at the agreement reached (conn_state 126/128, history 149/151); raise them as it improves.
python3 scripts/zeek-conformance.py --quiet --min-conn-state 98 --min-history 98.5
