#!/usr/bin/env bash
# Re-record tcpstate's anomaly traces from the real Linux TCP stack.
#
#   sudo bash captures/anomalies/record.sh                 # every trace (~7 min)
#   sudo bash captures/anomalies/record.sh zero-window ... # only the named ones
#
# Same method as captures/record.sh (and the same setup, captures/netns.sh):
# for each scenario, two fresh network namespaces joined by a veth pair,
# tcpdump on veth-cli in the client namespace (filter `tcp`), then
# anomaly.py NAME drives both endpoints, tools (hping3) and crafted packets
# (scapy).  Nothing is sent outside the two namespaces.  The namespaces are
# deleted after each scenario, also on failure or interruption.
# Every load is bounded: hping3 runs with -c, every loop has a fixed count,
# every wait has a deadline.
#
# TCPSTATE_CAPTURES_OUT=DIR writes the traces there instead of next to this
# script (to compare a re-recording without touching the committed traces).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Namespaces of their own, so that this never collides with captures/record.sh.
CLI_NS=${CLI_NS:-tcpstate-anom-cli}
SRV_NS=${SRV_NS:-tcpstate-anom-srv}
# shellcheck source=../netns.sh
source "$HERE/../netns.sh"
ANOMALY="$HERE/anomaly.py"
OUT_DIR=${TCPSTATE_CAPTURES_OUT:-$HERE}

# name                       snaplen  max seconds until the captured part is over
SCENARIOS="
syn-flood                    128      40
syn-flood-cookies            128      40
accept-queue-overflow        262144   30
accept-queue-overflow-rst    262144   30
connection-refused           262144   30
port-scan                    262144   30
close-wait-linger            262144   150
time-wait-buildup            128      120
fin-wait-2-timeout           262144   170
peer-unreachable             262144   90
keepalive-dead-peer          262144   30
zero-window                  262144   30
syn-with-data                262144   30
bad-handshake-ack            262144   30
syn-isn-changed              262144   30
rst-out-of-window            262144   30
"
# Not recorded: the reference trace captures/port-reuse.pcap already shows it.
COPIED="port-reuse-time-wait"

WORK=$(mktemp -d /tmp/tcpstate-anomalies.XXXXXX)
SC_PID=

trap cleanup_recording EXIT
trap 'exit 130' INT TERM

record() {  # record SCENARIO OUTPUT.pcap SNAPLEN MAX_SECONDS
  local name=$1 out=$2 snaplen=$3 max=$4 i
  local tmp="$WORK/$(basename "$out")" err="$WORK/tcpdump.err"
  rm -f "$WORK/ready" "$WORK/release" "$tmp" "$err"
  echo "=== $name -> $(basename "$out")" >&2
  setup_ns
  # -B: a 64 MiB ring.  With GRO on the veth, libpcap sizes each ring slot
  # for a 64 KiB frame whatever the snaplen, so the default 2 MiB ring holds
  # only ~32 frames and drops the bursts of these scenarios.
  start_tcpdump "$tmp" "$err" "$snaplen" -i "$CLI_IF" -B 65536

  "$PY" "$ANOMALY" "$name" --ready "$WORK/ready" --release "$WORK/release" &
  SC_PID=$!
  for ((i = 0; i < max * 10; i++)); do
    [[ -e "$WORK/ready" ]] && break
    kill -0 "$SC_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -e "$WORK/ready" ]] || { stop_pid "$SC_PID" TERM; SC_PID=; die "scenario $name failed or took longer than $max s"; }

  stop_tcpdump "$err" "$name"
  grep -q "^0 packets dropped by kernel" "$err" || die "tcpdump dropped packets in $name: $(cat "$err")"

  touch "$WORK/release"
  local rc=0
  wait "$SC_PID" || rc=$?
  SC_PID=
  [[ $rc -eq 0 ]] || die "scenario $name exited with $rc"

  teardown_ns
  mv "$tmp" "$out"
  chown --reference="$HERE" "$out"
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, tc, tcpdump, hping3)"
for tool in ip tc tcpdump hping3 "$PY"; do
  command -v "$tool" >/dev/null || die "missing $tool"
done
"$PY" -c "import scapy" 2>/dev/null || die "missing python3-scapy for $PY"

ALL=$(awk 'NF { print $1 }' <<<"$SCENARIOS")
if [[ $# -gt 0 ]]; then todo=("$@"); else mapfile -t todo <<<"$ALL"; todo+=("$COPIED"); fi
for name in "${todo[@]}"; do
  [[ $name == "$COPIED" ]] || grep -qx -- "$name" <<<"$ALL" ||
    die "unknown scenario '$name' (known: $(echo $ALL) $COPIED)"
done
mkdir -p "$OUT_DIR"
for name in "${todo[@]}"; do
  if [[ $name == "$COPIED" ]]; then
    echo "=== $name: copy of ../port-reuse.pcap" >&2
    cp "$HERE/../port-reuse.pcap" "$OUT_DIR/$name.pcap"
    chown --reference="$HERE" "$OUT_DIR/$name.pcap"
    continue
  fi
  read -r _ snaplen max < <(awk -v n="$name" '$1 == n' <<<"$SCENARIOS")
  record "$name" "$OUT_DIR/$name.pcap" "$snaplen" "$max"
done
echo "recorded ${#todo[@]} trace(s) in $OUT_DIR" >&2
