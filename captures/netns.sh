# Shared by captures/record.sh and captures/anomalies/record.sh (source it, do
# not run it): two network namespaces joined by a veth pair, and tcpdump in one
# of them.  Nothing leaves the machine; nothing is sent to any other address.
#
# Callers may set, before sourcing, the namespace names (CLI_NS, SRV_NS) so
# that two recorders never share a namespace; everything else (interface
# names, MACs, addresses) is the same for every trace.
# Needs root, bash, iproute2 (ip, tc), procps sysctl, tcpdump, /usr/bin/python3.

CAPTURES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
SCENARIO="$CAPTURES_DIR/scenario.py"   # also has the tx-checksum-off helper

CLI_NS=${CLI_NS:-tcpstate-cli}
SRV_NS=${SRV_NS:-tcpstate-srv}
CLI_IF=veth-cli
SRV_IF=veth-srv
CLI_MAC=02:99:00:00:00:01
SRV_MAC=02:99:00:00:00:02
# scenario.py (and the anomaly scenarios, which import it) read the namespace
# names from here.
export TCPSTATE_CLI_NS=$CLI_NS TCPSTATE_SRV_NS=$SRV_NS

TD_PID=

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

stop_pid() {  # stop_pid PID SIGNAL: signal one process we started, wait for it (bounded)
  local pid=$1 sig=$2 i
  [[ -n $pid ]] || return 0
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -s KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The EXIT trap of the recording scripts: stop the scenario ($SC_PID) and tcpdump ($TD_PID), delete the namespaces
# and the work folder ($WORK), and keep the exit status.
cleanup_recording() {
  local rc=$?
  stop_pid "$SC_PID" TERM
  stop_pid "$TD_PID" INT
  teardown_ns
  rm -rf "$WORK"
  exit "$rc"
}

teardown_ns() {
  ip netns del "$CLI_NS" 2>/dev/null || true
  ip netns del "$SRV_NS" 2>/dev/null || true
}

setup_ns() {
  teardown_ns
  ip netns add "$CLI_NS"
  ip netns add "$SRV_NS"
  ip link add "$CLI_IF" netns "$CLI_NS" address "$CLI_MAC" type veth \
     peer name "$SRV_IF" netns "$SRV_NS" address "$SRV_MAC"
  local ns ifc
  for ns in "$CLI_NS" "$SRV_NS"; do
    ip -n "$ns" link set lo up
    # No automatic IPv6 link-local address: no DAD, MLD or router solicitations.
    if [[ $ns == "$CLI_NS" ]]; then ifc=$CLI_IF; else ifc=$SRV_IF; fi
    ip -n "$ns" link set "$ifc" addrgenmode none
    # The solicited-node multicast joins for the fd00:99:: addresses still send
    # MLDv2 reports (filtered out of the traces, but they would take tokens
    # from the tbf of simultaneous-close at random times): make them go out
    # within a few ms of link-up instead of over the next seconds.
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.mldv2_unsolicited_report_interval=10" \
       "net.ipv6.conf.$ifc.accept_ra=0" "net.ipv6.conf.$ifc.router_solicitations=0"
    # Real TCP checksums in the capture (see tx_checksum_off in scenario.py).
    ip netns exec "$ns" "$PY" "$SCENARIO" tx-checksum-off --ifname "$ifc"
  done
  ip -n "$CLI_NS" addr add 10.99.0.1/24 dev "$CLI_IF"
  ip -n "$SRV_NS" addr add 10.99.0.2/24 dev "$SRV_IF"
  ip -n "$CLI_NS" -6 addr add fd00:99::1/64 dev "$CLI_IF" nodad
  ip -n "$SRV_NS" -6 addr add fd00:99::2/64 dev "$SRV_IF" nodad
  # Static neighbours: no ARP / neighbour discovery in the traces and no
  # resolution delay before the first SYN.
  ip -n "$CLI_NS" neigh add 10.99.0.2 lladdr "$SRV_MAC" dev "$CLI_IF" nud permanent
  ip -n "$SRV_NS" neigh add 10.99.0.1 lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent
  ip -n "$CLI_NS" neigh add fd00:99::2 lladdr "$SRV_MAC" dev "$CLI_IF" nud permanent
  ip -n "$SRV_NS" neigh add fd00:99::1 lladdr "$CLI_MAC" dev "$SRV_IF" nud permanent
  ip -n "$CLI_NS" link set "$CLI_IF" up
  ip -n "$SRV_NS" link set "$SRV_IF" up
  # Linux >= 6.6 retransmits SYNs at 1 s intervals for the first 4 tries
  # (tcp_syn_linear_timeouts=4).  Use the classic exponential backoff
  # (1 s, 2 s, 4 s ...) that older kernels have, so that syn-unanswered shows
  # the same three SYNs (t = 0, 1, 3 s) in 3.5 s on any kernel.
  if ip netns exec "$CLI_NS" test -e /proc/sys/net/ipv4/tcp_syn_linear_timeouts; then
    ip netns exec "$CLI_NS" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0
  fi
  sleep 0.5   # the MLD reports of link-up are over before any scenario starts
}

start_tcpdump() {  # start_tcpdump OUT.pcap ERRFILE SNAPLEN [tcpdump options...]: capture `tcp` in CLI_NS
  local tmp=$1 err=$2 snaplen=$3 i
  shift 3
  # Capture filter `tcp`: the traces hold the TCP segments only (and never
  # the filler frames of simultaneous-close).
  ip netns exec "$CLI_NS" tcpdump "$@" -w "$tmp" -U --immediate-mode -s "$snaplen" tcp 2>"$err" &
  TD_PID=$!
  for ((i = 0; i < 100; i++)); do
    grep -q "listening on" "$err" && break
    kill -0 "$TD_PID" 2>/dev/null || { cat "$err" >&2; die "tcpdump exited"; }
    sleep 0.1
  done
  grep -q "listening on" "$err" || { cat "$err" >&2; die "tcpdump never started listening"; }
  sleep 0.2
}

stop_tcpdump() {  # stop_tcpdump ERRFILE NAME
  local err=$1 name=$2
  sleep 0.3                                 # let tcpdump write the last frames
  kill -INT "$TD_PID"
  wait "$TD_PID" || die "tcpdump failed for $name: $(cat "$err")"
  TD_PID=
  grep -E "packets (captured|received|dropped)" "$err" | sed 's/^/    /' >&2 || true
}
