#!/usr/bin/python3
"""Measure the anomaly traces and write captures/anomalies/expected.json.

Every figure in `facts` is counted from the packets as tcpdump decodes them
(`tcpdump -tt -nn -S -x -r TRACE`: the timestamp from the summary line, the
IPv4 and TCP header fields from the hex dump, because tcpdump's summary
leaves out the sequence number of zero-length segments such as keep-alive and
zero-window probes), plus `tcpdump -vv` for the checksum verdicts.  Nothing
is taken from what the recording script meant to do.  The verdicts
(`must_fire`, `may_fire`) and descriptions are kept here, next to the code that
measures each trace.

    python3 captures/anomalies/facts.py            # print expected.json
    python3 captures/anomalies/facts.py --write    # rewrite it
    python3 captures/anomalies/facts.py --dir /tmp/rerecord   # measure other copies

Sequence-number facts that depend on the ISN are given relative to the ISN
(they stay the same when the trace is re-recorded); absolute values are only
given for crafted packets, whose ISNs are fixed.
"""

import argparse
import collections
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRV = "10.99.0.2"
TWO_MSL = 60.0          # Linux TCP_TIMEWAIT_LEN
FIN_TIMEOUT = 60.0      # Linux tcp_fin_timeout default


class Seg:
    __slots__ = ("ts", "src", "sport", "dst", "dport", "seq", "ack", "flags", "win",
                 "plen", "opts", "cksum")

    @property
    def a(self):
        return (self.src, self.sport)

    @property
    def b(self):
        return (self.dst, self.dport)

    def has(self, letters):
        return all(ch in self.flags for ch in letters)

    def is_(self, letters):
        """Exactly these flags (any order): is_("RA") is RST+ACK."""
        return set(self.flags) == set(letters)

    @property
    def end(self):          # sequence space used: data, SYN and FIN count one each
        return (self.seq + self.plen + ("S" in self.flags) + ("F" in self.flags)) & 0xFFFFFFFF


FLAG_LETTERS = [(0x02, "S"), (0x10, "A"), (0x01, "F"), (0x04, "R"), (0x08, "P"), (0x20, "U")]


def parse_options(raw):
    opts, i = {}, 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(raw):
            break
        n = raw[i + 1]
        opts[kind] = raw[i + 2:i + n]
        i += max(n, 2)
    return opts


def decode(line, data):
    s = Seg()
    s.ts = float(line.split()[0])
    ihl = (data[0] & 15) * 4
    total = struct.unpack("!H", data[2:4])[0]
    assert data[9] == 6, line
    s.src = ".".join(str(x) for x in data[12:16])
    s.dst = ".".join(str(x) for x in data[16:20])
    t = data[ihl:]
    s.sport, s.dport, s.seq, s.ack = struct.unpack("!HHII", t[:12])
    off = (t[12] >> 4) * 4
    bits = t[13]
    s.flags = "".join(ch for bit, ch in FLAG_LETTERS if bits & bit)
    if not bits & 0x10:
        s.ack = None
    s.win = struct.unpack("!H", t[14:16])[0]
    s.plen = total - ihl - off
    s.opts = parse_options(t[20:off])
    return s


def read(path):
    out = subprocess.run(["tcpdump", "-tt", "-nn", "-S", "-x", "-r", path],
                         capture_output=True, text=True, check=True).stdout
    segs, line, hexs = [], None, []
    for ln in out.splitlines():
        if ln.startswith("\t0x"):
            hexs.append(ln.split(":", 1)[1].replace(" ", ""))
        else:
            if line is not None:
                segs.append(decode(line, bytes.fromhex("".join(hexs))))
            line, hexs = ln, []
    if line is not None:
        segs.append(decode(line, bytes.fromhex("".join(hexs))))
    return segs


def checksums(path):
    out = subprocess.run(["tcpdump", "-vv", "-nn", "-r", path],
                         capture_output=True, text=True, check=True).stdout
    return {"tcp_checksums_correct": out.count("(correct)"),
            "tcp_checksums_incorrect": out.count("(incorrect"),
            "tcp_checksums_unverified_truncated": sum(
                1 for ln in out.splitlines() if "Flags [" in ln and "cksum" not in ln)}


def r3(x):
    return round(x, 3)


def ep(addr):
    return f"{addr[0]}:{addr[1]}"


def sdiff(a, b):
    """a - b in sequence space, as a signed 32-bit number."""
    d = (a - b) & 0xFFFFFFFF
    return d - (1 << 32) if d >= (1 << 31) else d


def max_in_window(times, window):
    times, best, j = sorted(times), 0, 0
    for i, t in enumerate(times):
        while times[j] < t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def by_client(segs, listener):
    """Segments of each connection to `listener`, keyed by the client endpoint."""
    conns = collections.defaultdict(list)
    for s in segs:
        if s.b == listener:
            conns[s.a].append(s)
        elif s.a == listener:
            conns[s.b].append(s)
    return conns


def closed_normally(conn, x, y):
    """Both FINs sent and each one acked by the other side."""
    fx = [s for s in conn if s.a == x and "F" in s.flags]
    fy = [s for s in conn if s.a == y and "F" in s.flags]
    if not fx or not fy:
        return False
    ax = any(s.a == y and s.ack == fx[0].end for s in conn)
    ay = any(s.a == x and s.ack == fy[0].end for s in conn)
    return ax and ay


# ---------------------------------------------------------------- per trace

def syn_flood(segs, port, cookies):
    L = (SRV, port)
    syns = [s for s in segs if s.b == L and s.is_("S")]
    synacks = [s for s in segs if s.a == L and s.is_("SA")]
    per = collections.Counter(s.b for s in synacks)
    first = {}
    offsets = collections.defaultdict(list)
    for s in synacks:
        first.setdefault(s.b, s.ts)
        offsets[s.b].append(s.ts - first[s.b])
    answered = set(per)
    # Median SYN-ACK schedule of the connections with the most SYN-ACKs.
    most = max(per.values())
    sched = [sorted(offsets[k][i] for k in per if per[k] == most)[sum(1 for k in per if per[k] == most) // 2]
             for i in range(most)]
    return {
        "listener": ep(L),
        "syncookies_sysctl": 2 if cookies else 0,
        "syns": len(syns),
        "distinct_syn_4tuples": len({s.a for s in syns}),
        "distinct_sources": len({s.src for s in syns}),
        "syn_span_s": r3(syns[-1].ts - syns[0].ts),
        "max_syns_in_10s": max_in_window([s.ts for s in syns], 10.0),
        "synacks": len(synacks),
        "connections_answered": len(answered),
        "syns_unanswered": len({s.a for s in syns} - answered),
        "synack_retransmissions": len(synacks) - len(answered),
        "synacks_per_connection": {str(k): v for k, v in sorted(collections.Counter(per.values()).items())},
        "synack_schedule_s": [round(x, 1) for x in sched],
        "synack_mss_only_options": all(list(s.opts) == [2] for s in synacks),
        "client_acks": sum(1 for s in segs if s.b == L and "A" in s.flags),
        "rsts": sum(1 for s in segs if "R" in s.flags),
        "half_open_at_end": len(answered),
    }


def accept_queue(segs, port, abort):
    L = (SRV, port)
    conns = by_client(segs, L)
    completed, overflowed, reset, queued = [], [], [], []
    synack_rtx = dup_acks = 0
    rst_seq_ok = True
    times = []
    for c, cs in sorted(conns.items()):
        syn = next(s for s in cs if s.a == c and s.is_("S"))
        sas = [s for s in cs if s.a == L and s.is_("SA")]
        if not sas:
            continue
        isn_s = sas[0].seq
        hs = [s for s in cs if s.a == c and s.is_("A") and s.ack == (isn_s + 1) & 0xFFFFFFFF
              and s.seq == (syn.seq + 1) & 0xFFFFFFFF]
        if not hs:
            continue
        completed.append(c)
        times += [syn.ts, hs[0].ts]
        synack_rtx += len(sas) - 1
        dup_acks += len(hs) - 1
        later_sa = [s for s in sas if s.ts > hs[0].ts]
        rsts = [s for s in cs if s.a == L and "R" in s.flags and s.ts > hs[0].ts]
        if later_sa or rsts:
            overflowed.append(c)
        else:
            queued.append(c)
        if rsts:
            reset.append(c)
            rst_seq_ok &= all(s.seq == hs[0].ack and s.is_("R") for s in rsts)
    f = {
        "listener": ep(L),
        "listen_backlog": 20,
        "tcp_abort_on_overflow": 1 if abort else 0,
        "tcp_syncookies": 0,
        "clients": len(conns),
        "handshakes_completed": len(completed),
        "handshakes_completed_span_s": r3(max(times) - min(times)),
        "overflowed": len(overflowed),
        "kept_in_accept_queue": len(queued),
        "overflowed_clients_first_last": [ep(overflowed[0]), ep(overflowed[-1])],
        "synack_retransmissions_after_handshake_ack": synack_rtx,
        "client_acks_repeated": dup_acks,
        "server_rsts": sum(1 for s in segs if s.a == L and "R" in s.flags),
        "client_data_segments": sum(1 for s in segs if s.b == L and s.plen > 0),
    }
    if abort:
        f["rst_seq_is_server_isn_plus_1_no_ack_flag"] = rst_seq_ok
    else:
        per = collections.Counter(s.b for s in segs if s.a == L and s.is_("SA"))
        f["synacks_per_overflowed_connection"] = {str(k): v for k, v in sorted(
            collections.Counter(per[c] for c in overflowed).items())}
    return f


def connection_refused(segs, port):
    L = (SRV, port)
    syns = [s for s in segs if s.b == L and s.is_("S")]
    rsts = [s for s in segs if s.a == L and s.is_("RA")]
    answered = sum(1 for s in syns if any(r.b == s.a and r.ack == (s.seq + 1) & 0xFFFFFFFF for r in rsts))
    return {
        "closed_port": ep(L),
        "syns": len(syns),
        "rst_acks": len(rsts),
        "syns_answered_by_rst_ack": answered,
        "distinct_sources": sorted({s.src for s in syns}),
        "distinct_client_endpoints": len({s.a for s in syns}),
        "span_s": r3(syns[-1].ts - syns[0].ts),
        "max_syns_in_10s": max_in_window([s.ts for s in syns], 10.0),
        "other_segments": len(segs) - len(syns) - len(rsts),
    }


def port_scan(segs):
    syns = [s for s in segs if s.dst == SRV and s.is_("S")]
    closed = [s for s in segs if s.src == SRV and s.is_("RA")]
    opened = [s for s in segs if s.src == SRV and s.is_("SA")]
    ports = sorted({s.dport for s in syns})
    return {
        "scanner": sorted({s.src for s in syns}),
        "target": SRV,
        "syns": len(syns),
        "distinct_ports": len(ports),
        "port_range": [ports[0], ports[-1]],
        "closed_ports_rst_ack": len(closed),
        "open_ports_syn_ack": sorted(s.sport for s in opened),
        "scanner_rsts_after_syn_ack": sum(1 for s in segs if s.dst == SRV and s.is_("R")),
        "span_s": r3(syns[-1].ts - syns[0].ts),
        "max_distinct_ports_in_10s": max_in_window([s.ts for s in syns], 10.0),
        "syns_per_port_max": max(collections.Counter(s.dport for s in syns).values()),
    }


def close_wait_linger(segs, port):
    L = (SRV, port)
    end = segs[-1].ts
    leaked, normal = [], []
    for c, cs in sorted(by_client(segs, L).items()):
        cfin = [s for s in cs if s.a == c and "F" in s.flags]
        sfin = [s for s in cs if s.a == L and "F" in s.flags]
        if cfin and not sfin:
            ack = next(s for s in cs if s.a == L and s.ack == cfin[0].end)
            after = [s for s in cs if s.ts > ack.ts]
            leaked.append({"client": ep(c), "client_fin_t": r3(cfin[0].ts - segs[0].ts),
                           "server_ack_of_fin_t": r3(ack.ts - segs[0].ts),
                           "close_wait_s_at_trace_end": r3(end - ack.ts),
                           "segments_after_ack": len(after)})
        elif closed_normally(cs, c, L):
            normal.append(ep(c))
    return {
        "listener": ep(L),
        "close_wait_endpoint": ep(L),
        "leaked_connections": len(leaked),
        "leaks": leaked,
        "min_close_wait_s": min(x["close_wait_s_at_trace_end"] for x in leaked),
        "normal_connections_closed_both_ways": normal,
        "trace_end_t": r3(end - segs[0].ts),
    }


def time_wait(segs, port):
    L = (SRV, port)
    tw = []
    server_first = 0
    first_syn = None
    for c, cs in by_client(segs, L).items():
        syn = next(s for s in cs if s.a == c and s.is_("S"))
        first_syn = syn.ts if first_syn is None else min(first_syn, syn.ts)
        sfin = next((s for s in cs if s.a == L and "F" in s.flags), None)
        cfin = next((s for s in cs if s.a == c and "F" in s.flags), None)
        if sfin and (cfin is None or sfin.ts < cfin.ts):
            server_first += 1
        if sfin and cfin and sfin.ts < cfin.ts and cfin.ack == sfin.end:
            last = next((s for s in cs if s.a == L and s.ack == cfin.end and s.ts >= cfin.ts), None)
            if last:
                tw.append(last.ts)
    end = segs[-1].ts
    return {
        "time_wait_endpoint": ep(L),
        "connections": len(by_client(segs, L)),
        "server_closed_first": server_first,
        "server_in_time_wait_at_end": sum(1 for t in tw if end - t < TWO_MSL),
        "max_in_time_wait_concurrently": max_in_window(tw, TWO_MSL),
        "span_first_syn_to_last_time_wait_s": r3(max(tw) - first_syn),
        "data_segments": sum(1 for s in segs if s.plen > 0),
        "rsts": sum(1 for s in segs if "R" in s.flags),
        "distinct_client_ports": len({s.sport for s in segs if s.b == L}),
    }


def fin_wait_2(segs, cli, port):
    L = (SRV, port)
    cs = by_client(segs, L)[cli]
    cfin = next(s for s in cs if s.a == cli and "F" in s.flags)
    ack = next(s for s in cs if s.a == L and s.ack == cfin.end and s.ts >= cfin.ts)
    probes = [s for s in cs if s.a == cli and s.ts > ack.ts and s.plen == 0 and s.seq == cfin.seq
              and "F" not in s.flags]
    answered = sum(1 for p in probes if any(s.a == L and s.ts > p.ts and s.ts - p.ts < 1.0
                                            and s.ack == cfin.end for s in cs))
    end = segs[-1].ts
    return {
        "fin_wait_2_endpoint": ep(cli),
        "close_wait_endpoint": ep(L),
        "client_fin_t": r3(cfin.ts - segs[0].ts),
        "server_ack_of_fin_t": r3(ack.ts - segs[0].ts),
        "fin_wait_2_s_at_trace_end": r3(end - ack.ts),
        "server_fin": any(s.a == L and "F" in s.flags for s in cs),
        "keepalive_probes": len(probes),
        "keepalive_probes_answered": answered,
        "keepalive_probe_t": [round(p.ts - segs[0].ts, 1) for p in probes],
        "data_after_fin": sum(1 for s in cs if s.ts > cfin.ts and s.plen > 0),
        "trace_end_t": r3(end - segs[0].ts),
    }


def peer_unreachable(segs, cli, port):
    L = (SRV, port)
    last_srv = max(s.ts for s in segs if s.a == L)
    first_tx, rtx = None, []
    highest = None
    for s in segs:
        if s.a != cli or s.plen == 0:
            continue
        if highest is not None and sdiff(s.seq, highest) < 0:
            if s.ts > last_srv:
                rtx.append(s)
        else:
            if s.ts > last_srv and first_tx is None:
                first_tx = s
        highest = s.end if highest is None or sdiff(s.end, highest) > 0 else highest
    t0 = first_tx.ts
    times = [r3(s.ts - t0) for s in rtx]
    head = [s for s in rtx if s.seq == first_tx.seq]
    unacked = sdiff(highest, first_tx.seq)
    return {
        "sender": ep(cli),
        "unreachable_peer": ep(L),
        "last_segment_from_peer_t": r3(last_srv - segs[0].ts),
        "bytes_unacked": unacked,
        "retransmissions": len(rtx),
        "retransmissions_of_first_unacked_segment": len(head),
        "retransmission_t_after_first_send": times,
        "rto_intervals_s": [r3(b.ts - a.ts) for a, b in zip(head, head[1:])],
        "retransmitting_for_s": r3(rtx[-1].ts - t0),
        "segments_from_peer_after_cut": sum(1 for s in segs if s.a == L and s.ts > first_tx.ts),
        "rsts": sum(1 for s in segs if "R" in s.flags),
        "last_packet": "retransmission",
    }


def keepalive_dead_peer(segs, cli, port):
    L = (SRV, port)
    cs = by_client(segs, L)[cli]
    last_data = max(s.ts for s in cs if s.plen > 0)
    snd_una = max((s.ack for s in cs if s.a == L and s.ack is not None), key=lambda a: sdiff(a, 0))
    probes = [s for s in cs if s.a == cli and s.ts > last_data and s.plen == 0
              and s.seq == (snd_una - 1) & 0xFFFFFFFF and s.is_("A")]
    rst = [s for s in cs if s.a == cli and "R" in s.flags]
    return {
        "prober": ep(cli),
        "dead_peer": ep(L),
        "keepalive_settings": {"idle_s": 1, "interval_s": 1, "count": 3},
        "keepalive_probes": len(probes),
        "probe_seq_is_snd_una_minus_1": True,
        "probe_t_after_last_data": [r3(p.ts - last_data) for p in probes],
        "segments_from_peer_after_last_data": sum(1 for s in cs if s.a == L and s.ts > last_data + 0.05),
        "ends_with_rst": bool(rst),
        "rst_flags": rst[0].flags if rst else None,
        "rst_t_after_last_data": r3(rst[0].ts - last_data) if rst else None,
        "rst_seq_is_snd_una": bool(rst) and rst[0].seq == snd_una,
    }


def zero_window(segs, cli, port):
    L = (SRV, port)
    cs = by_client(segs, L)[cli]
    zeros = [s for s in cs if s.a == L and s.win == 0 and "S" not in s.flags]
    start = zeros[0].ts
    reopen = next(s for s in cs if s.a == L and s.ts > start and s.win > 0)
    stall_ack = zeros[0].ack
    probes = [s for s in cs if s.a == cli and start < s.ts < reopen.ts and s.plen == 0
              and s.seq == (stall_ack - 1) & 0xFFFFFFFF]
    replies = [s for s in cs if s.a == L and start < s.ts < reopen.ts and s.win == 0]
    answered = sum(1 for p in probes if any(0 <= r.ts - p.ts < 0.05 for r in replies))
    data = [s for s in cs if s.a == cli and s.plen > 0]
    isn = next(s for s in cs if s.a == cli and "S" in s.flags).seq
    highest_seq = max(sdiff(s.end, isn) for s in data)
    retrans, seen = 0, set()
    for s in data:
        if s.seq in seen:
            retrans += 1
        seen.add(s.seq)
    return {
        "receiver": ep(L),
        "sender": ep(cli),
        "receiver_window_scale": (lambda o: o[0] if o else 0)(
            next(s for s in cs if s.a == L and "S" in s.flags).opts.get(3)),
        "zero_window_start_t": r3(start - segs[0].ts),
        "window_reopen_t": r3(reopen.ts - segs[0].ts),
        "zero_window_s": r3(reopen.ts - start),
        "zero_window_advertisements": len(zeros),
        "zero_window_probes": len(probes),
        "zero_window_probes_answered": answered,
        "probe_t_after_zero_window": [r3(p.ts - start) for p in probes],
        "bytes_before_zero_window": sdiff(stall_ack, isn) - 1,
        "bytes_total": highest_seq - 1,
        "data_retransmissions": retrans,
        "closed_normally": closed_normally(cs, cli, L),
    }


def syn_with_data(segs):
    syn = next(s for s in segs if s.is_("S"))
    sa = next(s for s in segs if s.is_("SA"))
    cli, L = syn.a, syn.b
    data = [s for s in segs if s.a == cli and s.plen > 0 and "S" not in s.flags]
    return {
        "client": ep(cli),
        "listener": ep(L),
        "syn_payload_bytes": syn.plen,
        "syn_options": sorted(syn.opts),
        "syn_has_tfo_option": 34 in syn.opts,
        "syn_seq": syn.seq,
        "synack_ack_minus_syn_seq": sdiff(sa.ack, syn.seq),
        "synack_payload_bytes": sa.plen,
        "data_resent_after_handshake": [{"rel_seq": sdiff(s.seq, syn.seq), "bytes": s.plen} for s in data],
        "data_acked": any(s.a == L and s.ack == data[0].end for s in segs),
        "server_response_bytes": sum(s.plen for s in segs if s.a == L),
        "closed_normally": closed_normally(segs, cli, L),
        "crafted": "every client segment (scapy, fixed ISN 0x10000000)",
    }


def bad_handshake_ack(segs):
    out = []
    for key in sorted({(s.a, s.b) if s.is_("S") else None for s in segs} - {None}):
        cli, srv = key
        cs = [s for s in segs if {s.a, s.b} == {cli, srv}]
        syns = [s for s in cs if s.a == cli and s.is_("S")]
        sas = [s for s in cs if s.a == srv and s.is_("SA")]
        hack = next((s for s in cs if s.a == cli and s.is_("A")), None)
        rsts = [s for s in cs if "R" in s.flags]
        c = {
            "client": ep(cli), "server": ep(srv),
            "syns": len(syns),
            "synack_ack_minus_isn": sdiff(sas[0].ack, syns[0].seq),
            "synacks": len(sas),
        }
        if cli[0] == "10.99.0.3":     # crafted: the ISN is fixed
            c["syn_seq"] = syns[0].seq
        if hack:
            c["handshake_ack_minus_server_isn"] = sdiff(hack.ack, sas[0].seq)
        bogus = sas[0].ack if c["synack_ack_minus_isn"] != 1 else (hack.ack if hack else None)
        c["rsts"] = [{"from": ep(r.a), "flags": r.flags,
                      "seq_is_the_bogus_ack": r.seq == bogus,
                      "seq_minus_sender_isn": sdiff(r.seq, syns[0].seq if r.a == cli else sas[0].seq),
                      "t": r3(r.ts - cs[0].ts)} for r in rsts]
        if len(syns) > 1:
            c["syn_retransmitted_t"] = r3(syns[1].ts - syns[0].ts)
            c["syn_retransmission_same_isn"] = syns[1].seq == syns[0].seq
        if len(sas) > 1:
            c["synack_retransmitted_t"] = r3(sas[1].ts - sas[0].ts)
        c["crafted"] = ("the SYN-ACK (scapy server 10.99.0.4, ISN 0x20000000)" if srv[0] == "10.99.0.4"
                        else "every client segment (scapy client 10.99.0.3, ISN 0x30000000)")
        out.append(c)
    return {"connections": out,
            "bad_synack_ack": sum(1 for c in out if c["synack_ack_minus_isn"] != 1),
            "bad_handshake_ack": sum(1 for c in out if c.get("handshake_ack_minus_server_isn", 1) != 1)}


def syn_isn_changed(segs):
    syns = [s for s in segs if s.is_("S")]
    tuples = {(s.a, s.b) for s in syns}
    isns = []
    for s in syns:
        if s.seq not in isns:
            isns.append(s.seq)
    return {
        "four_tuples": len(tuples),
        "client": ep(syns[0].a), "server": ep(syns[0].b),
        "syns": len(syns),
        "distinct_isns": len(isns),
        "syn_list": [{"t": r3(s.ts - segs[0].ts), "isn_index": isns.index(s.seq)} for s in syns],
        "isn_difference": sdiff(isns[1], isns[0]),
        "answers": sum(1 for s in segs if s.a == syns[0].b),
        "first_isn_answered_before_change": False,
    }


def rst_out_of_window(segs):
    syn = next(s for s in segs if s.is_("S"))
    cli, L = syn.a, syn.b
    sa = next(s for s in segs if s.is_("SA"))
    # Each side's own shift scales the windows it advertises (both must offer it).
    wscale = {cli: syn.opts[3][0] if 3 in syn.opts and 3 in sa.opts else 0,
              L: sa.opts[3][0] if 3 in syn.opts and 3 in sa.opts else 0}
    rcv_nxt = {cli: (sa.seq + 1) & 0xFFFFFFFF, L: (syn.seq + 1) & 0xFFFFFFFF}
    win = {cli: syn.win, L: sa.win}
    injected = []
    rst_ts = []
    for s in segs:
        rcvr = s.b
        if "R" in s.flags:
            d = sdiff(s.seq, rcv_nxt[rcvr])
            injected.append({"to": ep(rcvr), "flags": s.flags,
                             "seq_minus_receiver_rcv_nxt": d,
                             "receiver_window_bytes": win[rcvr] << wscale[rcvr],
                             "outside_window": not (0 <= d < (win[rcvr] << wscale[rcvr])),
                             "t": r3(s.ts - segs[0].ts)})
            rst_ts.append(s.ts)
            continue
        if s.plen or "F" in s.flags:
            if sdiff(s.end, rcv_nxt[rcvr]) > 0:
                rcv_nxt[rcvr] = s.end
        if "S" not in s.flags:
            win[s.a] = s.win
    after = [s for s in segs if s.ts > max(rst_ts)]
    return {
        "connection": f"{ep(cli)} -> {ep(L)}",
        "injected_rsts": injected,
        "answers_to_rsts": sum(1 for s in segs if s.ts > rst_ts[0] and s.ts - max(rst_ts) < 0.1
                               and s.plen == 0 and "R" not in s.flags),
        "segments_after_rsts": len(after),
        "data_bytes_after_rsts": sum(s.plen for s in after),
        "closed_normally": closed_normally(segs, cli, L),
        "crafted": "the two RSTs (scapy, AF_PACKET on each veth end)",
    }


def port_reuse(segs):
    syns = [s for s in segs if s.is_("S")]
    cli, L = syns[0].a, syns[0].b
    first = [s for s in segs if s.ts < syns[1].ts]
    sfin = next(s for s in first if s.a == L and "F" in s.flags)
    cfin = next(s for s in first if s.a == cli and "F" in s.flags)
    last = max(s.ts for s in first)
    return {
        "four_tuple": f"{ep(cli)} -> {ep(L)}",
        "connections": len(syns),
        "first_closed_by": "server" if sfin.ts < cfin.ts else "client",
        "time_wait_endpoint": ep(L) if sfin.ts < cfin.ts else ep(cli),
        "second_syn_after_first_close_s": r3(syns[1].ts - last),
        "within_2msl": syns[1].ts - last < TWO_MSL,
        "second_connection_accepted": any(s.is_("SA") and s.ts > syns[1].ts for s in segs),
        "isn_increase": sdiff(syns[1].seq, syns[0].seq),
    }


# ---------------------------------------------------------------- catalogue

TRACES = [
    ("syn-flood.pcap", lambda s: syn_flood(s, 9001, cookies=False),
     "hping3 --rand-source sends 800 SYNs (one per spoofed source, ~1 per ms) to a real listener "
     "(listen(4096), tcp_syncookies=0, tcp_max_syn_backlog=8192): every SYN from a routable source gets a "
     "request socket and a SYN-ACK that goes nowhere, retransmitted at ~1, 3 and 7 s (a SYN-ACK retransmission "
     "storm). No handshake completes. The few SYNs from martian sources (0/8, 127/8, 224/4, ...) are dropped "
     "by the server unanswered. Captured with -s 128.",
     ["syn-flood"], []),
    ("syn-flood-cookies.pcap", lambda s: syn_flood(s, 9002, cookies=True),
     "The same 800-SYN flood with tcp_syncookies=2 (always cookies): every answerable SYN gets one "
     "SYN-ACK carrying a cookie (only the MSS option: the SYNs have no timestamps), no state is kept and "
     "nothing is retransmitted. Captured with -s 128.",
     ["syn-flood"], []),
    ("accept-queue-overflow.pcap", lambda s: accept_queue(s, 9003, abort=False),
     "A listener (listen(20), tcp_syncookies=0, tcp_abort_on_overflow=0) that never accept()s. 20 clients "
     "connect and sit in its accept queue; then 21 clients send SYNs at once (SYN-ACKs held ~6 ms apart by a "
     "tbf on the server side). The first handshake ACK fills the queue; the other 20 clients complete the "
     "handshake from their side, but the server ignores their ACK and retransmits the SYN-ACK (~1 and ~3 s, "
     "and ~7 s for 10 of them: Linux trims the retries), which each client ACKs again; then the server forgets "
     "them silently. The clients send no data.",
     ["accept-queue-overflow"], []),
    ("accept-queue-overflow-rst.pcap", lambda s: accept_queue(s, 9004, abort=True),
     "The same with tcp_abort_on_overflow=1: the 20 handshake ACKs that find the accept queue full are "
     "answered with RST (seq = the ACK's acknowledgment number, server ISN+1; no ACK flag), which resets connections the clients believe "
     "established.",
     ["accept-queue-overflow"], []),
    ("connection-refused.pcap", lambda s: connection_refused(s, 9005),
     "42 connect() calls (3 source addresses x 14 client ports, 50 ms apart) to a port with no listener; "
     "each SYN is answered by RST+ACK.",
     ["connection-refused"], []),
    ("port-scan.pcap", port_scan,
     "hping3 SYN scan from 10.99.0.1: one SYN to each port 1..150 of 10.99.0.2, 10 ms apart, source ports "
     "43000..43149. Closed ports answer RST+ACK; the three open ports (22, 80, 110, real listeners) answer "
     "SYN-ACK, which the scanner's kernel resets. Every refused SYN is also a connection refusal, one per "
     "port (connection-refused may fire if it counts per source rather than per port).",
     ["port-scan"], ["connection-refused"]),
    ("close-wait-linger.pcap", lambda s: close_wait_linger(s, 9006),
     "Three connections to one listener whose application never calls close(): each client sends a request, "
     "gets the response and closes; the server ACKs the FIN and stays in CLOSE_WAIT until the trace ends "
     "~120 s later (a leak). The server sends nothing more on them (the clients closed: data would draw an "
     "RST). The same listener serves a normal connection every 30 s, closed both ways, which also moves the "
     "packet clock on. On the wire the clients of the leaked connections look like FIN_WAIT_2 for as long "
     "(the real client kernel dropped its orphaned sockets silently after tcp_fin_timeout), so "
     "fin-wait-2-timeout may fire too.",
     ["close-wait-linger"], ["fin-wait-2-timeout"]),
    ("time-wait-buildup.pcap", lambda s: time_wait(s, 9007),
     "3000 short connections (client ports 20000..22999, no data) to one server port; the server closes "
     "each one first (FIN, FIN+ACK, ACK), so the server holds 3000 connections in TIME_WAIT, all built up in "
     "~0.3 s, well inside 2MSL (60 s). Captured with -s 128.",
     ["time-wait-buildup"], []),
    ("fin-wait-2-timeout.pcap", lambda s: fin_wait_2(s, ("10.99.0.1", 44021), 9008),
     "After one request/response the client calls shutdown(SHUT_WR): its FIN is ACKed, but the server "
     "application never closes, so the client sits in FIN_WAIT_2 (and the server in CLOSE_WAIT) for ~120 s, "
     "twice tcp_fin_timeout. Not orphaned, so Linux never times it out. The client's keep-alive "
     "(idle 30 s) probes every 30 s and the server ACKs each probe: both ends are alive. The server side "
     "looks like CLOSE_WAIT for as long, so close-wait-linger may fire too.",
     ["fin-wait-2-timeout"], ["close-wait-linger"]),
    ("peer-unreachable.pcap", lambda s: peer_unreachable(s, ("10.99.0.1", 44031), 9009),
     "Two request/response exchanges, then the link is cut (tc clsact + BPF drop on the server's veth end, "
     "both directions) and the client sends 3000 bytes: a tail-loss probe, then RTO retransmissions of the "
     "first segment with exponential backoff (~0.2 s doubling up to ~27 s) for ~54 s, never ACKed. The trace "
     "ends in silence, the client still retransmitting.",
     ["peer-unreachable"], []),
    ("keepalive-dead-peer.pcap", lambda s: keepalive_dead_peer(s, ("10.99.0.1", 44041), 9010),
     "An idle connection with SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1, TCP_KEEPCNT=3 whose peer "
     "vanishes (link cut right after the response): three keep-alive probes (seq = snd_una - 1) at ~1, 2, 3 s "
     "go unanswered, and at ~4 s Linux gives up and sends RST+ACK (the application gets ETIMEDOUT). A "
     "detector of vanished peers in general (peer-unreachable) may also fire.",
     ["keepalive-dead-peer"], ["peer-unreachable"]),
    ("zero-window.pcap", lambda s: zero_window(s, ("10.99.0.1", 44051), 9011),
     "The client writes 64 KiB to a server that does not read (SO_RCVBUF 16 KiB, so window scale 0): after "
     "~29 KB the server advertises window 0 for ~10 s while the client sends zero-window probes with backoff "
     "(Linux rate-limits the answers to out-of-window probes to one per 500 ms, so one probe goes "
     "unanswered). Then the application reads, a window update opens the window, the rest flows and the "
     "connection closes normally. Early on, a few tail-loss-probe retransmissions of the last segment.",
     ["zero-window"], []),
    ("syn-with-data.pcap", syn_with_data,
     "A crafted client (scapy, 10.99.0.3) sends its 12-byte request inside the SYN, without the TCP Fast "
     "Open option, to a real listener. Linux answers with a SYN-ACK that acks only the SYN (the data is "
     "dropped); the client completes the handshake, sends the request again, gets the 34-byte response and "
     "the server closes first.",
     ["syn-with-data"], []),
    ("bad-handshake-ack.pcap", bad_handshake_ack,
     "Two handshakes with a wrong acknowledgment number. (1) A real client's SYN is answered by a crafted "
     "SYN-ACK (scapy server 10.99.0.4) that acks ISN+1001 instead of ISN+1: the client kernel sends RST "
     "(seq = the bogus ack) and, 12-15 ms later, retransmits its SYN (same ISN, the same attempt: not a port reuse); nothing answers it and the "
     "application gives up. (2) A crafted client (10.99.0.3) answers a real listener's correct SYN-ACK with "
     "an ACK of server ISN+1001: Linux replies RST (seq = the bogus ack), keeps the request and retransmits "
     "the SYN-ACK 1 s later, which the crafted client ends with an RST.",
     ["bad-handshake-ack"], []),
    ("syn-isn-changed.pcap", syn_isn_changed,
     "One 4-tuple, two SYNs with different ISNs, never answered (the server namespace's route back to the "
     "client is a blackhole). Produced by the kernel: the application gives up on connect() after 1.5 s and "
     "retries from the same bound source port, so the second connect() sends a SYN with a new ISN while the "
     "first SYN (sent at 0 s and retransmitted at 1 s with the same ISN) is still unanswered; the new SYN is "
     "retransmitted 1 s later.",
     ["syn-isn-changed"], []),
    ("rst-out-of-window.pcap", rst_out_of_window,
     "A real established connection (request/response) into which two crafted RSTs are injected: one to the "
     "server with seq 2^30 beyond its rcv_nxt, one to the client with seq 2^30 before its rcv_nxt, both far "
     "outside a ~64 KB window. Linux drops both silently (RFC 5961: no challenge ACK for an RST outside the "
     "window); a second request/response follows and the connection closes normally.",
     ["rst-out-of-window"], []),
    ("port-reuse-time-wait.pcap", port_reuse,
     "A copy of captures/port-reuse.pcap: two connections on the same 4-tuple; the first is closed by the "
     "server, and the second SYN arrives 0.5 s later while the server is still in TIME_WAIT (Linux accepts "
     "it: the SYN's TCP timestamp is newer).",
     ["port-reuse-time-wait"], []),
]

IDS = ["syn-flood", "accept-queue-overflow", "connection-refused", "port-scan", "close-wait-linger",
       "time-wait-buildup", "fin-wait-2-timeout", "peer-unreachable", "keepalive-dead-peer", "zero-window",
       "syn-with-data", "bad-handshake-ack", "syn-isn-changed", "rst-out-of-window", "port-reuse-time-wait"]


def measure(directory):
    out = []
    for name, fn, desc, must, may in TRACES:
        path = os.path.join(directory, name)
        segs = read(path)
        facts = {"packets": len(segs),
                 "duration_s": r3(segs[-1].ts - segs[0].ts),
                 "file_bytes": os.path.getsize(path)}
        facts.update(checksums(path))
        facts.update(fn(segs))
        assert set(must) | set(may) <= set(IDS), name
        out.append({"trace": name, "description": desc, "must_fire": must, "may_fire": may,
                    "facts": facts})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=HERE, help="where the traces are (default: next to this script)")
    ap.add_argument("--write", action="store_true", help="write expected.json next to this script")
    args = ap.parse_args()
    text = json.dumps(measure(args.dir), indent=2) + "\n"
    if args.write:
        with open(os.path.join(HERE, "expected.json"), "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
