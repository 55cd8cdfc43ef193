#!/usr/bin/env python3
"""Compare tcpstate's conn_state and history with Zeek's on the Zeek reference corpus.

Runs `tcpstate read --format json` over every trace listed in ../shared/corpus/zeek/expected.json (with -C where
Zeek ran with -C), pairs each connection Zeek reported with tcpstate's, and prints per trace and in total how many
match exactly. History is compared with the x/X letters removed: they come from application-protocol analysis,
not from TCP. Exits 1 when agreement falls below the floors given with --min-conn-state / --min-history.

This is a conformance oracle, not a test fixture: a mismatch is a question about the state machine, not a number
to tune.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

TUNNEL_FEATURES = {"geneve-tunnel", "gre-tunnel", "gtp-tunnel", "teredo-tunnel", "vxlan-tunnel"}


def repository_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_tcpstate(command, trace, ignore_checksums):
    args = command + ["read", "--format", "json"] + (["-C"] if ignore_checksums else []) + [trace]
    proc = subprocess.run(args, capture_output=True, text=True)
    records = []
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("record") == "connection":
            records.append(record)
    return proc.returncode, records, proc.stderr.strip()


def endpoints(conn):
    if all(k in conn for k in ("orig_h", "orig_p", "resp_h", "resp_p")):
        return (conn["orig_h"], conn["orig_p"], conn["resp_h"], conn["resp_p"])
    return None


def ours_endpoints(record):
    return (record["id.orig_h"], record["id.orig_p"], record["id.resp_h"], record["id.resp_p"])


def same_flow(a, b):
    return a == b or a == (b[2], b[3], b[0], b[1])


def pair(expected, ours):
    """Pairs each expected connection with at most one of ours: same 4-tuple (either direction) and closest ts."""
    unused = list(range(len(ours)))
    pairs = []
    for conn in expected:
        flow = endpoints(conn)
        best, best_gap = None, None
        for i in unused:
            record = ours[i]
            if flow is not None and not same_flow(flow, ours_endpoints(record)):
                continue
            gap = abs(record["ts"] - conn["ts"]) if "ts" in conn else 0.0
            if gap > 1e-3:
                continue
            if best is None or gap < best_gap:
                best, best_gap = i, gap
        if best is not None:
            unused.remove(best)
            pairs.append((conn, ours[best]))
        else:
            pairs.append((conn, None))
    return pairs


def strip_x(history):
    return (history or "").replace("x", "").replace("X", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.path.join(repository_root(), "..", "shared", "corpus", "zeek"))
    parser.add_argument("--tcpstate", default=None,
                        help="command that runs tcpstate (default: the Release build of src/Cli)")
    parser.add_argument("--min-conn-state", type=float, default=0.0, help="floor, percent of connections")
    parser.add_argument("--min-history", type=float, default=0.0, help="floor, percent of connections")
    parser.add_argument("--quiet", action="store_true", help="only the totals and the mismatches")
    args = parser.parse_args()

    if args.tcpstate:
        command = shlex.split(args.tcpstate)
    else:
        dll = os.path.join(repository_root(), "src", "Cli", "bin", "Release", "net10.0", "tcpstate.dll")
        if not os.path.exists(dll):
            sys.exit(f"zeek-conformance: {dll} not found; build first: dotnet build -c Release src/Cli")
        command = ["dotnet", dll]

    manifest = os.path.join(args.corpus, "expected.json")
    if not os.path.exists(manifest):
        sys.exit(f"zeek-conformance: no corpus at {args.corpus} (expected {manifest})")
    with open(manifest) as f:
        entries = json.load(f)

    totals = {"cs_ok": 0, "cs_n": 0, "hist_ok": 0, "hist_n": 0, "tunnel_n": 0, "tunnel_ok": 0}
    mismatches = []
    for entry in entries:
        trace = os.path.join(args.corpus, entry["trace"])
        code, ours, stderr = run_tcpstate(command, trace, entry.get("ignore_checksums", False))
        pairs = pair(entry["connections"], ours)
        cs_ok = cs_n = h_ok = h_n = 0
        tunnel = bool(TUNNEL_FEATURES & set(entry.get("features", [])))
        for conn, record in pairs:
            problems = []
            if "conn_state" in conn and conn["conn_state"] is not None:
                cs_n += 1
                if record is not None and record["conn_state"] == conn["conn_state"]:
                    cs_ok += 1
                else:
                    problems.append(f"conn_state {conn['conn_state']} vs {record['conn_state'] if record else 'missing'}")
            if "history" in conn and conn["history"] is not None:
                h_n += 1
                if record is not None and strip_x(record["history"]) == strip_x(conn["history"]):
                    h_ok += 1
                else:
                    problems.append(f"history {strip_x(conn['history'])} vs {strip_x(record['history']) if record else 'missing'}")
            if tunnel:
                totals["tunnel_n"] += 1
                if not problems:
                    totals["tunnel_ok"] += 1
            if problems:
                flow = endpoints(conn)
                where = f"{flow[0]}:{flow[1]} > {flow[2]}:{flow[3]}" if flow else f"ts {conn.get('ts')}"
                mismatches.append(f"{entry['trace']}  {where}  " + "; ".join(problems))
        totals["cs_ok"] += cs_ok
        totals["cs_n"] += cs_n
        totals["hist_ok"] += h_ok
        totals["hist_n"] += h_n
        if not args.quiet:
            note = "" if code == 0 else f"  (exit {code}: {stderr.splitlines()[-1] if stderr else ''})"
            print(f"{entry['trace'][len('traces/'):]:<58} conn_state {cs_ok:>3}/{cs_n:<3} history {h_ok:>3}/{h_n:<3}{note}")

    def pct(ok, n):
        return 100.0 * ok / n if n else 100.0

    cs_pct = pct(totals["cs_ok"], totals["cs_n"])
    h_pct = pct(totals["hist_ok"], totals["hist_n"])
    print()
    if mismatches:
        print("Mismatches (expected Zeek vs tcpstate):")
        for line in mismatches:
            print("  " + line)
        print()
    print(f"conn_state: {totals['cs_ok']}/{totals['cs_n']} = {cs_pct:.1f}%")
    print(f"history:    {totals['hist_ok']}/{totals['hist_n']} = {h_pct:.1f}%")
    print(f"tunneled connections: {totals['tunnel_ok']}/{totals['tunnel_n']} fully matching")

    failed = False
    if cs_pct < args.min_conn_state:
        print(f"FAIL: conn_state agreement {cs_pct:.1f}% is below the floor {args.min_conn_state}%")
        failed = True
    if h_pct < args.min_history:
        print(f"FAIL: history agreement {h_pct:.1f}% is below the floor {args.min_history}%")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
