#!/usr/bin/env bash
# bench/core.sh — sockcli core benchmark: loopback TCP throughput and 1-byte echo latency
# against socat, nc.openbsd, ncat, iperf3 and a minimal C echo server.
#
#   bash bench/core.sh [SIZE_GIB]          (default 4; fractions allowed, e.g. 0.25)
#
# Environment knobs (all optional):
#   SOCKCLI=path        binary to test (default: <repo>/target/release/sockcli)
#   REPS=3              runs per throughput / latency measurement; the median is reported
#   RTT_N=20000         measured round trips per latency run (RTT_WARMUP=1000 unmeasured first)
#   BENCH_TMPDIR=dir    where the temp dir (incl. the SIZE GiB data file) goes
#                       (default: /tmp, or /work if /tmp lacks space)
#
# What it does, in one run:
#  0. correctness: each tool sends a 16 MiB + 4321 byte random file to itself, once with stdin a
#     pipe (cat file | sender) and once with stdin the file (sender < file); the receiver writes to
#     a file that must be byte-identical (cmp). A mismatch prints FAIL.
#  1. throughput: SIZE GiB over 127.0.0.1 TCP, same tool as sender and receiver, receiver > /dev/null;
#     variant "pipe": head -c BYTES /dev/zero | sender; variant "file": sender < SIZE GiB file.
#     Time = sender start until the receiver exits. Plus iperf3 (with -Z and without) as the
#     loopback limit.
#  2. latency: 1-byte echo round trips (bench/rtt_client.c) against echo servers of each tool and
#     bench/echo_server.c.
#  3. a markdown summary for the README.
# Every background process runs in its own process group under `timeout`, and is killed on exit.
set -euo pipefail
export LC_ALL=C

# ---------------------------------------------------------------- arguments / settings
usage() { echo "usage: bash bench/core.sh [SIZE_GIB]   (default 4, e.g. 0.25)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
SIZE_GIB=${1:-4}
[[ $SIZE_GIB =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]] || usage
MIB=1048576
BYTES=$(awk -v s="$SIZE_GIB" 'BEGIN { printf "%.0f", s * 1073741824 }')
((BYTES >= MIB)) || { echo "core.sh: SIZE_GIB must be at least 1 MiB (0.001)" >&2; exit 2; }

CMDLINE="bash bench/core.sh${1:+ $1}"
for v in BENCH_TMPDIR RTT_WARMUP RTT_N REPS SOCKCLI; do   # record knobs given in the environment
    if [[ -n ${!v:-} ]]; then CMDLINE="$v=$(printf '%q' "${!v}") $CMDLINE"; fi
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SOCKCLI=${SOCKCLI:-$ROOT/target/release/sockcli}
REPS=${REPS:-3}
RTT_N=${RTT_N:-20000}
RTT_WARMUP=${RTT_WARMUP:-1000}
RTT_TIMEOUT=60                                   # seconds, per latency run
VERIFY_BYTES=$((16 * MIB + 4321))                # odd on purpose
# per-transfer bound: 30 s + 30 s per GiB (i.e. fails below ~35 MiB/s)
XFER_TIMEOUT=$(awk -v b="$BYTES" 'BEGIN { printf "%d", 30 + 30 * b / 1073741824 + 0.999 }')
VERIFY_TIMEOUT=20                                 # seconds, per byte-count check transfer
XF_TMO=$XFER_TIMEOUT                              # timeout run_xfer uses (set per phase)
READY_TIMEOUT_US=5000000                          # 5 s for a listener to come up
[[ $REPS =~ ^[1-9][0-9]*$ && $RTT_N =~ ^[1-9][0-9]*$ && $RTT_WARMUP =~ ^[0-9]+$ ]] ||
    { echo "core.sh: REPS and RTT_N must be positive integers, RTT_WARMUP a non-negative integer" >&2; exit 2; }

for c in awk cmp gcc head python3 setsid ss timeout df; do
    command -v "$c" >/dev/null || { echo "core.sh: required command '$c' not found" >&2; exit 2; }
done
PY=$(python3 -c 'import sys; print(sys.executable)')  # skip pyenv shims on every port lookup

# ---------------------------------------------------------------- process / temp management

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# wait_bg PID: reap it (every background command is itself bounded by `timeout`); sets WAIT_RC
wait_bg() {
    WAIT_RC=0
    wait "$1" || WAIT_RC=$?
    forget_pid "$1"
}


# wait_ready KIND PORT PID [READYFILE]: KIND=file polls the ready file, KIND=port polls ss.
# Returns 0 when listening, 1 if the process exited first, 2 after 5 s.
wait_ready() {
    local kind=$1 port=$2 pid=$3 rf=${4:-} start
    now_us; start=$NOW_US
    while :; do
        if [[ $kind == file ]]; then
            [[ -s $rf ]] && return 0
        else
            [[ -n $(ss -Hltn "sport = :$port") ]] && return 0
        fi
        alive "$pid" || return 1
        now_us; ((NOW_US - start < READY_TIMEOUT_US)) || return 2
        sleep 0.005
    done
}

# ---------------------------------------------------------------- tools
TOOLS=()
SOCKCLI_OK=1
if [[ -x $SOCKCLI ]]; then TOOLS+=(sockcli); else SOCKCLI_OK=0; echo "NOTE: $SOCKCLI not found/executable: sockcli rows will be n/a"; fi
command -v socat >/dev/null && TOOLS+=(socat) || echo "NOTE: socat not installed, skipped"
command -v nc.openbsd >/dev/null && TOOLS+=(nc.openbsd) || echo "NOTE: nc.openbsd not installed, skipped"
command -v ncat >/dev/null && TOOLS+=(ncat) || echo "NOTE: ncat not installed, skipped"
HAVE_IPERF=1; command -v iperf3 >/dev/null || { HAVE_IPERF=0; echo "NOTE: iperf3 not installed, skipped"; }

recv_cmd() { # TOOL PORT READYFILE
    case $1 in
    sockcli) echo "$(q "$SOCKCLI") listen 127.0.0.1 $2 --ready-file $(q "$3")" ;;
    socat) echo "socat -u TCP-LISTEN:$2,reuseaddr -" ;;
    nc.openbsd) echo "nc.openbsd -l 127.0.0.1 $2" ;;
    ncat) echo "ncat -l 127.0.0.1 $2" ;;
    esac
}
send_cmd() { # TOOL PORT
    case $1 in
    sockcli) echo "$(q "$SOCKCLI") connect 127.0.0.1 $2" ;;
    socat) echo "socat -u - TCP:127.0.0.1:$2" ;;
    nc.openbsd) echo "nc.openbsd -N 127.0.0.1 $2" ;;
    ncat) echo "ncat --send-only 127.0.0.1 $2" ;;
    esac
}
ready_kind() { [[ $1 == sockcli ]] && echo file || echo port; }


# run_xfer TOOL SOURCE OUT
#   SOURCE: zero:N (head -c N /dev/zero | sender) | cat:PATH (cat PATH | sender) | file:PATH (sender < PATH)
#   OUT:    null (receiver > /dev/null) or a path
# Sets XF_US (sender start -> receiver exit, µs) and XF_STATUS ("ok" or a failure description).
run_xfer() {
    local tool=$1 src=$2 out=$3 port rf rcmd scmd rpid spid t0 rrc src_rc
    port=$(free_port)
    rf=$TMP/ready.$port
    rm -f "$rf" "$TMP/recv.err" "$TMP/send.err"
    rcmd=$(recv_cmd "$tool" "$port" "$rf")
    [[ $out == null ]] && out=/dev/null
    start_bg "exec timeout -k 2 $XF_TMO $rcmd </dev/null >$(q "$out") 2>$(q "$TMP/recv.err")"
    rpid=$BG_PID
    local wr=0
    wait_ready "$(ready_kind "$tool")" "$port" "$rpid" "$rf" || wr=$?
    if ((wr)); then
        kill_group "$rpid"; wait_bg "$rpid"
        XF_STATUS="$(not_ready_msg $wr $WAIT_RC): $rcmd"
        if [[ -s $TMP/recv.err ]]; then XF_STATUS+=$'\n'"$(show_err "$TMP/recv.err")"; fi
        XF_US=0
        return
    fi
    scmd="timeout -k 2 $XF_TMO $(send_cmd "$tool" "$port") >/dev/null 2>$(q "$TMP/send.err")"
    case $src in
    zero:*) scmd="head -c ${src#zero:} /dev/zero | $scmd" ;;
    cat:*) scmd="cat $(q "${src#cat:}") | $scmd" ;;
    file:*) scmd="$scmd <$(q "${src#file:}")" ;;
    esac
    # if the sender fails, stop the receiver at once instead of letting it sit until its timeout
    scmd="set -o pipefail; $scmd; rc=\$?; [ \$rc -eq 0 ] || kill -TERM -- -$rpid 2>/dev/null; exit \$rc"
    now_us; t0=$NOW_US
    start_bg "$scmd"
    spid=$BG_PID
    wait_bg "$rpid"; rrc=$WAIT_RC
    now_us; XF_US=$((NOW_US - t0))
    wait_bg "$spid"; src_rc=$WAIT_RC
    XF_STATUS=ok
    if ((rrc != 0 || src_rc != 0)); then
        XF_STATUS="receiver exit $rrc$(tmo_note $rrc), sender exit $src_rc$(tmo_note $src_rc)"
        XF_STATUS+=" | receiver: $rcmd | sender: $(send_cmd "$tool" "$port")"
        if [[ -s $TMP/recv.err ]]; then XF_STATUS+=$'\n'"$(show_err "$TMP/recv.err")"; fi
        if [[ -s $TMP/send.err ]]; then XF_STATUS+=$'\n'"$(show_err "$TMP/send.err")"; fi
    fi
}

not_ready_msg() { # WAIT_READY_RC EXIT_STATUS
    if (($1 == 1)); then echo "listener exited (status $2) before listening"; else echo "not listening after 5 s"; fi
}
tmo_note() { if (($1 == 124)); then echo " (TIMEOUT)"; fi; }
fmt_s() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }
fmt_gibps() { awk -v b="$1" -v u="$2" 'BEGIN { if (u > 0) printf "%.2f", b / 1073741824 / (u / 1e6); else print "-" }'; }

# ---------------------------------------------------------------- temp dir + data files
pick_base() {
    local best="" best_avail=-1 d a
    local cands=("${TMPDIR:-/tmp}" /work)
    [[ -n ${BENCH_TMPDIR:-} ]] && cands=("$BENCH_TMPDIR" "${cands[@]}")
    for d in "${cands[@]}"; do
        [[ -n $d && -d $d && -w $d ]] || continue
        a=$(df -B1 --output=avail "$d" | tail -n 1 | tr -d ' ')
        if [[ -n ${BENCH_TMPDIR:-} && $d == "$BENCH_TMPDIR" ]] || ((a >= BYTES + 512 * MIB)); then
            echo "$d"; return
        fi
        ((a > best_avail)) && { best=$d; best_avail=$a; }
    done
    echo "${best:-/tmp}"
}
BASE=$(pick_base)
TMP=$(mktemp -d "$BASE/sockcli-bench.XXXXXX")
AVAIL=$(df -B1 --output=avail "$TMP" | tail -n 1 | tr -d ' ')
FILE_BYTES=$BYTES
FILE_NOTE=""
if ((AVAIL < BYTES + 512 * MIB)); then
    FILE_BYTES=$(((AVAIL - 512 * MIB) / MIB * MIB))
    if ((FILE_BYTES < 64 * MIB)); then
        FILE_BYTES=0
        FILE_NOTE="only $((AVAIL / MIB)) MiB free under $BASE: file variant skipped"
    else
        FILE_NOTE="only $((AVAIL / MIB)) MiB free under $BASE: file variant uses a $(awk -v b=$FILE_BYTES 'BEGIN{printf "%.2f", b/1073741824}') GiB file instead of $SIZE_GIB GiB"
    fi
    echo "NOTE: $FILE_NOTE"
fi

echo "== sockcli core benchmark: $CMDLINE"
echo "   kernel $(uname -r), $(nproc) CPUs, size $SIZE_GIB GiB ($BYTES bytes), $REPS run(s) each (median), temp dir $TMP"
echo "   sockcli: $SOCKCLI"

DATA=$TMP/data.bin
if ((FILE_BYTES > 0)); then
    if ! fallocate -l "$FILE_BYTES" "$DATA" 2>/dev/null; then
        rm -f "$DATA"
        head -c "$FILE_BYTES" /dev/zero >"$DATA"
    fi
    cat "$DATA" >/dev/null   # warm the page cache so every tool reads it from memory
fi
VFILE=$TMP/verify.bin
head -c "$VERIFY_BYTES" /dev/urandom >"$VFILE"

# pipe source alone (no network), for reading the pipe-variant figures
now_us; t0=$NOW_US
head -c "$BYTES" /dev/zero | cat >/dev/null
now_us; SRC_GIBPS=$(fmt_gibps "$BYTES" $((NOW_US - t0)))
echo "   pipe source alone (head -c N /dev/zero | cat > /dev/null): $SRC_GIBPS GiB/s"

# ---------------------------------------------------------------- 0. correctness
declare -A VER       # VER[tool,variant] = OK | FAIL...
declare -A SKIP      # SKIP[tool,variant] = 1 when the tool could not run at all
echo
echo "== 0. byte-count check: $VERIFY_BYTES random bytes, receiver > file, cmp (timeout ${VERIFY_TIMEOUT}s)"
XF_TMO=$VERIFY_TIMEOUT
for tool in "${TOOLS[@]}"; do
    for variant in pipe file; do
        [[ $variant == pipe ]] && src=cat:$VFILE || src=file:$VFILE
        out=$TMP/recv.bin
        rm -f "$out"
        run_xfer "$tool" "$src" "$out"
        got=$(stat -c %s "$out" 2>/dev/null || echo 0)
        if [[ $XF_STATUS != ok ]]; then
            VER[$tool,$variant]="FAIL"
            SKIP[$tool,$variant]=1
            ANY_FAIL=1
            printf '   %-10s %-4s FAIL: %s\n' "$tool" "$variant" "$XF_STATUS"
        elif [[ $got != "$VERIFY_BYTES" ]] || ! cmp -s "$VFILE" "$out"; then
            VER[$tool,$variant]="FAIL"
            ANY_FAIL=1
            printf '   %-10s %-4s FAIL: received %s of %s bytes%s\n' "$tool" "$variant" "$got" "$VERIFY_BYTES" \
                "$(if [[ $got == "$VERIFY_BYTES" ]]; then echo ' (same size, different content)'; fi)"
        else
            VER[$tool,$variant]="OK"
            printf '   %-10s %-4s OK (%s bytes, identical)\n' "$tool" "$variant" "$got"
        fi
        rm -f "$out"
    done
done
if ((SOCKCLI_OK == 0)); then VER[sockcli,pipe]="n/a"; VER[sockcli,file]="n/a"; fi

# ---------------------------------------------------------------- 1. throughput
declare -A TIMES     # TIMES[tool,variant] = space-separated µs
declare -A XFAIL     # XFAIL[tool,variant] = first failure
echo
echo "== 1. throughput: $SIZE_GIB GiB over 127.0.0.1 TCP, receiver > /dev/null (timeout ${XFER_TIMEOUT}s per transfer)"
XF_TMO=$XFER_TIMEOUT
for ((rep = 1; rep <= REPS; rep++)); do
    for tool in "${TOOLS[@]}"; do
        for variant in pipe file; do
            [[ -n ${SKIP[$tool,$variant]:-} || -n ${XFAIL[$tool,$variant]:-} ]] && continue
            if [[ $variant == pipe ]]; then
                src=zero:$BYTES; nb=$BYTES
            else
                ((FILE_BYTES > 0)) || continue
                src=file:$DATA; nb=$FILE_BYTES
            fi
            run_xfer "$tool" "$src" null
            if [[ $XF_STATUS == ok ]]; then
                TIMES[$tool,$variant]+="$XF_US "
                printf '   run %d  %-10s %-4s %8s s  %6s GiB/s\n' "$rep" "$tool" "$variant" "$(fmt_s $XF_US)" "$(fmt_gibps "$nb" $XF_US)"
            else
                XFAIL[$tool,$variant]=$XF_STATUS
                ANY_FAIL=1
                printf '   run %d  %-10s %-4s FAIL: %s\n' "$rep" "$tool" "$variant" "$XF_STATUS"
            fi
        done
    done
done

# iperf3: the loopback limit
declare -A IPERF     # IPERF[variant] = space-separated "bytes:µs"
declare -A IPERF_FAIL
if ((HAVE_IPERF)); then
    for ((rep = 1; rep <= REPS; rep++)); do
        for variant in zerocopy default; do
            [[ -n ${IPERF_FAIL[$variant]:-} ]] && continue
            port=$(free_port)
            start_bg "exec timeout -k 2 $XFER_TIMEOUT iperf3 -s -1 -p $port </dev/null >/dev/null 2>$(q "$TMP/iperf-s.err")"
            ipid=$BG_PID
            if ! wait_ready port "$port" "$ipid"; then
                kill_group "$ipid"; wait_bg "$ipid"
                IPERF_FAIL[$variant]="iperf3 server not listening"
                printf '   run %d  %-10s %-8s FAIL: %s\n' "$rep" iperf3 "$variant" "${IPERF_FAIL[$variant]}"
                continue
            fi
            zflag=""; [[ $variant == zerocopy ]] && zflag="-Z"
            rc=0
            timeout -k 2 "$XFER_TIMEOUT" iperf3 -c 127.0.0.1 -p "$port" -n "$BYTES" $zflag -J \
                </dev/null >"$TMP/iperf.json" 2>"$TMP/iperf-c.err" || rc=$?
            # the server exits by itself after one test (-1); give it a moment, then make sure
            for _ in $(seq 100); do alive "$ipid" || break; sleep 0.02; done
            kill_group "$ipid"; wait_bg "$ipid"
            res=$("$PY" - "$TMP/iperf.json" <<'EOF' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d:
    print("error " + d["error"].replace(" ", "_")); sys.exit()
s = d["end"]["sum_received"]
print("%d %d" % (s["bytes"], round(s["seconds"] * 1e6)))
EOF
)
            if ((rc == 0)) && [[ $res =~ ^[0-9]+\ [0-9]+$ ]]; then
                IPERF[$variant]+="${res% *}:${res#* } "
                printf '   run %d  %-10s %-8s %8s s  %6s GiB/s\n' "$rep" iperf3 "$variant" "$(fmt_s "${res#* }")" "$(fmt_gibps "${res% *}" "${res#* }")"
            else
                IPERF_FAIL[$variant]="iperf3 -c exit $rc ${res:-}"
                printf '   run %d  %-10s %-8s FAIL: %s\n' "$rep" iperf3 "$variant" "${IPERF_FAIL[$variant]}"
                show_err "$TMP/iperf-c.err"
            fi
        done
    done
fi

# ---------------------------------------------------------------- 2. latency
echo
echo "== 2. echo latency: 1-byte round trips, $RTT_N measured after $RTT_WARMUP warm-up, $REPS run(s) each"
gcc -O2 -Wall -o "$TMP/echo_server" "$HERE/echo_server.c"
gcc -O2 -Wall -o "$TMP/rtt_client" "$HERE/rtt_client.c"
SERVERS=(c)
((SOCKCLI_OK)) && SERVERS+=(sockcli)
command -v socat >/dev/null && SERVERS+=(socat)
command -v ncat >/dev/null && SERVERS+=(ncat)
server_label() {
    case $1 in
    c) echo "C echo_server" ;;
    sockcli) echo "sockcli --echo" ;;
    socat) echo "socat PIPE" ;;
    ncat) echo "ncat --exec cat" ;;
    esac
}
server_cmd() { # SERVER PORT READYFILE
    case $1 in
    c) echo "$(q "$TMP/echo_server") $2 127.0.0.1" ;;
    sockcli) echo "$(q "$SOCKCLI") listen 127.0.0.1 $2 --echo --ready-file $(q "$3")" ;;
    socat) echo "socat TCP-LISTEN:$2,reuseaddr PIPE" ;;
    ncat) echo "ncat -l 127.0.0.1 $2 --exec /bin/cat" ;;
    esac
}
declare -A RTT       # RTT[server] = lines "mean p50 p99"
declare -A RTT_FAIL
declare -A RTT_NOTE
for ((rep = 1; rep <= REPS; rep++)); do
    for s in "${SERVERS[@]}"; do
        [[ -n ${RTT_FAIL[$s]:-} ]] && continue
        port=$(free_port)
        rf=$TMP/ready.$port
        rm -f "$rf"
        cmd=$(server_cmd "$s" "$port" "$rf")
        start_bg "exec timeout -k 2 $((RTT_TIMEOUT + 10)) $cmd </dev/null >/dev/null 2>$(q "$TMP/echo.err")"
        epid=$BG_PID
        kind=port; [[ $s == sockcli ]] && kind=file
        wr=0
        wait_ready "$kind" "$port" "$epid" "$rf" || wr=$?
        if ((wr)); then
            kill_group "$epid"; wait_bg "$epid"
            RTT_FAIL[$s]="$(not_ready_msg $wr $WAIT_RC): $cmd"
            ANY_FAIL=1
            printf '   run %d  %-16s FAIL: %s\n' "$rep" "$(server_label "$s")" "${RTT_FAIL[$s]}"
            show_err "$TMP/echo.err"
            continue
        fi
        rc=0
        timeout -k 2 $((RTT_TIMEOUT + 5)) "$TMP/rtt_client" 127.0.0.1 "$port" "$RTT_N" "$RTT_WARMUP" "$RTT_TIMEOUT" \
            >"$TMP/rtt.out" 2>"$TMP/rtt.err" || rc=$?
        # a one-client server should exit once the client has closed; allow 2 s, then kill it
        exited=0
        for _ in $(seq 100); do alive "$epid" || { exited=1; break; }; sleep 0.02; done
        kill_group "$epid"; wait_bg "$epid"
        ((exited)) || RTT_NOTE[$s]="did not exit within 2 s after the client closed (killed)"
        line=$(cat "$TMP/rtt.out")
        if ((rc == 0)) && [[ $line =~ mean_us=([0-9.]+)\ p50_us=([0-9.]+)\ p99_us=([0-9.]+) ]]; then
            RTT[$s]+="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"$'\n'
            printf '   run %d  %-16s mean %7s us  p50 %7s us  p99 %7s us\n' "$rep" "$(server_label "$s")" \
                "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
        else
            RTT_FAIL[$s]="rtt_client exit $rc: $(head -c 300 "$TMP/rtt.err") | server: $cmd"
            ANY_FAIL=1
            printf '   run %d  %-16s FAIL: %s\n' "$rep" "$(server_label "$s")" "${RTT_FAIL[$s]}"
            show_err "$TMP/echo.err"
        fi
    done
done

# ---------------------------------------------------------------- 3. results
# throughput rows: tool variant seconds gibps check
tp_median_us() { # key -> median µs or ""
    local v=${TIMES[$1]:-}
    [[ -n $v ]] && median $v || true
}
sock_gibps() { # variant -> sockcli GiB/s or ""
    local u
    u=$(tp_median_us "sockcli,$1")
    [[ -n $u ]] || return 0
    [[ $1 == pipe ]] && fmt_gibps "$BYTES" "$u" || fmt_gibps "$FILE_BYTES" "$u"
}
SOCK_PIPE=$(sock_gibps pipe)
SOCK_FILE=$(sock_gibps file)
SOCK_BEST=$(printf '%s\n' $SOCK_PIPE $SOCK_FILE | sort -g | tail -n 1)
ratio() { # a b -> a/b or n/a
    [[ -n $1 && -n $2 && $1 != "-" && $2 != "-" ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }' || echo "n/a"
}

ROWS=()   # "tool|variant|seconds|gibps|ratio|check"
ALL_TOOLS=(sockcli socat nc.openbsd ncat)
for tool in "${ALL_TOOLS[@]}"; do
    for variant in pipe file; do
        nb=$BYTES; [[ $variant == file ]] && nb=$FILE_BYTES
        check=${VER[$tool,$variant]:-n/a}
        u=$(tp_median_us "$tool,$variant")
        if [[ $tool == sockcli && $SOCKCLI_OK == 0 ]]; then
            ROWS+=("$tool|$variant|n/a|n/a|n/a|not built")
        elif [[ $variant == file && $FILE_BYTES == 0 ]]; then
            ROWS+=("$tool|$variant|-|-|-|skipped (disk)")
        elif [[ -n ${XFAIL[$tool,$variant]:-} || -n ${SKIP[$tool,$variant]:-} || -z $u ]]; then
            ROWS+=("$tool|$variant|FAIL|FAIL|n/a|$check")
        else
            g=$(fmt_gibps "$nb" "$u")
            [[ $variant == pipe ]] && r=$(ratio "$g" "$SOCK_PIPE") || r=$(ratio "$g" "$SOCK_FILE")
            ROWS+=("$tool|$variant|$(fmt_s "$u")|$g|$r|$check")
        fi
    done
done
if ((HAVE_IPERF)); then
    for variant in zerocopy default; do
        label="-Z"; [[ $variant == default ]] && label="no -Z"
        v=${IPERF[$variant]:-}
        if [[ -z $v || -n ${IPERF_FAIL[$variant]:-} ]]; then
            ROWS+=("iperf3|$label|FAIL|FAIL|n/a|-")
            continue
        fi
        # median by rate
        best=$(for e in $v; do echo "$(fmt_gibps "${e%:*}" "${e#*:}") ${e#*:}"; done | sort -g |
            awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
        g=${best% *}
        ROWS+=("iperf3|$label|$(fmt_s "${best#* }")|$g|$(ratio "$g" "$SOCK_BEST")|-")
    done
fi

LROWS=()  # "server|mean|p50|p99|ratio"
C_MEAN=""
if [[ -n ${RTT[c]:-} ]]; then
    C_MEAN=$(printf '%s' "${RTT[c]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
fi
for s in c sockcli socat ncat; do
    if [[ $s == sockcli && $SOCKCLI_OK == 0 ]]; then
        LROWS+=("$(server_label sockcli)|n/a|n/a|n/a|n/a")
        continue
    fi
    if [[ -n ${RTT_FAIL[$s]:-} || -z ${RTT[$s]:-} ]]; then
        LROWS+=("$(server_label "$s")|FAIL|FAIL|FAIL|n/a")
        continue
    fi
    # the run with the median mean
    m=$(printf '%s' "${RTT[$s]}" | sort -g | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
    read -r mean p50 p99 <<<"$m"
    LROWS+=("$(server_label "$s")|$mean|$p50|$p99|$(ratio "$mean" "$C_MEAN")")
done

echo
echo "== results ($CMDLINE; kernel $(uname -r); $(nproc) CPUs; median of $REPS)"
printf '%-11s %-8s %9s %8s %9s  %s\n' tool variant seconds GiB/s ratio check
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b c d e f <<<"$r"
    printf '%-11s %-8s %9s %8s %9s  %s\n' "$a" "$b" "$c" "$d" "$e" "$f"
done
echo "ratio = tool GiB/s / sockcli GiB/s (same variant; iperf3 against sockcli's better variant)"
echo
printf '%-17s %9s %9s %9s %9s\n' server mean_us p50_us p99_us ratio
for r in "${LROWS[@]}"; do
    IFS='|' read -r a b c d e <<<"$r"
    printf '%-17s %9s %9s %9s %9s\n' "$a" "$b" "$c" "$d" "$e"
done
echo "ratio = mean RTT / C echo_server mean RTT"
for s in "${!RTT_NOTE[@]}"; do echo "NOTE: $(server_label "$s") ${RTT_NOTE[$s]}"; done

# ---------------------------------------------------------------- markdown
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
v_socat=$( (socat -V 2>/dev/null || true) | awk '/socat version/ { print $3 }')
v_ncat=$( (ncat --version 2>&1 || true) | awk 'NR == 1 { print $3 }')
v_nc=$(dpkg-query -W -f '${Version}' netcat-openbsd 2>/dev/null || echo '?')
v_iperf=$( (iperf3 --version 2>/dev/null || true) | awk 'NR == 1 { print $2 }')
versions="socat ${v_socat:-?}, ncat ${v_ncat:-?}, netcat-openbsd ${v_nc}, iperf3 ${v_iperf:-?}"
echo
echo "---------------------------------------------------------------- markdown"
cat <<EOF
#### Throughput: $SIZE_GIB GiB over loopback TCP, same tool on both ends, receiver \`> /dev/null\`

| tool | stdin of sender | seconds | GiB/s | vs sockcli | byte check |
|---|---|--:|--:|--:|---|
EOF
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b c d e f <<<"$r"
    case $b in
    pipe) b="pipe (\`head -c N /dev/zero \\|\`)" ;;
    file) b="regular file (\`< file\`)" ;;
    -Z) b="\`iperf3 -Z\` (zero-copy)" ;;
    "no -Z") b="\`iperf3\`" ;;
    esac
    echo "| $a | $b | $c | $d | $e | $f |"
done
cat <<EOF

Ratio = tool GiB/s ÷ sockcli GiB/s for the same variant (iperf3: against sockcli's better variant).
Pipe source alone (\`head -c N /dev/zero | cat > /dev/null\`): $SRC_GIBPS GiB/s.${FILE_NOTE:+ Note: $FILE_NOTE.}

#### Echo round-trip latency, 1-byte messages ($RTT_N round trips, TCP_NODELAY client)

| server | mean µs | p50 µs | p99 µs | vs C server |
|---|--:|--:|--:|--:|
EOF
for r in "${LROWS[@]}"; do
    IFS='|' read -r a b c d e <<<"$r"
    echo "| $a | $b | $c | $d | $e |"
done
cat <<EOF

Command: \`$CMDLINE\` — Linux $(uname -r), $(nproc) CPUs${cpu:+ ($cpu)}, median of $REPS runs. Peers: $versions.
EOF

if ((ANY_FAIL)); then
    echo
    echo "FAIL: at least one check or run failed (see above)"
    exit 1
fi
