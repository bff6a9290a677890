#!/usr/bin/env bash
# Times a full TCP connect scan (ports 1-65535) of 127.0.0.1 by bianque and by
# nmap on the same machine in the same run, and checks that bianque found
# every open port nmap found. Usage: scripts/scan-vs-nmap.sh [runs]
# Needs nmap (apt-get install nmap). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
command -v nmap >/dev/null || { echo "nmap not installed (apt-get install nmap)"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not installed (apt-get install time)"; exit 1; }
bin="$(mktemp -d)/bianque"
go build -o "$bin" ./cmd/bianque
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp" "$(dirname "$bin")"' EXIT

# /usr/bin/time gives wall, user and system seconds; on a shared machine the
# CPU seconds vary less than the wall time.
timed() { /usr/bin/time -f "%e,%U,%S" -o "$tmp/time" "$@"; cat "$tmp/time"; }
echo "run,tool,wall_s,user_s,sys_s,open_ports"
for i in $(seq 1 "$runs"); do
  tn=$(timed sh -c "nmap -sT -Pn -n -p1-65535 -T4 127.0.0.1 -oG '$tmp/nmap.gnmap' >/dev/null")
  tb=$(timed sh -c "'$bin' scan --targets 127.0.0.1 --ports all --banners=false --progress=false --workers 2048 >'$tmp/bq.jsonl' 2>/dev/null")
  grep -o '[0-9]*/open/tcp' "$tmp/nmap.gnmap" | cut -d/ -f1 | sort -n >"$tmp/nmap.ports"
  grep '"kind":"service"' "$tmp/bq.jsonl" | sed 's/.*"port":\([0-9]*\).*/\1/' | sort -n >"$tmp/bq.ports"
  echo "$i,nmap,$tn,$(wc -l <"$tmp/nmap.ports")"
  echo "$i,bianque,$tb,$(wc -l <"$tmp/bq.ports")"
  missed=$(comm -23 "$tmp/nmap.ports" "$tmp/bq.ports" | tr '\n' ' ')
  if [ -n "$missed" ]; then
    # A port may close between the two scans (another process's listener): check it still listens.
    for p in $missed; do
      if (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then echo "MISSED open port $p"; exit 1; fi
    done
  fi
done
