#!/usr/bin/env bash
# Run every test sockcli has. Installs the real peers the tests talk to when they are missing
# (socat, ncat, nc.openbsd, python3, openssl, setpriv, dnsmasq, getent, /etc/services, danted
# and tinyproxy for the proxy clients; qemu, a Debian
# kernel, busybox-static and can-utils for the CAN test bed): tests that still lack a tool or
# root print "skipped: <reason>" instead of passing silently.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool_pkg in socat:socat ncat:ncat nc.openbsd:netcat-openbsd python3:python3 setpriv:util-linux openssl:openssl \
                ss:iproute2 sha256sum:coreutils dnsmasq:dnsmasq-base getent:libc-bin \
                tcpdump:tcpdump danted:dante-server tinyproxy:tinyproxy; do
    tool=${tool_pkg%%:*} pkg=${tool_pkg#*:}
    command -v "$tool" >/dev/null 2>&1 || need+=("$pkg")
done
# The memory tests read a process's peak (ru_maxrss) through GNU time (`time` is also a shell
# keyword, so look for the file).
[ -x /usr/bin/time ] || need+=(time)
# resolve's tests use the services and protocols databases as oracles.
[ -e /etc/services ] && [ -e /etc/protocols ] || need+=(netbase)
# The CAN test bed (tests/canbed/): a Debian kernel with the CAN modules, booted under qemu (TCG)
# with busybox-static and can-utils inside. linux-image-amd64 only puts a kernel in /boot and
# its modules in /lib/modules: the running kernel is untouched. Installed without recommends
# (qemu's and the kernel's pull in firmware, UEFI images and more the bed does not use).
bed=()
for tool_pkg in qemu-system-x86_64:qemu-system-x86 candump:can-utils cpio:cpio xz:xz-utils \
                zstd:zstd strip:binutils; do
    tool=${tool_pkg%%:*} pkg=${tool_pkg#*:}
    command -v "$tool" >/dev/null 2>&1 || bed+=("$pkg")
done
{ [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x insmod >/dev/null; } || bed+=(busybox-static)
# shellcheck source=../tests/canbed/common.sh
. tests/canbed/common.sh
canbed_kernel >/dev/null 2>&1 || bed+=(linux-image-amd64)
if [ ${#need[@]} -gt 0 ] || [ ${#bed[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing test peers: ${need[*]} ${bed[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        [ ${#need[@]} -eq 0 ] || apt-get install -y -qq "${need[@]}" >/dev/null
        [ ${#bed[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${bed[@]}" >/dev/null
    else
        echo "warning: missing ${need[*]} ${bed[*]} and cannot install (not root or no apt-get); those tests will skip" >&2
    fi
fi

cargo test --all-targets "$@"
