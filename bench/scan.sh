#!/usr/bin/env bash
# bench/scan.sh — zero-I/O port scan benchmark: `sockcli connect -z` against `nc -z`
# (netcat-openbsd) over every TCP port of 127.0.0.1, with a few listeners open.
#
#   bash bench/scan.sh
#
# Environment knobs (all optional):
#   SOCKCLI=path   binary to test (default: <repo>/target/release/sockcli, built first)
#   REPS=3         runs per tool; the median is reported
#   PORTS=1-65535  the port range scanned
#   LIMIT=2        seconds sockcli's median must stay under (exit 1 otherwise)
#
# In one run: start 3 listeners (Python, 127.0.0.1, ephemeral ports); check that sockcli and
# nc -z report the same open ports (both must include the listeners); then time each tool
# REPS times, interleaved, and print a markdown table with medians and ratios.
# Every process started here runs under `timeout` and is killed on exit.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
REPS=${REPS:-3}
PORTS=${PORTS:-1-65535}
LIMIT=${LIMIT:-2}
HOST=127.0.0.1
RUN_TIMEOUT=60   # seconds, per scan
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "scan.sh: REPS must be a positive integer" >&2; exit 2; }
for c in awk comm nc python3 ss timeout sort; do
    command -v "$c" >/dev/null || { echo "scan.sh: required command '$c' not found" >&2; exit 2; }
done
nc -h 2>&1 | grep -q OpenBSD || { echo "scan.sh: nc is not netcat-openbsd" >&2; exit 2; }

if [[ -z ${SOCKCLI:-} ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    SOCKCLI=$ROOT/target/release/sockcli
fi

TMP=$(mktemp -d)
LISTENER_PID=""
cleanup() {
    trap - EXIT INT TERM
    [[ -n $LISTENER_PID ]] && kill "$LISTENER_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- listeners
# Three listeners so the output is not empty; the kernel completes the handshakes, nobody
# accepts. They print their ports, then live until killed (at most RUN_TIMEOUT * (2 REPS + 4)).
timeout $((RUN_TIMEOUT * (2 * REPS + 4))) python3 -c '
import socket, sys, time
ls = [socket.create_server(("127.0.0.1", 0), backlog=4096) for _ in range(3)]
print(" ".join(str(l.getsockname()[1]) for l in ls), flush=True)
time.sleep(3600)
' > "$TMP/ports" &
LISTENER_PID=$!
for _ in $(seq 1 500); do [[ -s $TMP/ports ]] && break; sleep 0.01; done
[[ -s $TMP/ports ]] || { echo "scan.sh: listeners did not start" >&2; exit 1; }
read -r -a LISTENERS < "$TMP/ports"

# ---------------------------------------------------------------- correctness
sockcli_scan() { timeout "$RUN_TIMEOUT" "$SOCKCLI" connect -z "$@" "$HOST" "$PORTS" || true; }
nc_scan() { timeout "$RUN_TIMEOUT" nc -z "$@" "$HOST" "$PORTS" 2>&1 || true; }

sockcli_scan > "$TMP/sockcli.txt"
nc_scan -v | awk '/succeeded/ { print $4 }' | sort -n > "$TMP/nc.txt"
CHECK=OK
for p in "${LISTENERS[@]}"; do
    grep -qx "$p" "$TMP/sockcli.txt" || { CHECK="FAIL (sockcli missed listener $p)"; }
    grep -qx "$p" "$TMP/nc.txt" || { CHECK="FAIL (nc missed listener $p)"; }
done
# nc -z counts a TCP self-connect as open: scanning its own ephemeral port range, the kernel
# now and then picks the scanned port as nc's source port and the SYN meets itself. Ports
# only nc reports and that nothing listens on (ss, right after) are those.
SELF=()
while read -r p; do
    [[ -z $(ss -Hltn "sport = :$p") ]] && SELF+=("$p")
done < <(comm -13 <(sort "$TMP/sockcli.txt") <(sort "$TMP/nc.txt"))
if ((${#SELF[@]})); then
    grep -vxF -f <(printf '%s\n' "${SELF[@]}") "$TMP/nc.txt" > "$TMP/nc.real" || true
    mv "$TMP/nc.real" "$TMP/nc.txt"
fi
if [[ $CHECK == OK ]] && ! cmp -s "$TMP/sockcli.txt" "$TMP/nc.txt"; then
    # Other processes on the machine may open or close ports between the two scans.
    CHECK="DIFFERENT (sockcli: $(tr '\n' ' ' < "$TMP/sockcli.txt")/ nc: $(tr '\n' ' ' < "$TMP/nc.txt"))"
fi
if ((${#SELF[@]})); then
    CHECK="$CHECK; nc also reported ${SELF[*]} open, where nothing listens (self-connects)"
fi
OPEN=$(wc -l < "$TMP/sockcli.txt")

# ---------------------------------------------------------------- timing
now() { echo "$EPOCHREALTIME"; }
time_one() { # label, command...; appends seconds to $TMP/t.<label>
    local label=$1 t0 t1
    shift
    t0=$(now)
    "$@" > /dev/null 2>&1 || true
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >> "$TMP/t.$label"
}
for _ in $(seq 1 "$REPS"); do
    time_one sockcli timeout "$RUN_TIMEOUT" "$SOCKCLI" connect -z "$HOST" "$PORTS"
    time_one sockcli_p1 timeout "$RUN_TIMEOUT" "$SOCKCLI" connect -z --parallel 1 "$HOST" "$PORTS"
    time_one nc timeout "$RUN_TIMEOUT" nc -z "$HOST" "$PORTS"
done
median() { sort -n "$TMP/t.$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
S=$(median sockcli)
S1=$(median sockcli_p1)
N=$(median nc)
ports_n=$(awk -v r="$PORTS" 'BEGIN { n = split(r, a, "-"); print (n == 2) ? a[2] - a[1] + 1 : 1 }')

echo
echo "##### Zero-I/O scan of $HOST $PORTS ($ports_n ports, $OPEN open), median of $REPS"
echo
echo "| tool | command | seconds | ports/s | time vs sockcli |"
echo "|---|---|--:|--:|--:|"
row() { awk -v l="$1" -v c="$2" -v t="$3" -v s="$S" -v n="$ports_n" \
    'BEGIN { printf "| %s | `%s` | %.3f | %.0f | %.2f |\n", l, c, t, n / t, t / s }'; }
row sockcli "sockcli connect -z $HOST $PORTS" "$S"
row "sockcli, one at a time" "sockcli connect -z --parallel 1 $HOST $PORTS" "$S1"
row nc.openbsd "nc -z $HOST $PORTS" "$N"
echo
echo "Open ports agree with nc -z: $CHECK"
echo "Command: bash bench/scan.sh — $(uname -sr), $(nproc) CPUs, $(nc -h 2>&1 | head -1)"
echo
if awk -v s="$S" -v l="$LIMIT" 'BEGIN { exit !(s < l) }'; then
    echo "sockcli median ${S}s < ${LIMIT}s: OK"
else
    echo "sockcli median ${S}s is not under ${LIMIT}s: FAIL"
    exit 1
fi
[[ $CHECK != FAIL* ]] || exit 1
