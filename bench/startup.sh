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
#   LIMIT=1.3      the largest sockcli-conv / true CPU-time ratio that passes (exit 1 above it;
#                  CPU time, because wall time on a loaded machine measures the load)
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

declare -A WALL CPU
for ((r = 0; r < ROUNDS; r++)); do
    for i in "${!CMDS[@]}"; do
        # shellcheck disable=SC2086 # the command line is split on purpose
        out=$("$TMP/spawn_time" "$N" ${CMDS[$i]}) || { echo "startup.sh: '${NAMES[$i]}' failed" >&2; exit 1; }
        WALL[$i]+="${out% *} "
        CPU[$i]+="${out#* } "
    done
done

# shellcheck disable=SC2086
wall0=$(median ${WALL[0]}); cpu0=$(median ${CPU[0]})
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (wall times suffer from load; CPU times less)"
echo
echo "| command | wall µs (median of $ROUNDS × $N) | ÷ /bin/true | CPU µs | ÷ /bin/true |"
echo "|---|--:|--:|--:|--:|"
verdict=0
for i in "${!CMDS[@]}"; do
    # shellcheck disable=SC2086
    w=$(median ${WALL[$i]}); c=$(median ${CPU[$i]})
    rw=$(ratio "$w" "$wall0"); rc=$(ratio "$c" "$cpu0")
    echo "| \`${NAMES[$i]}\` | $w | $rw | $c | $rc |"
    if [[ ${NAMES[$i]} == "sockcli conv htons 1" ]]; then
        awk -v r="$rc" -v l="$LIMIT" 'BEGIN { exit !(r <= l) }' || verdict=1
        conv_ratio=$rc
    fi
done
echo
if ((verdict)); then
    echo "FAIL: sockcli conv htons 1 takes ${conv_ratio}x the CPU time of /bin/true (limit ${LIMIT}x)"
    exit 1
fi
echo "PASS: sockcli conv htons 1 takes ${conv_ratio}x the CPU time of /bin/true (limit ${LIMIT}x)"
