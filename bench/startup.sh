#!/usr/bin/env bash
# bench/startup.sh — start-up cost: how long one short sockcli command takes from spawn to exit,
# side by side with /bin/true and the peers' cheapest commands (issue 13: at most 1.3x
# /bin/true for `sockcli conv htons 1`).
#
#   bash bench/startup.sh
#
# Environment knobs (all optional):
#   SOCKCLI=path   binary to test (default: <repo>/target/release/sockcli, built first)
#   N=500          spawns per measurement (bench/spawn_time.c: posix_spawn + waitpid, output
#                  to /dev/null, mean wall time of one run)
#   ROUNDS=7       measurements per command, interleaved command by command; medians reported
#   LIMIT=1.3      the largest sockcli-conv / true ratio that passes (exit 1 above it)
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
N=${N:-500}
ROUNDS=${ROUNDS:-7}
LIMIT=${LIMIT:-1.3}
PY=${PY:-python3}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "startup.sh: N must be a positive integer" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "startup.sh: ROUNDS must be a positive integer" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
trap cleanup EXIT INT TERM
prepare_bench startup
cc -O2 -Wall -o "$TMP/spawn_time" "$HERE/spawn_time.c"

NAMES=("/bin/true" "sockcli conv htons 1" "sockcli resolve 127.0.0.1 80" "sockcli --version")
CMDS=("/bin/true" "$SOCKCLI conv htons 1" "$SOCKCLI resolve 127.0.0.1 80" "$SOCKCLI --version")
add_peer() { # NAME CMD...: a peer's command, if the peer is installed
    local name=$1; shift
    local bin
    bin=$(command -v "$1" 2>/dev/null) || { echo "(no $1: skipped)"; return 0; }
    NAMES+=("$name"); CMDS+=("$bin ${*:2}")
}
add_peer "nc -h" nc -h
add_peer "ncat --version" ncat --version
add_peer "socat -V" socat -V

declare -A RUNS
for ((r = 0; r < ROUNDS; r++)); do
    for i in "${!CMDS[@]}"; do
        # shellcheck disable=SC2086 # the command line is split on purpose
        us=$("$TMP/spawn_time" "$N" ${CMDS[$i]}) || { echo "startup.sh: '${NAMES[$i]}' failed" >&2; exit 1; }
        RUNS[$i]+="$us "
    done
done

# shellcheck disable=SC2086
base=$(median ${RUNS[0]})
echo
echo "| command | µs per run (median of $ROUNDS × $N) | ÷ /bin/true |"
echo "|---|--:|--:|"
verdict=0
for i in "${!CMDS[@]}"; do
    # shellcheck disable=SC2086
    m=$(median ${RUNS[$i]})
    ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    echo "| \`${NAMES[$i]}\` | $m | $ratio |"
    if [[ ${NAMES[$i]} == "sockcli conv htons 1" ]]; then
        awk -v r="$ratio" -v l="$LIMIT" 'BEGIN { exit !(r <= l) }' || verdict=1
        conv_ratio=$ratio
    fi
done
echo
if ((verdict)); then
    echo "FAIL: sockcli conv htons 1 is ${conv_ratio}x /bin/true (limit ${LIMIT}x)"
    exit 1
fi
echo "PASS: sockcli conv htons 1 is ${conv_ratio}x /bin/true (limit ${LIMIT}x)"
