#!/usr/bin/env bash
# Run every test sockcli has. Installs the real peers the tests talk to when they are missing
# (socat, ncat, nc.openbsd, python3, setpriv, dnsmasq, getent, /etc/services): tests that still lack a tool or root print
# "skipped: <reason>" instead of passing silently.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool_pkg in socat:socat ncat:ncat nc.openbsd:netcat-openbsd python3:python3 setpriv:util-linux \
                ss:iproute2 sha256sum:coreutils dnsmasq:dnsmasq-base getent:libc-bin \
                tcpdump:tcpdump; do
    tool=${tool_pkg%%:*} pkg=${tool_pkg#*:}
    command -v "$tool" >/dev/null 2>&1 || need+=("$pkg")
done
# resolve's tests use the services and protocols databases as oracles.
[ -e /etc/services ] && [ -e /etc/protocols ] || need+=(netbase)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing test peers: ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "warning: missing ${need[*]} and cannot install (not root or no apt-get); those tests will skip" >&2
    fi
fi

cargo test --all-targets "$@"
