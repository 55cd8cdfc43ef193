#!/usr/bin/python3
"""Drive one tcpstate reference scenario through the real Linux TCP stack.

Run by captures/record.sh, which has already created the network namespaces
tcpstate-cli (10.99.0.1, fd00:99::1 on veth-cli) and tcpstate-srv (10.99.0.2,
fd00:99::2 on veth-srv) and started tcpdump.

Both endpoints live in this single, single-threaded process: every socket is
created inside its namespace (setns), and the script then drives client and
server calls in a fixed order with fixed pauses.  That ordering, plus fixed
ports and fixed payloads, is what makes the per-connection outcome identical
on every re-recording (only ISNs, TCP timestamps and wall-clock times differ).

Protocol with record.sh: when the scenario has produced all the traffic that
belongs in the capture it creates the --ready file, then waits (bounded) for
the --release file, which record.sh creates once tcpdump has exited.  Only then
are the remaining sockets closed (this matters for close-wait, whose server
socket must still be open when the capture ends).

Usage: scenario.py NAME --ready FILE --release FILE
"""

import argparse
import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys
import threading
import time

# record.sh (captures/netns.sh) exports the namespace names it created; set TCPSTATE_CLI_NS / TCPSTATE_SRV_NS
# to rename them so two recordings can run at once.
CLI_NS = os.environ.get("TCPSTATE_CLI_NS", "tcpstate-cli")
SRV_NS = os.environ.get("TCPSTATE_SRV_NS", "tcpstate-srv")
CLI_IF, SRV_IF = "veth-cli", "veth-srv"
CLI4, SRV4 = "10.99.0.1", "10.99.0.2"
CLI6, SRV6 = "fd00:99::1", "fd00:99::2"

# Pause between application steps.  Longer than Linux's minimum delayed-ACK
# timeout (40 ms), so every ACK the kernel owes has gone out before the next
# step: no ACK piggybacks on data by luck of timing.
STEP = 0.1
# "A little later" for the passive side's close (>= 200 ms per the brief).
LATER = 0.3

REQUEST = b"GET /hello\r\n"                             # 12 bytes
RESPONSE = b"HTTP/1.0 200 OK\r\n\r\nhello, world!\r\n"    # 34 bytes
assert len(REQUEST) == 12 and len(RESPONSE) == 34

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def log(msg):
    print(f"[scenario] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def netns(name):
    """Run the body with this thread in network namespace `name`."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(target, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
        yield
    finally:
        if _libc.setns(own, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back to own namespace")
        os.close(own)
        os.close(target)


def sh(*argv):
    """Run a command (ip / tc); fail loudly."""
    log("$ " + " ".join(argv))
    subprocess.run(argv, check=True)


# ---------------------------------------------------------------- sockets

def listener(port, v6=False):
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    with netns(SRV_NS):
        s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((SRV6 if v6 else SRV4, port))
    s.listen(8)
    s.settimeout(5)
    return s


def client_socket(cport, v6=False):
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    with netns(CLI_NS):
        c = socket.socket(fam, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind((CLI6 if v6 else CLI4, cport))
    c.settimeout(5)
    return c


def connect(cport, sport, v6=False, lsock=None):
    """Connect client port cport to server port sport; return (client, server)."""
    c = client_socket(cport, v6)
    c.connect((SRV6 if v6 else SRV4, sport))
    a = None
    if lsock is not None:
        a, _ = lsock.accept()
        a.settimeout(5)
    time.sleep(STEP)
    return c, a


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise RuntimeError(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def recv_eof(s):
    """Read everything up to EOF (bounded by the socket timeout)."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def client_closes_then_server(c, a, ls):
    """The client closes; the server reads end-of-file and closes too; the listener goes. Nothing is kept open."""
    c.close()
    time.sleep(LATER)
    assert recv_eof(a) == b""
    a.close()
    time.sleep(STEP)
    ls.close()
    return []


def request_response(c, a):
    c.sendall(REQUEST)
    time.sleep(STEP)
    assert recv_exact(a, len(REQUEST)) == REQUEST
    a.sendall(RESPONSE)
    time.sleep(STEP)
    assert recv_exact(c, len(RESPONSE)) == RESPONSE


def abort(s):
    """Close with SO_LINGER {on, 0}: the kernel sends RST instead of FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


# ---------------------------------------------------------------- scenarios
# Each returns the sockets that must stay open until the capture has ended.

def client_closes_first(cport=40001, sport=8001, v6=False):
    ls = listener(sport, v6)
    c, a = connect(cport, sport, v6, ls)
    request_response(c, a)
    c.close()                       # client FIN -> FIN_WAIT_1
    time.sleep(LATER)               # server ACKs the FIN (delayed ACK) meanwhile
    assert recv_eof(a) == b""
    a.close()                       # server FIN -> LAST_ACK; client TIME_WAIT
    time.sleep(STEP)
    ls.close()
    return []


def server_closes_first(cport=40002, sport=8002):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    a.close()                       # server FIN first
    time.sleep(LATER)
    assert recv_eof(c) == b""
    c.close()                       # client FIN from CLOSE_WAIT
    time.sleep(STEP)
    ls.close()
    return []


# Token-bucket "delay line" for simultaneous close.  This kernel has no
# sch_netem, so instead of `netem delay 50ms` each veth gets a tbf qdisc at
# 1250 bytes/s whose bucket is emptied just before the close by one filler
# frame (an Ethernet frame of a local-experimental EtherType, sent to a MAC
# nobody has; the capture filter `tcp` keeps it out of the trace).  A FIN
# frame (66 bytes) then has to wait ~50 ms for tokens on each side, so both
# FINs are handed to the qdiscs before either reaches the peer.
TBF_RATE = "10kbit"        # 1250 bytes/s  -> 66-byte FIN waits ~53 ms
TBF_BURST = "1500"
FILLER_LEN = 1500          # frame length, drains the full 1500-byte bucket
FILLER_ETHERTYPE = 0x88B5  # IEEE 802 local experimental EtherType 1


def tbf_on(ns, ifname):
    sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", ifname, "root",
       "tbf", "rate", TBF_RATE, "burst", TBF_BURST, "limit", "100000")


def filler_socket(ns, ifname):
    with netns(ns):
        p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    p.bind((ifname, 0))
    return p


def send_filler(p):
    frame = (bytes.fromhex("020000000099") + bytes.fromhex("020000000098")
             + struct.pack("!H", FILLER_ETHERTYPE))
    frame += b"\0" * (FILLER_LEN - len(frame))
    p.send(frame)


def simultaneous_close(cport=40003, sport=8003):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    pc = filler_socket(CLI_NS, CLI_IF)
    ps = filler_socket(SRV_NS, SRV_IF)
    tbf_on(CLI_NS, CLI_IF)
    tbf_on(SRV_NS, SRV_IF)
    time.sleep(STEP)
    send_filler(pc)                 # client bucket empty now
    time.sleep(0.005)
    send_filler(ps)                 # server bucket empty 5 ms later
    c.close()                       # client FIN queued (released after ~53 ms)
    a.close()                       # server FIN queued (released ~5 ms after)
    time.sleep(1.0)                 # FINs, then the two ACKs (each ~53 ms apart)
    pc.close()
    ps.close()
    ls.close()
    return []


def three_way_close(cport=40004, sport=8004):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    c.close()                       # client FIN; server's ACK would be delayed 40 ms
    assert recv_eof(a) == b""       # ... but the server reads EOF at once
    a.close()                       # FIN+ACK acking the client's FIN
    time.sleep(STEP)
    ls.close()
    return []


def connection_refused(cport=40005, sport=8005):
    c = client_socket(cport)
    try:
        c.connect((SRV4, sport))
        raise RuntimeError("connect unexpectedly succeeded")
    except ConnectionRefusedError:
        log("connection refused, as intended")
    c.close()
    time.sleep(STEP)
    return []


def syn_unanswered(cport=40006, sport=8006):
    # Everything the server namespace would send to the client is dropped
    # before it reaches the wire, so the SYN never gets an answer (no SYN-ACK,
    # no RST): Linux retransmits it after 1 s and 3 s (RTO 1 s, doubling).
    sh("ip", "-n", SRV_NS, "route", "add", "blackhole", f"{CLI4}/32")
    c = client_socket(cport)
    c.settimeout(3.5)
    try:
        c.connect((SRV4, sport))
        raise RuntimeError("connect unexpectedly succeeded")
    except (socket.timeout, TimeoutError):
        log("connect timed out, as intended")
    c.close()                       # closing in SYN_SENT sends nothing
    time.sleep(STEP)
    return []


def rst_abort(cport=40007, sport=8007):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    abort(c)                        # client RST
    time.sleep(STEP)
    try:
        a.recv(1)
    except ConnectionResetError:
        pass
    a.close()                       # already reset: sends nothing
    ls.close()
    return []


def half_close(cport=40008, sport=8008, segments=5, seglen=100):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    c.sendall(REQUEST)
    time.sleep(STEP)
    c.shutdown(socket.SHUT_WR)      # client FIN, client can still receive
    time.sleep(STEP)
    assert recv_exact(a, len(REQUEST)) == REQUEST
    assert a.recv(1) == b""         # server saw EOF: CLOSE_WAIT
    for i in range(segments):       # server keeps sending after the FIN
        time.sleep(0.25)            # > max delayed-ACK: one ACK per segment
        a.sendall(bytes([0x61 + i]) * seglen)
    time.sleep(STEP)
    a.close()                       # server FIN -> LAST_ACK
    time.sleep(STEP)
    data = recv_eof(c)              # client reads to EOF ...
    assert len(data) == segments * seglen, len(data)
    c.close()                       # ... and closes (already TIME_WAIT, silent)
    time.sleep(STEP)
    ls.close()
    return []


def close_wait(cport=40009, sport=8009):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    c.close()                       # client FIN; server ACKs, never closes
    time.sleep(1.5)
    assert recv_eof(a) == b""
    # The capture ends here; `a` is closed only after tcpdump has stopped.
    return [a, ls]


def ipv6(cport=40010, sport=8010):
    return client_closes_first(cport, sport, v6=True)


def keepalive(cport=40011, sport=8011):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    # Enable keep-alive only now, so the idle clock starts after the exchange:
    # probes at ~1 s, ~2 s and ~3 s of idleness, each ACKed by the server.
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
    time.sleep(3.5)
    return client_closes_then_server(c, a, ls)


def sll2_any(cport=40012, sport=8012):
    return client_closes_first(cport, sport)


def nanosecond(cport=40013, sport=8013):
    return client_closes_first(cport, sport)


def server_rst_abort(cport=40014, sport=8014):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    abort(a)                        # server RST after its response
    time.sleep(STEP)
    try:
        c.recv(1)
    except ConnectionResetError:
        pass
    c.close()
    ls.close()
    return []


def port_reuse(cport=40015, sport=8015):
    # Connection 1: the server closes first and sits in TIME_WAIT.
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    a.close()
    time.sleep(LATER)
    assert recv_eof(c) == b""
    c.close()
    time.sleep(0.5)
    # Connection 2: same 4-tuple, well within the server's TIME_WAIT (60 s).
    # The server accepts the new SYN in TIME_WAIT (its TCP timestamp is newer).
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    return client_closes_then_server(c, a, ls)


def retransmission(cport=40016, sport=8016):
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    # For 100 ms the server namespace cannot send to the client: its ACK of
    # the request is lost before reaching the wire.  The client's first
    # retransmission (RTO/TLP, >= 200 ms after the original) gets through and
    # is ACKed (with a D-SACK).
    sh("ip", "-n", SRV_NS, "route", "add", "blackhole", f"{CLI4}/32")
    c.sendall(REQUEST)
    time.sleep(0.1)
    sh("ip", "-n", SRV_NS, "route", "del", "blackhole", f"{CLI4}/32")
    time.sleep(0.5)
    assert recv_exact(a, len(REQUEST)) == REQUEST
    a.sendall(RESPONSE)
    time.sleep(STEP)
    assert recv_exact(c, len(RESPONSE)) == RESPONSE
    return client_closes_then_server(c, a, ls)


def bulk_transfer(cport=40017, sport=8017, size=1_048_576):
    # A long data phase for `tcpstate explain` to fold: the server sends 1 MiB after the request (recorded with a
    # 128-byte snaplen so the trace stays small; the IP lengths still say how much each segment carried).  A reader
    # thread drains the client socket while the server writes, as a real client would.
    ls = listener(sport)
    c, a = connect(cport, sport, lsock=ls)
    c.sendall(REQUEST)
    time.sleep(STEP)
    assert recv_exact(a, len(REQUEST)) == REQUEST
    received = []
    reader = threading.Thread(target=lambda: received.append(len(recv_exact(c, size))))
    reader.start()
    a.sendall(bytes(range(256)) * (size // 256))
    reader.join(timeout=10)
    assert received == [size], received
    time.sleep(STEP)
    return client_closes_then_server(c, a, ls)  # four-way close started by the client, as client-closes-first


# SYN flood with SYN cookies.  Spoofed SYNs from an address nobody has (10.99.0.9: the server reaches it through a
# static neighbour entry to an unused MAC, so its SYN-ACKs go out on the wire and no RST ever comes back) fill the
# listener's SYN queue (listen backlog 2).  Linux (tcp_syncookies=1) then answers further SYNs with SYN cookies:
# SYN-ACKs that keep no state, so they are never retransmitted, while the first half-open requests' SYN-ACKs are
# (after 1 s and 3 s).  Some spoofed SYNs carry timestamps (the cookie then hides the SYN's options in the SYN-ACK's
# TSval), some do not (the SYN-ACK then drops window scaling and SACK).  A real client without timestamps connects
# in the middle of the flood and completes its handshake on a cookie.
FLOOD_SRC = "10.99.0.9"
FLOOD_MAC = "02:99:00:00:00:09"
FLOOD_SYNS = 10                   # spoofed SYNs, 100 ms apart: the cookie timestamps fall in distinct 64 ms slots
FLOOD_WITHOUT_TS = 3              # the last ones carry no timestamps option
SERVER_MAC = "02:99:00:00:00:02"


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def spoofed_syn(src, dst, sport, dport, isn, tsval=None):
    if tsval is None:               # Windows-like: MSS, NOP, WS 8, NOP, NOP, SACK permitted
        options = struct.pack("!BBH", 2, 4, 1460) + bytes([1, 3, 3, 8, 1, 1, 4, 2])
    else:                           # Linux-like: MSS, SACK permitted, TS, NOP, WS 7
        options = struct.pack("!BBH", 2, 4, 1460) + bytes([4, 2]) + struct.pack("!BBII", 8, 10, tsval, 0) + bytes([1, 3, 3, 7])
    offset = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, isn, 0, offset << 4, 0x02, 64240, 0, 0) + options
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s + d + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", inet_checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    eth = bytes.fromhex(SERVER_MAC.replace(":", "")) + bytes.fromhex(FLOOD_MAC.replace(":", "")) + struct.pack("!H", 0x0800)
    return eth + ip + tcp


def syn_flood_cookies(cport=40018, sport=8018):
    sh("ip", "-n", SRV_NS, "neigh", "add", FLOOD_SRC, "lladdr", FLOOD_MAC, "dev", SRV_IF, "nud", "permanent")
    sh("ip", "netns", "exec", SRV_NS, "sysctl", "-qw", "net.ipv4.tcp_syncookies=1")
    sh("ip", "netns", "exec", CLI_NS, "sysctl", "-qw", "net.ipv4.tcp_timestamps=0")
    with netns(SRV_NS):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((SRV4, sport))
    ls.listen(2)
    ls.settimeout(5)
    raw = filler_socket(CLI_NS, CLI_IF)
    start = time.monotonic()
    for i in range(FLOOD_SYNS):
        with_ts = i < FLOOD_SYNS - FLOOD_WITHOUT_TS
        raw.send(spoofed_syn(FLOOD_SRC, SRV4, 41000 + i, sport, 0x10000000 * (i + 1) + 12345,
                             tsval=1000 + 100 * i if with_ts else None))
        time.sleep(0.1)
    # The SYN queue is full of half-open requests now: the real client's SYN is answered with a cookie.
    c, a = connect(cport, sport, lsock=ls)
    request_response(c, a)
    c.close()
    time.sleep(LATER)
    assert recv_eof(a) == b""
    a.close()
    # Long enough for the half-open requests' SYN-ACK retransmissions at 1 s and 3 s.
    time.sleep(max(0.0, 3.6 - (time.monotonic() - start)))
    raw.close()
    ls.close()
    return []


SCENARIOS = {
    "client-closes-first": client_closes_first,
    "server-closes-first": server_closes_first,
    "simultaneous-close": simultaneous_close,
    "three-way-close": three_way_close,
    "connection-refused": connection_refused,
    "syn-unanswered": syn_unanswered,
    "rst-abort": rst_abort,
    "half-close": half_close,
    "close-wait": close_wait,
    "ipv6": ipv6,
    "keepalive": keepalive,
    "sll2-any": sll2_any,
    "nanosecond": nanosecond,
    "server-rst-abort": server_rst_abort,
    "port-reuse": port_reuse,
    "retransmission": retransmission,
    "bulk-transfer": bulk_transfer,
    "syn-flood-cookies": syn_flood_cookies,
}


# ---------------------------------------------------------------- NIC setup

def tx_checksum_off(ifname):
    """ethtool -K IF tx off, via the SIOCETHTOOL ioctl (no ethtool binary needed).

    With TX checksum offload on, a capture on a veth shows locally generated
    TCP segments with only the pseudo-header checksum filled in ("incorrect
    cksum"); the analyzer (like Zeek without -C) would flag them.  Turning it
    off makes the kernel compute real checksums; it also turns off TSO/SG, so
    no segment larger than the MTU is ever captured.
    """
    SIOCETHTOOL, ETHTOOL_STXCSUM = 0x8946, 0x17
    val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0), 8)
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(val))
    ifr += b"\0" * (40 - len(ifr))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    finally:
        s.close()


def add_run_arguments(ap):
    """The options every scenario runner takes: how record.sh tells it when to close the sockets it kept."""
    ap.add_argument("--ready", help="file to create when the captured part is over")
    ap.add_argument("--release", help="file to wait for before closing the remaining sockets")
    ap.add_argument("--release-timeout", type=float, default=20.0)


def run(scenarios, args):
    """Run scenario args.name, create args.ready, wait (bounded) for args.release, close what it kept open."""
    log(f"running {args.name}")
    keep = scenarios[args.name]()
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    if args.release:
        deadline = time.monotonic() + args.release_timeout
        while not os.path.exists(args.release):
            if time.monotonic() > deadline:
                log("release file never appeared; closing anyway")
                break
            time.sleep(0.05)
    for s in keep:
        s.close()
    log(f"{args.name} done")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(SCENARIOS) + ["tx-checksum-off"])
    ap.add_argument("--ifname", help="for tx-checksum-off: interface in the current namespace")
    add_run_arguments(ap)
    args = ap.parse_args()

    if args.name == "tx-checksum-off":
        tx_checksum_off(args.ifname)
        return 0
    return run(SCENARIOS, args)


if __name__ == "__main__":
    sys.exit(main())
