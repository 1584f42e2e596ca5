#!/usr/bin/env bash
# Boot the CAN test bed once and run scenarios in it.
#
#   bash tests/canbed/run.sh [-b BINARY]... [-t SECONDS] [-s SECONDS] [-d DIR] SCENARIO.sh...
#
#   -b BINARY   put BINARY (e.g. target/debug/sockcli) and its libraries in the VM's /usr/bin
#   -t SECONDS  hard limit for the whole boot; qemu is killed after it (default 120)
#   -s SECONDS  limit for each scenario inside the VM (default 60); rc=124 when it is hit
#   -d DIR      copy DIR's files into the VM's /data (logs for canplayer, expected output...)
#
# Each SCENARIO.sh is a /bin/sh (busybox) script, run in the VM in the order given, as root,
# in /tmp, with stdin /dev/null, after can, can-raw, can-bcm and vcan are loaded and vcan0 and
# vcan1 are up with the CAN FD MTU (72); whatever it leaves running is killed before the next.
# Its name is its file name without .sh (letters, digits, '.', '_', '-'). `canbed-wait-rx
# IFACE [N]` waits until N receivers (candump, ...) are bound on IFACE, so a scenario never
# needs a sleep before sending. In the VM's busybox shell its applets win over PATH, so `ip`
# is a function calling /usr/bin/ip (iproute2); in a nested `sh -c` write /usr/bin/ip.
#
# Scenarios travel as a second gzip'd cpio archive appended to the cached bed (the kernel
# unpacks both into one rootfs). Results come back on the VM's second serial port (ttyS1),
# separate from the console, and are printed on stdout in the framed format described in
# tests/canbed/init (@@BEGIN NAME / @@STDOUT bytes=N / @@STDERR bytes=N / @@END NAME rc=RC /
# @@DONE). The console log is kept in target/canbed/console.log (path printed on stderr when
# something fails).
#
# Exit status: 0 when the VM ran every scenario and reported @@DONE (whatever the scenarios'
# own rc), 77 when a tool or the kernel is missing (the reason on stderr: callers skip), 2 for
# a usage error, 124 when the hard limit killed qemu, 1 for any other failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

bins=() limit=120 step=60 data=""
while getopts "b:t:s:d:" opt; do
    case $opt in
        b) bins+=("$OPTARG") ;;
        t) limit=$OPTARG ;;
        s) step=$OPTARG ;;
        d) data=$OPTARG ;;
        *) echo "usage: run.sh [-b BINARY]... [-t SECONDS] [-s SECONDS] [-d DIR] SCENARIO.sh..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

qemu=$(command -v qemu-system-x86_64 2>/dev/null) \
    || { echo "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)" >&2; exit 77; }
read -r kimg kver < <(canbed_kernel) || exit 77
bed=$(bash "$here/build.sh" "${bins[@]}") || exit $?
cache=${CANBED_DIR:-$root/target/canbed}
kernel=$(canbed_vmlinux "$kimg" "$kver" "$cache")

work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/layer/scenarios" "$work/layer/data"
: >"$work/layer/scenarios/list"
for s in "$@"; do
    name=$(basename "$s")
    name=${name%.sh}
    case "$name" in
        *[!A-Za-z0-9._-]* | "") echo "run.sh: bad scenario name '$name' ($s)" >&2; exit 2 ;;
    esac
    [ -r "$s" ] || { echo "run.sh: scenario $s not readable" >&2; exit 2; }
    [ -e "$work/layer/scenarios/$name.sh" ] && { echo "run.sh: two scenarios named $name" >&2; exit 2; }
    cp "$s" "$work/layer/scenarios/$name.sh"
    echo "$name" >>"$work/layer/scenarios/list"
done
if [ -n "$data" ]; then
    cp -R "$data/." "$work/layer/data/"
fi
(cd "$work/layer" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | gzip -1 >"$work/layer.cpio.gz"
cat "$bed" "$work/layer.cpio.gz" >"$work/initrd"

console=$work/console.log
results=$work/results
: >"$results"
# Nothing the bed needs: skip the probes and the speculation workarounds (slow under TCG).
fast="mitigations=off nokaslr i8042.noaux i8042.nokbd i8042.nopnp tsc=reliable no_timer_check"
start=$(date +%s.%N)
set +e
# CANBED_QEMU adds qemu options (e.g. "-icount shift=0,sleep=off" for guest time that host load cannot stretch).
# shellcheck disable=SC2086
timeout -k 5 "$limit" "$qemu" -accel tcg -m 512 -smp 1 -nodefaults -display none -no-reboot ${CANBED_QEMU:-} \
    -kernel "$kernel" -initrd "$work/initrd" \
    -append "console=ttyS0 ${CANBED_APPEND:-quiet} panic=-1 canbed.timeout=$step $fast" \
    -serial "file:$console" -serial "file:$results" </dev/null
rc=$?
set -e
end=$(date +%s.%N)
cat "$results"
# The last run's console (kernel messages, panics) outlives the work dir.
mv "$console" "$cache/console.log" 2>/dev/null || true
console=$cache/console.log
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "run.sh: qemu killed after the ${limit} s limit; console log: $console" >&2
    exit 124
fi
if [ "$rc" != 0 ]; then
    echo "run.sh: qemu exited with $rc after ${secs} s; console log: $console" >&2
    exit 1
fi
if ! tail -n 1 "$results" | grep -qx '@@DONE'; then
    echo "run.sh: the VM stopped before @@DONE (after ${secs} s); console log: $console" >&2
    exit 1
fi
echo "run.sh: bed ran $# scenario(s) in ${secs} s" >&2
