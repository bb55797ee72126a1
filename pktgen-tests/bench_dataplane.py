#!/usr/bin/python3
"""bench_dataplane.py — Slipstream's data plane vs kernel sockets vs
redis-server, on the same wire.

redis-benchmark runs in a client network namespace and reaches 198.18.0.2
over a veth pair; behind that address, in turn:

  dataplane   Slipstream on net_af_packet over the server end of the veth
              (the kernel has no address there; netns.sh's veth topology)
  kernel      Slipstream on kernel sockets, 198.18.0.2 on the server end
  redis       Debian's redis-server, the same address

Same server core budget: one core serves commands (Slipstream `--workers 1`,
whose worker lcore runs on core 1 with the mostly idle control thread on
core 0; redis-server pinned to core 1); redis-benchmark is pinned to core 0.
Both veth ends have the same offload settings in every case (netns.sh's:
no TX checksum offload, TSO or GSO on the client end).

Cases: SET and GET with 50 clients at -P 1 (throughput, p50, p99), and one
client at -P 1 (latency: average, p99). Rounds alternate between servers and
the median round (by ops/s, or by average latency for -c 1) is reported.

The -c 50 cases are driven twice (--client both, the default):
  redis-benchmark  a real kernel client; on this 2-core test bed it spends
                   core 0 on its own kernel work (5 epoll_ctl, send and recv
                   per request) and so measures itself, ~120-150k req/s
                   whatever the server: shown for reference, "client-bound"
  ssgen            pktgen-tests/ssgen/ (build/pktgen-tests/ssgen): a DPDK
                   load generator with its own minimal TCP client on
                   net_af_packet (qdisc_bypass=1) over the client end of the
                   same veth, in the client namespace, as 198.18.0.3 with a
                   MAC of its own (addresses the kernel there does not own,
                   so it drops the replies at the Ethernet layer), pinned to
                   core 0. It costs a fraction of redis-benchmark's per
                   request and shows the servers' capacity; the throughput
                   bar is judged on its rows.
The -c 1 latency cases use redis-benchmark (a real kernel client's round
trip). --client redis-benchmark or --client dpdk runs one of the two.

The data plane runs with its own MAC beside the veth's (dataplane-mac), so
the kernel in the server namespace drops its frames at the Ethernet layer
instead of running IP input on each (docs/dataplane.md).

Where the kernel's receive work runs (RPS, --rps): a frame crossing a veth is
received in the sender's context, so by default (none) the servers' kernel
receive work (TCP input for the kernel-socket servers, af_packet's copy into
its ring for the data plane) runs on the client core inside the client's
sendto(), and the client's receive work on the server core inside the
server's write()/sendto(). --rps server steers the server end's receive work
to the server core (all of it then charged to the server); --rps both also
steers the client end's to the client core (each side pays its own). The
setting is the same for all three servers and holds for the whole round.
On af_packet the kernel does per-frame work for the data plane that a NIC
does not (a copy into the ring, an skb per frame each way), so steering it
onto the server core narrows the data plane's lead: see docs/performance.md.

    pktgen-tests/bench_dataplane.py [--requests N] [--rounds R] [--bin PATH]
                                    [--client both|redis-benchmark|dpdk] [--ssgen PATH]
                                    [--rps server|both|none]
                                    [--max-load 1.5] [--wait 600]

It waits (up to --wait seconds) for the 1-minute load average to fall below
--max-load first, since other builds on the machine skew the figures.
Exit status 0 when the data plane meets issue 3's bars against redis-server
(>= 1.5x throughput at -P 1 with lower p99; lower average and p99 latency at
-c 1 -P 1), 1 otherwise; the figures are printed either way (--markdown adds
a table for docs/performance.md). Root only (namespaces).
"""
import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
import dptopo  # noqa: E402

IP = "198.18.0.2"
SSGEN_IP = "198.18.0.3"  # ssgen's own address: not the kernel's in the client namespace
SSGEN_MAC = "02:53:47:00:00:03"  # ... and its own MAC (locally administered)
DP_MAC = "02:53:53:00:00:02"  # the data plane's own MAC beside the veth's (dataplane-mac)


def sh(*argv, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r


class KernelWire(object):
    """The veth topology with the kernel owning 198.18.0.2 on the server end
    (for the kernel-socket servers), built like netns.sh's veth mode."""

    def __init__(self):
        i = os.getpid() % 100000
        self.srv, self.cli = "ss-bsrv%d" % i, "ss-bcli%d" % i
        self.vs, self.vc = "ssbs%d" % i, "ssbc%d" % i

    def __enter__(self):
        for ns in (self.srv, self.cli):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", self.vc, "netns", self.cli, "type", "veth", "peer", "name",
           self.vs, "netns", self.srv)
        for ns, dev, addr in ((self.srv, self.vs, IP), (self.cli, self.vc, "198.18.0.1")):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev)
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "netns", "exec", self.cli, "ethtool", "-K", self.vc, "tx", "off", "tso", "off",
           "gso", "off", check=False)
        sh("ip", "netns", "exec", self.srv, "ethtool", "-K", self.vs, "rx", "off", "tso", "off",
           "gso", "off", "gro", "off", check=False)
        return self

    def __exit__(self, *a):
        for ns in (self.srv, self.cli):
            sh("ip", "netns", "del", ns, check=False)


def wait_ping(ns, port, proc=None, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited during start")
        r = sh("ip", "netns", "exec", ns, "timeout", "1", "redis-cli", "-h", IP, "-p", str(port),
               "PING", check=False)
        if "PONG" in r.stdout:
            return
        time.sleep(0.2)
    raise RuntimeError("server on %s:%d did not answer" % (IP, port))


def start_kernel_server(wire, argv, port, tmp):
    p = subprocess.Popen(["ip", "netns", "exec", wire.srv] + argv, cwd=tmp,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        wait_ping(wire.cli, port, p)
    except Exception:
        benchlib.stop(p)
        raise
    return p


def bench(ns, port, test, clients, requests, client_cpu):
    cmd = ["ip", "netns", "exec", ns, "taskset", "-c", str(client_cpu), "redis-benchmark",
           "-h", IP, "-p", str(port), "-t", test, "-c", str(clients), "-n", str(requests),
           "-P", "1", "-r", "100000", "-d", "16", "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    if not rows:
        raise RuntimeError("no output from %s" % " ".join(cmd))
    r = rows[0]
    return dict(rps=float(r["rps"]), avg=float(r["avg_latency_ms"]),
                p50=float(r["p50_latency_ms"]), p99=float(r["p99_latency_ms"]))


def steer_rps(ns, dev, cpu):
    sh("ip", "netns", "exec", ns, "sh", "-c", "echo %x > /sys/class/net/%s/queues/rx-0/rps_cpus"
       % (1 << cpu, dev))


def prepare_wire(args, cli_ns, cli_if, srv_ns, srv_if):
    """RPS on the server end of the veth to the server core with --rps
    server or both, and on the client end to the client core with both; no
    forwarding in the client namespace (the kernel there sees ssgen's
    replies, addressed to 198.18.0.3, and must drop them silently)."""
    if args.rps in ("server", "both"):
        steer_rps(srv_ns, srv_if, args.server_cpu)
    if args.rps == "both":
        steer_rps(cli_ns, cli_if, args.client_cpu)
    sh("ip", "netns", "exec", cli_ns, "sysctl", "-qw", "net.ipv4.ip_forward=0")


def ssgen_bench(ssgen, ns, iface, port, test, clients, requests, client_cpu):
    r = benchlib.run_ssgen(ns, iface, IP, port, test, clients, requests, keyspace=100000,
                           size=16, core=client_cpu, ip=SSGEN_IP, timeout=120, binary=ssgen,
                           mac=SSGEN_MAC)
    return dict(rps=r["rps"], avg=r["avg_latency_ms"], p50=r["p50_latency_ms"],
                p99=r["p99_latency_ms"])


def wait_quiet(max_load, wait):
    end = time.monotonic() + wait
    while True:
        load = float(open("/proc/loadavg").read().split()[0])
        if load <= max_load:
            return load
        if time.monotonic() >= end:
            print("warning: load average %.2f > %.2f; figures may be skewed" % (load, max_load),
                  file=sys.stderr)
            return load
        print("load average %.2f > %.2f, waiting..." % (load, max_load), file=sys.stderr)
        time.sleep(20)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=200000, help="per -c 50 run")
    ap.add_argument("--latency-requests", type=int, default=100000, help="per -c 1 run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--bin", default=dptopo.default_bin())
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--server-cpu", type=int, default=1)
    ap.add_argument("--client-cpu", type=int, default=0)
    ap.add_argument("--max-load", type=float, default=1.5)
    ap.add_argument("--wait", type=float, default=600)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--client", choices=("both", "redis-benchmark", "dpdk"), default="both",
                    help="what drives the -c 50 cases (dpdk: ssgen)")
    ap.add_argument("--ssgen", default=benchlib.default_ssgen(), help="the ssgen binary")
    ap.add_argument("--rps", choices=("none", "server", "both"), default="none",
                    help="which veth ends steer receive processing (RPS) to their own side's "
                    "core")
    args = ap.parse_args()
    why = dptopo.missing_prerequisites()
    if not why and args.client != "redis-benchmark" and not os.access(args.ssgen, os.X_OK):
        why = "ssgen not found: %s (ninja -C build, or --ssgen PATH)" % args.ssgen
    if why:
        print("cannot run: " + why, file=sys.stderr)
        return 2
    if (os.cpu_count() or 1) < 2:
        args.server_cpu = args.client_cpu = 0
    load = wait_quiet(args.max_load, args.wait)

    port = 6390
    tmp = tempfile.mkdtemp(prefix="ss-bench-dp-")
    # (test, clients, client program)
    loaders = {"both": ("ssgen", "redis-benchmark"), "dpdk": ("ssgen",),
               "redis-benchmark": ("redis-benchmark",)}[args.client]
    cases = [(t, args.clients, ld) for ld in loaders for t in ("set", "get")]
    cases += [("set", 1, "redis-benchmark"), ("get", 1, "redis-benchmark")]
    runs = {}
    servers = ("dataplane", "kernel", "redis")

    def one_round(name, ns, cli_if):
        for test, c, ld in cases:
            n = args.requests if c > 1 else args.latency_requests
            if ld == "ssgen":
                r = ssgen_bench(args.ssgen, ns, cli_if, port, test, c, n, args.client_cpu)
            else:
                r = bench(ns, port, test, c, n, args.client_cpu)
            runs.setdefault((test, c, ld, name), []).append(r)

    try:
        for _ in range(args.rounds):
            # data plane: netns.sh's veth topology, the server on af_packet
            topo = dptopo.Topology("veth", ["--workers", "1", "--dataplane-mac", DP_MAC],
                                   bin=args.bin, port=port, qdisc_bypass=True).start()
            try:
                prepare_wire(args, topo.cli_ns, topo.cli_if, topo.srv_ns, "ssvs%d" % topo.id)
                one_round("dataplane", topo.cli_ns, topo.cli_if)
            finally:
                topo.stop()
            with KernelWire() as wire:
                prepare_wire(args, wire.cli, wire.vc, wire.srv, wire.vs)
                p = start_kernel_server(wire, [args.bin, "--port", str(port), "--bind", IP,
                                               "--save", "", "--workers", "1",
                                               "--protected-mode", "no"], port, tmp)
                try:
                    one_round("kernel", wire.cli, wire.vc)
                finally:
                    benchlib.stop(p)
                p = start_kernel_server(wire, ["taskset", "-c", str(args.server_cpu),
                                               args.redis_server, "--port", str(port), "--bind",
                                               IP, "--save", "", "--appendonly", "no",
                                               "--protected-mode", "no", "--dir", tmp], port, tmp)
                try:
                    one_round("redis", wire.cli, wire.vc)
                finally:
                    benchlib.stop(p)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    res = {}
    for key, rs in runs.items():
        c = key[1]
        rs = sorted(rs, key=(lambda x: -x["avg"]) if c == 1 else (lambda x: x["rps"]))
        res[key] = rs[len(rs) // 2]

    ok = True
    print("\nload average at start: %.2f; median of %d rounds; RPS: %s"
          % (load, args.rounds, args.rps))
    print("%-5s%4s  %-16s%-10s%11s%9s%9s%9s%12s%12s"
          % ("test", "-c", "client", "server", "ops/s", "avg ms", "p50 ms", "p99 ms",
             "vs redis", "vs kernel"))
    md = ["| test | -c | client | server | ops/s | avg ms | p50 ms | p99 ms | ops/s vs Redis | "
          "p99 vs Redis |", "|---|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for test, c, ld in cases:
        r = res[(test, c, ld, "redis")]
        for name in servers:
            s = res[(test, c, ld, name)]
            ratio = s["rps"] / r["rps"]
            kratio = s["rps"] / res[(test, c, ld, "kernel")]["rps"]
            every = " ".join("%.0fk" % (x["rps"] / 1000) for x in runs[(test, c, ld, name)])
            print("%-5s%4d  %-16s%-10s%11.0f%9.3f%9.3f%9.3f%11.2fx%11.2fx   rounds: %s"
                  % (test, c, ld, name, s["rps"], s["avg"], s["p50"], s["p99"], ratio, kratio,
                     every))
            md.append("| %s | %d | %s | %s | %s | %.3f | %.3f | %.3f | %.2f | %.2f |"
                      % (test.upper(), c, ld, name, format(int(s["rps"]), ","), s["avg"],
                         s["p50"], s["p99"], ratio, s["p99"] / r["p99"] if r["p99"] else 0))
        d = res[(test, c, ld, "dataplane")]
        if c > 1 and ld == "redis-benchmark" and "ssgen" in loaders:
            print("      (client-bound: for reference; the bar is judged on ssgen's rows)")
            continue
        if c > 1:
            met = d["rps"] >= 1.5 * r["rps"] and d["p99"] < r["p99"]
        else:
            met = d["avg"] < r["avg"] and d["p99"] < r["p99"]
        ok = ok and met
        print("      bar (%s): %s" % (">= 1.5x ops/s, lower p99" if c > 1 else
                                     "lower avg and p99", "met" if met else "NOT MET"))
    if args.markdown:
        print("\n" + "\n".join(md))
    print("\nissue 3 bars:", "MET" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
