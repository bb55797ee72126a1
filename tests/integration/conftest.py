"""Fixtures that run the server under test as a real process on loopback.

Which server:
  SLIPSTREAM_TARGET=redis   -> /usr/bin/redis-server (or $REDIS_SERVER_BIN),
                               to validate the suite against Redis 7.0.15
  otherwise                 -> $SLIPSTREAM_BIN, default <repo>/build/app/slipstream

Which transport (SLIPSTREAM_TRANSPORT):
  unset or "kernel" -> kernel sockets on 127.0.0.1 (and a Unix socket)
  "tap" / "veth"    -> Slipstream's DPDK data plane: each server is started
                       by pktgen-tests/netns.sh on net_tap (or net_af_packet
                       over a veth pair) with its own 198.18.N.0/24, and this
                       pytest process runs in one client namespace that
                       reaches them all (root only; skipped otherwise).
                       Tests that are about kernel sockets by nature carry
                       @pytest.mark.kernel_only and are skipped there.
                       Data-plane clients are never loopback, so servers get
                       protected-mode no unless a test sets it.

Fixtures:
  server          session-scoped shared server (a Server object)
  r               redis.Redis on the shared server, FLUSHALL before each test
  server_factory  start a dedicated server with config overrides:
                      srv = server_factory(requirepass="pw", timeout=1)
                      srv = server_factory(config_text="maxclients 10\\n")
                  every server started this way is stopped at test end.
  reference_factory  the same, but Debian's redis-server 7.0.15 (always; for
                  side-by-side comparisons), on loopback kernel sockets.
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

import resp

REPO = Path(__file__).resolve().parents[2]
TARGET = os.environ.get("SLIPSTREAM_TARGET", "slipstream")
IS_REDIS = TARGET == "redis"

REDIS_BIN = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
if IS_REDIS:
    SERVER_BIN = REDIS_BIN
else:
    SERVER_BIN = os.environ.get("SLIPSTREAM_BIN",
                                str(REPO / "build" / "app" / "slipstream"))

# Arguments every server gets (after the optional config file path).
# Both servers accept all of these; redis-server additionally gets
# persistence switched off explicitly.
COMMON_ARGS = ["--save", "", "--enable-debug-command", "yes"]
REDIS_ONLY_ARGS = ["--appendonly", "no"]

START_TIMEOUT = float(os.environ.get("SLIPSTREAM_START_TIMEOUT", "30"))
HOST = "127.0.0.1"

TRANSPORT = os.environ.get("SLIPSTREAM_TRANSPORT", "kernel")
DATAPLANE = TRANSPORT in ("tap", "veth")
if TRANSPORT not in ("kernel", "tap", "veth"):
    raise RuntimeError("SLIPSTREAM_TRANSPORT must be kernel, tap or veth")
if DATAPLANE:
    sys.path.insert(0, str(REPO / "pktgen-tests"))
    import dptopo
    _dp_ns = "ss-it%d" % os.getpid()
    _dp_nets = itertools.cycle(range(1, 251))  # 198.18.N.0/24, one per server


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _ping_raw(host, port, unix=None, timeout=0.5):
    """True if something answers PING with a RESP reply (+PONG or -NOAUTH)."""
    try:
        with resp.Conn(host, port, timeout=timeout, unix=unix) as c:
            c.send_raw(b"PING\r\n")
            data = c.sock.recv(256)
            return data[:1] in (b"+", b"-")
    except OSError:
        return False


class Server(object):
    """One server process in its own temp dir."""

    def __init__(self, overrides=None, config_text=None, port=None,
                 unix=False, reference=False, plain=False, config_path=None,
                 extra_args=()):
        """reference: run Debian's redis-server instead of the server under
        test. plain: the command line is the config file and `overrides`
        only (no --bind, --save, --enable-debug-command). config_path: start
        on this existing file instead of writing config_text. extra_args:
        appended to the command line as they are."""
        self.dir = tempfile.mkdtemp(prefix="slipstream-it-")
        self.reference = reference
        is_redis = IS_REDIS or reference
        bin_ = REDIS_BIN if reference else SERVER_BIN
        self.port = port or free_port()
        self.host = HOST
        self.overrides = dict(overrides or {})
        if unix:
            # Also listen on a Unix socket (the second kernel transport).
            self.overrides.setdefault("unixsocket",
                                      os.path.join(self.dir, "s.sock"))
            self.overrides.setdefault("unixsocketperm", "700")
        self.config_path = config_path
        args = [bin_]
        if config_text is not None:
            self.config_path = os.path.join(self.dir, "server.conf")
            with open(self.config_path, "w") as f:
                f.write(config_text)
        if self.config_path is not None:
            args.append(self.config_path)
        args += ["--port", str(self.port)]
        if not plain:
            args += ["--bind", HOST] + COMMON_ARGS
            if is_redis:
                args += REDIS_ONLY_ARGS
        for k, v in self.overrides.items():
            args += ["--" + k.replace("_", "-"), str(v)]
        args += list(extra_args)
        self.args = args
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self.topo = None
        if DATAPLANE and not reference:
            self.host = "198.18.%d.2" % next(_dp_nets)
            protected = "protected-mode" in self.overrides or (
                config_text is not None and "protected-mode" in config_text)
            self.dp_args = list(COMMON_ARGS) + ([] if protected else ["--protected-mode", "no"])
            for k, v in self.overrides.items():
                self.dp_args += ["--" + k.replace("_", "-"), str(v)]
            self.args = args[:1] + (args[1:2] if self.config_path else []) + [
                "--port", str(self.port), "--dataplane-port", TRANSPORT] + self.dp_args

    @property
    def pid(self):
        return self.topo.pid if self.topo is not None else self.proc.pid

    @property
    def unixsocket(self):
        return self.overrides.get("unixsocket")

    def start(self):
        """Start the process and wait for PING; on failure clean up and raise
        with the server's log, so nothing is left behind."""
        if DATAPLANE and not self.reference:
            return self._start_dataplane()
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, cwd=self.dir,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                why = "server exited with %s during start" % self.proc.returncode
                break
            if _ping_raw(self.host, self.port):
                return self
            time.sleep(0.02)
        else:
            why = "server did not answer PING within %ss" % START_TIMEOUT
        tail = self.log_tail()
        self.stop()
        raise RuntimeError("%s:\n%s\n%s" % (why, " ".join(self.args), tail))

    def _start_dataplane(self):
        """netns.sh starts the server on the data plane and waits for PING;
        self.proc then stands for the server (signals go to its PID, exit
        status and waiting come through netns.sh, which exits with it)."""
        net = self.host.rsplit(".", 1)[0]
        self.topo = dptopo.Topology(TRANSPORT, self.dp_args, bin=SERVER_BIN, port=self.port,
                                    ns=_dp_ns, net=net, conf=self.config_path,
                                    log=self.log_path, cwd=self.dir, defaults=False)
        try:
            self.topo.start(timeout=START_TIMEOUT + 30)
        except RuntimeError as e:
            self.topo = None
            shutil.rmtree(self.dir, ignore_errors=True)
            raise RuntimeError("%s\n%s" % (" ".join(self.args), e))
        self.proc = _DataplaneProc(self.topo)
        return self

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        """SIGTERM, wait, then SIGKILL. Always reaps the process by PID."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not self.wait_exit(10):
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        if self.topo is not None:
            self.topo.stop()
            self.topo = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(host=self.host, port=self.port, **kw)

    def raw(self, transport="tcp", **kw):
        """A raw RESP connection over "tcp" or "unix"."""
        if transport == "unix":
            assert self.unixsocket, "server has no unixsocket"
            return resp.Conn(unix=self.unixsocket, **kw)
        return resp.Conn(self.host, self.port, **kw)


class _DataplaneProc(object):
    """The server started by netns.sh, with the Popen methods tests use."""

    def __init__(self, topo):
        self.topo = topo
        self.pid = topo.pid

    def poll(self):
        return self.topo.proc.poll() if self.topo.proc else 0

    def wait(self, timeout=None):
        return self.topo.proc.wait(timeout) if self.topo.proc else 0

    @property
    def returncode(self):
        return self.topo.proc.returncode if self.topo.proc else None

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def pytest_report_header(config):
    return "server under test: %s (SLIPSTREAM_TARGET=%s, SLIPSTREAM_TRANSPORT=%s)" % (
        SERVER_BIN, TARGET, TRANSPORT)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kernel_only(reason): about kernel sockets (loopback addresses, the Unix "
        "socket, bind); skipped on the data plane")
    config.addinivalue_line(
        "markers", "disk: about files on disk (RDB, AOF, snapshots), whatever carries the "
        "requests; run on kernel sockets and on tap, skipped on veth (CI's time budget)")


def pytest_collection_modifyitems(config, items):
    if not DATAPLANE:
        return
    why = dptopo.missing_prerequisites()
    for item in items:
        if why:
            item.add_marker(pytest.mark.skip(reason="data plane: " + why))
            continue
        if TRANSPORT == "veth" and item.get_closest_marker("disk") is not None:
            item.add_marker(pytest.mark.skip(reason="about files on disk: the tap run covers "
                                             "the data plane"))
            continue
        m = item.get_closest_marker("kernel_only")
        if m is not None:
            reason = m.args[0] if m.args else "kernel sockets only"
            item.add_marker(pytest.mark.skip(reason="kernel sockets only: " + reason))


@pytest.fixture(scope="session", autouse=True)
def _dataplane_client_namespace():
    """On the data plane, the whole session runs in one client namespace
    (this thread; the servers' netns.sh are started from the root one)."""
    if not DATAPLANE:
        yield
        return
    subprocess.run(["ip", "netns", "add", _dp_ns], check=True)
    subprocess.run(["ip", "-n", _dp_ns, "link", "set", "lo", "up"], check=True)
    own = dptopo.enter_netns(_dp_ns)
    try:
        yield
    finally:
        dptopo.leave_netns(own)
        subprocess.run(["ip", "netns", "del", _dp_ns])


@pytest.fixture(scope="session")
def server():
    if not os.path.exists(SERVER_BIN):
        pytest.exit("server binary not found: %s (set SLIPSTREAM_BIN, or "
                    "SLIPSTREAM_TARGET=redis)" % SERVER_BIN, returncode=2)
    srv = Server(unix=True).start()
    yield srv
    srv.stop()


@pytest.fixture
def r(server):
    if not server.alive():
        pytest.fail("shared server died:\n" + server.log_tail())
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def raw(server, r):
    """A raw RESP connection to the shared (flushed) server."""
    c = server.raw()
    yield c
    c.close()


@pytest.fixture(params=["tcp", "unix"])
def transport(request):
    """Parametrize a test over both kernel transports of the shared server
    (on the data plane: TCP only, there is no Unix socket)."""
    if DATAPLANE and request.param == "unix":
        pytest.skip("the data plane serves TCP only (no Unix socket)")
    return request.param


def _servers(reference=False):
    """A factory of started servers; stops them all when the fixture ends.
    make(config_text=..., plain=..., config_path=..., extra_args=...,
    **overrides)."""
    started = []

    def make(config_text=None, plain=False, config_path=None, extra_args=(), **overrides):
        srv = Server(overrides, config_text=config_text, reference=reference,
                     plain=plain, config_path=config_path, extra_args=extra_args)
        started.append(srv)
        return srv.start()

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def server_factory():
    yield from _servers()


@pytest.fixture
def reference_factory():
    if not os.path.exists(REDIS_BIN):
        pytest.skip("no reference redis-server at %s" % REDIS_BIN)
    yield from _servers(reference=True)


@pytest.fixture(scope="module")
def module_server_factory():
    """Like server_factory, but servers live for the whole module."""
    yield from _servers()

