#!/usr/bin/env bash
# Print each trace as a timing-free packet sequence: direction, TCP flags,
# relative seq/ack and payload length (no timestamps, windows, options, ISNs).
# Two recordings are equivalent when this output is identical:
#   bash captures/flowseq.sh captures/*.pcap > a.txt   (re-record)   ... > b.txt; diff a.txt b.txt
set -euo pipefail
for f in "$@"; do
  echo "## $(basename "$f")"
  tcpdump -nn -r "$f" 2>/dev/null |
    sed -E -e 's/^[0-9:.]+ //' -e 's/, win [0-9]+//' -e 's/(seq|ack) [0-9]{7,}/\1 ISN/g' -e 's/, options \[[^]]*\]//'
done
