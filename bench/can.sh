#!/usr/bin/env bash
# bench/can.sh — `sockcli can dump` against `candump` (can-utils) receiving a cangen burst on
# vcan0 as fast as vcan carries it, in the CAN test bed's VM (tests/canbed/run.sh: QEMU TCG,
# one vCPU, a Debian kernel; no AF_CAN is needed on the host).
#
#   bash bench/can.sh
#
# Environment knobs (all optional):
#   SOCKCLI=path   binary to test (default: <repo>/target/release/sockcli, built first)
#   N=100000       frames per burst
#   REPS=1         rounds; each round runs every configuration once, interleaved
#   GEN="-g 0 -I i -L 8 -D i"   cangen's options besides -n (add -p 10 to poll on ENOBUFS)
#   MODES="alone both"          alone: each tool by itself; both: the two on the same burst
#   SOCKCLI_OLD=path  another sockcli build, run alone too (as `sockcli-old`): before/after
#                  figures from one boot
#   CANBED_QEMU=.. extra qemu options (default "-icount shift=0,sleep=off": guest time counts
#                  instructions, so CPU times are instruction counts that host load cannot
#                  change — the same run twice gave the same figures to 0.05%; CANBED_QEMU=
#                  (empty) for plain TCG, whose figures vary by ±40% on a loaded host)
#   OUT=file       file: receivers write into a file in the VM's RAM (/tmp), so lines can be
#                  counted; null: > /dev/null (CPU only: sockcli's figures then come from its
#                  exit line, candump's seen and dropped are unknown, its DROPCOUNT lines being
#                  on stdout)
#
# Each run, inside the VM: start the receiver(s) (`candump -d -L vcan0`, `sockcli can dump -L
# vcan0`), wait until they are bound (canbed-wait-rx), take each receiver's CPU time (first
# field of /proc/PID/schedstat: on-CPU nanoseconds, user + system), run `cangen vcan0 -n N
# GEN`, wait until every receiver has used no CPU for 500 ms, take the CPU time again, then
# SIGINT them (both drain and exit). Start-up and exit are not counted.
#
# Frames seen: lines written (candump: lines other than its DROPCOUNT lines); sockcli's
# `N frames received, M dropped by kernel` exit line is checked against its line count.
# Dropped: the kernel's SO_RXQ_OVFL counter (sockcli's exit line; candump -d's last
# `DROPCOUNT: ... (total drops M)` line), cross-checked with N - seen.
# CPU/100k = CPU seconds x 100000 / frames seen.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-100000}
REPS=${REPS:-1}
GEN=${GEN:--g 0 -I i -L 8 -D i}
MODES=${MODES:-alone both}
OUT=${OUT:-file}
export CANBED_QEMU=${CANBED_QEMU-"-icount shift=0,sleep=off"}
if [[ -z ${SOCKCLI:-} ]]; then
    (cd "$root" && cargo build --release --quiet)
    SOCKCLI=$root/target/release/sockcli
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bins=(-b "$SOCKCLI")
OLD=""
if [[ -n ${SOCKCLI_OLD:-} ]]; then
    cp "$SOCKCLI_OLD" "$tmp/sockcli-old"
    bins+=(-b "$tmp/sockcli-old")
    OLD=sockold
fi

# The scenario (busybox sh in the VM). RESULT lines: round mode tool seen dropped_by_counter
# cpu_ns lines_check.
cat >"$tmp/bench.sh" <<EOF
N=$N
GEN="$GEN"
REPS=$REPS
MODES="$MODES"
OUT=$OUT
OLD=$OLD
EOF
cat >>"$tmp/bench.sh" <<'EOF'
cpu() { # on-CPU ns of pid $1 (0 when gone)
    set -- $(cat /proc/$1/schedstat 2>/dev/null || echo 0)
    echo $1
}
ms() { # uptime in ms (10 ms resolution)
    read up _ < /proc/uptime
    echo "${up%.*}${up#*.}0"
}
dest() { if [ "$OUT" = null ]; then echo /dev/null; else echo "$1"; fi; }
# run ROUND MODE TOOL...: one burst with the given receivers.
run() {
    round=$1 mode=$2; shift 2
    pids="" k=0
    for t in "$@"; do
        case $t in
        candump) candump -d -L vcan0 > "$(dest c.out)" 2> c.err & ;;
        sockcli) sockcli can dump -L vcan0 > "$(dest s.out)" 2> s.err & ;;
        sockold) sockcli-old can dump -L vcan0 > "$(dest s.out)" 2> s.err & ;;
        esac
        eval "pid_$t=\$!"
        k=$((k + 1))
    done
    canbed-wait-rx vcan0 $k || { echo "wait-rx failed"; return 1; }
    for t in "$@"; do eval "c0_$t=\$(cpu \$pid_$t)"; done
    g0=$(ms)
    cangen vcan0 -n $N $GEN 2> g.err || echo "cangen: $(cat g.err)"
    g1=$(ms)
    # Quiet: no receiver used CPU for 500 ms.
    prev="" i=0
    while [ $i -lt 600 ]; do
        now=""
        for t in "$@"; do eval "now=\"\$now \$(cpu \$pid_$t)\""; done
        [ "$now" = "$prev" ] && break
        prev=$now
        usleep 500000
        i=$((i + 1))
    done
    for t in "$@"; do eval "c1_$t=\$(cpu \$pid_$t)"; done
    for t in "$@"; do eval "kill -INT \$pid_$t"; done
    wait
    for t in "$@"; do
        eval "c0=\$c0_$t c1=\$c1_$t"
        case $t in
        candump)
            if [ "$OUT" = null ]; then seen=-; else seen=$(grep -vc '^DROPCOUNT' c.out); fi
            drops=$(grep '^DROPCOUNT' c.out 2>/dev/null | tail -1 | sed 's/.*total drops \([0-9]*\).*/\1/')
            [ -n "$drops" ] || drops=0
            [ "$OUT" = null ] && drops=-
            check=-
            ;;
        sockcli | sockold)
            line=$(grep 'frames received' s.err)
            rec=${line%% frames*}
            drops=$(echo "$line" | sed 's/.*, \([0-9]*\) dropped.*/\1/')
            if [ "$OUT" = null ]; then seen=$rec check=-; else seen=$(wc -l < s.out) check=$rec; fi
            ;;
        esac
        echo "RESULT $round $mode $t $seen $drops $((c1 - c0)) $check $((g1 - g0))"
    done
    rm -f c.out s.out
}
r=1
while [ $r -le $REPS ]; do
    for m in $MODES; do
        case $m in
        alone) run $r alone candump; run $r alone sockcli; [ -z "$OLD" ] || run $r alone $OLD ;;
        both) run $r both candump sockcli ;;
        esac
    done
    r=$((r + 1))
done
echo "kernel $(uname -r), $(nproc) CPU, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
EOF

echo "booting the CAN bed (N=$N, REPS=$REPS, cangen $GEN, output: $OUT)..." >&2
bash "$root/tests/canbed/run.sh" "${bins[@]}" -t 1500 -s 1440 "$tmp/bench.sh" >"$tmp/out" || {
    echo "run.sh failed (rc $?)" >&2
    cat "$tmp/out" >&2
    exit 1
}
grep -E '^(RESULT|kernel|cangen|wait-rx)' "$tmp/out" >&2 || true
grep '^RESULT' "$tmp/out" | awk -v n="$N" '
{
    key = $3 " " $4; runs[key]++
    seen[key] += ($5 == "-" ? 0 : $5); if ($5 == "-") noseen[key] = 1
    drops[key] += ($6 == "-" ? 0 : $6)
    cpu[key] += $7 / 1e9
    gen[key] += $9
    if ($8 != "-" && $8 != $5) mismatch[key] = mismatch[key] " " $8 "!=" $5
    if (!(key in order)) { order[key] = ++k; keys[k] = key }
}
END {
    printf "| mode | receiver | frames sent | frames seen | dropped (SO_RXQ_OVFL) | CPU s | CPU s per 100k frames | cangen s |\n"
    printf "|---|---|--:|--:|--:|--:|--:|--:|\n"
    for (i = 1; i <= k; i++) {
        key = keys[i]; split(key, p, " "); r = runs[key]
        s = noseen[key] ? "-" : sprintf("%.0f", seen[key] / r)
        per[key] = (noseen[key] || seen[key] == 0) ? 0 : cpu[key] / seen[key] * 100000
        printf "| %s | %s | %d | %s | %.0f | %.3f | %s | %.1f |\n", p[1], \
            (p[2] == "sockcli" ? "sockcli can dump -L" : p[2] == "sockold" ? "sockcli-old can dump -L" : "candump -d -L"), n, s, drops[key] / r, \
            cpu[key] / r, (per[key] ? sprintf("%.3f", per[key]) : "-"), gen[key] / r / 1000
        if (mismatch[key] != "") printf "  (sockcli exit line disagrees with its lines:%s)\n", mismatch[key]
    }
    for (m in runs) { split(m, p, " "); modes[p[1]] = 1 }
    for (m in modes) {
        a = per[m " sockcli"]; b = per[m " candump"]; o = per[m " sockold"]
        if (o && b)
            printf "%s: sockcli-old/candump CPU per 100k frames = %.2f; drops sockcli-old %.0f\n", m, o / b, drops[m " sockold"] / runs[m " sockold"]
        if (a && b)
            printf "%s: sockcli/candump CPU per 100k frames = %.2f; drops sockcli %.0f, candump %.0f\n", \
                m, a / b, drops[m " sockcli"] / runs[m " sockcli"], drops[m " candump"] / runs[m " candump"]
    }
}'
