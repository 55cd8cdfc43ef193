#!/usr/bin/env bash
# Re-record tcpstate's reference captures from the real Linux TCP stack.
#
#   sudo bash captures/record.sh            # every trace
#   sudo bash captures/record.sh keepalive  # only the named scenario(s)
#
# For each scenario: create two fresh network namespaces joined by a veth pair
# (nothing leaves the machine; no traffic to any other address), start tcpdump
# in the client namespace, run captures/scenario.py NAME (both endpoints, fixed
# ports, fixed payloads, fixed pauses), stop tcpdump, delete the namespaces.
# Needs root, bash, iproute2 (ip, tc with the tbf qdisc), tcpdump, /usr/bin/python3.
#
# TCPSTATE_CAPTURES_OUT=DIR writes the traces there instead of next to this
# script (to compare a re-recording with flowseq.sh without touching the
# committed traces); CLI_NS / SRV_NS rename the namespaces.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=netns.sh
source "$HERE/netns.sh"
OUT_DIR=${TCPSTATE_CAPTURES_OUT:-$HERE}
SNAPLEN=262144

ALL=(client-closes-first server-closes-first simultaneous-close three-way-close
     connection-refused syn-unanswered rst-abort half-close close-wait ipv6
     keepalive sll2-any nanosecond server-rst-abort port-reuse retransmission
     bulk-transfer syn-flood-cookies)

WORK=$(mktemp -d /tmp/tcpstate-record.XXXXXX)
SC_PID=

trap cleanup_recording EXIT
trap 'exit 130' INT TERM

record() {  # record SCENARIO OUTPUT.pcap [extra tcpdump options...]
  local name=$1 out=$2 i
  shift 2
  local tmp="$WORK/$(basename "$out")" err="$WORK/tcpdump.err"
  rm -f "$WORK/ready" "$WORK/release" "$tmp" "$err"
  echo "=== $name -> $(basename "$out")" >&2
  setup_ns
  start_tcpdump "$tmp" "$err" "${RECORD_SNAPLEN:-$SNAPLEN}" "$@"

  "$PY" "$SCENARIO" "$name" --ready "$WORK/ready" --release "$WORK/release" &
  SC_PID=$!
  for ((i = 0; i < 300; i++)); do          # <= 30 s
    [[ -e "$WORK/ready" ]] && break
    kill -0 "$SC_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -e "$WORK/ready" ]] || { wait "$SC_PID" || true; SC_PID=; die "scenario $name failed"; }

  stop_tcpdump "$err" "$name"

  touch "$WORK/release"
  local rc=0
  wait "$SC_PID" || rc=$?
  SC_PID=
  [[ $rc -eq 0 ]] || die "scenario $name exited with $rc"

  teardown_ns
  mv "$tmp" "$out"
  chown --reference="$HERE" "$out"
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, tc, tcpdump)"
for tool in ip tc tcpdump "$PY"; do
  command -v "$tool" >/dev/null || die "missing $tool"
done

if [[ $# -gt 0 ]]; then todo=("$@"); else todo=("${ALL[@]}"); fi
for name in "${todo[@]}"; do
  [[ " ${ALL[*]} " == *" $name "* ]] || die "unknown scenario '$name' (known: ${ALL[*]})"
done
mkdir -p "$OUT_DIR"
for name in "${todo[@]}"; do
  case $name in
    sll2-any)   record "$name" "$OUT_DIR/$name.pcap" -i any -y LINUX_SLL2 ;;
    nanosecond) record "$name" "$OUT_DIR/$name.pcap" -i "$CLI_IF" --time-stamp-precision=nano ;;
    # 1 MiB of data: headers only (128 bytes per frame), so the trace stays small.
    bulk-transfer) RECORD_SNAPLEN=128 record "$name" "$OUT_DIR/$name.pcap" -i "$CLI_IF" ;;
    *)          record "$name" "$OUT_DIR/$name.pcap" -i "$CLI_IF" ;;
  esac
done
echo "recorded ${#todo[@]} trace(s) in $OUT_DIR" >&2
