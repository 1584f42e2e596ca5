#!/usr/bin/env bash
# bench/faults.sh — issue 13's heavy fault runs (the CI-sized ones are tests/integration/faults.rs):
# one PASS/FAIL line per check, with figures.
#
#   bash bench/faults.sh                 (SIZE_GIB=1 by default; e.g. SIZE_GIB=0.25)
#
# Environment knobs (all optional):
#   SIZE_GIB=1          size of the big transfers (fractions allowed)
#   SOCKCLI=path        binary to test (default: <repo>/target/release/sockcli, built first)
#   CONNS=10000         connections against `listen -k --echo`, RESETS=500 of them reset
#   RSS_LIMIT_KIB=16384 bound on VmHWM for the slow-reader check
#
# Checks (all on 127.0.0.1; the data is an AES-CTR stream of zeros, so sha256 catches any
# reordering):
#  1. SIZE GiB through connect -> listen, sha256-exact, both exit 0
#  2. SIZE GiB through connect -> pair tcp-listen:... tcp:... -> listen, sha256-exact
#  3. peer RST mid-transfer: connect to a peer that resets after 64 MiB (exit 1, one line);
#     listen from a peer that sends 8 MiB and resets (exit 1, one line, all 8 MiB on stdout)
#  4. SIGSTOP/SIGCONT of the receiver, then of the sender (1 s each), mid-transfer: sha256-exact
#  5. a slow reader (64 KiB every 10 ms) behind listen for 8 s: VmHWM of both sockcli processes
#  6. listen's stdout on /dev/full: exit 1, one line
#  7. listen | head -c 100: exit 0, nothing on stderr, 100 bytes out
#  8. SIGINT and SIGTERM of listen mid-transfer: exit 130/143, the file a byte-exact prefix of
#     the stream holding at least every byte the sender saw acknowledged before the signal
#  9. CONNS connections (RESETS reset) against listen -k --echo: /proc/PID/fd count unchanged
# Every background process runs in its own process group under `timeout`, killed on exit.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: [SIZE_GIB=N] bash bench/faults.sh" >&2; exit 2; }
[[ $# -eq 0 ]] || usage
SIZE_GIB=${SIZE_GIB:-1}
[[ $SIZE_GIB =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]] || usage
BYTES=$(awk -v s="$SIZE_GIB" 'BEGIN { printf "%.0f", s * 1073741824 }')
((BYTES >= 1048576)) || { echo "faults.sh: SIZE_GIB must be at least 1 MiB (0.001)" >&2; exit 2; }
CONNS=${CONNS:-10000}
RESETS=${RESETS:-500}
RSS_LIMIT_KIB=${RSS_LIMIT_KIB:-16384}
# per-transfer bound: 30 s + 60 s per GiB
XFER_TMO=$(awk -v b="$BYTES" 'BEGIN { printf "%d", 30 + 60 * b / 1073741824 + 0.999 }')

for c in awk head openssl python3 setsid sha256sum timeout pgrep stat; do
    command -v "$c" >/dev/null || { echo "faults.sh: required command '$c' not found" >&2; exit 2; }
done
PY=$(python3 -c 'import sys; print(sys.executable)')
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PEER="$HERE/faults_peer.py"

source "$HERE/lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockcli-faults.XXXXXX")
if [[ -z ${SOCKCLI:-} ]]; then
    SOCKCLI=$ROOT/target/release/sockcli
    echo "== cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet) 2>"$TMP/build.err" ||
        { cat "$TMP/build.err" >&2; echo "faults.sh: cargo build --release failed" >&2; exit 1; }
fi
[[ -x $SOCKCLI ]] || { echo "faults.sh: $SOCKCLI not found" >&2; exit 2; }
S=$(q "$SOCKCLI")
T=$(q "$TMP")

# ---------------------------------------------------------------- helpers

# gen N: N bytes of a fixed pseudo-random stream (AES-128-CTR over zeros), fast and repeatable
gen() {
    { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 -in /dev/zero \
        2>/dev/null || true; } | head -c "$1"   # openssl ends on SIGPIPE
}
GEN="openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 -in /dev/zero 2>/dev/null | head -c"

result() { # OK NAME DETAIL
    if [[ $1 == 1 ]]; then echo "PASS $2: $3"; else echo "FAIL $2: $3"; ANY_FAIL=1; fi
}

# bg NAME CMD: run CMD (a bash string) in its own process group; NAME_pid = the group
bg() {
    start_bg "$2"
    printf -v "${1}_pid" '%s' "$BG_PID"
}

# finish PID SECS: wait for a background group, at most SECS, then stop it; WAIT_RC its status
finish() {
    local i
    for ((i = 0; i < $2 * 50; i++)); do
        alive "$1" || break
        sleep 0.02
    done
    if alive "$1"; then
        echo "   (group $1 still running after $2 s: stopped)"
        stop_bg "$1"
        WAIT_RC=124
        return
    fi
    WAIT_RC=0
    wait "$1" 2>/dev/null || WAIT_RC=$?
    forget_pid "$1"
}

# ready_port FILE PID: the port in a --ready-file once written (5 s at most), else empty
ready_port() {
    local i
    for ((i = 0; i < 250; i++)); do
        if [[ -s $1 ]] && [[ $(tail -c 1 "$1" | od -An -c) == *'\n'* ]]; then
            sed -E 's/.*:([0-9]+)$/\1/' "$1"
            return
        fi
        alive "$2" || return 0
        sleep 0.02
    done
}

# first_line FILE PID: wait (10 s at most) for a first line in FILE; print it
first_line() {
    local i
    for ((i = 0; i < 500; i++)); do
        if [[ -s $1 ]] && grep -q . "$1"; then head -n 1 "$1"; return; fi
        alive "$2" || break
        sleep 0.02
    done
    head -n 1 "$1" 2>/dev/null || true
}

# sock_pid GROUP: the sockcli process in a group (under its timeout wrapper)
sock_pid() {
    local i p
    for ((i = 0; i < 100; i++)); do
        p=$(pgrep -g "$1" -x sockcli | head -n 1) || true
        [[ -n $p ]] && { echo "$p"; return; }
        sleep 0.02
    done
}

one_line() { # FILE: exactly one line starting "sockcli: "
    [[ $(wc -l <"$1") == 1 ]] && grep -q '^sockcli: ' "$1"
}
err_of() { [[ -s $1 ]] && head -n 1 "$1" || echo "(nothing on stderr)"; }

hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rc_of() { cat "$1" 2>/dev/null || echo "?"; }
now() { echo "${EPOCHREALTIME}"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / 1048576 / (b - a) }'; }

# listener NAME ARGS...: `sockcli listen 127.0.0.1 0 ARGS` in the background with the rest of
# its pipeline given as $TAIL (default: > /dev/null); sets PORT, NAME_pid; rc in TMP/NAME.rc
listener() {
    local name=$1
    shift
    rm -f "$TMP/$name.ready"
    bg "$name" "timeout --foreground -k 2 $XFER_TMO $S listen 127.0.0.1 0 $* --ready-file $T/$name.ready \
        2>$T/$name.err ${TAIL:-</dev/null >/dev/null}; echo \${PIPESTATUS[0]} >$T/$name.rc"
    local pid_var="${name}_pid"
    PORT=$(ready_port "$TMP/$name.ready" "${!pid_var}")
    [[ -n $PORT ]] || { echo "faults.sh: $name did not listen: $(err_of "$TMP/$name.err")" >&2; exit 1; }
}

# sender NAME PORT N: `gen N | sockcli connect 127.0.0.1 PORT` in the background
sender() {
    bg "$1" "$GEN $3 | timeout --foreground -k 2 $XFER_TMO $S connect 127.0.0.1 $2 >/dev/null 2>$T/$1.err; \
        echo \${PIPESTATUS[2]} >$T/$1.rc"  # openssl | head | sockcli
}

echo "== sockcli $("$SOCKCLI" --version 2>/dev/null | head -n 1), SIZE_GIB=$SIZE_GIB ($BYTES bytes)"
t0=$(now)
WANT=$(gen "$BYTES" | sha256sum | cut -d' ' -f1)
echo "== reference sha256 of the $BYTES-byte stream: ${WANT:0:16}… ($(secs "$t0" "$(now)") s)"

# ---------------------------------------------------------------- 1. connect -> listen
TAIL="</dev/null | sha256sum >$T/rx1.sha" listener rx1
t0=$(now)
sender tx1 "$PORT" "$BYTES"
finish "$tx1_pid" "$XFER_TMO"; finish "$rx1_pid" 10; t1=$(now)
got=$(cut -d' ' -f1 "$TMP/rx1.sha")
result "$([[ $got == "$WANT" && $(rc_of "$TMP/tx1.rc") == 0 && $(rc_of "$TMP/rx1.rc") == 0 ]] && echo 1)" \
    "connect -> listen, $SIZE_GIB GiB sha256-exact" \
    "$(secs "$t0" "$t1") s, $(rate "$BYTES" "$t0" "$t1") MiB/s, exits $(rc_of "$TMP/tx1.rc")/$(rc_of "$TMP/rx1.rc"), sha256 ${got:0:16}…"

# ---------------------------------------------------------------- 2. through pair
TAIL="</dev/null | sha256sum >$T/rx2.sha" listener rx2
sink=$PORT
bg pr2 "timeout --foreground -k 2 $XFER_TMO $S pair tcp-listen:127.0.0.1:0 tcp:127.0.0.1:$sink --ready-file $T/pr2.ready \
    </dev/null >/dev/null 2>$T/pr2.err; echo \$? >$T/pr2.rc"
PORT=$(ready_port "$TMP/pr2.ready" "$pr2_pid")
[[ -n $PORT ]] || { echo "faults.sh: pair did not listen: $(err_of "$TMP/pr2.err")" >&2; exit 1; }
t0=$(now)
sender tx2 "$PORT" "$BYTES"
finish "$tx2_pid" "$XFER_TMO"; finish "$pr2_pid" 10; finish "$rx2_pid" 10; t1=$(now)
got=$(cut -d' ' -f1 "$TMP/rx2.sha")
result "$([[ $got == "$WANT" && $(rc_of "$TMP/tx2.rc") == 0 && $(rc_of "$TMP/pr2.rc") == 0 && $(rc_of "$TMP/rx2.rc") == 0 ]] && echo 1)" \
    "connect -> pair tcp-listen: tcp: -> listen, $SIZE_GIB GiB sha256-exact" \
    "$(secs "$t0" "$t1") s, $(rate "$BYTES" "$t0" "$t1") MiB/s, exits $(rc_of "$TMP/tx2.rc")/$(rc_of "$TMP/pr2.rc")/$(rc_of "$TMP/rx2.rc")"

# ---------------------------------------------------------------- 3. peer RST
bg rst3 "exec timeout -k 2 60 $(q "$PY") $(q "$PEER") rst-server $((64 << 20)) >$T/rst3.out 2>$T/rst3.err"
port=$(first_line "$TMP/rst3.out" "$rst3_pid")
t0=$(now)
sender tx3 "$port" "$BYTES"
finish "$tx3_pid" 60; t1=$(now); finish "$rst3_pid" 10
rc=$(rc_of "$TMP/tx3.rc")
result "$([[ $rc == 1 ]] && one_line "$TMP/tx3.err" && echo 1)" \
    "connect, peer resets after 64 MiB: exit 1, one line" \
    "exit $rc after $(secs "$t0" "$t1") s, peer: $(sed -n 2p "$TMP/rst3.out"); $(err_of "$TMP/tx3.err")"

TAIL="</dev/null | wc -c >$T/rx3.count" listener rx3
timeout -k 2 60 "$PY" "$PEER" rst-client "$PORT" $((8 << 20)) >"$TMP/rst3c.out" 2>&1 || true
finish "$rx3_pid" 20
rc=$(rc_of "$TMP/rx3.rc"); n=$(cat "$TMP/rx3.count" 2>/dev/null || echo 0)
result "$([[ $rc == 1 && $n == $((8 << 20)) ]] && one_line "$TMP/rx3.err" && echo 1)" \
    "listen, peer sends 8 MiB and resets: exit 1, one line, every byte out" \
    "exit $rc, $n of $((8 << 20)) bytes on stdout; $(err_of "$TMP/rx3.err")"

# ---------------------------------------------------------------- 4. SIGSTOP / SIGCONT
TAIL="</dev/null | sha256sum >$T/rx4.sha" listener rx4
rxp=$(sock_pid "$rx4_pid")
t0=$(now)
sender tx4 "$PORT" "$BYTES"
txp=$(sock_pid "$tx4_pid")
sleep 0.3
mid=""
alive "$txp" && mid+="receiver stopped mid-transfer" || mid+="transfer over before SIGSTOP"
kill -STOP "$rxp"; sleep 1; kill -CONT "$rxp"; sleep 0.1
alive "$txp" && mid+=", sender stopped mid-transfer" || mid+=", sender done before its SIGSTOP"
kill -STOP "$txp" 2>/dev/null || true; sleep 1; kill -CONT "$txp" 2>/dev/null || true
finish "$tx4_pid" "$XFER_TMO"; finish "$rx4_pid" 10; t1=$(now)
got=$(cut -d' ' -f1 "$TMP/rx4.sha")
result "$([[ $got == "$WANT" && $(rc_of "$TMP/tx4.rc") == 0 && $(rc_of "$TMP/rx4.rc") == 0 && $mid != *done* && $mid != *over* ]] && echo 1)" \
    "SIGSTOP/SIGCONT of each side (1 s each), $SIZE_GIB GiB sha256-exact" \
    "$mid; $(secs "$t0" "$t1") s, exits $(rc_of "$TMP/tx4.rc")/$(rc_of "$TMP/rx4.rc")"

# ---------------------------------------------------------------- 5. slow reader
TAIL="</dev/null | $(q "$PY") $(q "$PEER") slow-reader >$T/rx5.count" listener rx5
rxp=$(sock_pid "$rx5_pid")
sender tx5 "$PORT" "$BYTES"
txp=$(sock_pid "$tx5_pid")
sleep 8
rh=$(hwm "$rxp"); th=$(hwm "$txp")
stop_bg "$tx5_pid"; stop_bg "$rx5_pid"
result "$([[ $rh -gt 0 && $rh -lt $RSS_LIMIT_KIB && $th -gt 0 && $th -lt $RSS_LIMIT_KIB ]] && echo 1)" \
    "slow reader (64 KiB / 10 ms) for 8 s: VmHWM < $RSS_LIMIT_KIB KiB" \
    "listen $rh KiB, connect $th KiB"

# ---------------------------------------------------------------- 6. /dev/full
TAIL="</dev/null >/dev/full" listener rx6
sender tx6 "$PORT" $((1 << 20))
finish "$rx6_pid" 20; finish "$tx6_pid" 20
rc=$(rc_of "$TMP/rx6.rc")
result "$([[ $rc == 1 ]] && one_line "$TMP/rx6.err" && echo 1)" \
    "listen > /dev/full: exit 1, one line" "exit $rc; $(err_of "$TMP/rx6.err")"

# ---------------------------------------------------------------- 7. | head -c 100
TAIL="</dev/null | head -c 100 >$T/rx7.out" listener rx7
sender tx7 "$PORT" "$BYTES"
finish "$rx7_pid" 20; finish "$tx7_pid" 20
rc=$(rc_of "$TMP/rx7.rc"); n=$(stat -c %s "$TMP/rx7.out")
result "$([[ $rc == 0 && $n == 100 && ! -s $TMP/rx7.err ]] && echo 1)" \
    "listen | head -c 100: exit 0, stderr empty" \
    "exit $rc, $n bytes, stderr $(stat -c %s "$TMP/rx7.err") bytes; sender: exit $(rc_of "$TMP/tx7.rc"), $(err_of "$TMP/tx7.err")"

# ---------------------------------------------------------------- 8. SIGINT / SIGTERM
for sig in INT TERM; do
    want=$([[ $sig == INT ]] && echo 130 || echo 143)
    TAIL="</dev/null >$T/rx8$sig.out" listener "rx8$sig"
    pg_var="rx8${sig}_pid"
    rxp=$(sock_pid "${!pg_var}")
    bg "pc8$sig" "exec timeout -k 2 60 $(q "$PY") $(q "$PEER") paced-client $PORT >$T/pc8$sig.out 2>&1"
    pc_var="pc8${sig}_pid"
    acked=$(first_line "$TMP/pc8$sig.out" "${!pc_var}" | awk '{ print $2 }')
    for ((i = 0; i < 250; i++)); do   # what was acknowledged reaches the file (5 s at most)
        (($(stat -c %s "$TMP/rx8$sig.out") >= ${acked:-0})) && break
        sleep 0.02
    done
    kill -"$sig" "$rxp"
    finish "${!pg_var}" 10; finish "${!pc_var}" 40
    rc=$(rc_of "$TMP/rx8$sig.rc")
    sent=$(sed -n 's/^sent //p' "$TMP/pc8$sig.out")
    n=$("$PY" "$PEER" prefix "$TMP/rx8$sig.out") && exact=yes || exact=no
    result "$([[ $rc == "$want" && $exact == yes && -n $acked && -n $sent && $n -ge $acked && $n -le $sent && ! -s $TMP/rx8$sig.err ]] && echo 1)" \
        "SIG$sig of listen mid-transfer: exit $want, nothing received lost" \
        "exit $rc, file $n bytes (byte-exact prefix: $exact), acked before the signal ${acked:-?}, sent in all ${sent:-?}"
done

# ---------------------------------------------------------------- 9. connections and resets
listener srv9 -k --echo
srvp=$(sock_pid "$srv9_pid")
before=$(fds "$srvp")
t0=$(now)
timeout -k 2 300 "$PY" "$PEER" conns "$PORT" "$CONNS" "$RESETS" >"$TMP/conns.out" 2>&1 || true
t1=$(now)
after=$(fds "$srvp")
for ((i = 0; i < 250 && after != before; i++)); do sleep 0.02; after=$(fds "$srvp"); done
rss=$(hwm "$srvp")
ok=$(grep -q "^conns $CONNS " "$TMP/conns.out" && alive "$srvp" && [[ $after == "$before" ]] && echo 1 || true)
stop_bg "$srv9_pid"
result "$ok" "$CONNS connections ($RESETS reset) against listen -k --echo: no fd leaked" \
    "fds $before before, $after after; $(awk -v n="$CONNS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s, %.0f conn/s", b - a, n / (b - a) }'), server VmHWM $rss KiB; $(head -n 1 "$TMP/conns.out")"

[[ $ANY_FAIL == 0 ]] && echo "== all checks passed" || echo "== some checks FAILED"
exit "$ANY_FAIL"
