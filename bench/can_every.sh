#!/usr/bin/env bash
# bench/can_every.sh — cyclic sending jitter: `sockcli can send --every 1ms --count N` (the
# kernel's BCM keeps the time, an hrtimer per job) against `cangen -g 1 -n N` (a user-space
# loop sleeping 1 ms between write()s), each recorded by candump -td on vcan0 in the CAN test
# bed's VM (tests/canbed/run.sh: qemu, TCG). One run of each, sockcli first.
#
#   bash bench/can_every.sh
#
# Environment knobs (optional):
#   SOCKCLI=path   binary to test (default: <repo>/target/release/sockcli, built first)
#   N=5000         frames per sender
#   CANBED_QEMU=.. extra qemu options (default "-icount shift=0,sleep=off": a guest clock that
#                  host load cannot stretch, see tests/integration/canbed.rs STEADY_CLOCK;
#                  CANBED_QEMU= (empty) for plain TCG, where a loaded host's scheduling shows)
#
# For each sender: the N-1 gaps candump stamped (its -td deltas, the kernel's receive
# timestamps), their mean, and the deviation of each from 1 ms: mean, p50, p99 and max of
# |gap - 1 ms|, in microseconds; then cangen's figure divided by sockcli's (a ratio over 1:
# sockcli's timing is steadier). The statistics are computed in the VM (busybox awk and sort)
# so only a few lines cross its serial port.
#
# Without qemu, the bed's kernel or can-utils it prints "skipped: ..." and exits 0.
set -euo pipefail
export LC_ALL=C

CMDLINE="bash bench/can_every.sh"
for v in N SOCKCLI CANBED_QEMU; do   # record knobs given in the environment
    if [[ -n ${!v:-} ]]; then CMDLINE="$v=$(printf '%q' "${!v}") $CMDLINE"; fi
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
N=${N:-5000}
export CANBED_QEMU=${CANBED_QEMU-"-icount shift=0,sleep=off"}
[[ $N =~ ^[1-9][0-9]*$ && $N -ge 3 ]] || { echo "can_every.sh: N must be an integer >= 3" >&2; exit 2; }

if [[ -z ${SOCKCLI:-} ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    SOCKCLI=$ROOT/target/release/sockcli
fi
[[ -x $SOCKCLI ]] || { echo "can_every.sh: $SOCKCLI is not executable" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockcli-can-every.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT

# In the VM: record each sender with candump -td (it ends 3 s after the last frame), then
# print one line of statistics per sender.
cat >"$TMP/jitter.sh" <<EOF
stats() { # \$1: candump -td output; the first delta (0) is not a gap
    awk 'NR > 1 { t = \$1; gsub(/[()]/, "", t); g = t * 1000000; d = g - 1000; if (d < 0) d = -d;
                  print d, g }' "\$1" | sort -n | awk -v who="\$2" '
        { d[NR] = \$1; s += \$1; gs += \$2 }
        END { if (NR == 0) { print who, "no gaps"; exit 1 }
              printf "%s gaps=%d mean_gap=%.1f mean=%.1f p50=%.1f p99=%.1f max=%.1f\n", who, NR,
                     gs / NR, s / NR, d[int((NR - 1) * 0.5) + 1], d[int((NR - 1) * 0.99) + 1], d[NR] }'
}
candump -td -T 3000 vcan0 > s.txt & canbed-wait-rx vcan0 || exit 1
sockcli can send --every 1ms --count $N vcan0 123#DEADBEEF || exit 1
wait
candump -td -T 3000 vcan0 > c.txt & canbed-wait-rx vcan0 || exit 1
cangen vcan0 -g 1 -n $N -I 123 -L 4 -D DEADBEEF || exit 1
wait
echo frames sockcli=\$(wc -l < s.txt) cangen=\$(wc -l < c.txt)
stats s.txt sockcli && stats c.txt cangen
EOF

echo "# $CMDLINE"
echo "# sockcli can send --every 1ms --count $N vcan0 123#DEADBEEF  vs  cangen vcan0 -g 1 -n $N -I 123 -L 4 -D DEADBEEF"
set +e
out=$(bash "$ROOT/tests/canbed/run.sh" -b "$SOCKCLI" -t 400 -s 300 "$TMP/jitter.sh" 2>"$TMP/log")
rc=$?
set -e
if ((rc == 77)); then
    echo "skipped: $(tail -n 1 "$TMP/log")"
    exit 0
fi
if ((rc != 0)) || ! grep -q '^@@END jitter rc=0$' <<<"$out"; then
    echo "can_every.sh: the bed run failed (rc=$rc):" >&2
    cat "$TMP/log" >&2
    printf '%s\n' "$out" >&2
    exit 1
fi
kernel=$(sed -n 's/^@@BED kernel=//p' <<<"$out")
frames=$(grep '^frames ' <<<"$out")
s=$(grep '^sockcli gaps=' <<<"$out")
c=$(grep '^cangen gaps=' <<<"$out")
echo "# VM kernel $kernel (qemu TCG${CANBED_QEMU:+ $CANBED_QEMU}), $frames"
printf '%-8s %6s %12s   %s\n' sender gaps "mean gap us" "|gap - 1000 us|: mean p50 p99 max"
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
for line in "$s" "$c"; do
    printf '%-8s %6s %12s   %8s %8s %8s %8s\n' "${line%% *}" "$(val gaps "$line")" \
        "$(val mean_gap "$line")" "$(val mean "$line")" "$(val p50 "$line")" \
        "$(val p99 "$line")" "$(val max "$line")"
done
ratio() { awk -v a="$(val "$1" "$c")" -v b="$(val "$1" "$s")" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
printf '%-8s %6s %12s   %8s %8s %8s %8s\n' "cangen/sockcli" "" "" \
    "$(ratio mean)" "$(ratio p50)" "$(ratio p99)" "$(ratio max)"
