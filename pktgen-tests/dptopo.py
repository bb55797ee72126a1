"""dptopo.py — Slipstream on its DPDK data plane inside throw-away network
namespaces, for the data-plane tests and the benchmark.

The topology itself is pktgen-tests/netns.sh (one place that knows how to
build it and clean it up): `Topology("tap")` or `Topology("veth")` runs the
script in the background without SS_CMD, waits for its "serves" line and
keeps it running until stop(), which sends SIGTERM to the script; its trap
stops the server by PID and deletes the namespaces.

    topo = Topology("veth", ["--dataplane-fault-drop", "0.02"]).start()
    with netns(topo.cli_ns):          # this thread's sockets, subprocesses
        c = socket.create_connection((topo.ip, topo.port))
    topo.counters()                   # /slipstream/tcp + /slipstream/dataplane
    topo.stop()

Only 198.18.0.0/15 addresses inside namespaces this module creates are
used; every DPDK process gets --no-pci (dpdk_eal_args adds it for a vdev).

`netns(name)` moves the calling *thread* into a namespace (setns(2) is per
thread) and back; sockets keep the namespace they were created in, and
threads and processes started meanwhile inherit it.
"""

import contextlib
import ctypes
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NETNS_SH = HERE / "netns.sh"
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_next_id = [os.getpid() % 100000 * 10]


def default_bin():
    return os.environ.get("SLIPSTREAM_BIN", str(REPO / "build" / "app" / "slipstream"))


def missing_prerequisites(need_scapy=False):
    """Why the data-plane tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, tap devices, veth pairs)"
    for tool in ("ip", "ethtool", "redis-cli"):
        if shutil.which(tool) is None:
            return "%s is not installed" % tool
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun (net_tap needs the tun driver)"
    if not os.path.exists(default_bin()):
        return "server binary not found: %s (build first or set SLIPSTREAM_BIN)" % default_bin()
    probe = "ssprobe%d" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True)
    if r.returncode != 0:
        return "cannot create network namespaces: %s" % r.stderr.decode().strip()
    try:
        r = subprocess.run(["ip", "-n", probe, "link", "add", "a0", "type", "veth", "peer",
                            "name", "b0"], capture_output=True)
        if r.returncode != 0:
            return "no veth support: %s" % r.stderr.decode().strip()
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    if need_scapy:
        try:
            import scapy.all  # noqa: F401
        except ImportError:
            return "scapy is not installed for %s (python3-scapy)" % os.sys.executable
    return None


def raise_nofile(n):
    """Raise RLIMIT_NOFILE to at least n (root may raise the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return soft
    new_hard = max(hard, n) if hard != resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, new_hard))
    return n


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


@contextlib.contextmanager
def netns(name):
    """Run the calling thread in network namespace `name` (None: stay)."""
    if name is None:
        yield
        return
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        _setns(fd)
        try:
            yield
        finally:
            _setns(own)
    finally:
        os.close(fd)
        os.close(own)


_ROOT_NS = os.open("/proc/self/ns/net", os.O_RDONLY)


def enter_netns(name):
    """Move the calling thread into `name` until leave_netns(returned fd)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        _setns(fd)
    finally:
        os.close(fd)
    return own


def leave_netns(own):
    _setns(own)
    os.close(own)


@contextlib.contextmanager
def root_netns():
    """The namespace the process started in (to create topologies from)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        _setns(_ROOT_NS)
        try:
            yield
        finally:
            _setns(own)
    finally:
        os.close(own)


def telemetry(pid, cmd, timeout=5.0):
    """One DPDK telemetry command (the v2 socket dpdk-telemetry.py uses)."""
    path = "/var/run/dpdk/slipstream-%d/dpdk_telemetry.v2" % pid
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(path)
        hello = json.loads(s.recv(1 << 16).decode())
        s.send(cmd.encode())
        reply = json.loads(s.recv(max(1 << 16, hello.get("max_output_len", 0))).decode())
    finally:
        s.close()
    return reply[cmd.split(",")[0]]


class Topology(object):
    """Slipstream on the data plane: `mode` "tap" or "veth"."""

    def __init__(self, mode, args=(), bin=None, port=6390, queues=1, ns=None,
                 net="198.18.0", conf=None, log=None, cwd=None, defaults=True,
                 qdisc_bypass=False):
        """args: extra server arguments (after --protected-mode no --save ""
        --enable-debug-command yes unless defaults=False); ns: an existing client namespace (netns.sh's
        SS_NS) shared with other topologies, each on its own /24 `net`;
        conf: a config file for the server; log: where its output goes."""
        assert mode in ("tap", "veth")
        self.mode = mode
        self.args = (["--protected-mode", "no", "--save", "", "--enable-debug-command", "yes"]
                     if defaults else []) + list(args)
        self.bin = bin or default_bin()
        self.port = port
        self.queues = queues
        self.qdisc_bypass = qdisc_bypass
        _next_id[0] += 1
        self.id = _next_id[0] % 1000000
        self.shared_ns = ns
        self.net = net
        self.conf = conf
        self.cwd = cwd or str(REPO)
        self.ip = net + ".2"
        self.cli_ip = net + ".1"
        self.srv_ns = ns if (ns and mode == "tap") else "ss-srv%d" % self.id
        self.cli_ns = ns or (self.srv_ns if mode == "tap" else "ss-cli%d" % self.id)
        # the kernel-side interface the clients use
        self.cli_if = "sstap%d" % self.id if mode == "tap" else "ssvc%d" % self.id
        self.log = log or "/tmp/ss-dp-%d.log" % self.id
        self.own_log = log is None
        self.proc = None
        self.pid = None

    def start(self, timeout=60):
        env = dict(os.environ, SS_ID=str(self.id), SS_BIN=self.bin, SS_PORT=str(self.port),
                   SS_QUEUES=str(self.queues), SS_LOG=self.log, SS_NET=self.net,
                   SS_QDISC_BYPASS="1" if self.qdisc_bypass else "0")
        env.pop("SS_CMD", None)
        env.pop("SS_NS", None)
        env.pop("SS_CONF", None)
        if self.shared_ns:
            env["SS_NS"] = self.shared_ns
        if self.conf:
            env["SS_CONF"] = self.conf
        with root_netns():
            self.proc = subprocess.Popen(["bash", str(NETNS_SH), self.mode, "--"] + self.args,
                                         env=env, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=self.cwd, start_new_session=True)
        out = []
        deadline = time.monotonic() + timeout
        os.set_blocking(self.proc.stdout.fileno(), False)
        buf = b""
        while time.monotonic() < deadline:
            chunk = self.proc.stdout.read()
            if chunk:
                buf += chunk
                m = re.search(rb"Slipstream \(pid (\d+)\) serves", buf)
                if m:
                    self.pid = int(m.group(1))
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        out = buf.decode("utf-8", "replace")
        self.stop()
        raise RuntimeError("data-plane topology did not come up (%s):\n%s\n%s"
                           % (self.mode, out, self.log_tail()))

    def log_tail(self, n=3000):
        try:
            with open(self.log, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def stop(self):
        """SIGTERM to netns.sh (its trap stops the server and deletes the
        namespaces); SIGKILL to both by PID if that does not work."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                if self.pid and self.alive():
                    os.kill(self.pid, signal.SIGKILL)
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        self.proc = None
        # belt and braces: nothing of ours may outlive the run
        if self.pid and self.alive():
            os.kill(self.pid, signal.SIGKILL)
        for ns in {self.srv_ns, self.cli_ns} - {self.shared_ns}:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if self.own_log:
            try:
                os.unlink(self.log)
            except OSError:
                pass

    def counters(self):
        """Every data-plane counter and gauge, by name (telemetry)."""
        d = dict(telemetry(self.pid, "/slipstream/dataplane"))
        d.update(telemetry(self.pid, "/slipstream/tcp"))
        return d

    def run(self, argv, timeout=120, **kw):
        """A command in the client namespace (redis-cli, redis-benchmark)."""
        return subprocess.run(["ip", "netns", "exec", self.cli_ns] + list(argv),
                              capture_output=True, timeout=timeout, **kw)

    def cli(self, *args, timeout=30):
        r = self.run(["redis-cli", "-h", self.ip, "-p", str(self.port)] + list(args),
                     timeout=timeout)
        return r.stdout.decode("utf-8", "replace").rstrip("\n")

    def connect(self, timeout=10.0):
        """A kernel TCP socket from the client namespace to the server."""
        with netns(self.cli_ns):
            return socket.create_connection((self.ip, self.port), timeout=timeout)


def redis_client(topo, **kw):
    """redis-py client whose connections are made from the client namespace."""
    import redis

    class NsConnection(redis.Connection):
        def _connect(self):
            with netns(topo.cli_ns):
                return super()._connect()

    kw.setdefault("socket_timeout", 30)
    pool = redis.ConnectionPool(connection_class=NsConnection, host=topo.ip, port=topo.port,
                                **kw)
    return redis.Redis(connection_pool=pool)
