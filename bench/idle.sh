#!/usr/bin/env bash
# bench/idle.sh — what idle clients cost the many-client echo server (`listen -k --echo`),
# against the minimal C epoll echo server (bench/epoll_echo.c):
#   (a) the time to open (and then hold) CONNS connections, and
#   (b) a busy client's 1-byte echo round trip alone, and among CONNS idle connections.
#
#   bash bench/idle.sh
#
# Environment knobs (all optional):
#   CONNS=10000     idle connections
#   WINDOW=64       connections in flight at once while opening them
#   RTTS=20000      measured round trips per RTT run (after 1000 unmeasured)
#   REPS=5          runs per server (a fresh server each)
#   STAT=min        how runs are summed up: min (best run of each figure: default, because on a
#                   shared machine runs are bimodal, both servers' round trips and CPU per round
#                   trip tripling whenever another build shares the core) or median
#   SOCKCLI=path    binary to test (default: `cargo build --release`, then
#                   <repo>/target/release/sockcli; with SOCKCLI set nothing is built)
#
# One run, for each server in turn (sockcli, C), each on 127.0.0.1 on a fresh port:
#  1. rtt_client (TCP_NODELAY, 1 byte, wait for the echo) against the server alone;
#  2. conn_client `hold` opens CONNS connections (one 16-byte echo on each, so each is really
#     accepted and served) and keeps them open and idle; the time it took is (a);
#  3. rtt_client again while those CONNS connections are held: (b) among idle.
# Then a table (best run of each figure, or medians with STAT=median), sockcli ÷ C for (a), among-idle ÷ alone for (b), and PASS/FAIL
# against the targets (open within 2× of C; RTT among idle within 1.2× of alone). `ulimit -n`
# is raised as far as the hard limit allows. Exit 1 if a run failed (a missed target is
# reported, not an error).
set -euo pipefail
export LC_ALL=C

[[ $# -eq 0 ]] || { echo "usage: [CONNS=N WINDOW=W RTTS=R REPS=K SOCKCLI=path] bash bench/idle.sh" >&2; exit 2; }
CMDLINE="bash bench/idle.sh"
for v in SERVERS SOCKCLI STAT REPS RTTS WINDOW CONNS; do
    if [[ -n ${!v:-} ]]; then CMDLINE="$v=$(printf '%q' "${!v}") $CMDLINE"; fi
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CONNS=${CONNS:-10000}
WINDOW=${WINDOW:-64}
RTTS=${RTTS:-20000}
REPS=${REPS:-5}
STAT=${STAT:-min}
SERVERS=${SERVERS:-sockcli pair c}
[[ $STAT == min || $STAT == median ]] || { echo "idle.sh: STAT must be min or median" >&2; exit 2; }
TARGET_OPEN=2.0
TARGET_RTT=1.2
for v in CONNS WINDOW RTTS REPS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "idle.sh: $v must be a positive integer" >&2; exit 2; }
done
for c in awk cc python3 setsid ss timeout; do
    command -v "$c" >/dev/null || { echo "idle.sh: required command '$c' not found" >&2; exit 2; }
done
PY=$(python3 -c 'import sys; print(sys.executable)')

want_nofile=65536
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < want_nofile)); then
    ulimit -Hn "$want_nofile" 2>/dev/null || true
    hard=$(ulimit -Hn)
fi
if [[ $hard == unlimited ]] || ((hard >= want_nofile)); then ulimit -n "$want_nofile"; else ulimit -n "$hard"; fi
NOFILE=$(ulimit -n)
if ((NOFILE < CONNS + 100)); then
    echo "idle.sh: open-files limit is $NOFILE (hard $hard); CONNS=$CONNS needs $((CONNS + 100))" >&2
    exit 2
fi

source "$HERE/lib.sh"

prepare_bench idle

label() {
    case $1 in
    sockcli) echo "sockcli listen -k --echo" ;;
    pair) echo "sockcli pair -k → C epoll" ;;
    c) echo "C epoll_echo" ;;
    esac
}
server_cmd() { # SERVER PORT READYFILE
    case $1 in
    sockcli) echo "$(q "$SOCKCLI") listen -k 127.0.0.1 $2 --echo --ready-file $(q "$3")" ;;
    # The forwarder in front of the C echo server (started by start_server on BACKEND_PORT):
    # every client costs it two sockets and a session.
    pair) echo "$(q "$SOCKCLI") pair -k tcp-listen:127.0.0.1:$2 tcp:127.0.0.1:$BACKEND_PORT --ready-file $(q "$3")" ;;
    c) echo "$(q "$TMP/epoll_echo") $2 127.0.0.1" ;;
    esac
}
BACKEND_PID=""
stop_backend() { [[ -n $BACKEND_PID ]] && stop_bg "$BACKEND_PID"; BACKEND_PID=""; }

# start_server SERVER: sets SRV_PID, SRV_PORT; 1 if it did not listen within 10 s
start_server() {
    local i rf
    if [[ $1 == pair ]]; then
        BACKEND_PORT=$(free_port)
        start_bg "exec timeout -k 2 1800 $(q "$TMP/epoll_echo") $BACKEND_PORT 127.0.0.1 </dev/null >/dev/null 2>&1"
        BACKEND_PID=$BG_PID
        for ((i = 0; i < 2000; i++)); do
            [[ -n $(ss -Hltn "sport = :$BACKEND_PORT") ]] && break
            sleep 0.005
        done
    fi
    SRV_PORT=$(free_port)
    rf=$TMP/ready.$SRV_PORT
    start_bg "exec timeout -k 2 1800 $(server_cmd "$1" "$SRV_PORT" "$rf") </dev/null >/dev/null 2>$(q "$TMP/server.err")"
    SRV_PID=$BG_PID
    for ((i = 0; i < 2000; i++)); do
        if [[ $1 != c ]]; then [[ -s $rf ]] && return 0
        else [[ -n $(ss -Hltn "sport = :$SRV_PORT") ]] && return 0; fi
        alive "$SRV_PID" || break
        sleep 0.005
    done
    stop_bg "$SRV_PID"
    return 1
}

# srv_cpu_ns: CPU time the server process (the child of its `timeout` wrapper) has used, in ns
# (/proc/PID/schedstat: not skewed by other processes' load, unlike wall-clock round trips).
srv_cpu_ns() {
    local p
    p=$(pgrep -P "$SRV_PID" | head -n 1)
    awk '{ print $1 }' "/proc/${p:-$SRV_PID}/schedstat"
}

# rtt: one rtt_client run against the current server; sets RTT_MEAN, RTT_P50 and RTT_CPU (server
# CPU ns per round trip, warm-up included) or returns 1
rtt() {
    local line c0 c1
    c0=$(srv_cpu_ns)
    line=$(timeout -k 2 120 "$TMP/rtt_client" 127.0.0.1 "$SRV_PORT" "$RTTS" 1000 100 2>"$TMP/rtt.err") || return 1
    c1=$(srv_cpu_ns)
    [[ $line =~ mean_us=([0-9.]+)\ p50_us=([0-9.]+) ]] || return 1
    RTT_MEAN=${BASH_REMATCH[1]} RTT_P50=${BASH_REMATCH[2]}
    RTT_CPU=$(awk -v a="$c0" -v b="$c1" -v n="$((RTTS + 1000))" 'BEGIN { printf "%.2f", (b - a) / n / 1000 }')
}

declare -A NCONNS OPEN ALONE_MEAN ALONE_P50 IDLE_MEAN IDLE_P50 ALONE_CPU IDLE_CPU
echo "== idle-connection benchmark: $CMDLINE"
echo "   kernel $(uname -r), $(nproc) CPUs, ulimit -n $NOFILE; sockcli: $SOCKCLI"
for ((rep = 1; rep <= REPS; rep++)); do
    for s in $SERVERS; do
        sleep 1   # let the kernel finish tearing down the previous run's connections
        if ! start_server "$s"; then
            echo "   run $rep $(label "$s"): FAIL: server did not listen"; show_err "$TMP/server.err"; ANY_FAIL=1; continue
        fi
        if ! rtt; then
            echo "   run $rep $(label "$s"): FAIL: rtt alone: $(head -c 300 "$TMP/rtt.err")"; ANY_FAIL=1
            stop_bg "$SRV_PID"; stop_backend; continue
        fi
        a_mean=$RTT_MEAN a_p50=$RTT_P50 a_cpu=$RTT_CPU
        # The forwarder holds two sockets per client: under the open-files limit it takes
        # (NOFILE - 200) / 2 clients at most (the count used is printed with the run).
        n=$CONNS
        if [[ $s == pair ]] && ((n > (NOFILE - 200) / 2)); then n=$(((NOFILE - 200) / 2)); fi
        NCONNS[$s]=$n
        rm -f "$TMP/hold.out"
        start_bg "exec timeout -k 2 1800 $(q "$TMP/conn_client") hold 127.0.0.1 $SRV_PORT $n $WINDOW 600 \
            </dev/null >$(q "$TMP/hold.out") 2>$(q "$TMP/hold.err")"
        cpid=$BG_PID
        while alive "$cpid" && ! grep -q '^ready' "$TMP/hold.out" 2>/dev/null; do sleep 0.02; done
        line=$(grep '^ready' "$TMP/hold.out" || true)
        if [[ ! $line =~ secs=([0-9.]+) ]]; then
            echo "   run $rep $(label "$s"): FAIL: conn_client: $(head -c 300 "$TMP/hold.err")"; ANY_FAIL=1
            stop_bg "$cpid"; stop_bg "$SRV_PID"; stop_backend; continue
        fi
        open_s=${BASH_REMATCH[1]}
        sleep 0.5
        if ! rtt; then
            echo "   run $rep $(label "$s"): FAIL: rtt among idle: $(head -c 300 "$TMP/rtt.err")"; ANY_FAIL=1
            stop_bg "$cpid"; stop_bg "$SRV_PID"; stop_backend; continue
        fi
        alive "$SRV_PID" || { echo "   run $rep $(label "$s"): FAIL: server died"; ANY_FAIL=1; }
        stop_bg "$cpid"
        stop_bg "$SRV_PID"; stop_backend
        OPEN[$s]+="$open_s "
        ALONE_MEAN[$s]+="$a_mean " ALONE_P50[$s]+="$a_p50 "
        IDLE_MEAN[$s]+="$RTT_MEAN " IDLE_P50[$s]+="$RTT_P50 "
        ALONE_CPU[$s]+="$a_cpu " IDLE_CPU[$s]+="$RTT_CPU "
        printf '   run %d  %-26s open %s: %6.3f s  RTT alone: mean %6.2f p50 %6.2f cpu %5.2f µs  among idle: mean %6.2f p50 %6.2f cpu %5.2f µs\n' \
            "$rep" "$(label "$s")" "$n" "$open_s" "$a_mean" "$a_p50" "$a_cpu" "$RTT_MEAN" "$RTT_P50" "$RTT_CPU"
    done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
med() {
    if [[ -z ${1:-} ]]; then echo ""
    elif [[ $STAT == min ]]; then printf '%s\n' $1 | sort -g | head -n 1
    else median $1; fi
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 <= b + 0) }'; }

echo
echo "== results ($CMDLINE; kernel $(uname -r); $(nproc) CPUs; $STAT of $REPS runs)"
ROWS=()
for s in $SERVERS; do
    o=$(med "${OPEN[$s]:-}") am=$(med "${ALONE_MEAN[$s]:-}") ap=$(med "${ALONE_P50[$s]:-}")
    im=$(med "${IDLE_MEAN[$s]:-}") ip=$(med "${IDLE_P50[$s]:-}")
    ac=$(med "${ALONE_CPU[$s]:-}") ic=$(med "${IDLE_CPU[$s]:-}")
    ROWS+=("$(label "$s")$( ((${NCONNS[$s]:-$CONNS} != CONNS)) && echo " (${NCONNS[$s]} conns)")|${o:-FAIL}|$(ratio "$o" "$(med "${OPEN[c]:-}")")|${am:-FAIL}|${im:-FAIL}|$(ratio "$im" "$am")|${ap:-FAIL}|${ip:-FAIL}|$(ratio "$ip" "$ap")|${ac:-FAIL}|${ic:-FAIL}|$(ratio "$ic" "$ac")")
done
printf '%-26s %8s %6s %10s %9s %8s %10s %9s %8s %10s %9s %8s\n' server "open s" "÷ C" "RTT alone" "RTT idle" "idle÷al" "p50 alone" "p50 idle" "idle÷al" "cpu alone" "cpu idle" "idle÷al"
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b c d e f g h i j k l <<<"$r"
    printf '%-26s %8s %6s %10s %9s %8s %10s %9s %8s %10s %9s %8s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$i" "$j" "$k" "$l"
done
echo "RTT = mean µs of $RTTS 1-byte round trips; cpu = server CPU µs per round trip; idle÷al = among $CONNS idle ÷ alone"
VERDICTS=""
for r in "${ROWS[@]}"; do
    IFS='|' read -r name _ open_ratio _ _ rtt_ratio _ _ p50_ratio _ _ cpu_ratio <<<"$r"
    [[ $name == "C epoll_echo" ]] && continue
    v_open=FAIL v_rtt=FAIL
    le "$open_ratio" "$TARGET_OPEN" && v_open=PASS
    le "$rtt_ratio" "$TARGET_RTT" && v_rtt=PASS
    echo "$name targets: open $CONNS within ${TARGET_OPEN}× of C: $v_open ($open_ratio); RTT among idle within ${TARGET_RTT}× of alone: $v_rtt (mean $rtt_ratio, p50 $p50_ratio, server CPU $cpu_ratio)"
    VERDICTS+="$name: open $v_open, RTT $v_rtt; "
done

echo
echo "---------------------------------------------------------------- markdown"
echo "| server | open $CONNS conns (s) | ÷ C | RTT alone (µs, mean / p50) | RTT among $CONNS idle (µs, mean / p50) | among idle ÷ alone (mean / p50) | server CPU µs per round trip, alone / among idle |"
echo "|---|--:|--:|--:|--:|--:|--:|"
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b c d e f g h i j k l <<<"$r"
    echo "| $a | $b | $c | $d / $g | $e / $h | $f / $i | $j / $k ($l) |"
done
echo
echo "Command: \`$CMDLINE\` — Linux $(uname -r), $(nproc) CPUs; $STAT of $REPS runs for each figure, a fresh server each; targets: ${VERDICTS% }"

if ((ANY_FAIL)); then
    echo "FAIL: at least one run failed (see above)"
    exit 1
fi
