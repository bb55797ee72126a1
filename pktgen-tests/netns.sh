#!/bin/bash
# netns.sh — test topology for Slipstream's DPDK data plane.
#
# Creates network namespaces addressed in 198.18.0.0/15 (the benchmarking
# range), never touches the machine's own NICs, and removes everything it
# made on exit (trap), including the server it started (by PID) and
# hugepage files when it reserved hugepages.
#
#   netns.sh tap  [-- server args...]   server in netns ss-srv$ID on net_tap;
#                                      the kernel side of the tap (198.18.0.1)
#                                      is the client, in the same netns
#   netns.sh veth [-- server args...]   server on net_af_packet over a veth
#                                      pair: netns ss-srv$ID (no kernel IP)
#                                      and ss-cli$ID (198.18.0.1)
#
# Options (environment):
#   SS_BIN=build/app/slipstream   server binary
#   SS_PORT=6390                   TCP port
#   SS_ID=$$                       suffix for namespace / interface names
#   SS_HUGEPAGES=N                 reserve N 2 MiB hugepages (default: none,
#                                  the server runs with --no-huge)
#   SS_CMD="redis-cli ..."         command to run in the client namespace
#                                  once the server answers; without it the
#                                  script prints how to reach the server and
#                                  waits for Ctrl-C
#   SS_QUEUES=1                    af_packet qpairs (veth)
#   SS_QDISC_BYPASS=0              af_packet qdisc_bypass (veth): 0 lets tc on
#                                  the server end see DPDK's transmissions;
#                                  1 skips the qdisc (the benchmark's choice)
#   SS_NET=198.18.0                the /24 used: server .2, client .1
#   SS_NS=name                     an existing namespace to use as the client
#                                  side (and, for tap, as the server's too),
#                                  neither created nor deleted here: several
#                                  servers, each on its own SS_NET, can then
#                                  serve one client namespace
#   SS_CONF=path                   a config file, given to the server first
#   SS_LOG=/tmp/ss-dp-$ID.log      the server's output
#
# The exit status is the server's when it exits by itself (or by a signal
# sent to it), so a caller can check a clean shutdown.
#
# Every DPDK invocation gets --no-pci (dpdk_eal_args adds it for a vdev).
set -u
ID=${SS_ID:-$$}
ID=$((ID % 1000000))
BIN=${SS_BIN:-build/app/slipstream}
PORT=${SS_PORT:-6390}
MODE=${1:-tap}
shift || true
[ "${1:-}" = "--" ] && shift
EXTRA=("$@")
SRV_NS=ss-srv$ID
CLI_NS=ss-cli$ID
OWN_NS=${SS_NS:-}
TAP=sstap$ID
VS=ssvs$ID
VC=ssvc$ID
NET=${SS_NET:-198.18.0}
SRV_IP=$NET.2
CLI_IP=$NET.1
SERVER_PID=
HUGE_RESERVED=0
LOG=${SS_LOG:-/tmp/ss-dp-$ID.log}

cleanup() {
    set +e
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    [ "$SRV_NS" != "$OWN_NS" ] && ip netns del "$SRV_NS" 2>/dev/null
    [ "$CLI_NS" != "$OWN_NS" ] && ip netns del "$CLI_NS" 2>/dev/null
    [ -n "$OWN_NS" ] && ip -n "$OWN_NS" link del "$VC" 2>/dev/null
    rm -rf /var/run/dpdk/slipstream-"$SERVER_PID" 2>/dev/null
    if [ "$HUGE_RESERVED" -gt 0 ]; then
        rm -f /dev/hugepages/slipstream-* 2>/dev/null
        echo 0 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    fi
}
trap cleanup EXIT INT TERM

die() { echo "netns.sh: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "server binary $BIN not found (build first, or set SS_BIN)"

DPDK_ARGS=""
if [ -n "${SS_HUGEPAGES:-}" ]; then
    echo "$SS_HUGEPAGES" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages || die "cannot reserve hugepages"
    HUGE_RESERVED=$SS_HUGEPAGES
    DPDK_ARGS="--huge-unlink -m 256"
fi

if [ -n "$OWN_NS" ]; then
    [ -e /var/run/netns/"$OWN_NS" ] || die "SS_NS: no namespace $OWN_NS"
    CLI_NS=$OWN_NS
    [ "$MODE" = tap ] && SRV_NS=$OWN_NS
fi
if [ "$SRV_NS" != "$OWN_NS" ]; then
    ip netns add "$SRV_NS" || die "cannot create netns"
    ip -n "$SRV_NS" link set lo up
fi
case "$MODE" in
tap)
    DEV="net_tap0,iface=$TAP"
    CLI_NS=$SRV_NS
    ;;
veth)
    if [ "$CLI_NS" != "$OWN_NS" ]; then
        ip netns add "$CLI_NS" || die "cannot create netns"
        ip -n "$CLI_NS" link set lo up
    fi
    ip link add "$VC" netns "$CLI_NS" type veth peer name "$VS" netns "$SRV_NS" || die "veth"
    ip -n "$SRV_NS" link set "$VS" up
    ip netns exec "$SRV_NS" sysctl -qw net.ipv6.conf."$VS".disable_ipv6=1
    ip -n "$CLI_NS" addr add "$CLI_IP/24" dev "$VC"
    ip -n "$CLI_NS" link set "$VC" up
    ip netns exec "$CLI_NS" sysctl -qw net.ipv6.conf."$VC".disable_ipv6=1
    # af_packet frames are at most framesz: no GSO super-frames, and full
    # checksums (no CHECKSUM_PARTIAL) from the kernel side.
    ip netns exec "$CLI_NS" ethtool -K "$VC" tx off tso off gso off >/dev/null 2>&1
    ip netns exec "$SRV_NS" ethtool -K "$VS" rx off tso off gso off gro off >/dev/null 2>&1
    DEV="net_af_packet0,iface=$VS,qpairs=${SS_QUEUES:-1},qdisc_bypass=${SS_QDISC_BYPASS:-0}"
    ;;
*) die "mode must be tap or veth" ;;
esac

CONF=()
[ -n "${SS_CONF:-}" ] && CONF=("$SS_CONF")
ip netns exec "$SRV_NS" "$BIN" "${CONF[@]}" --port "$PORT" --dataplane-port "$DEV" \
    --dataplane-ip "$SRV_IP/24" ${DPDK_ARGS:+--dpdk-args "$DPDK_ARGS"} "${EXTRA[@]}" >"$LOG" 2>&1 &
SERVER_PID=$!

if [ "$MODE" = tap ]; then
    for _ in $(seq 1 100); do ip -n "$SRV_NS" link show "$TAP" >/dev/null 2>&1 && break; sleep 0.1; done
    ip -n "$SRV_NS" link show "$TAP" >/dev/null 2>&1 || { cat "$LOG"; die "tap $TAP never appeared"; }
    ip netns exec "$SRV_NS" sysctl -qw net.ipv6.conf."$TAP".disable_ipv6=1
    ip -n "$SRV_NS" addr add "$CLI_IP/24" dev "$TAP"
    ip -n "$SRV_NS" link set "$TAP" up
fi

ok=0
for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG"; die "server exited"; }
    if ip netns exec "$CLI_NS" timeout 1 redis-cli -h "$SRV_IP" -p "$PORT" PING 2>/dev/null | grep -q .; then ok=1; break; fi
    sleep 0.2
done
[ $ok = 1 ] || { cat "$LOG"; die "server did not answer PING on $SRV_IP:$PORT"; }

if [ -n "${SS_CMD:-}" ]; then
    SS_SRV_IP=$SRV_IP SS_PORT=$PORT ip netns exec "$CLI_NS" bash -c "$SS_CMD"
    exit $?
fi
echo "Slipstream (pid $SERVER_PID) serves $SRV_IP:$PORT on $DEV"
echo "  ip netns exec $CLI_NS redis-cli -h $SRV_IP -p $PORT"
echo "Ctrl-C stops the server and removes the namespaces."
wait "$SERVER_PID"
exit $?
