#!/usr/bin/env bash
# Passive discovery throughput, beside tshark and p0f on the same capture in
# the same run (docs/performance.md, section "Discovery").
#
# The workload is the shared pcap corpus looped to $PACKETS frames; each loop
# moves client ports, so every loop brings new conversations to track and
# dissect. bianque runs on one core (GOMAXPROCS=1) and does everything
# "bianque discover --pcap" does: decode, TCP reassembly, all dissectors,
# classification, communication map, JSON report.
#
# Usage: scripts/bench-discover.sh            (PACKETS=2000000 by default)
#        PACKETS=500000 scripts/bench-discover.sh
# Needs: go; tshark and p0f for the comparison (apt-get install tshark p0f).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPORA=${BIANQUE_CORPORA:-../shared/corpora}
PACKETS=${PACKETS:-2000000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

go build -o "$WORK/bianque" ./cmd/bianque
go run ./discover/internal/benchgen/cmd -corpus "$CORPORA/pcap" -o "$WORK/loop.pcap" -packets "$PACKETS"
size=$(stat -c %s "$WORK/loop.pcap")
echo "capture: $PACKETS packets, $((size / 1048576)) MiB"

# run NAME CMD...: wall and CPU time, packets/s on both.
run() {
	local name=$1
	shift
	local out
	out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>"$WORK/err"; } 2>&1 ) || {
		echo "$name: failed: $(tail -3 "$WORK/err")"
		return
	}
	read -r real user sys <<<"$out"
	awk -v n="$name" -v p="$PACKETS" -v r="$real" -v u="$user" -v s="$sys" 'BEGIN {
		printf "%-34s wall %7.2f s  %10.0f packets/s   cpu %7.2f s  %10.0f packets/s per core\n", n, r, p / r, u + s, p / (u + s) }'
}

GOMAXPROCS=1 run "bianque discover --pcap (1 core)" "$WORK/bianque" discover --pcap "$WORK/loop.pcap"
if command -v p0f >/dev/null; then
	run "p0f -r" p0f -r "$WORK/loop.pcap"
else
	echo "p0f: not installed"
fi
if command -v tshark >/dev/null; then
	run "tshark -T fields" tshark -n -r "$WORK/loop.pcap" -T fields -e frame.number -e ip.src -e ip.dst \
		-e tcp.dstport -e udp.dstport -e dhcp.option.hostname -e http.user_agent -e tls.handshake.extensions_server_name
else
	echo "tshark: not installed"
fi
echo
echo "in-process, per core (no file I/O, no JSON):"
go test ./discover/pipeline/ -run '^$' -bench DiscoverCorpusLoop -benchtime 5x -cpu 1 | grep -E 'Benchmark|packets/s'
