#!/usr/bin/env bash
# Build the CAN test bed's initramfs from packages installed on this machine, and print its path.
#
#   bash tests/canbed/build.sh [BINARY...]
#
# The initramfs (gzip'd newc cpio) holds: busybox (static from busybox-static, or any busybox
# plus its libraries) as /bin/*, the running init (tests/canbed/init), the kernel modules the
# bed needs (can, can-raw, can-bcm, can-dev, vcan, vsock_loopback when the kernel has it, and
# whatever modules.dep says they need,
# decompressed when the kernel package ships them as .ko.xz/.ko.zst/.ko.gz), iproute2's ip and
# can-utils' candump, cansend, cangen and canplayer as oracles, each BINARY given (e.g. the
# sockcli under test; its debug info stripped) in /usr/bin, and every shared library each
# binary needs (per ldd, the loader too) at its host path.
#
# The result is cached as target/canbed/bed-KEY.cpio.gz, KEY a hash of every input file's
# contents and this script, so a second run with the same inputs only hashes (well under a
# second). Only the newest few beds are kept. Scenarios are not part of it: run.sh appends them
# as a second, small cpio archive.
#
# Environment: CANBED_KERNEL=/path/vmlinuz-VER (default: newest in /boot with modules),
# CANBED_BUSYBOX=/path/busybox, CANBED_DIR (default: target/canbed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

# Exit status 77 (with the reason on stderr): a tool or the kernel is missing, the caller skips.
read -r _kimg kver < <(canbed_kernel) || exit 77
busybox=$(canbed_busybox) || exit 77
moddir=/lib/modules/$kver
cache=${CANBED_DIR:-$root/target/canbed}
mkdir -p "$cache"

die() { echo "canbed build: $*" >&2; exit 2; }
missing() { echo "$*" >&2; exit 77; }
for t in cpio gzip ldd sha256sum; do
    command -v "$t" >/dev/null 2>&1 || missing "$t not installed"
done

# --- binaries -------------------------------------------------------------------------------
tools=()
for t in ip candump cansend cangen canplayer; do
    p=$(command -v "$t" 2>/dev/null) || missing "$t not installed (apt-get install iproute2 can-utils)"
    tools+=("$(readlink -f "$p")")
done
extra=()
for b in "$@"; do
    [ -x "$b" ] || die "binary under test $b missing or not executable"
    extra+=("$(readlink -f "$b")")
done

# --- modules, dependencies first ------------------------------------------------------------
declare -A modpath=() seen=()
while IFS= read -r line; do
    f=${line%%:*}
    n=${f##*/}
    n=${n%%.ko*}
    modpath[$n]=$f
done <"$moddir/modules.dep"
order=()
visit() {
    local name=$1 dep deps
    [ -n "${seen[$name]:-}" ] && return 0
    seen[$name]=1
    local rel=${modpath[$name]:-}
    [ -n "$rel" ] || die "module $name not in $moddir/modules.dep"
    deps=$(grep -E "^${rel//./\\.}:" "$moddir/modules.dep" | cut -d: -f2-)
    for dep in $deps; do
        dep=$(basename "$dep")
        visit "${dep%%.ko*}"
    done
    order+=("$rel")
}
for m in can can-raw can-bcm can-dev vcan; do
    visit "$m"
done
# AF_VSOCK over the loopback transport (CID 1) for tests/integration/vsock.rs; optional, so a
# kernel without them still makes a CAN bed (the vsock test then fails naming the module).
for m in vsock vmw_vsock_virtio_transport_common vsock_loopback; do
    if [ -n "${modpath[$m]:-}" ]; then visit "$m"; fi
done

# --- libraries (ldd; the loader is one of its lines) -----------------------------------------
libs_of() {
    # "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
    ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }' || true
}
libs=()
for b in "$busybox" "${tools[@]}" "${extra[@]}"; do
    while IFS= read -r l; do
        [ -n "$l" ] && libs+=("$l")
    done < <(libs_of "$b")
done
mapfile -t libs < <(printf '%s\n' "${libs[@]}" | sort -u)

# --- cache key --------------------------------------------------------------------------------
inputs=("$here/build.sh" "$here/init" "$here/wait-rx" "$busybox" "${tools[@]}" "${extra[@]}" "${libs[@]}")
for rel in "${order[@]}"; do
    inputs+=("$moddir/$rel")
done
key=$({
    echo "kernel $kver"
    printf 'extra %s\n' "${extra[@]}"
    for f in "${inputs[@]}"; do
        printf '%s %s\n' "$f" "$(sha256sum <"$(readlink -f "$f")" | cut -c1-64)"
    done
} | sha256sum | cut -c1-16)
out="$cache/bed-$key.cpio.gz"
if [ -s "$out" ]; then
    touch "$out"
    echo "$out"
    exit 0
fi

# --- stage and pack ---------------------------------------------------------------------------
stage=$(mktemp -d "$cache/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib/canbed,proc,sys,dev,tmp,scenarios,data,etc,root}
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
install -m 755 "$here/init" "$stage/init"
install -m 755 "$here/wait-rx" "$stage/usr/bin/canbed-wait-rx"
for b in "${tools[@]}"; do
    cp "$b" "$stage/usr/bin/$(basename "$b")"
done
# A debug build of sockcli is mostly DWARF (34 MB, 7.5 MB without): dropping it keeps the
# initramfs small (faster to pack and to unpack under TCG); symbols stay for backtraces.
for b in "${extra[@]}"; do
    strip --strip-debug -o "$stage/usr/bin/$(basename "$b")" "$b" 2>/dev/null \
        || cp "$b" "$stage/usr/bin/$(basename "$b")"
done
for l in "${libs[@]}"; do
    mkdir -p "$stage$(dirname "$l")"
    cp -L "$l" "$stage$l"
done
: >"$stage/lib/canbed/modules.order"
for rel in "${order[@]}"; do
    src=$moddir/$rel
    n=$(basename "$rel")
    case "$n" in
        *.ko) cp "$src" "$stage/lib/canbed/$n" ;;
        *.ko.xz) xz -dc "$src" >"$stage/lib/canbed/${n%.xz}"; n=${n%.xz} ;;
        *.ko.zst) zstd -qdc "$src" >"$stage/lib/canbed/${n%.zst}"; n=${n%.zst} ;;
        *.ko.gz) gzip -dc "$src" >"$stage/lib/canbed/${n%.gz}"; n=${n%.gz} ;;
        *) die "unknown module file $src" ;;
    esac
    echo "$n" >>"$stage/lib/canbed/modules.order"
done
# Debian's static busybox shell runs its own applets before searching PATH, so its `ip` would
# shadow iproute2's: scenarios source this file, whose functions win over applets.
{
    echo "# sourced before each scenario: host tools that share a name with a busybox applet"
    for b in "${tools[@]}" "${extra[@]}"; do
        n=$(basename "$b")
        if [ -e "$stage/bin/$n" ]; then
            echo "$n() { /usr/bin/$n \"\$@\"; }"
        fi
    done
} >"$stage/lib/canbed/env"
echo "root:x:0:0:root:/tmp:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | gzip -1 >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"

# Keep the newest 4 beds (each sockcli build makes a new one).
ls -1t "$cache"/bed-*.cpio.gz 2>/dev/null | tail -n +5 | xargs -r rm -f
echo "$out"
