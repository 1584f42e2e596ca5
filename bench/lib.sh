# Shared by the bench scripts (sourced, not run): background processes in their own process
# groups, killed on exit; temp dir removal; small helpers. Expects $PY (a python3) for
# free_port; sets TMP, PIDS and ANY_FAIL.

TMP=""
PIDS=()
ANY_FAIL=0

kill_group() { # pid == pgid (started via setsid without fork)
    kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null || true
}

forget_pid() {
    local p keep=()
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

cleanup() {
    local p
    trap - EXIT INT TERM
    if ((${#PIDS[@]})); then
        for p in "${PIDS[@]}"; do kill_group "$p"; done
        sleep 0.2
        for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
    fi
    if [[ -n $TMP && -d $TMP ]]; then rm -rf -- "$TMP"; fi
}

# start_bg CMDSTRING: run it in a new session/process group; BG_PID = its pid (= pgid)
start_bg() {
    setsid bash -c "$1" &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

alive() { # not exited (and not a zombie)
    local st
    [[ -r /proc/$1/stat ]] || return 1
    read -r st <"/proc/$1/stat" 2>/dev/null || return 1
    st=${st##*) }
    [[ ${st:0:1} != Z ]]
}

now_us() { NOW_US=${EPOCHREALTIME/./}; }

q() { printf '%q' "$1"; }

free_port() {
    local p i
    for i in 1 2 3 4 5; do
        p=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        [[ -z $(ss -Hltn "sport = :$p") ]] && break
    done
    echo "$p"
}

show_err() { # FILE: indent the first lines of a stderr capture
    [[ -s $1 ]] && head -n 5 "$1" | sed 's/^/      stderr: /' || true
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# tree_pss PID: "KIB PROCS" = PSS summed over PID's descendants (not PID itself, which is the
# `timeout` wrapper) and how many processes that was.
tree_pss() {
    "$PY" - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1])
kids = {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        with open("/proc/%s/stat" % d) as f:
            st = f.read()
    except OSError:
        continue
    ppid = int(st[st.rindex(")") + 2:].split()[1])
    kids.setdefault(ppid, []).append(int(d))
todo, total, n = list(kids.get(root, [])), 0, 0
while todo:
    p = todo.pop()
    todo.extend(kids.get(p, []))
    try:
        with open("/proc/%d/smaps_rollup" % p) as f:
            for line in f:
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    n += 1
                    break
    except OSError:
        pass
print(total, n)
EOF
}

trap cleanup EXIT
trap 'echo "${0##*/}: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# stop_bg PID: TERM the process group, wait up to 10 s for all of it to go, then KILL; reap it
# (its exit status in WAIT_RC) and forget it.
stop_bg() {
    local i
    kill_group "$1"
    for ((i = 0; i < 500; i++)); do
        [[ -z $(pgrep -g "$1" 2>/dev/null | head -n 1) ]] && break
        sleep 0.02
    done
    kill -KILL -- "-$1" 2>/dev/null || true
    for ((i = 0; i < 250; i++)); do
        [[ -z $(pgrep -g "$1" 2>/dev/null | head -n 1) ]] && break
        sleep 0.02
    done
    WAIT_RC=0
    wait "$1" 2>/dev/null || WAIT_RC=$?
    forget_pid "$1"
}

# prepare_bench NAME: a temp dir in TMP; SOCKCLI built (release) unless the caller set it; the C
# peers (epoll_echo, conn_client, rtt_client) compiled into TMP. Expects ROOT and HERE.
prepare_bench() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockcli-$1.XXXXXX")
    if [[ -z ${SOCKCLI:-} ]]; then
        SOCKCLI=$ROOT/target/release/sockcli
        echo "== cargo build --release"
        (cd "$ROOT" && cargo build --release --quiet) 2>"$TMP/build.err" ||
            { cat "$TMP/build.err" >&2; echo "$1.sh: cargo build --release failed" >&2; exit 1; }
    fi
    [[ -x $SOCKCLI ]] || { echo "$1.sh: $SOCKCLI not found" >&2; exit 2; }
    cc -O2 -Wall -o "$TMP/epoll_echo" "$HERE/epoll_echo.c"
    cc -O2 -Wall -pthread -o "$TMP/conn_client" "$HERE/conn_client.c"
    cc -O2 -Wall -o "$TMP/rtt_client" "$HERE/rtt_client.c"
}
