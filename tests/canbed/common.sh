# Sourced by build.sh and run.sh: which kernel the CAN test bed boots.
#
# CANBED_KERNEL=/path/to/vmlinuz-VERSION picks one; otherwise the newest /boot/vmlinuz-* whose
# modules are installed in /lib/modules/VERSION (Debian's linux-image-amd64 puts one there
# without changing the running kernel).

# Prints "IMAGE VERSION", or a reason on stderr and returns 1.
canbed_kernel() {
    local img ver
    if [ -n "${CANBED_KERNEL:-}" ]; then
        img=$CANBED_KERNEL
        if [ ! -r "$img" ]; then
            echo "kernel image $img (CANBED_KERNEL) missing or unreadable" >&2
            return 1
        fi
        ver=$(basename "$img")
        ver=${ver#vmlinuz-}
        if [ ! -e "/lib/modules/$ver/modules.dep" ]; then
            echo "no /lib/modules/$ver/modules.dep for kernel image $img" >&2
            return 1
        fi
        echo "$img $ver"
        return 0
    fi
    local found=""
    for img in $(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V); do
        ver=${img#/boot/vmlinuz-}
        [ -r "$img" ] && [ -e "/lib/modules/$ver/modules.dep" ] && found="$img $ver"
    done
    if [ -z "$found" ]; then
        echo "no kernel image: no readable /boot/vmlinuz-* with /lib/modules/VERSION/modules.dep (apt-get install linux-image-amd64)" >&2
        return 1
    fi
    echo "$found"
}

# The busybox the bed uses: a static one preferred (busybox-static), else whatever is on PATH
# (its libraries are then copied like any other binary's).
canbed_busybox() {
    local b
    for b in "${CANBED_BUSYBOX:-}" /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null)"; do
        [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
    done
    echo "busybox not installed (apt-get install busybox-static)" >&2
    return 1
}

# canbed_vmlinux IMAGE VERSION CACHE_DIR: prints the kernel file qemu should boot. A Debian
# bzImage decompresses itself (xz) in about 8 s under TCG; so when the kernel has CONFIG_PVH,
# its ELF vmlinux is unpacked on the host once (about 1 s, cached in CACHE_DIR) and booted
# directly through its PVH entry. Falls back to IMAGE when that is not possible.
canbed_vmlinux() {
    local img=$1 ver=$2 cache=$3 out off
    if ! grep -qx 'CONFIG_PVH=y' "/boot/config-$ver" 2>/dev/null; then
        echo "$img"
        return 0
    fi
    out=$cache/vmlinux-$ver-$(stat -c %s-%Y "$img")
    if [ ! -s "$out" ]; then
        # The payload starts at the first xz (FD 37 7A 58 5A 00) or zstd (28 B5 2F FD) magic.
        off=$(python3 - "$img" <<'PY' 2>/dev/null
import sys
d = open(sys.argv[1], "rb").read()
for magic, kind in ((b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd")):
    i = d.find(magic)
    if i >= 0:
        print(i, kind)
        break
PY
        ) || off=""
        case "$off" in
            *" xz") tail -c "+$((${off% *} + 1))" "$img" | xz -dc --single-stream >"$out.tmp.$$" 2>/dev/null ;;
            *" zstd") tail -c "+$((${off% *} + 1))" "$img" | zstd -qdc >"$out.tmp.$$" 2>/dev/null ;;
            *) : >"$out.tmp.$$" ;;
        esac
        if [ "$(head -c 4 "$out.tmp.$$" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
            mv "$out.tmp.$$" "$out"
            ls -1t "$cache"/vmlinux-* 2>/dev/null | tail -n +3 | xargs -r rm -f
        else
            rm -f "$out.tmp.$$"
            echo "$img"
            return 0
        fi
    fi
    echo "$out"
}
