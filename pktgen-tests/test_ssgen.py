"""ssgen (pktgen-tests/ssgen/), the load generator behind the benchmarks and
latency_lab.py, end to end against real servers:

  - on net_af_packet over a veth against the data plane (20,000 SETs then
    20,000 GETs; the keys are there, every GET value checked, no checksum
    drops, the EAL runtime directory removed);
  - on net_memif against the data plane: SET then GET with every value
    checked; a mixed Zipf workload with three value sizes; open loop at a
    rate (Poisson) that it keeps; 10,000 connections; 2% loss, reordering
    and duplication injected by the server's port layer, every reply still
    right;
  - on kernel sockets against redis-server;
  - against deliberately wrong and slow servers (Python, loopback): wrong
    values and error replies are counted and fail the run; open loop shows
    the queueing of a server slower than the offered rate, where the closed
    loop shows only the service time;
  - bad arguments.
The memif, veth and kernel cases need root (DPDK, namespaces); the slow and
wrong servers and the argument checks run anywhere.
"""
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

import benchlib
import conftest
import dptopo

KEYS = 1000
SSGEN = benchlib.default_ssgen()


def need_ssgen():
    if not os.access(SSGEN, os.X_OK):
        pytest.skip("ssgen not built: %s" % SSGEN)


def need_root_dpdk():
    need_ssgen()
    if os.geteuid() != 0:
        pytest.skip("needs root (DPDK)")
    if not os.path.exists(dptopo.default_bin()):
        pytest.skip("server binary not found: %s" % dptopo.default_bin())


def pattern(key, n):
    """The value ssgen writes for key index `key` (sg_work.h)."""
    p = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(p[(key + i) % 62] for i in range(n))


def well_formed(row):
    for k in ("rps", "p50_us", "p90_us", "p99_us", "p999_us", "p9999_us", "max_us", "errors",
              "busy", "requests"):
        assert k in row, k
    assert row["min_us"] <= row["p50_us"] <= row["p90_us"] <= row["p99_us"] <= row["p999_us"] \
        <= row["p9999_us"] <= row["max_us"]
    assert 0 <= row["busy"] <= 1 and 0 <= row["stalled"] <= 1
    assert row["rps"] > 0


# ---- af_packet over a veth ----

@pytest.fixture
def veth_topo(topo_factory):
    if "veth" not in conftest.MODES:
        pytest.skip("veth not in SS_DP_MODES")
    need_ssgen()
    return topo_factory("veth", "--workers", "1")


def test_ssgen_set_then_get(veth_topo):
    t = veth_topo
    assert t.cli("DBSIZE") == "0"
    for test in ("set", "get"):
        row = benchlib.run_ssgen(t.cli_ns, t.cli_if, t.ip, t.port, test, clients=10,
                                 requests=20000, keyspace=KEYS, core=0, ip="198.18.0.3",
                                 timeout=30)
        assert row["test"] == test.upper()
        assert row["rps"] > 0
        assert 0 < row["min_latency_ms"] <= row["p50_latency_ms"] <= row["max_latency_ms"]
        assert not os.path.exists("/var/run/dpdk/ssgen-%d" % row["pid"])
    assert 0 < int(t.cli("DBSIZE")) <= KEYS
    # the values are ssgen's pattern, which its GETs checked byte for byte
    assert t.cli("GET", "key:%012d" % 7) in ("", pattern(7, 16))
    c = t.counters()
    assert c["drop_tcp_cksum"] == 0 and c["drop_ip_cksum"] == 0


# ---- net_memif ----

@pytest.fixture
def memif_server():
    need_root_dpdk()
    started = []

    def make(*args):
        s = benchlib.MemifServer(dptopo.default_bin(), args).start()
        started.append(s)
        return s

    yield make
    for s in started:
        alive = s.alive()
        tail = s.log_tail()
        s.stop()
        assert alive, "server died:\n" + tail


def test_memif_set_then_get_checked(memif_server):
    s = memif_server()
    before = benchlib.dpdk_runtime_dirs()
    row = benchlib.ssgen(s.ssgen_args() + ["-c", 10, "-n", 20000, "-t", "set", "-r", KEYS])
    assert row["transport"] == "memif" and row["test"] == "SET"
    assert row["requests"] == 20000 and row["ok"] == 20000 and row["errors"] == 0
    well_formed(row)
    row = benchlib.ssgen(s.ssgen_args() + ["-c", 10, "-n", 20000, "-t", "get", "-r", KEYS])
    # 20,000 random SETs over 1,000 keys leave none unset: every GET hits and
    # its value was compared byte for byte
    assert row["ok"] == 20000 and row["misses"] == 0 and row["errors"] == 0
    assert row["bad_cksum"] == 0
    assert f"ssgen-{row['pid']}" not in benchlib.dpdk_runtime_dirs() - before
    c = s.counters()
    assert c["drop_tcp_cksum"] == 0 and c["drop_ip_cksum"] == 0


def test_memif_mixed_zipf_sizes(memif_server):
    s = memif_server()
    row = benchlib.ssgen(s.ssgen_args() + [
        "-c", 20, "-P", 4, "--ratio", "1:4", "-r", 5000, "--keys", "zipf:0.99",
        "-d", "8:5,200:3,3000:1", "--duration", 1, "--warmup", 0.2])
    assert row["test"] == "SET+GET" and row["errors"] == 0
    assert row["sets"] > 0 and row["gets"] > 3 * row["sets"]
    # a skewed key space: most GETs hit keys set earlier in the run
    assert row["ok"] > row["misses"]
    assert row["warmup_requests"] > 0
    well_formed(row)


def test_memif_open_loop_keeps_the_rate(memif_server):
    s = memif_server()
    benchlib.ssgen(s.ssgen_args() + ["-c", 10, "-n", 20000, "-t", "set", "-r", KEYS])
    row = benchlib.ssgen(s.ssgen_args() + [
        "-c", 20, "-t", "get", "-r", KEYS, "--rate", 20000, "--poisson", "--duration", 1.5,
        "--warmup", 0.3])
    assert row["mode"] == "open" and row["poisson"] is True and row["rate"] == 20000
    # 1.5 s at 20,000/s: 30,000 requests (Poisson: +- a few hundred)
    assert 28500 < row["requests"] < 31500
    # achieved = measured replies / (last reply - first scheduled send): one
    # reply held up at the end (a busy machine) stretches it, so only bound it
    assert row["rps"] < 1.1 * 20000
    assert row["errors"] == 0 and row["misses"] == 0
    well_formed(row)
    # far below capacity the generator is mostly idle
    assert row["busy"] < 0.9


def test_memif_ten_thousand_connections(memif_server):
    s = memif_server()
    row = benchlib.ssgen(s.ssgen_args() + ["-c", 10000, "-t", "set", "-r", KEYS,
                                           "--duration", 1], timeout=90)
    assert row["connections"] == 10000 and row["errors"] == 0
    assert row["requests"] >= 10000  # every connection got at least one round trip
    end = time.monotonic() + 5  # all reset at the end
    while s.counters()["tcp_established"] and time.monotonic() < end:
        time.sleep(0.1)
    assert s.counters()["tcp_established"] == 0


def test_memif_rerun_after_a_killed_run(memif_server):
    """A run killed before it could reset its connections leaves them
    established on the server. The next run, with the same --seed, must use
    fresh tuples and ISNs (the workload seed must not pick them), or every
    SYN would meet those connections and get a challenge ACK."""
    s = memif_server()
    cmd = ["taskset", "-c", "0", SSGEN] + [str(a) for a in s.ssgen_args()] + [
        "-c", 20, "-t", "get", "-r", KEYS, "--duration", 30, "--seed", 5]
    p = subprocess.Popen([str(a) for a in cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 20
        while s.counters()["tcp_established"] < 20 and time.monotonic() < end:
            time.sleep(0.1)
        assert s.counters()["tcp_established"] == 20
    finally:
        p.kill()  # SIGKILL: no RST
        p.wait()
        shutil.rmtree("/var/run/dpdk/ssgen-%d" % p.pid, ignore_errors=True)
    assert s.counters()["tcp_established"] == 20
    row = benchlib.ssgen(s.ssgen_args() + ["-c", 20, "-n", 2000, "-t", "get", "-r", KEYS,
                                           "--seed", 5])
    assert row["requests"] == 2000 and row["syn_answer_other"] == 0


def test_memif_faults_every_reply_checked(memif_server):
    s = memif_server("--dataplane-fault-drop", "0.02", "--dataplane-fault-reorder", "0.02",
                     "--dataplane-fault-dup", "0.01", "--dataplane-fault-seed", "7")
    row = benchlib.ssgen(s.ssgen_args() + ["-c", 20, "--ratio", "1:1", "-r", 500,
                                           "--duration", 2], timeout=60)
    assert row["errors"] == 0 and row["ok"] + row["misses"] == row["requests"] + \
        row["warmup_requests"]
    c = s.counters()
    assert c["fault_drop"] > 0
    # loss in both directions: the server retransmitted replies, ssgen requests
    assert c["retransmits"] > 0 and row["rexmit_segs"] > 0
    assert row["max_us"] > 100000  # an RTO (200 ms) is in the tail


# ---- kernel sockets ----

@pytest.fixture
def redis_port():
    need_ssgen()
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    port = benchlib.free_port()
    p = benchlib.start(["taskset", "-c", "1", "redis-server", "--port", str(port), "--save", "",
                        "--appendonly", "no", "--maxclients", "20000"], port, "/tmp")
    yield port
    benchlib.stop(p)


def test_kernel_against_redis(redis_port):
    args = ["--kernel", "--server", "127.0.0.1", "--port", redis_port, "-r", KEYS]
    row = benchlib.ssgen(args + ["-c", 10, "-n", 20000, "-t", "set"])
    assert row["transport"] == "kernel" and row["ok"] == 20000 and row["errors"] == 0
    row = benchlib.ssgen(args + ["-c", 10, "-n", 20000, "-t", "get", "-P", 8])
    assert row["ok"] == 20000 and row["misses"] == 0 and row["pipeline"] == 8
    well_formed(row)
    out = subprocess.run(["redis-cli", "-p", str(redis_port), "GET", "key:%012d" % 5],
                         capture_output=True, text=True).stdout.strip()
    assert out == pattern(5, 16)
    row = benchlib.ssgen(args + ["-c", 50, "-t", "get", "--rate", 5000, "--duration", 1])
    assert 4500 < row["rps"] < 5500 and row["errors"] == 0


# ---- deliberately wrong and slow servers (Python, loopback) ----

class FakeServer(object):
    """Answers each GET (36 bytes: ssgen's with -r) with `reply`, after
    `delay` seconds per request, one request at a time per connection."""

    def __init__(self, reply, delay=0.0):
        self.reply, self.delay = reply, delay
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        self.ls.settimeout(0.2)
        while not self.stopping:
            try:
                c, _ = self.ls.accept()
            except OSError:
                continue
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        buf = b""
        c.settimeout(0.5)
        with c:
            while not self.stopping:
                try:
                    d = c.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not d:
                    return
                buf += d
                while len(buf) >= 36:
                    buf = buf[36:]
                    if self.delay:
                        time.sleep(self.delay)
                    try:
                        c.sendall(self.reply)
                    except OSError:
                        return

    def close(self):
        self.stopping = True
        self.ls.close()


def test_wrong_values_and_errors_fail_the_run():
    need_ssgen()
    for reply, field in ((b"$16\r\nXXXXXXXXXXXXXXXX\r\n", "bad_replies"),
                         (b"$3\r\nabc\r\n", "bad_replies"),
                         (b"-ERR nope\r\n", "error_replies")):
        srv = FakeServer(reply)
        try:
            row = benchlib.ssgen(["--kernel", "--server", "127.0.0.1", "--port", srv.port,
                                  "-c", 2, "-n", 200, "-t", "get", "-r", 100], check=False)
        finally:
            srv.close()
        assert row["exit"] == 1
        assert row[field] == 200 and row["errors"] == 200 and row["ok"] == 0
        assert "wrong replies, the first" in row["stderr"]


def test_open_loop_shows_the_slow_servers_queue():
    """A server that takes 5 ms per request, one connection: 200 requests a
    second at most. Closed loop: every latency ~5 ms (the loop waits for the
    server, so a backlog never forms). Open loop at 400/s for 1 s: the
    backlog grows by 200 a second, so the request scheduled at time t waits
    ~t; latencies are timed from the schedule, and the median is hundreds of
    milliseconds (coordinated omission would have shown ~5 ms again)."""
    need_ssgen()
    srv = FakeServer(b"$-1\r\n", delay=0.005)
    try:
        args = ["--kernel", "--server", "127.0.0.1", "--port", srv.port, "-t", "get", "-r", 10,
                "-c", 1]
        closed = benchlib.ssgen(args + ["-n", 60])
        opened = benchlib.ssgen(args + ["-P", 1000, "--rate", 400, "--duration", 1])
    finally:
        srv.close()
    assert 4500 < closed["p50_us"] < 12000 and closed["p99_us"] < 30000
    assert 380 < opened["requests"] < 420
    assert opened["p50_us"] > 300000  # ~0.5 s at the median
    assert opened["max_us"] > 700000  # the last request waited ~1 s
    assert opened["rps"] < 230  # what the server could do, not what was offered


def test_bad_arguments():
    need_ssgen()
    bad = [
        [],
        ["--server", "127.0.0.1"],
        ["--kernel", "--server", "127.0.0.1", "--poisson"],
        ["--kernel", "--server", "127.0.0.1", "--keys", "zipf:1"],
        ["--kernel", "--server", "127.0.0.1", "-t", "get", "--ratio", "1:1"],
        ["--kernel", "--server", "127.0.0.1", "-c", "20000"],
        ["--kernel", "--server", "127.0.0.1", "-d", "10-5"],
        ["--kernel", "--server", "127.0.0.1", "--rate", "0"],
        ["--kernel", "--vdev", "net_null0", "--ip", "1.2.3.4", "--server", "127.0.0.1"],
    ]
    for args in bad:
        r = subprocess.run([SSGEN] + args, capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (args, r.stderr)
