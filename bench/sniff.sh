#!/usr/bin/env bash
# bench/sniff.sh — capture benchmark: `sockcli sniff` against tcpdump on `lo` while a C sender
# (bench/udp_flood.c) floods 1,000,000 small UDP datagrams to 127.0.0.1 as fast as it can.
#
#   bash bench/sniff.sh
#
# Environment knobs (all optional):
#   SOCKCLI=path   binary to test (default: <repo>/target/release/sockcli, built first)
#   N=1000000      datagrams per run
#   SIZE=32        UDP payload bytes (74 bytes on the wire with the Ethernet header lo uses)
#   REPS=3         runs per configuration, interleaved; medians are reported
#   BUF_KIB=16384  capture ring for both tools: sockcli's default (16 MiB) and `tcpdump -B`
#   DEFAULT_B=0    1: also run tcpdump without -B (libpcap's default 2 MiB ring; adds ~50 s)
#
# Configurations (each started fresh, one at a time, in the same run):
#   sockcli pcap   sockcli sniff lo -w /dev/null 'udp port P'
#   sockcli text   sockcli sniff lo 'udp port P' > /dev/null
#   tcpdump pcap   tcpdump -i lo -n -B BUF_KIB -w /dev/null 'udp port P'
#   tcpdump text   tcpdump -i lo -n -B BUF_KIB 'udp port P' > /dev/null
#   (+ the two tcpdump ones without -B when DEFAULT_B=1)
# Each run: start the capturer; wait until it is ready; take its CPU time; send N datagrams;
# wait until it is quiet; take its CPU time again; SIGINT it; read "N packets captured" and
# "M ... dropped by kernel" from its stderr.
#
# Readiness. tcpdump prints "listening on lo" to stderr after its filter is set. sockcli prints
# nothing, but installs its SIGINT handler only after the ring is mapped and the filter attached
# (cmd::sniff::capture), so it is ready once /proc/PID/exe is the sockcli binary and SIGINT
# shows in SigCgt of /proc/PID/status (exact: no canary packet that the counts would include;
# the exe check matters because the bash that execs sockcli may catch SIGINT itself).
#
# CPU time: the sum of the first field of /proc/PID/task/*/schedstat (on-CPU nanoseconds,
# exact, user + system), read when ready and when quiet, so start-up and exit are not counted;
# start-up is printed per run. "CPU s/M" = the difference scaled to 1,000,000 datagrams sent.
#
# Quiet: at least 1.2 s after the sender exits (tcpdump's libpcap hands over a partly filled
# ring block only after its 1000 ms block timeout; sockcli's is 50 ms) and no CPU used for
# the last 300 ms.
#
# The receiver: udp_flood binds a UDP socket on 127.0.0.1:P that nobody reads, so there is no
# ICMP port-unreachable traffic and no receiving process competes for the CPU; the kernel drops
# the datagrams at that full socket after every packet tap has seen them (see udp_flood.c).
#
# Needs root (CAP_NET_RAW for both capturers), tcpdump and gcc; without them it prints
# "skipped: ..." and exits 0. Background processes run in their own process groups and are
# killed on exit (bench/lib.sh).
set -euo pipefail
export LC_ALL=C

CMDLINE="bash bench/sniff.sh"
for v in DEFAULT_B BUF_KIB REPS SIZE N SOCKCLI; do   # record knobs given in the environment
    if [[ -n ${!v:-} ]]; then CMDLINE="$v=$(printf '%q' "${!v}") $CMDLINE"; fi
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
N=${N:-1000000}
SIZE=${SIZE:-32}
REPS=${REPS:-3}
BUF_KIB=${BUF_KIB:-16384}
DEFAULT_B=${DEFAULT_B:-0}
SEND_TIMEOUT=120          # seconds per sender run
READY_TIMEOUT_US=10000000 # capturer start-up
QUIET_MIN_US=1200000      # after the sender exits
QUIET_IDLE_US=300000      # no CPU used for this long
QUIET_MAX_US=60000000     # give up waiting (the run is reported as it is)
for v in N SIZE REPS BUF_KIB; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "sniff.sh: $v must be a positive integer" >&2; exit 2; }
done

skip() { echo "skipped: $*"; exit 0; }
((EUID == 0)) || skip "needs root (CAP_NET_RAW) to capture packets"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
command -v gcc >/dev/null || skip "gcc not installed"
for c in awk python3 setsid sort timeout; do
    command -v "$c" >/dev/null || { echo "sniff.sh: required command '$c' not found" >&2; exit 2; }
done
[[ -r /proc/self/schedstat ]] || skip "/proc/PID/schedstat not available (kernel without CONFIG_SCHED_INFO)"
[[ -e /sys/class/net/lo ]] || skip "no loopback interface"
PY=$(python3 -c 'import sys; print(sys.executable)')

if [[ -z ${SOCKCLI:-} ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    SOCKCLI=$ROOT/target/release/sockcli
fi
[[ -x $SOCKCLI ]] || { echo "sniff.sh: $SOCKCLI is not executable" >&2; exit 2; }

source "$HERE/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockcli-sniff.XXXXXX")
gcc -O2 -Wall -o "$TMP/udp_flood" "$HERE/udp_flood.c"

# ---------------------------------------------------------------- helpers
udp_port() { # a free UDP port on 127.0.0.1 (udp_flood's bind fails if someone takes it meanwhile)
    "$PY" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cpu_ns() { # PID: on-CPU ns over all its threads (empty if it is gone)
    local f v sum=0
    for f in /proc/"$1"/task/*/schedstat; do
        read -r v _ 2>/dev/null <"$f" || continue
        sum=$((sum + v))
    done
    [[ -d /proc/$1 ]] && echo "$sum"
}

sigint_caught() { # PID: has it installed its SIGINT handler?
    local mask
    mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $mask ]] && (((16#$mask & 2) != 0))
}

# send: run the flood; sets SEND_PPS ("" on failure)
send() { # PORT
    local out
    SEND_PPS=""
    out=$(timeout -k 2 "$SEND_TIMEOUT" "$TMP/udp_flood" "$1" "$N" "$SIZE" 2>"$TMP/send.err") || {
        echo "   sender failed: $(head -c 300 "$TMP/send.err")"
        return 0
    }
    if [[ $out =~ pps=([0-9]+) ]]; then SEND_PPS=${BASH_REMATCH[1]}; fi
}

cap_cmd() { # TOOL MODE PORT
    local filter="'udp port $3'" b="-B $BUF_KIB"
    [[ $1 == tcpdump-defB ]] && b=""
    case $1,$2 in # stdout goes to /dev/null in both modes
    sockcli,pcap) echo "$(q "$SOCKCLI") sniff lo -w /dev/null $filter" ;;
    sockcli,text) echo "$(q "$SOCKCLI") sniff lo $filter" ;;
    tcpdump*,pcap) echo "tcpdump -i lo -n $b -w /dev/null $filter" ;;
    tcpdump*,text) echo "tcpdump -i lo -n $b $filter" ;;
    esac
}

# run_capture TOOL MODE: one run; sets R_CAPT R_DROP R_CPU (s per 1M sent) R_PPS R_START R_ERR
run_capture() {
    local tool=$1 mode=$2 port cmd pid t0 c0 c1 last t_end t_change ok=0 i
    R_CAPT="" R_DROP="" R_CPU="" R_PPS="" R_START="" R_ERR=""
    port=$(udp_port)
    cmd=$(cap_cmd "$tool" "$mode" "$port")
    rm -f "$TMP/cap.err"
    # exec: the process group leader is the capturer itself, so $pid is the one to measure
    start_bg "exec $cmd </dev/null >/dev/null 2>$(q "$TMP/cap.err")"
    pid=$BG_PID
    now_us; t0=$NOW_US
    while :; do
        if [[ $tool == sockcli ]]; then
            # the exe check first: the bash that execs it may itself catch SIGINT
            [[ /proc/$pid/exe -ef $SOCKCLI ]] && sigint_caught "$pid" && { ok=1; break; }
        else
            grep -q 'listening on' "$TMP/cap.err" 2>/dev/null && { ok=1; break; }
        fi
        alive "$pid" || break
        now_us; ((NOW_US - t0 < READY_TIMEOUT_US)) || break
        sleep 0.005
    done
    if ((!ok)); then
        R_ERR="not ready: $cmd"$'\n'"$(show_err "$TMP/cap.err")"
        kill_group "$pid"; wait "$pid" 2>/dev/null || true; forget_pid "$pid"
        return
    fi
    c0=$(cpu_ns "$pid")
    R_START=$(awk -v c="$c0" 'BEGIN { printf "%.3f", c / 1e9 }')
    send "$port"
    R_PPS=$SEND_PPS
    now_us; t_end=$NOW_US; t_change=$NOW_US
    last=$(cpu_ns "$pid")
    while :; do
        sleep 0.05
        c1=$(cpu_ns "$pid") || break
        now_us
        if [[ $c1 != "$last" ]]; then last=$c1; t_change=$NOW_US; fi
        ((NOW_US - t_end >= QUIET_MIN_US && NOW_US - t_change >= QUIET_IDLE_US)) && break
        ((NOW_US - t_end < QUIET_MAX_US)) || { R_ERR="still busy ${QUIET_MAX_US}us after the sender"; break; }
    done
    kill -INT "$pid" 2>/dev/null || true
    for i in $(seq 200); do alive "$pid" || break; sleep 0.025; done
    kill_group "$pid"; wait "$pid" 2>/dev/null || true; forget_pid "$pid"
    R_CPU=$(awk -v a="$c0" -v b="$last" -v n="$N" 'BEGIN { printf "%.3f", (b - a) / 1e9 * 1e6 / n }')
    R_CAPT=$(awk '/packets captured/ { print $1; exit }' "$TMP/cap.err")
    # sockcli: "N packets captured, M dropped by kernel"; tcpdump: "M packets dropped by kernel"
    R_DROP=$(awk '/dropped by kernel/ { for (i = NF; i >= 1; i--) if ($i == "dropped") break
        for (; i >= 1; i--) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$TMP/cap.err")
    if [[ -z $R_CAPT || -z $R_DROP ]]; then
        R_ERR+="no statistics on stderr: $cmd"$'\n'"$(show_err "$TMP/cap.err")"
    fi
}

# ---------------------------------------------------------------- runs
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== sockcli capture benchmark: $CMDLINE"
echo "   kernel $(uname -r), $(nproc) CPUs, $N datagrams of $SIZE bytes per run, $REPS run(s) each (median)"
echo "   sockcli: $SOCKCLI; $(tcpdump --version 2>&1 | head -n 1), $(tcpdump --version 2>&1 | sed -n 2p)"
echo "   load average at start: $LOAD0"

declare -A V_PPS V_CAPT V_DROP V_CPU V_START FAILS
CONFIGS=("sockcli pcap" "tcpdump pcap" "sockcli text" "tcpdump text")
if [[ $DEFAULT_B == 1 ]]; then CONFIGS+=("tcpdump-defB pcap" "tcpdump-defB text"); fi

echo
echo "== sender alone (no capture)"
for ((rep = 1; rep <= REPS; rep++)); do
    send "$(udp_port)"
    [[ -n $SEND_PPS ]] || { ANY_FAIL=1; continue; }
    V_PPS[alone]+="$SEND_PPS "
    printf '   run %d  %8s packets/s\n' "$rep" "$SEND_PPS"
done

echo
echo "== captures (CPU = on-CPU time from ready to quiet, per 1M packets sent)"
for ((rep = 1; rep <= REPS; rep++)); do
    for c in "${CONFIGS[@]}"; do
        read -r tool mode <<<"$c"
        run_capture "$tool" "$mode"
        if [[ -n $R_ERR ]]; then
            ANY_FAIL=1
            FAILS[$c]=1
            printf '   run %d  %-12s %-4s FAIL: %s\n' "$rep" "$tool" "$mode" "$R_ERR"
            continue
        fi
        V_PPS[$c]+="$R_PPS " V_CAPT[$c]+="$R_CAPT " V_DROP[$c]+="$R_DROP " V_CPU[$c]+="$R_CPU " V_START[$c]+="$R_START "
        note=""
        ((R_CAPT == N)) || note="  ($((N - R_CAPT)) not captured)"
        printf '   run %d  %-12s %-4s captured %8s  dropped %8s  CPU %6s s/M  (start-up %s s)  sender %7s/s%s\n' \
            "$rep" "$tool" "$mode" "$R_CAPT" "$R_DROP" "$R_CPU" "$R_START" "$R_PPS" "$note"
    done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- results
med() { [[ -n ${1// /} ]] && median $1 || echo "-"; }
maxof() { [[ -n ${1// /} ]] && printf '%s\n' $1 | sort -g | tail -n 1 || echo "-"; }
label() { case $1 in tcpdump-defB) echo "tcpdump (default -B)" ;; *) echo "$1" ;; esac; }
bufnote() {
    case $1 in
    sockcli) echo "default (${BUF_KIB} KiB)" ;;
    tcpdump) echo "-B $BUF_KIB" ;;
    tcpdump-defB) echo "default (2 MiB)" ;;
    esac
}
ROWS=()   # tool|mode|ring|captured|dropped|maxdrop|cpu|ratio|pps|target
for m in pcap text; do
    tref=$(med "${V_CPU[tcpdump $m]:-}")
    for t in sockcli tcpdump tcpdump-defB; do
        c="$t $m"
        [[ $t == tcpdump-defB && $DEFAULT_B != 1 ]] && continue
        cpu=$(med "${V_CPU[$c]:-}")
        ratio="n/a"
        [[ $cpu != - && $tref != - ]] && ratio=$(awk -v a="$cpu" -v b="$tref" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
        maxd=$(maxof "${V_DROP[$c]:-}")
        target="-"
        if [[ $t == sockcli ]]; then
            if [[ -n ${FAILS[$c]:-} || $cpu == - ]]; then
                target="FAIL (run failed)"
            else
                why=()
                [[ $maxd == 0 ]] || why+=("drops")
                [[ $(printf '%s\n' ${V_CAPT[$c]} | sort -g | head -n 1) == "$N" ]] || why+=("missed packets")
                if [[ $m == pcap ]]; then
                    [[ $tref != - ]] && awk -v a="$cpu" -v b="$tref" 'BEGIN { exit !(a > b) }' && why+=("CPU > tcpdump")
                else
                    awk -v a="$cpu" 'BEGIN { exit !(a >= 1) }' && why+=("CPU >= 1 s/M")
                fi
                if ((${#why[@]})); then target="FAIL (${why[*]})"; ANY_FAIL=1; else target="PASS"; fi
            fi
        fi
        ROWS+=("$(label "$t")|$m|$(bufnote "$t")|$(med "${V_CAPT[$c]:-}")|$(med "${V_DROP[$c]:-}")|$maxd|$cpu|$ratio|$(med "${V_PPS[$c]:-}")|$target")
    done
done

echo
echo "== results ($CMDLINE; kernel $(uname -r); $(nproc) CPUs; median of $REPS)"
printf '%-21s %-4s %9s %9s %8s %8s %8s %9s  %s\n' tool mode captured dropped max_drop "CPU_s/M" vs_tcpd sender/s target
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b _ d e f g h i j <<<"$r"
    printf '%-21s %-4s %9s %9s %8s %8s %8s %9s  %s\n' "$a" "$b" "$d" "$e" "$f" "$g" "$h" "$i" "$j"
done
echo "sender alone: $(med "${V_PPS[alone]:-}") packets/s; load average $LOAD0 at start, $LOAD1 at end"
echo "targets (sockcli): all $N captured and 0 dropped in every run; pcap CPU <= tcpdump -B $BUF_KIB; text CPU < 1 s/M"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "---------------------------------------------------------------- markdown"
cat <<EOF
##### $N UDP datagrams ($SIZE-byte payload) on \`lo\`, capture filter \`udp port P\`

| tool | output | ring | captured | dropped | CPU s per 1M packets | CPU vs tcpdump | sender packets/s |
|---|---|---|--:|--:|--:|--:|--:|
EOF
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b ring d e f g h i j <<<"$r"
    [[ $b == pcap ]] && b="\`-w /dev/null\`" || b="text \`> /dev/null\`"
    [[ $f != "$e" ]] && e="$e (max $f)"
    echo "| $a | $b | $ring | $d | $e | $g | $h | $i |"
done
cat <<EOF

Command: \`$CMDLINE\` — Linux $(uname -r), $(nproc) CPUs${cpu:+ ($cpu)}, median of $REPS runs,
$(tcpdump --version 2>&1 | head -n 1) ($(tcpdump --version 2>&1 | sed -n 2p)). Sender alone: $(med "${V_PPS[alone]:-}") packets/s.
Load average $LOAD0 at start, $LOAD1 at end.
EOF

if ((ANY_FAIL)); then
    echo
    echo "FAIL: a run failed or sockcli missed a target (see above)"
    exit 1
fi
