#!/usr/bin/env bash
# Kernel drops of tcpdump -w /dev/null and of tcpstate live, side by side, under the same bounded loopback load.
#
#   bench/live-drops.sh [PACKETS_PER_SECOND] [SECONDS] [ROUNDS]
#
# bench/LoadLoop opens real TCP connections to 127.0.0.1 from 127.1.x.y (handshake, 8 request/response exchanges,
# client-first close) from 8 client threads, paced to PACKETS_PER_SECOND and stopped after SECONDS whatever happens. While it runs,
# exactly one capture listens with the filter 'tcp port $PORT' (never two at once: they would compete for the CPU):
#   tcpdump -w /dev/null           libpcap's default 2 MiB buffer
#   tcpstate live -f json          its default 128 MiB buffer, JSON records to a file
#   tcpstate live -f json -B 2048  the same 2 MiB buffer as tcpdump
#   tcpdump -w /dev/null           again, inside tmux (when tmux is installed): the dashboard's scheduling
#   tcpstate live                  the dashboard, in a 200x60 tmux terminal, quit with 'q'
# ROUNDS rounds, taking turns, so that whatever else the machine does falls on all of them. Every capture
# is stopped with SIGINT, as a user would. Needs root (or CAP_NET_RAW), tcpdump, python3 and the .NET SDK.
# Files go to bench/out/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

rate=${1:-200000}
seconds=${2:-10}
rounds=${3:-3}
port=${PORT:-47900}
filter="tcp port $port"
out=bench/out
mkdir -p "$out"

dotnet build src/Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build bench/LoadLoop -c Release -nologo -clp:ErrorsOnly >/dev/null
tcpstate=(dotnet src/Cli/bin/Release/net10.0/tcpstate.dll)
loadloop=(dotnet bench/LoadLoop/bin/Release/net10.0/loadloop.dll "$port" "$seconds" "$rate" 8 8)

# Bounded wait until FILE contains PATTERN: a capture is ready once it prints "listening on".
wait_for() {
    for _ in $(seq 1 300); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1" >&2
    return 1
}

# Runs the load while capture $1 listens, stops the capture with SIGINT and waits for it to finish.
load_then_stop() {
    "${loadloop[@]}" >"$out/load.txt"
    kill -INT "$1"
    wait "$1" || true
}

# Prints: packets-captured received-by-filter dropped-by-kernel packets-per-second
run_tcpdump() {
    tcpdump -i lo -n -w /dev/null "$filter" 2>"$out/tcpdump.err" &
    local pid=$!
    wait_for "$out/tcpdump.err" "listening on"
    local start=$(date +%s.%N)
    load_then_stop "$pid"
    local end=$(date +%s.%N)
    python3 - "$out/tcpdump.err" "$start" "$end" "$seconds" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def n(what): return int(re.search(r"(\d+) packets? " + what, text).group(1))
captured = n("captured")
print(captured, n("received by filter"), n("dropped by kernel"), round(captured / float(sys.argv[4])))
PY
}

run_tcpstate() {
    "${tcpstate[@]}" live -i lo -f json --filter "$filter" "$@" >"$out/tcpstate.json" 2>"$out/tcpstate.err" &
    local pid=$!
    wait_for "$out/tcpstate.err" "listening on"
    load_then_stop "$pid"
    python3 - "$out/tcpstate.json" "$seconds" <<'PY'
import json, sys
summary = json.loads(open(sys.argv[1]).read().splitlines()[-1])
capture, frames = summary["capture"], summary["frames"]["read"]
print(frames, capture["received"], capture["dropped_by_kernel"], round(frames / float(sys.argv[2])))
PY
}

# tcpdump inside tmux: the same scheduling as the dashboard below. A tmux session is a session of its own, so with
# CFS autogroup (Linux's default) a capture there shares the CPU with the load as another group, not as one more
# thread of the same group; at a load that saturates the CPUs that alone changes the drops, for any capture tool.
run_tcpdump_tmux() {
    local server="tcpstate-bench-td-$$"
    rm -f "$out/tcpdump-tmux.err"
    tmux -L "$server" new-session -d -x 200 -y 60 "tcpdump -i lo -n -w /dev/null '$filter' 2>'$out/tcpdump-tmux.err'; echo tcpdump-exited; sleep 600"
    wait_for "$out/tcpdump-tmux.err" "listening on"
    "${loadloop[@]}" >"$out/load.txt"
    tmux -L "$server" send-keys C-c
    for _ in $(seq 1 300); do
        grep -q "dropped by kernel" "$out/tcpdump-tmux.err" && break
        sleep 0.1
    done
    tmux -L "$server" kill-server
    python3 - "$out/tcpdump-tmux.err" "$seconds" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def n(what): return int(re.search(r"(\d+) packets? " + what, text).group(1))
print(n("captured"), n("received by filter"), n("dropped by kernel"), round(n("captured") / float(sys.argv[2])))
PY
}

# The dashboard in a real terminal (tmux), quit with 'q'; its summary is read off the screen.
run_dashboard() {
    local server="tcpstate-bench-$$" dll
    dll=$(pwd)/src/Cli/bin/Release/net10.0/tcpstate.dll
    # A summary can be long (every anomaly listed): keep enough of the terminal's history to read its figures back.
    tmux -L "$server" -f /dev/null start-server \; set-option -g history-limit 200000 \; new-session -d -x 200 -y 60 "dotnet '$dll' live -i lo --filter '$filter' 2>'$out/dashboard.err'; echo tcpstate-exited; sleep 600"
    wait_for "$out/dashboard.err" "listening on"
    "${loadloop[@]}" >"$out/load.txt"
    tmux -L "$server" send-keys q
    for _ in $(seq 1 300); do
        tmux -L "$server" capture-pane -p -S -200000 >"$out/dashboard.txt"
        grep -q tcpstate-exited "$out/dashboard.txt" && break
        sleep 0.1
    done
    tmux -L "$server" kill-server
    python3 - "$out/dashboard.txt" "$seconds" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace(",", "")
frames = int(re.search(r"Frames +(\d+) read", text).group(1))
received = int(re.search(r"(\d+) +packets received by the filter", text).group(1))
dropped = int(re.search(r"(\d+) +dropped by the kernel", text).group(1))
print(frames, received, dropped, round(frames / float(sys.argv[2])))
PY
}

echo "load: real TCP connections on lo, paced to $rate packets/s, $seconds s per run, $rounds rounds; filter '$filter'"
printf '%-6s %-32s %12s %12s %18s %18s\n' round capture packets/s packets "received by filter" "dropped by kernel"
for round in $(seq 1 "$rounds"); do
    read -r p r d pps < <(run_tcpdump)
    printf '%-6s %-32s %12s %12s %18s %18s\n' "$round" "tcpdump -w /dev/null" "$pps" "$p" "$r" "$d"
    read -r p r d pps < <(run_tcpstate)
    printf '%-6s %-32s %12s %12s %18s %18s\n' "$round" "tcpstate live -f json" "$pps" "$p" "$r" "$d"
    read -r p r d pps < <(run_tcpstate -B 2048)
    printf '%-6s %-32s %12s %12s %18s %18s\n' "$round" "tcpstate live -f json -B 2048" "$pps" "$p" "$r" "$d"
    if command -v tmux >/dev/null; then
        read -r p r d pps < <(run_tcpdump_tmux)
        printf '%-6s %-32s %12s %12s %18s %18s\n' "$round" "tcpdump -w /dev/null (in tmux)" "$pps" "$p" "$r" "$d"
        read -r p r d pps < <(run_dashboard)
        printf '%-6s %-32s %12s %12s %18s %18s\n' "$round" "tcpstate live (dashboard, tmux)" "$pps" "$p" "$r" "$d"
    fi
done
echo "packets: what each tool analysed or wrote; on loopback the kernel's 'received by filter' also counts each"
echo "packet's outgoing copy, which libpcap discards. The load itself: $(cat "$out/load.txt")"
