#!/usr/bin/env bash
# bench/conv.sh — the conv stdin filter: `seq N | sockcli conv htonl - > /dev/null` against the
# same filter as a Python one-liner (socket.htonl per line).
#
#   bash bench/conv.sh
#
# Environment knobs (all optional):
#   SOCKCLI=path   binary to test (default: <repo>/target/release/sockcli, built first)
#   LINES=10000000 numbers fed through each filter (seq 1..LINES)
#   REPS=3         runs per tool; the median is reported
#   LIMIT=2        seconds sockcli's median must stay under (exit 1 otherwise)
#
# In one run: check that both filters print the same bytes for all LINES numbers (sha256 of
# each output); then time each REPS times, interleaved, output to /dev/null, and print a
# markdown table with medians and the ratio. `seq` alone is timed too, as the input's cost.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
LINES=${LINES:-10000000}
REPS=${REPS:-3}
LIMIT=${LIMIT:-2}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "conv.sh: REPS must be a positive integer" >&2; exit 2; }
[[ $LINES =~ ^[1-9][0-9]*$ ]] || { echo "conv.sh: LINES must be a positive integer" >&2; exit 2; }
for c in awk python3 seq sha256sum sort; do
    command -v "$c" >/dev/null || { echo "conv.sh: required command '$c' not found" >&2; exit 2; }
done

if [[ -z ${SOCKCLI:-} ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    SOCKCLI=$ROOT/target/release/sockcli
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PY_FILTER='import sys, socket; h = socket.htonl; sys.stdout.writelines("%d\n" % h(int(l)) for l in sys.stdin)'
run_seq() { seq "$LINES"; }
run_sockcli() { seq "$LINES" | "$SOCKCLI" conv htonl -; }
run_python() { seq "$LINES" | python3 -c "$PY_FILTER"; }

# ---------------------------------------------------------------- correctness
S_SUM=$(run_sockcli | sha256sum)
P_SUM=$(run_python | sha256sum)
if [[ $S_SUM == "$P_SUM" ]]; then CHECK="OK (sha256 ${S_SUM:0:16}…)"; else CHECK="FAIL"; fi

# ---------------------------------------------------------------- timing
time_one() { # label, function; appends seconds to $TMP/t.<label>
    local t0 t1
    t0=$EPOCHREALTIME
    "$2" > /dev/null
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >> "$TMP/t.$1"
}
for _ in $(seq 1 "$REPS"); do
    time_one seq run_seq
    time_one sockcli run_sockcli
    time_one python run_python
done
median() { sort -n "$TMP/t.$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
Q=$(median seq)
S=$(median sockcli)
P=$(median python)

echo
echo "##### \`seq $LINES | … htonl\` to /dev/null, median of $REPS"
echo
echo "| filter | command | seconds | lines/s | time vs sockcli |"
echo "|---|---|--:|--:|--:|"
row() { awk -v l="$1" -v c="$2" -v t="$3" -v s="$S" -v n="$LINES" \
    'BEGIN { gsub(/\|/, "\\|", c); printf "| %s | `%s` | %.3f | %.0f | %.2f |\n", l, c, t, n / t, t / s }'; }
row sockcli "seq $LINES | sockcli conv htonl - > /dev/null" "$S"
row python3 "seq $LINES | python3 -c '<socket.htonl per line>' > /dev/null" "$P"
row "seq alone" "seq $LINES > /dev/null" "$Q"
echo
echo "Outputs agree: $CHECK"
echo "Command: bash bench/conv.sh — $(uname -sr), $(nproc) CPUs, $(python3 --version)"
echo "Python filter: python3 -c '$PY_FILTER'"
echo
if awk -v s="$S" -v l="$LIMIT" 'BEGIN { exit !(s < l) }'; then
    echo "sockcli median ${S}s < ${LIMIT}s: OK"
else
    echo "sockcli median ${S}s is not under ${LIMIT}s: FAIL"
    exit 1
fi
[[ $CHECK == OK* ]] || exit 1
