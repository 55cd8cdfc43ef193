#!/usr/bin/python3
"""Drive one tcpstate anomaly scenario through the real Linux TCP stack.

Run by captures/anomalies/record.sh, which has already created the network
namespaces (client 10.99.0.1 on veth-cli, server 10.99.0.2 on veth-srv; see
captures/netns.sh) and started tcpdump on veth-cli.  This module reuses the
helpers of the reference scenarios (captures/scenario.py: namespaces, sockets,
the tbf "delay line", the 100 ms step) and the same ready/release protocol.

Everything that the kernel can produce is produced by the kernel: both
endpoints are real sockets, the floods and the scan are hping3 from the client
namespace.  Only what Linux never sends is crafted with scapy and written with
an AF_PACKET socket on a veth end, so it is captured like any other frame:
a SYN carrying data without TFO, a SYN-ACK or handshake ACK that acks the wrong
number, an RST far outside the window.  Crafted packets come from (or go to)
addresses that no kernel in the namespaces owns (10.99.0.3 as a client,
10.99.0.4 as a server), so no kernel interferes with RSTs of its own; their
checksums are computed by scapy and are correct.

Usage: anomaly.py NAME --ready FILE --release FILE [--release-timeout S]
"""

import argparse
import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import scenario as base  # noqa: E402  (captures/scenario.py)
from scenario import (CLI4, CLI_IF, CLI_NS, LATER, REQUEST, RESPONSE, SRV4,  # noqa: E402
                      SRV_IF, SRV_NS, STEP, log, netns, recv_eof, recv_exact, sh)

CLI_MAC, SRV_MAC = "02:99:00:00:00:01", "02:99:00:00:00:02"
CRAFTED_CLI4 = "10.99.0.3"      # scapy client: the client namespace's kernel ignores it
CRAFTED_SRV4 = "10.99.0.4"      # scapy server: the server namespace's kernel ignores it
EXTRA_CLI4 = ["10.99.0.11", "10.99.0.12"]   # more real client addresses (connection-refused)

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TC_ACT_SHOT = 2
TCP_CLOSE = 7                  # tcpi_state


# ---------------------------------------------------------------- helpers

def sysctl(ns, *settings):
    sh("ip", "netns", "exec", ns, "sysctl", "-qw", *settings)


def ns_run(ns, *argv, timeout=60):
    """Run a tool (hping3) in a namespace, bounded; its chatter goes to stderr."""
    log("$ [" + ns + "] " + " ".join(argv))
    r = subprocess.run(["ip", "netns", "exec", ns, *argv], stdout=sys.stderr,
                       stderr=sys.stderr, timeout=timeout, check=False)
    log(f"exit status {r.returncode}")   # hping3 exits 1 when replies are missing


def until(t0, seconds):
    """Sleep until `seconds` after monotonic time t0."""
    time.sleep(max(0.0, t0 + seconds - time.monotonic()))


def listener(port, backlog=8, addr=SRV4, rcvbuf=None):
    with netns(SRV_NS):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf is not None:      # inherited by accepted sockets
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((addr, port))
    s.listen(backlog)
    s.settimeout(5)
    return s


def client(cport, addr=CLI4):
    with netns(CLI_NS):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind((addr, cport))
    c.settimeout(5)
    return c


def connect(cport, sport, lsock):
    c = client(cport)
    c.connect((SRV4, sport))
    a, _ = lsock.accept()
    a.settimeout(5)
    time.sleep(STEP)
    return c, a


def cut_link():
    """Drop every frame on the server's veth end, both directions.

    This kernel has neither netem nor the gact action, but it has clsact and
    cls_bpf: a one-instruction classic BPF program returning TC_ACT_SHOT in
    direct-action mode drops everything.  The client's frames are still
    captured on veth-cli (the tap is before the wire); they just never reach
    the server, and the server sends nothing.
    """
    sh("ip", "netns", "exec", SRV_NS, "tc", "qdisc", "add", "dev", SRV_IF, "clsact")
    for hook in ("ingress", "egress"):
        sh("ip", "netns", "exec", SRV_NS, "tc", "filter", "add", "dev", SRV_IF, hook,
           "bpf", "da", "bytecode", f"1,6 0 0 {TC_ACT_SHOT},")


class Tap:
    """An AF_PACKET socket on one veth end: reads every frame, writes crafted ones."""

    def __init__(self, ns, ifname):
        with netns(ns):
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((ifname, ETH_P_ALL))

    def send(self, pkt):
        self.s.send(bytes(pkt))

    def expect(self, match, timeout=3.0, incoming=True):
        """Return the first frame (parsed by scapy) for which match(pkt) holds."""
        from scapy.layers.l2 import Ether
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("expected frame never came")
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                continue
            data, addr = self.s.recvfrom(65535)
            if incoming and addr[2] == PACKET_OUTGOING:
                continue
            pkt = Ether(data)
            if match(pkt):
                return pkt

    def close(self):
        self.s.close()


def tcp_of(pkt, src, sport, dst, dport):
    from scapy.layers.inet import IP, TCP
    return (IP in pkt and TCP in pkt and pkt[IP].src == src and pkt[IP].dst == dst
            and pkt[TCP].sport == sport and pkt[TCP].dport == dport)


def payload_len(pkt):
    from scapy.layers.inet import IP
    ip = pkt[IP]
    return ip.len - 4 * ip.ihl - 4 * ip.payload.dataofs


def craft(src_mac, dst_mac, src, sport, dst, dport, flags, seq, ack=0, data=b"", options=None):
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    tcp = TCP(sport=sport, dport=dport, flags=flags, seq=seq & 0xFFFFFFFF,
              ack=ack & 0xFFFFFFFF, window=64240, options=options or [])
    pkt = Ether(src=src_mac, dst=dst_mac) / IP(src=src, dst=dst, ttl=64, flags="DF") / tcp
    if data:
        pkt = pkt / Raw(data)
    return pkt


class CraftedClient:
    """A minimal TCP client made of scapy packets, sent from CRAFTED_CLI4 on veth-cli.

    Its ISN is fixed, so every recording has the same crafted sequence numbers.
    """

    def __init__(self, tap, sport, dport, isn):
        self.tap, self.sport, self.dport = tap, sport, dport
        self.isn = isn
        self.snd_nxt = isn
        self.rcv_nxt = 0

    def send(self, flags, data=b"", seq=None, ack=None, options=None):
        seq = self.snd_nxt if seq is None else seq
        ack = self.rcv_nxt if ack is None else ack
        self.tap.send(craft(CLI_MAC, SRV_MAC, CRAFTED_CLI4, self.sport, SRV4, self.dport,
                            flags, seq, ack, data, options))

    def expect(self, match=lambda p: True, timeout=3.0):
        return self.tap.expect(lambda p: tcp_of(p, SRV4, self.dport, CRAFTED_CLI4, self.sport)
                               and match(p), timeout)


def flags_of(pkt):
    from scapy.layers.inet import TCP
    return str(pkt[TCP].flags)


def crafted_neighbours():
    # The crafted addresses are on the veth link: static neighbours, no ARP.
    sh("ip", "-n", SRV_NS, "neigh", "add", CRAFTED_CLI4, "lladdr", CLI_MAC,
       "dev", SRV_IF, "nud", "permanent")
    sh("ip", "-n", CLI_NS, "neigh", "add", CRAFTED_SRV4, "lladdr", SRV_MAC,
       "dev", CLI_IF, "nud", "permanent")


# ---------------------------------------------------------------- scenarios
# Each returns the sockets that must stay open until the capture has ended.

FLOOD_SYNS = 800            # threshold 300 half-open in 10 s; 2.5x margin


def syn_flood(sport=9001, cookies=False):
    # tcp_syncookies=0 + big queues: every SYN gets a request socket, whose
    # SYN-ACK is retransmitted (1, 3, 7 s).  =2: every SYN-ACK is a cookie,
    # nothing is kept, nothing retransmitted.
    sysctl(SRV_NS, f"net.ipv4.tcp_syncookies={2 if cookies else 0}",
           "net.ipv4.tcp_max_syn_backlog=8192", "net.core.somaxconn=4096")
    # The SYN-ACKs to the spoofed sources go out on the veth (and are captured
    # there) to the client namespace, which does not forward: they die there.
    sh("ip", "-n", SRV_NS, "route", "add", "default", "via", CLI4)
    ls = listener(sport, backlog=4096)
    t0 = time.monotonic()
    ns_run(CLI_NS, "hping3", "--rand-source", "-S", "-p", str(sport),
           "-c", str(FLOOD_SYNS), "-i", "u1000", "-q", SRV4, timeout=30)
    # Without cookies: wait for the 7 s retransmission of the last SYN-ACKs.
    until(t0, 4.0 if cookies else 8.5)
    return [ls]


def syn_flood_cookies():
    return syn_flood(9002, cookies=True)


AQ_BACKLOG = 20             # 20 connections overflow (threshold 10)


def accept_queue_overflow(sport=9003, abort_on_overflow=False, first_cport=41000):
    """A listener that never accept()s; its accept queue overflows on the handshake ACK.

    Linux 6.x drops a SYN outright when the accept queue is already full, and
    it keeps at most backlog+1 request sockets (more SYNs are dropped, or get
    cookies, whose ACKs are dropped silently whatever tcp_abort_on_overflow
    says).  For the handshake ACK itself to overflow the queue, the SYNs have
    to arrive while there is still room, and the ACKs after it has filled:
      1. AQ_BACKLOG clients connect one after the other and stay in the
         accept queue (Linux calls it full when it holds more than backlog);
      2. the server's veth end gets a tbf whose bucket is emptied, so the
         next SYN-ACKs leave ~6 ms apart; AQ_BACKLOG+1 clients send their
         SYNs at once: all get request sockets (no cookies: tcp_syncookies=0);
      3. the first handshake ACK fills the queue, the other AQ_BACKLOG overflow:
         ignored and the SYN-ACK retransmitted (tcp_abort_on_overflow=0) or
         answered with RST (=1).
    """
    sysctl(SRV_NS, "net.ipv4.tcp_syncookies=0",
           f"net.ipv4.tcp_abort_on_overflow={1 if abort_on_overflow else 0}")
    ls = listener(sport, backlog=AQ_BACKLOG)        # never accept()ed
    keep = [ls]
    for i in range(AQ_BACKLOG):
        c = client(first_cport + i)
        c.connect((SRV4, sport))
        keep.append(c)
        time.sleep(0.01)
    time.sleep(STEP)
    late = []
    for i in range(AQ_BACKLOG + 1):
        c = client(first_cport + AQ_BACKLOG + i)
        c.setblocking(False)
        late.append(c)
    sh("ip", "netns", "exec", SRV_NS, "tc", "qdisc", "add", "dev", SRV_IF, "root",
       "tbf", "rate", "100kbit", "burst", "1500", "limit", "100000")
    filler = base.filler_socket(SRV_NS, SRV_IF)
    time.sleep(STEP)
    base.send_filler(filler)        # bucket empty: SYN-ACKs now leave ~6 ms apart
    for c in late:
        try:
            c.connect((SRV4, sport))
        except BlockingIOError:
            pass
    # abort=0: SYN-ACK retransmissions at ~1, 3 and 7.2 s, each re-ACKed; the
    # next one would come at ~15 s.
    time.sleep(1.5 if abort_on_overflow else 9.5)
    filler.close()
    return keep + late


def accept_queue_overflow_rst():
    return accept_queue_overflow(9004, abort_on_overflow=True, first_cport=41100)


def connection_refused(sport=9005, first_cport=42001, per_source=14):
    # Three client addresses, 14 attempts each, to one port nobody listens on.
    for addr in EXTRA_CLI4:
        sh("ip", "-n", CLI_NS, "addr", "add", f"{addr}/24", "dev", CLI_IF)
        sh("ip", "-n", SRV_NS, "neigh", "add", addr, "lladdr", CLI_MAC,
           "dev", SRV_IF, "nud", "permanent")
    time.sleep(STEP)
    for i in range(per_source):
        for addr in [CLI4] + EXTRA_CLI4:
            c = client(first_cport + i, addr)
            try:
                c.connect((SRV4, sport))
                raise RuntimeError("connect unexpectedly succeeded")
            except ConnectionRefusedError:
                pass
            c.close()
            time.sleep(0.05)
    return []


SCAN_PORTS = 150            # threshold 60 distinct ports in 10 s
OPEN_PORTS = (22, 80, 110)


def port_scan(first_cport=43000):
    keep = [listener(p) for p in OPEN_PORTS]
    time.sleep(STEP)
    # A SYN scan: one SYN per port 1..150, 10 ms apart, source ports 43000..
    # Closed ports answer RST+ACK; open ones SYN-ACK, which the client
    # namespace's kernel (it has no such socket) answers with RST.
    ns_run(CLI_NS, "hping3", "-S", "-p", "++1", "-s", str(first_cport),
           "-c", str(SCAN_PORTS), "-i", "u10000", SRV4, timeout=30)
    time.sleep(STEP)
    return keep


LINGER = 120.0              # seconds of packet time in CLOSE_WAIT / FIN_WAIT_2


def close_wait_linger(sport=9006):
    """Three connections whose server application never calls close().

    The client closes; the server ACKs the FIN and stays in CLOSE_WAIT.  The
    client's orphaned FIN_WAIT_2 dies silently after tcp_fin_timeout (60 s);
    the server must not send anything on those connections (data would hit a
    closed socket and draw an RST).  Meanwhile the same listener serves a
    normal connection every 30 s, which also moves the packet clock on: the
    last one ends ~120 s after the first leak.
    """
    ls = listener(sport)
    t0 = time.monotonic()
    leaked = []
    for i in range(3):
        c, a = connect(44001 + i, sport, ls)
        request_response(c, a)
        c.close()                   # client FIN; the server ACKs, never closes
        time.sleep(0.5)
        leaked.append(a)
    for k in range(4):
        until(t0, 30.0 * (k + 1) - 0.5)
        c, a = connect(44011 + k, sport, ls)
        request_response(c, a)
        c.close()
        time.sleep(LATER)
        assert recv_eof(a) == b""
        a.close()
        time.sleep(STEP)
    return leaked + [ls]


request_response = base.request_response


TW_CONNECTIONS = 3000       # threshold 1500 in TIME_WAIT


def time_wait_buildup(sport=9007, first_cport=20000):
    """3000 short connections, each closed by the server first: the server
    ends every one of them in TIME_WAIT (60 s), all within a few seconds."""
    ls = listener(sport, backlog=128)
    for i in range(TW_CONNECTIONS):
        c = client(first_cport + i)
        c.connect((SRV4, sport))
        a, _ = ls.accept()
        a.close()                   # server FIN first
        assert c.recv(1) == b""
        c.close()                   # client FIN (acks the server's); server -> TIME_WAIT
    time.sleep(STEP)
    out = subprocess.run(["ip", "netns", "exec", SRV_NS, "ss", "-Htan", "state", "time-wait"],
                         capture_output=True, text=True, check=True).stdout
    log(f"server namespace holds {len(out.splitlines())} sockets in TIME_WAIT")
    return [ls]


def fin_wait_2_timeout(cport=44021, sport=9008):
    """shutdown(SHUT_WR) on the client, and the server never sends its FIN.

    Not close(): an orphaned FIN_WAIT_2 would be dropped after
    tcp_fin_timeout.  A half-closed socket stays in FIN_WAIT_2 as long as the
    peer keeps the connection open.  Both applications stay silent; the
    client's keep-alive (every 30 s, each probe ACKed by the server) proves
    both ends alive and moves the packet clock to ~120 s.
    """
    ls = listener(sport)
    c, a = connect(cport, sport, ls)
    request_response(c, a)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 30)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 9)
    t0 = time.monotonic()
    c.shutdown(socket.SHUT_WR)      # client FIN -> FIN_WAIT_1, ACKed -> FIN_WAIT_2
    time.sleep(LATER)
    assert a.recv(1) == b""         # the server application sees EOF ... and keeps the socket
    # Probes ~30.7 s apart (a 30 s timer lands in a 2 s wheel slot at HZ=250):
    # the 4th comes at ~123 s (at most 128 s), the 5th not before 150 s.
    until(t0, LINGER + 15.0)
    return [c, a, ls]


def peer_unreachable(cport=44031, sport=9009):
    """The link is cut while the client has 3000 bytes in flight: the client
    retransmits with exponential backoff (RTO doubling) and hears nothing."""
    ls = listener(sport)
    c, a = connect(cport, sport, ls)
    request_response(c, a)
    request_response(c, a)
    cut_link()
    time.sleep(STEP)
    c.sendall(b"u" * 3000)          # 3 segments, never ACKed
    time.sleep(62.0)                # retransmissions up to ~55 s after the send; the next is ~110 s
    return [c, a, ls]


def keepalive_dead_peer(cport=44041, sport=9010):
    """An idle connection with keep-alive 1 s / 1 s / 3 probes; the peer
    vanishes (its link is cut) and the probes go unanswered."""
    ls = listener(sport)
    c, a = connect(cport, sport, ls)
    request_response(c, a)
    cut_link()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    time.sleep(6.0)                 # probes at ~1, 2, 3 s; the kernel gives up at ~4 s
    state = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
    err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    log(f"client after keep-alive failure: tcpi_state={state} so_error={os.strerror(err)}")
    if state != TCP_CLOSE:
        raise RuntimeError("keep-alive did not give up")
    return [c, a, ls]


ZW_TOTAL = 65536            # bytes the client sends
ZW_RCVBUF = 16384           # server receive buffer (the kernel doubles it)
# Seconds the server application does not read.  Zero-window probes come at
# ~0.2, 0.7, 1.6, 3.3, 6.9, 13.9 s of stall: reopening at ~10 s keeps clear of them.
ZW_STALL = 10.0


def zero_window(cport=44051, sport=9011):
    """The server stops reading: its window closes, the client probes the zero
    window with backoff; after ~10 s the server reads everything, the window
    opens, the rest flows and the connection closes normally."""
    ls = listener(sport, rcvbuf=ZW_RCVBUF)
    c, a = connect(cport, sport, ls)
    c.setblocking(False)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * ZW_TOTAL)
    sent = c.send(b"z" * ZW_TOTAL)   # all of it into the send buffer at once
    assert sent == ZW_TOTAL, sent
    time.sleep(ZW_STALL)            # the server application does not read
    got = 0
    a.settimeout(5)
    while got < ZW_TOTAL:           # now it reads (bounded by the timeout)
        got += len(a.recv(65536))
    time.sleep(STEP)
    c.setblocking(True)
    c.settimeout(5)
    return base.client_closes_then_server(c, a, ls)


def syn_with_data(cport=44061, sport=9012):
    """A crafted client sends its 12-byte request in the SYN, without the TCP
    Fast Open option.  Linux answers with a SYN-ACK that acks only the SYN
    (the data is dropped); the client then sends the request again, gets the
    response, and the server closes."""
    crafted_neighbours()
    ls = listener(sport)
    tap = Tap(CLI_NS, CLI_IF)
    cl = CraftedClient(tap, cport, sport, isn=0x10000000)
    time.sleep(STEP)
    cl.send("S", data=REQUEST, options=[("MSS", 1460)])
    cl.snd_nxt += 1                 # the data in the SYN is not counted: Linux drops it
    synack = cl.expect(lambda p: flags_of(p) == "SA")
    from scapy.layers.inet import TCP
    cl.rcv_nxt = synack[TCP].seq + 1
    time.sleep(STEP)
    cl.send("A")
    a, _ = ls.accept()
    a.settimeout(5)
    time.sleep(STEP)
    cl.send("PA", data=REQUEST)
    cl.snd_nxt += len(REQUEST)
    assert recv_exact(a, len(REQUEST)) == REQUEST
    time.sleep(STEP)
    a.sendall(RESPONSE)
    resp = cl.expect(lambda p: payload_len(p) > 0)
    cl.rcv_nxt = resp[TCP].seq + payload_len(resp)
    time.sleep(STEP)
    cl.send("A")
    time.sleep(STEP)
    a.close()                       # server FIN
    fin = cl.expect(lambda p: "F" in flags_of(p))
    cl.rcv_nxt = fin[TCP].seq + 1
    time.sleep(STEP)
    cl.send("FA")                   # client FIN, acks the server's FIN
    cl.snd_nxt += 1
    cl.expect(lambda p: flags_of(p) == "A" and p[TCP].ack == cl.snd_nxt)
    time.sleep(STEP)
    tap.close()
    ls.close()
    return []


def bad_handshake_ack(cport=44071, sport=9013):
    """Two handshakes gone wrong.

    1. A real client connects to 10.99.0.4 (a scapy "server" on veth-srv);
       the SYN-ACK acks ISN+1001 instead of ISN+1.  The client's kernel
       answers with RST (seq = the bogus ack), as RFC 9293 says; its connect
       is given up after 0.5 s (before the 1 s SYN retransmission).
    2. A crafted client (10.99.0.3) sends a SYN to a real listener, gets a
       correct SYN-ACK and answers with an ACK that acks server ISN+1001.
       Linux answers with RST (seq = the bogus ack) and keeps the request:
       it retransmits the SYN-ACK 1 s later, which the crafted client answers
       with an RST of its own (seq = ISN+1), ending it.
    """
    from scapy.layers.inet import TCP
    crafted_neighbours()
    ls = listener(sport)
    # 1. wrong ack in the SYN-ACK
    srv_tap = Tap(SRV_NS, SRV_IF)
    c = client(cport)
    c.setblocking(False)
    try:
        c.connect((CRAFTED_SRV4, sport))
    except BlockingIOError:
        pass
    syn = srv_tap.expect(lambda p: tcp_of(p, CLI4, cport, CRAFTED_SRV4, sport)
                         and flags_of(p) == "S")
    isn = syn[TCP].seq
    srv_tap.send(craft(SRV_MAC, CLI_MAC, CRAFTED_SRV4, sport, CLI4, cport, "SA",
                       seq=0x20000000, ack=isn + 1 + 1000,
                       options=[("MSS", 1460)]))
    srv_tap.expect(lambda p: tcp_of(p, CLI4, cport, CRAFTED_SRV4, sport)
                   and "R" in flags_of(p))
    time.sleep(0.5)
    c.close()                       # still SYN_SENT: closing sends nothing
    srv_tap.close()
    time.sleep(STEP)
    # 2. wrong ack in the handshake ACK
    tap = Tap(CLI_NS, CLI_IF)
    cl = CraftedClient(tap, cport + 1, sport, isn=0x30000000)
    cl.send("S", options=[("MSS", 1460)])
    cl.snd_nxt += 1
    synack = cl.expect(lambda p: flags_of(p) == "SA")
    srv_isn = synack[TCP].seq
    cl.rcv_nxt = srv_isn + 1
    time.sleep(STEP)
    cl.send("A", ack=srv_isn + 1 + 1000)
    cl.expect(lambda p: "R" in flags_of(p))
    cl.expect(lambda p: flags_of(p) == "SA", timeout=3.0)     # retransmitted ~1 s later
    cl.send("R", ack=0)
    time.sleep(STEP)
    tap.close()
    return [ls]


def syn_isn_changed(cport=44081, sport=9014):
    """One 4-tuple, two SYNs with different ISNs, neither answered.

    The kernel does this itself when an application gives up on a connect()
    and retries from the same (bound) source port: the first SYN (and its
    1 s retransmission, same ISN) is still unanswered when the second
    connect() sends a SYN with a new ISN.  No answers: the server namespace's
    route back to the client is a blackhole (as in syn-unanswered)."""
    sh("ip", "-n", SRV_NS, "route", "add", "blackhole", f"{CLI4}/32")
    for _ in range(2):
        c = client(cport)
        c.settimeout(1.5)
        try:
            c.connect((SRV4, sport))
            raise RuntimeError("connect unexpectedly succeeded")
        except (socket.timeout, TimeoutError):
            log("connect timed out, as intended")
        c.close()                   # SYN_SENT: closing sends nothing
    time.sleep(STEP)
    return []


def rst_out_of_window(cport=44091, sport=9015):
    """A real connection survives two crafted RSTs far outside the window:
    one toward the server (seq = its rcv_nxt + 2^30), one toward the client
    (seq = its rcv_nxt - 2^30).  Linux drops both silently (RFC 5961 3.2: no
    challenge ACK for an RST outside the window); the exchange then goes on
    and the connection closes normally."""
    from scapy.layers.inet import TCP
    ls = listener(sport)
    cli_tap = Tap(CLI_NS, CLI_IF)
    c, a = connect(cport, sport, ls)
    c.sendall(REQUEST)
    last_out = cli_tap.expect(lambda p: tcp_of(p, CLI4, cport, SRV4, sport)
                              and payload_len(p) > 0, incoming=False)
    time.sleep(STEP)
    assert recv_exact(a, len(REQUEST)) == REQUEST
    a.sendall(RESPONSE)
    last_in = cli_tap.expect(lambda p: tcp_of(p, SRV4, sport, CLI4, cport)
                             and payload_len(p) > 0)
    time.sleep(STEP)
    assert recv_exact(c, len(RESPONSE)) == RESPONSE
    srv_rcv_nxt = last_out[TCP].seq + len(REQUEST)     # what the server expects next
    cli_rcv_nxt = last_in[TCP].seq + len(RESPONSE)     # what the client expects next
    cli_tap.send(craft(CLI_MAC, SRV_MAC, CLI4, cport, SRV4, sport, "R",
                       seq=srv_rcv_nxt + (1 << 30)))
    time.sleep(STEP)
    srv_tap = Tap(SRV_NS, SRV_IF)
    srv_tap.send(craft(SRV_MAC, CLI_MAC, SRV4, sport, CLI4, cport, "R",
                       seq=cli_rcv_nxt - (1 << 30)))
    srv_tap.close()
    cli_tap.close()
    time.sleep(STEP)
    request_response(c, a)          # still alive, both ways
    return base.client_closes_then_server(c, a, ls)


SCENARIOS = {
    "syn-flood": syn_flood,
    "syn-flood-cookies": syn_flood_cookies,
    "accept-queue-overflow": accept_queue_overflow,
    "accept-queue-overflow-rst": accept_queue_overflow_rst,
    "connection-refused": connection_refused,
    "port-scan": port_scan,
    "close-wait-linger": close_wait_linger,
    "time-wait-buildup": time_wait_buildup,
    "fin-wait-2-timeout": fin_wait_2_timeout,
    "peer-unreachable": peer_unreachable,
    "keepalive-dead-peer": keepalive_dead_peer,
    "zero-window": zero_window,
    "syn-with-data": syn_with_data,
    "bad-handshake-ack": bad_handshake_ack,
    "syn-isn-changed": syn_isn_changed,
    "rst-out-of-window": rst_out_of_window,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(SCENARIOS))
    base.add_run_arguments(ap)
    return base.run(SCENARIOS, ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
