#!/usr/bin/env bash
# bench/conns.sh — many-client echo server benchmark (issue 3, item 1: `listen -k`): memory per
# idle connection and connections per second, sockcli against socat (fork), ncat (-k --exec)
# and a minimal C epoll echo server.
#
#   bash bench/conns.sh
#
# Environment knobs (all optional):
#   CONNS=10000         largest number of idle connections; memory is measured at
#                       min(1000, CONNS) and at CONNS
#   SOCAT_MAX=CONNS     cap for socat's largest size (one process per connection)
#   NCAT_MAX=5000       cap for ncat's largest size (two processes per connection: ncat + cat;
#                       10,000 would be 20,000 processes, too close to kernel.pid_max here)
#   SECS=3              seconds per connection-rate run
#   REPS=3              connection-rate runs per server; the median is reported
#   THREADS=2           client workers in the rate run
#   CLOSE=rst           how the rate client closes: rst (SO_LINGER {1,0}, no TIME_WAIT) or fin
#                       (normal close; TIME_WAITs spread over source addresses 127.0.0.2-33)
#   WINDOW=64           connections in flight at once while opening the idle ones
#   PEERS="c socat ncat"  which peers to run besides sockcli (c = bench/epoll_echo.c)
#   SOCKCLI=path        binary to test (default: `cargo build --release`, then
#                       <repo>/target/release/sockcli; with SOCKCLI set nothing is built)
#
# What it does, in one run, for every server (each on 127.0.0.1, a fresh port per run):
#  1. memory: start the server, read its PSS (baseline), open N connections with
#     bench/conn_client.c (`hold`: one 16-byte echo on each, so each is really accepted and
#     served, then idle), read the PSS again; KiB per connection = (PSS_N - PSS_0) / N.
#     PSS is summed over the server process and all its descendants (/proc/PID/smaps_rollup),
#     so socat's and ncat's per-client processes count, each shared page once. Kernel memory
#     (socket buffers, TCP state) is not in PSS and not counted, for any server.
#     A fresh server for every N.
#  2. rate: THREADS client workers (conn_client `rate`) loop connect, write 16 bytes, read them
#     back, close, for SECS seconds; connections per second, median of REPS.
#  3. a table with sockcli's ratios to each peer and PASS/FAIL against the issue's targets
#     (at most 6 KiB per idle connection, at least 16,000 connections per second), and a
#     markdown version for the README.
# `ulimit -n` is raised (to 65536 or the hard limit) for servers and clients. Every background
# process runs in its own process group under `timeout` and is killed on exit. Exit status 1 if
# a run failed (a target missed is reported, not an error).
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: [CONNS=N SECS=S REPS=R PEERS=\"c socat ncat\" ...] bash bench/conns.sh" >&2; exit 2; }
[[ $# -eq 0 ]] || usage

CMDLINE="bash bench/conns.sh"
for v in SOCKCLI PEERS WINDOW CLOSE THREADS REPS SECS NCAT_MAX SOCAT_MAX CONNS; do
    if [[ -n ${!v:-} ]]; then CMDLINE="$v=$(printf '%q' "${!v}") $CMDLINE"; fi
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CONNS=${CONNS:-10000}
SOCAT_MAX=${SOCAT_MAX:-$CONNS}
NCAT_MAX=${NCAT_MAX:-5000}
SECS=${SECS:-3}
REPS=${REPS:-3}
THREADS=${THREADS:-2}
CLOSE=${CLOSE:-rst}
WINDOW=${WINDOW:-64}
PEERS=${PEERS-c socat ncat}
TARGET_KIB=6
TARGET_RATE=16000
READY_TIMEOUT_US=10000000                          # 10 s for a listener to come up

for v in CONNS SOCAT_MAX NCAT_MAX REPS THREADS WINDOW; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "conns.sh: $v must be a positive integer" >&2; exit 2; }
done
[[ $SECS =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]] && awk -v s="$SECS" 'BEGIN { exit !(s > 0) }' ||
    { echo "conns.sh: SECS must be a positive number" >&2; exit 2; }
[[ $CLOSE == rst || $CLOSE == fin ]] || { echo "conns.sh: CLOSE must be rst or fin" >&2; exit 2; }
for p in $PEERS; do
    [[ $p == c || $p == socat || $p == ncat ]] || { echo "conns.sh: unknown peer '$p' (c, socat, ncat)" >&2; exit 2; }
done

for c in awk cc python3 setsid ss timeout; do
    command -v "$c" >/dev/null || { echo "conns.sh: required command '$c' not found" >&2; exit 2; }
done
PY=$(python3 -c 'import sys; print(sys.executable)')

# Raise the open-files limit for this shell and so for every server and client it starts.
want_nofile=65536
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < want_nofile)); then
    ulimit -Hn "$want_nofile" 2>/dev/null || true     # works with CAP_SYS_RESOURCE
    hard=$(ulimit -Hn)
fi
if [[ $hard == unlimited ]] || ((hard >= want_nofile)); then ulimit -n "$want_nofile"; else ulimit -n "$hard"; fi
NOFILE=$(ulimit -n)
if ((NOFILE < CONNS + 100)); then
    echo "conns.sh: open-files limit is $NOFILE (hard limit $hard); CONNS=$CONNS needs at least $((CONNS + 100))." >&2
    echo "          Lower CONNS or raise the hard limit (e.g. prlimit, /etc/security/limits.conf)." >&2
    exit 2
fi

# ---------------------------------------------------------------- process / temp management

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# stop_bg PID: TERM its process group (the server and every child it forked), wait up to 10 s
# for the whole group to be gone (10,000 socat children take a moment), then KILL; reap it.


# wait_ready KIND PORT PID [READYFILE]: KIND=file polls the ready file, KIND=port polls ss.
# Returns 0 when listening, 1 if the process exited first, 2 after 10 s.
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
not_ready_msg() { # WAIT_READY_RC
    if (($1 == 1)); then echo "server exited before listening"; else echo "not listening after 10 s"; fi
}

# ---------------------------------------------------------------- build
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockcli-conns.XXXXXX")
SOCKCLI_OK=1
if [[ -z ${SOCKCLI:-} ]]; then
    SOCKCLI=$ROOT/target/release/sockcli
    if command -v cargo >/dev/null; then
        echo "== cargo build --release"
        (cd "$ROOT" && cargo build --release --quiet) 2>"$TMP/build.err" ||
            { cat "$TMP/build.err" >&2; echo "conns.sh: cargo build --release failed" >&2; exit 1; }
    else
        echo "NOTE: cargo not found, using $SOCKCLI as it is"
    fi
fi
[[ -x $SOCKCLI ]] || { SOCKCLI_OK=0; echo "NOTE: $SOCKCLI not found/executable: sockcli rows will be n/a"; }
cc -O2 -Wall -o "$TMP/epoll_echo" "$HERE/epoll_echo.c"
cc -O2 -Wall -pthread -o "$TMP/conn_client" "$HERE/conn_client.c"

SERVERS=()
((SOCKCLI_OK)) && SERVERS+=(sockcli)
for p in $PEERS; do
    case $p in
    c) SERVERS+=(c) ;;
    socat | ncat)
        if command -v "$p" >/dev/null; then
            SERVERS+=("$p")
        else
            echo "NOTE: $p not installed, skipped (bash scripts/test.sh installs the peers)"
        fi
        ;;
    esac
done

server_label() {
    case $1 in
    sockcli) echo "sockcli listen -k --echo" ;;
    c) echo "C epoll_echo" ;;
    socat) echo "socat fork PIPE" ;;
    ncat) echo "ncat -k --exec cat" ;;
    esac
}
server_cmd() { # SERVER PORT READYFILE
    case $1 in
    sockcli) echo "$(q "$SOCKCLI") listen -k 127.0.0.1 $2 --echo --ready-file $(q "$3")" ;;
    c) echo "$(q "$TMP/epoll_echo") $2 127.0.0.1" ;;
    socat) echo "socat TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork,backlog=1024 PIPE" ;;
    ncat) echo "ncat -l -k 127.0.0.1 $2 --max-conns 1000000 --exec /bin/cat" ;;
    esac
}
procs_per_conn() { case $1 in socat) echo 1 ;; ncat) echo 2 ;; *) echo 0 ;; esac; }

# sizes: min(1000, CONNS) and CONNS; socat and ncat capped at SOCAT_MAX / NCAT_MAX, and so that
# their processes stay well under kernel.pid_max (other users of the machine need pids too).
SMALL=$((CONNS < 1000 ? CONNS : 1000))
PID_MAX=$(cat /proc/sys/kernel/pid_max)
declare -A BIG_N
declare -A CAP_NOTE
for s in "${SERVERS[@]}"; do
    n=$CONNS
    case $s in
    socat) ((SOCAT_MAX < n)) && { n=$SOCAT_MAX; CAP_NOTE[$s]="SOCAT_MAX=$SOCAT_MAX"; } ;;
    ncat) ((NCAT_MAX < n)) && { n=$NCAT_MAX; CAP_NOTE[$s]="NCAT_MAX=$NCAT_MAX"; } ;;
    esac
    ppc=$(procs_per_conn "$s")
    if ((ppc > 0)); then
        nprocs=$(ls -d /proc/[0-9]* | wc -l)
        lim=$(((PID_MAX * 3 / 4 - nprocs) / ppc / 1000 * 1000))
        if ((lim < n)); then
            n=$((lim > SMALL ? lim : SMALL))
            CAP_NOTE[$s]="kernel.pid_max=$PID_MAX with $nprocs processes running"
        fi
    fi
    BIG_N[$s]=$n
done

echo "== sockcli many-client benchmark: $CMDLINE"
echo "   kernel $(uname -r), $(nproc) CPUs, ulimit -n $NOFILE, temp dir $TMP"
echo "   sockcli: $SOCKCLI"

# start_server SERVER: sets SRV_PID, SRV_PORT, SRV_CMD; returns 1 (with SRV_ERR) if it did not come up
start_server() {
    local s=$1 rf kind wr=0
    SRV_PORT=$(free_port)
    rf=$TMP/ready.$SRV_PORT
    rm -f "$rf"
    SRV_CMD=$(server_cmd "$s" "$SRV_PORT" "$rf")
    start_bg "exec timeout -k 2 3600 $SRV_CMD </dev/null >/dev/null 2>$(q "$TMP/server.err")"
    SRV_PID=$BG_PID
    kind=port; [[ $s == sockcli ]] && kind=file
    wait_ready "$kind" "$SRV_PORT" "$SRV_PID" "$rf" || wr=$?
    if ((wr)); then
        stop_bg "$SRV_PID"
        SRV_ERR="$(not_ready_msg $wr): $SRV_CMD"
        return 1
    fi
}

# ---------------------------------------------------------------- 1. memory
declare -A KIB       # KIB[server,N] = KiB per connection
declare -A MEM_FAIL  # MEM_FAIL[server,N] = why
echo
echo "== 1. memory: PSS of server + descendants, idle before and after N connections (one 16-byte echo each)"
for s in "${SERVERS[@]}"; do
    sizes=$SMALL
    ((BIG_N[$s] != SMALL)) && sizes+=" ${BIG_N[$s]}"
    for n in $sizes; do
        if ! start_server "$s"; then
            MEM_FAIL[$s,$n]=$SRV_ERR; ANY_FAIL=1
            printf '   %-24s N=%-6s FAIL: %s\n' "$(server_label "$s")" "$n" "$SRV_ERR"
            show_err "$TMP/server.err"
            continue
        fi
        # The client starts first and waits for "go" on a FIFO: the baseline is then taken with
        # it running, so the libc pages it shares with a single-process server have already
        # lowered that server's PSS (otherwise the server's PSS can drop after connecting).
        hold_tmo=$((60 + n / 50))
        rm -f "$TMP/hold.out" "$TMP/hold.err" "$TMP/go"
        mkfifo "$TMP/go"
        exec {GO_FD}<>"$TMP/go"
        start_bg "exec timeout -k 2 $((hold_tmo + 600)) $(q "$TMP/conn_client") hold 127.0.0.1 $SRV_PORT $n $WINDOW $hold_tmo \
            <$(q "$TMP/go") >$(q "$TMP/hold.out") 2>$(q "$TMP/hold.err")"
        cpid=$BG_PID
        while alive "$cpid" && [[ ! -s $TMP/hold.out ]]; do sleep 0.02; done
        sleep 0.2
        read -r pss0 procs0 < <(tree_pss "$SRV_PID")
        echo go >&"$GO_FD"
        exec {GO_FD}>&-
        while alive "$cpid" && [[ $(wc -l <"$TMP/hold.out") -lt 2 ]]; do sleep 0.05; done
        line=$(tail -n 1 "$TMP/hold.out")
        if [[ $line =~ ^ready\ n=[0-9]+\ secs=([0-9.]+) ]]; then
            open_s=${BASH_REMATCH[1]}
            sleep 0.5
            read -r pssn procsn < <(tree_pss "$SRV_PID")
            if alive "$SRV_PID"; then
                k=$(awk -v a="$pss0" -v b="$pssn" -v n="$n" 'BEGIN { k = (b - a) / n; printf "%.2f", (k > -0.005 && k < 0.005) ? 0 : k }')
                KIB[$s,$n]=$k
                printf '   %-24s N=%-6s PSS %8s KiB -> %8s KiB (%s -> %s processes)  %6s KiB/conn  (opened in %s s)\n' \
                    "$(server_label "$s")" "$n" "$pss0" "$pssn" "$procs0" "$procsn" "$k" "$open_s"
            else
                MEM_FAIL[$s,$n]="server died while holding $n connections"; ANY_FAIL=1
                printf '   %-24s N=%-6s FAIL: %s\n' "$(server_label "$s")" "$n" "${MEM_FAIL[$s,$n]}"
                show_err "$TMP/server.err"
            fi
        else
            MEM_FAIL[$s,$n]="conn_client: $(head -c 300 "$TMP/hold.err")"; ANY_FAIL=1
            printf '   %-24s N=%-6s FAIL: %s\n' "$(server_label "$s")" "$n" "${MEM_FAIL[$s,$n]}"
            show_err "$TMP/server.err"
        fi
        stop_bg "$SRV_PID"
        stop_bg "$cpid"
    done
done

# ---------------------------------------------------------------- 2. rate
declare -A RATES     # RATES[server] = space-separated conn/s
declare -A RATE_FAIL
declare -A RATE_NOTE
echo
echo "== 2. rate: $THREADS client workers, connect / write 16 B / read 16 B / close ($CLOSE), ${SECS} s, $REPS run(s) each"
rate_tmo=$(awk -v s="$SECS" 'BEGIN { printf "%d", s + 30 }')
for ((rep = 1; rep <= REPS; rep++)); do
    for s in "${SERVERS[@]}"; do
        [[ -n ${RATE_FAIL[$s]:-} ]] && continue
        if ! start_server "$s"; then
            RATE_FAIL[$s]=$SRV_ERR; ANY_FAIL=1
            printf '   run %d  %-24s FAIL: %s\n' "$rep" "$(server_label "$s")" "$SRV_ERR"
            show_err "$TMP/server.err"
            continue
        fi
        rc=0
        timeout -k 2 "$rate_tmo" "$TMP/conn_client" rate 127.0.0.1 "$SRV_PORT" "$SECS" "$THREADS" "$CLOSE" \
            </dev/null >"$TMP/rate.out" 2>"$TMP/rate.err" || rc=$?
        srv_alive=1; alive "$SRV_PID" || srv_alive=0
        stop_bg "$SRV_PID"
        line=$(cat "$TMP/rate.out")
        if ((rc == 0 && srv_alive)) && [[ $line =~ conns=([0-9]+)\ secs=([0-9.]+)\ rate=([0-9]+)\ errors=([0-9]+) ]]; then
            r=${BASH_REMATCH[3]} errs=${BASH_REMATCH[4]} total=${BASH_REMATCH[1]}
            RATES[$s]+="$r "
            printf '   run %d  %-24s %7s conn/s  (%s connections, %s errors)\n' "$rep" "$(server_label "$s")" "$r" "$total" "$errs"
            if ((errs > 0)); then
                RATE_NOTE[$s]="$errs failed connection(s) in run $rep, first: ${line#*first_error=}"
                ((errs * 100 > total)) && { RATE_FAIL[$s]="more than 1% of connections failed: ${RATE_NOTE[$s]}"; ANY_FAIL=1; }
            fi
        else
            RATE_FAIL[$s]="conn_client exit $rc$( ((srv_alive)) || echo ', server died'): $(head -c 300 "$TMP/rate.err") | server: $SRV_CMD"
            ANY_FAIL=1
            printf '   run %d  %-24s FAIL: %s\n' "$rep" "$(server_label "$s")" "${RATE_FAIL[$s]}"
            show_err "$TMP/server.err"
        fi
    done
done

fmt_n() { # N -> "1k", "10k", "2.5k" or "500"
    awk -v n="$1" 'BEGIN { if (n >= 1000 && n % 100 == 0) { printf "%gk", n / 1000 } else print n }'
}
kib_cell() { # SERVER N -> value, "FAIL" or "-"
    if [[ -n ${KIB[$1,$2]:-} ]]; then echo "${KIB[$1,$2]}"
    elif [[ -n ${MEM_FAIL[$1,$2]:-} ]]; then echo FAIL
    else echo -; fi
}
big_cell() { # SERVER -> value at its largest N, with "@5k" when capped below CONNS
    local n=${BIG_N[$1]} v
    v=$(kib_cell "$1" "$n")
    if ((n != CONNS)) && [[ $v != - ]]; then v="$v @$(fmt_n "$n")"; fi
    echo "$v"
}
rate_cell() {
    if [[ -n ${RATE_FAIL[$1]:-} || -z ${RATES[$1]:-} ]]; then echo FAIL; else median ${RATES[$1]}; fi
}
ratio() { # a b -> a/b with 2 decimals; n/a when either is missing or b ~ 0
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a !~ /^-?[0-9.]+$/ || b !~ /^-?[0-9.]+$/ || b + 0 < 0.05) { print "n/a"; exit }
        r = a / b
        if (r <= 0) print "~0"; else if (r < 1) printf "%.2g", r; else if (r < 10) printf "%.2f", r; else printf "%.0f", r }'
}
verdict() { # SERVER -> "mem PASS/FAIL, rate PASS/FAIL"
    local s=$1 n ok=PASS v r
    for n in $SMALL ${BIG_N[$s]}; do
        v=$(kib_cell "$s" "$n")
        awk -v v="$v" -v t="$TARGET_KIB" 'BEGIN { exit !(v ~ /^-?[0-9.]+$/ && v + 0 <= t) }' || ok=FAIL
    done
    r=$(rate_cell "$s")
    if [[ $r != FAIL ]] && ((r >= TARGET_RATE)); then r=PASS; else r=FAIL; fi
    echo "mem $ok, rate $r"
}

SOCK_BIG=$(kib_cell sockcli "$CONNS")
SOCK_RATE=$(rate_cell sockcli)
ROWS=()   # "label|kib small|kib big|rate|mem ratio|rate ratio|targets"
for s in sockcli c socat ncat; do
    if [[ $s == sockcli ]]; then
        if ((SOCKCLI_OK == 0)); then ROWS+=("$(server_label sockcli)|n/a|n/a|n/a|-|-|-"); continue; fi
    elif [[ " ${SERVERS[*]} " != *" $s "* ]]; then
        continue
    fi
    big=$(kib_cell "$s" "${BIG_N[$s]}")
    # memory ratio at the peer's largest size (sockcli at the same N when the peer was capped)
    sock_at=$(kib_cell sockcli "${BIG_N[$s]}")
    [[ $sock_at == - ]] && sock_at=$SOCK_BIG
    if [[ $s == sockcli ]]; then mr=1.00; rr=1.00; else
        mr=$(ratio "$sock_at" "$big"); rr=$(ratio "$SOCK_RATE" "$(rate_cell "$s")")
    fi
    ROWS+=("$(server_label "$s")|$(kib_cell "$s" "$SMALL")|$(big_cell "$s")|$(rate_cell "$s")|$mr|$rr|$(verdict "$s")")
done

H_SMALL=$(fmt_n "$SMALL"); H_BIG=$(fmt_n "$CONNS")
echo
echo "== results ($CMDLINE; kernel $(uname -r); $(nproc) CPUs; rate: median of $REPS)"
printf '%-24s %10s %13s %8s %11s %11s  %s\n' server "KiB/c@$H_SMALL" "KiB/c@$H_BIG" conn/s "mem s/peer" "rate s/peer" "targets (<=${TARGET_KIB} KiB, >=${TARGET_RATE}/s)"
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b c d e f g <<<"$r"
    printf '%-24s %10s %13s %8s %11s %11s  %s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g"
done
echo "KiB/c = (PSS with N idle connections - PSS with none) / N, server + descendants; kernel socket memory not included"
echo "mem s/peer = sockcli KiB/conn / peer KiB/conn at the peer's largest N (below 1: sockcli uses less);"
echo "rate s/peer = sockcli conn/s / peer conn/s (above 1: sockcli is faster); n/a when the peer's figure is about 0"
for s in "${!CAP_NOTE[@]}"; do echo "NOTE: $(server_label "$s") measured at $(fmt_n "${BIG_N[$s]}") instead of $H_BIG (${CAP_NOTE[$s]})"; done
for s in "${!RATE_NOTE[@]}"; do echo "NOTE: $(server_label "$s"): ${RATE_NOTE[$s]}"; done
if ((SOCKCLI_OK)); then
    echo "sockcli targets: $(verdict sockcli)"
fi

# ---------------------------------------------------------------- markdown
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
v_socat=$( (socat -V 2>/dev/null || true) | awk '/socat version/ { print $3 }')
v_ncat=$( (ncat --version 2>&1 || true) | awk 'NR == 1 { print $3 }')
echo
echo "---------------------------------------------------------------- markdown"
cat <<EOF
##### Many clients: idle-connection memory and connection rate (\`listen -k --echo\`)

| server | KiB/conn at $H_SMALL | KiB/conn at $H_BIG | conn/s | sockcli ÷ peer (memory) | sockcli ÷ peer (conn/s) | targets (≤ $TARGET_KIB KiB, ≥ $TARGET_RATE/s) |
|---|--:|--:|--:|--:|--:|---|
EOF
for r in "${ROWS[@]}"; do
    IFS='|' read -r a b c d e f g <<<"$r"
    echo "| $a | $b | $c | $d | $e | $f | $g |"
done
notes=""
for s in "${!CAP_NOTE[@]}"; do notes+=" $(server_label "$s") at $(fmt_n "${BIG_N[$s]}") connections (${CAP_NOTE[$s]})."; done
cat <<EOF

Command: \`$CMDLINE\` — Linux $(uname -r), $(nproc) CPUs${cpu:+ ($cpu)}; conn/s: $THREADS client workers, $CLOSE close, ${SECS} s, median of $REPS. Peers: socat ${v_socat:-?}, ncat ${v_ncat:-?}.${notes}
EOF

if ((ANY_FAIL)); then
    echo
    echo "FAIL: at least one run failed (see above)"
    exit 1
fi
