#!/usr/bin/env bash
# bench/tls.sh — TLS (issue 14 §1) in one run, as ratios, every process on 127.0.0.1:
#   1. bulk: SIZE bytes from a sender to a receiver that writes them to /dev/null, both ends
#      the same tool: sockcli (connect --tls → listen --tls), socat OPENSSL, ncat --ssl, and
#      openssl s_client → s_server as the reference; MiB/s from wall time. Every pair
#      negotiates TLS 1.3 with AES-256-GCM (the default of rustls and OpenSSL; checked with
#      -v on sockcli's side);
#   2. handshakes per second: `openssl s_time -new` (a fresh full handshake per connection,
#      one at a time) against `sockcli listen -k --tls --echo` and `ncat --ssl -k -l`.
#
#   bash bench/tls.sh
#
# Both figures are also given per CPU-second (bulk: both ends; handshakes: the server), which
# stays put when other jobs share the machine's cores.
#
# Environment knobs: SIZE_MIB=1024 (4096 for the issue's 4 GiB), HS_SECS=5, REPS=3 (median),
# PEERS="socat ncat openssl", SOCKCLI=path (default: cargo build --release), PARTS="bulk hs"
# (only the handshakes: PARTS=hs).
# Targets (issue 14): bulk ≥ 1.3× the fastest of socat/ncat; handshakes ≥ 3× ncat.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PY=${PY:-python3}
# shellcheck source=lib.sh
. "$HERE/lib.sh"

SIZE_MIB=${SIZE_MIB:-1024}
HS_SECS=${HS_SECS:-5}
REPS=${REPS:-3}
PEERS=${PEERS:-socat ncat openssl}
PARTS=${PARTS:-bulk hs}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockcli-tls.XXXXXX")
if [[ -z ${SOCKCLI:-} ]]; then
    SOCKCLI=$ROOT/target/release/sockcli
    echo "== cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet)
fi

# A CA and a server certificate for localhost/127.0.0.1 (openssl CLI).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/ca.key" \
    -out "$TMP/ca.pem" -days 2 -subj /CN=bench-CA 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" \
    -out "$TMP/srv.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$TMP/ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
    -out "$TMP/cert.pem" -days 2 -extfile "$TMP/ext" 2>/dev/null
C=$TMP/cert.pem K=$TMP/key.pem CA=$TMP/ca.pem

wait_listen() { # PORT
    local i
    for i in $(seq 200); do
        [[ -n $(ss -Hltn "sport = :$1") ]] && return 0
        sleep 0.05
    done
    echo "nothing listens on $1" >&2
    return 1
}
export -f wait_listen

# bulk TOOL: "WALL_S CPU_S" to move SIZE_MIB MiB: the receiver, then the sender, in one shell
# whose waited-for children bash's `time` sums (CPU of both ends: this machine is shared, so
# CPU seconds are steadier than wall time). The receiver ends with the stream.
bulk() {
    local tool=$1 port recv send
    port=$(free_port)
    case $tool in
    sockcli)
        recv="$SOCKCLI listen --tls --tls-cert $C --tls-key $K 127.0.0.1 $port </dev/null >/dev/null"
        send="$SOCKCLI connect --tls --tls-ca $CA localhost $port >/dev/null" ;;
    socat)
        recv="socat -u -b131072 OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$C,key=$K,verify=0 - >/dev/null"
        send="socat -u -b131072 - OPENSSL:localhost:$port,cafile=$CA" ;;
    ncat)
        recv="ncat --ssl --ssl-cert $C --ssl-key $K --recv-only -l 127.0.0.1 $port >/dev/null 2>&1"
        send="ncat --ssl --ssl-verify --ssl-trustfile $CA --send-only localhost $port 2>/dev/null" ;;
    openssl)
        # s_server ends the connection at its stdin's EOF: a stdin that stays open.
        recv="openssl s_server -quiet -naccept 1 -accept 127.0.0.1:$port -cert $C -key $K <$TMP/fifo >/dev/null 2>&1"
        send="openssl s_client -quiet -no_ign_eof -CAfile $CA -connect localhost:$port >/dev/null 2>&1" ;;
    esac
    local TIMEFORMAT='%R %U %S' out
    out=$( { time bash -c "exec 3<>$TMP/fifo; $recv & rp=\$!; wait_listen $port; $send <$TMP/data; wait \$rp"; } 2>&1 >/dev/null | tail -n 1)
    awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$out"
}

bulk_part() {
    head -c $((SIZE_MIB << 20)) /dev/zero >"$TMP/data"
    mkfifo "$TMP/fifo"
    echo "== bulk: $SIZE_MIB MiB from a file, median of $REPS (MiB/s by wall time; MiB per CPU-second of both ends)"
    declare -A MIBS CPU
    for tool in sockcli $PEERS; do
        command -v "${tool/sockcli/$SOCKCLI}" >/dev/null 2>&1 || { echo "  $tool: not installed, skipped"; continue; }
        walls=() cpus=()
        for _ in $(seq "$REPS"); do
            read -r w c < <(bulk "$tool")
            walls+=("$w") cpus+=("$c")
        done
        w=$(median "${walls[@]}") c=$(median "${cpus[@]}")
        MIBS[$tool]=$(awk -v n="$SIZE_MIB" -v s="$w" 'BEGIN { printf "%.0f", n / s }')
        CPU[$tool]=$(awk -v n="$SIZE_MIB" -v s="$c" 'BEGIN { printf "%.0f", n / s }')
        echo "  $tool: ${MIBS[$tool]} MiB/s, ${CPU[$tool]} MiB/CPU-s (wall ${w}s, cpu ${c}s)"
    done
    best=0 best_tool=
    for tool in socat ncat; do
        [[ -n ${MIBS[$tool]:-} ]] && ((MIBS[$tool] > best)) && best=${MIBS[$tool]} best_tool=$tool
    done
    if ((best > 0)); then
        awk -v a="${MIBS[sockcli]}" -v b="$best" -v t="$best_tool" -v ca="${CPU[sockcli]}" -v cb="${CPU[$best_tool]}" \
            'BEGIN { printf "  sockcli / fastest of socat,ncat (%s): %.2fx by wall time, %.2fx by CPU (target 1.3x)\n", t, a / b, ca / cb }'
    fi
    if [[ -n ${MIBS[openssl]:-} ]]; then
        awk -v a="${MIBS[sockcli]}" -v b="${MIBS[openssl]}" \
            'BEGIN { printf "  sockcli / openssl s_client->s_server: %.2fx by wall time\n", a / b }'
    fi
}
[[ " $PARTS " == *" bulk "* ]] && bulk_part

# handshakes TOOL: "RATE PER_CPU": full handshakes per wall second from two `openssl s_time
# -new` clients at once, and per CPU-second of the server (from /proc/PID/stat: the clients'
# own cost does not count).
handshakes() {
    local tool=$1 port
    port=$(free_port)
    case $tool in
    sockcli) start_bg "exec $SOCKCLI listen -k --tls --echo --tls-cert $C --tls-key $K 127.0.0.1 $port 2>/dev/null" ;;
    ncat) start_bg "exec ncat --ssl -k --recv-only --ssl-cert $C --ssl-key $K -l 127.0.0.1 $port </dev/null >/dev/null 2>&1" ;;
    esac
    local pid=$BG_PID
    wait_listen "$port"
    local t0 c0 t1 c1 n=0 k
    read -r -a st <"/proc/$pid/stat"; c0=$((st[13] + st[14]))
    now_us; t0=$NOW_US
    local STIME=()
    for k in 1 2; do
        openssl s_time -connect "127.0.0.1:$port" -new -time "$HS_SECS" >"$TMP/stime.$k" 2>/dev/null &
        STIME+=($!)
    done
    wait "${STIME[@]}" 2>/dev/null || true
    now_us; t1=$NOW_US
    read -r -a st <"/proc/$pid/stat"; c1=$((st[13] + st[14]))
    for k in 1 2; do
        n=$((n + $(awk '/connections in .* real seconds/ { print $1; exit }' "$TMP/stime.$k")))
    done
    stop_bg "$pid"
    awk -v n="$n" -v us=$((t1 - t0)) -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.0f %.0f\n", n / (us / 1e6), (ticks > 0 ? n / (ticks / hz) : 0) }'
}

[[ " $PARTS " == *" hs "* ]] || exit 0
echo "== handshakes (two openssl s_time -new clients, $HS_SECS s), median of $REPS"
# The tools take turns (sockcli, ncat, sockcli, ...), so a change in the load of the shared
# machine falls on both alike.
declare -A HS HSC RATES PERCPU
HS_TOOLS=()
for tool in sockcli ncat; do
    command -v "${tool/sockcli/$SOCKCLI}" >/dev/null 2>&1 && HS_TOOLS+=("$tool")
done
for _ in $(seq "$REPS"); do
    for tool in "${HS_TOOLS[@]}"; do
        read -r a b < <(handshakes "$tool")
        RATES[$tool]+=" $a" PERCPU[$tool]+=" $b"
    done
done
for tool in "${HS_TOOLS[@]}"; do
    # shellcheck disable=SC2086 # the lists are words
    HS[$tool]=$(median ${RATES[$tool]}) HSC[$tool]=$(median ${PERCPU[$tool]})
    echo "  $tool: ${HS[$tool]} handshakes/s, ${HSC[$tool]} per server CPU-second (runs:${PERCPU[$tool]})"
done
if [[ -n ${HS[ncat]:-} ]]; then
    awk -v a="${HS[sockcli]}" -v b="${HS[ncat]}" -v ca="${HSC[sockcli]}" -v cb="${HSC[ncat]}" \
        'BEGIN { printf "  sockcli / ncat: %.2fx by rate, %.2fx per server CPU-second (target 3x)\n", a / b, ca / cb }'
fi
