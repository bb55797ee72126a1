"""A server under attack, and the checks that it came through.

HostileServer wraps tests/integration/conftest.py's Server (the same
binary, targets and transports: SLIPSTREAM_BIN, SLIPSTREAM_TARGET=redis,
SLIPSTREAM_TRANSPORT=tap|veth). Slipstream servers get `--workers 1`: the
reproductions were reported there, and one worker puts every race between
two events of one connection on one thread.

health_problems() is what the suite checks after every case, for every
server the case used (an empty list means healthy):

  1. the process is alive and its output holds no sanitizer report
     ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:");
  2. a fresh connection gets +PONG to PING (after AUTH when a password is set);
  3. connected_clients falls back to its baseline within CLIENTS_SETTLE_S
     (the sessions of closed hostile connections are freed, not leaked);
  4. memory is back near the baseline within SETTLE_S: after MEMORY PURGE,
     used_memory (the allocator's count of live bytes, meaningful in every
     build and in redis-server) within USED_TOL; and, in builds without a
     sanitizer, the RSS within max(RSS_TOL, RSS_TOL_FRAC x baseline).
     ASan's quarantine keeps freed memory resident on purpose, so under
     SLIPSTREAM_SANITIZED=1 only used_memory is held to its tolerance.

The baseline (memory, connected_clients) is taken at start, by the `shared`
fixture when a test begins, and by a test that loads data, after loading it.

This module needs no pytest: repro.py uses it too.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
IT_DIR = HERE.parent / "integration"
if str(IT_DIR) not in sys.path:
    sys.path.insert(0, str(IT_DIR))

# the integration suite's conftest, loaded under its own name (the hostile
# suite's conftest is "conftest" too): its Server class, its targets and
# transports, read from the environment at import
_spec = importlib.util.spec_from_file_location("integration_conftest", IT_DIR / "conftest.py")
it = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(it)

import hostile  # noqa: E402
import resp  # noqa: E402

IS_REDIS = it.IS_REDIS
DATAPLANE = it.DATAPLANE
TRANSPORT = it.TRANSPORT
SANITIZED = bool(os.environ.get("SLIPSTREAM_SANITIZED"))

MiB = 1 << 20
USED_TOL = 2 * MiB      # used_memory after a case, over the baseline
RSS_TOL = 16 * MiB      # RSS after a case, over the baseline (no sanitizer)
RSS_TOL_FRAC = 0.10     # ... or this fraction of the baseline RSS, if larger
SETTLE_S = 10.0         # how long memory may take to come back
PING_TIMEOUT = 10.0 if SANITIZED else 5.0  # a fresh PING slower than this: hung
CLIENTS_SETTLE_S = 10.0

# Unauthenticated clients: what one of them may make the server hold, over
# the baseline, while it attacks (Redis 7.0.15 as Debian ships it closes an
# unauthenticated client past 1024 bytes of output; its parser caps one
# request at 10 arguments of 16 KiB).
UNAUTH_BUDGET = 4 * MiB

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer", "ERROR: UndefinedBehaviorSanitizer")


def sanitizer_report(log):
    """The first sanitizer report in a server's output, or ''."""
    for mark in SANITIZER_MARKS:
        i = log.find(mark)
        if i >= 0:
            start = log.rfind("\n", 0, max(0, i - 200)) + 1
            return log[start:start + 4000]
    return ""


def prerequisites_missing():
    """Why this transport cannot run here (None when it can)."""
    if DATAPLANE:
        return it.dptopo.missing_prerequisites()
    if not os.path.exists(it.SERVER_BIN):
        return "server binary not found: %s" % it.SERVER_BIN
    return None


class ClientNamespace(object):
    """On the data plane, the calling thread's sockets must come from one
    client namespace that reaches every server (the integration suite's
    session fixture does the same); on kernel sockets this does nothing."""

    def __enter__(self):
        self.own = None
        if DATAPLANE:
            subprocess.run(["ip", "netns", "add", it._dp_ns], check=True)
            subprocess.run(["ip", "-n", it._dp_ns, "link", "set", "lo", "up"], check=True)
            self.own = it.dptopo.enter_netns(it._dp_ns)
        return self

    def __exit__(self, *exc):
        if self.own is not None:
            it.dptopo.leave_netns(self.own)
            subprocess.run(["ip", "netns", "del", it._dp_ns])


class HostileServer(object):
    """One server under attack, and the checks that it came through."""

    def __init__(self, overrides=None, password=None):
        ov = dict(overrides or {})
        if not IS_REDIS:
            ov.setdefault("workers", 1)
        if password is not None:
            ov["requirepass"] = password
        self.password = ov.get("requirepass")
        self.srv = it.Server(ov)
        self._admin = None
        self.hung = False
        self.base_rss = self.base_used = None
        self.base_clients = 1

    # ---- lifecycle
    def start(self):
        self.srv.start()
        self.baseline()
        return self

    def stop(self):
        """Stop the server (SIGTERM, then SIGKILL); returns the problems seen
        as it exited: a report printed at exit (LeakSanitizer's) or a
        failing exit status. A server that was already dead returns none
        (its test reported that)."""
        self._drop_admin()
        srv = self.srv
        if srv.proc is None:
            return []
        was_alive = srv.alive()
        before = len(self.log())
        rc = None
        if was_alive and self.hung:
            srv.proc.kill()  # a hung server would not act on SIGTERM
            srv.proc.wait(10)
            was_alive = False
        if was_alive:
            try:
                srv.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if srv.wait_exit(30):
                rc = srv.proc.returncode
        at_exit = self.log()[before:]  # read before stop() removes the dir
        srv.stop()
        if not was_alive:
            return []
        problems = []
        report = sanitizer_report(at_exit)
        if report:
            problems.append("sanitizer report at exit:\n" + report)
        if rc != 0:
            problems.append("exit status %s after SIGTERM:\n%s" % (rc, at_exit[-2000:]))
        return problems

    # ---- addressing
    @property
    def host(self):
        return self.srv.host

    @property
    def port(self):
        return self.srv.port

    @property
    def pid(self):
        return self.srv.pid

    def alive(self):
        return self.srv.alive()

    def log(self):
        try:
            with open(self.srv.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def connect(self, **kw):
        """A raw socket to the server (hostile.connect options)."""
        return hostile.connect(self.host, self.port, **kw)

    def conn(self, auth=True, timeout=10.0):
        """A resp.Conn, authenticated when the server has a password."""
        c = resp.Conn(self.host, self.port, timeout=timeout)
        if auth and self.password:
            r = c.call("AUTH", self.password)
            assert r == b"OK", r
        return c

    # ---- the admin connection (authenticated, kept open)
    def admin(self):
        if self._admin is None:
            self._admin = self.conn()
        return self._admin

    def _drop_admin(self):
        if self._admin is not None:
            self._admin.close()
            self._admin = None

    def call(self, *args):
        """A command on the admin connection (reconnects once if it broke)."""
        try:
            return self.admin().call(*args)
        except (OSError, ConnectionError):
            self._drop_admin()
            return self.admin().call(*args)

    def info(self, section="all"):
        raw = self.call("INFO", section)
        out = {}
        for line in raw.decode("utf-8", "replace").split("\r\n"):
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def used_memory(self):
        return int(self.info("memory")["used_memory"])

    def clients(self):
        return int(self.info("clients")["connected_clients"])

    def rss(self):
        return hostile.rss_bytes(self.pid)

    def held(self):
        """Memory over the baseline now: used_memory's growth, and in builds
        without a sanitizer the larger of that and the RSS's growth."""
        used = self.used_memory() - self.base_used
        if SANITIZED:
            return used
        rss = self.rss()
        return max(used, rss - self.base_rss if rss is not None else 0)

    def peak_held(self, duration=0.3, interval=0.02):
        """The most held() shows while sampling for `duration` seconds."""
        peak = self.held()
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            time.sleep(interval)
            peak = max(peak, self.held())
        return peak

    def purge(self):
        self.call("MEMORY", "PURGE")

    def client_list(self):
        return self.call("CLIENT", "LIST").decode("utf-8", "replace").splitlines()

    def client_entry(self, sock):
        """CLIENT LIST's line for our socket `sock` (matched on its address),
        as a dict, or None when the server has no such client."""
        ip, port = sock.getsockname()[:2]
        want = "%s:%d" % (ip, port)
        for line in self.client_list():
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if f.get("addr") == want:
                return f
        return None

    def wait_output_stalled(self, sock, timeout=10.0):
        """Wait until the server holds unsent output for `sock` and waits for
        the socket to drain (CLIENT LIST events=rw). True when it does;
        False when the server no longer lists the client or at timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            f = self.client_entry(sock)
            if f is None:
                return False
            if "w" in f.get("events", ""):
                return True
            time.sleep(0.005)
        return False

    # ---- health
    def baseline(self):
        """Record memory and client count as the state to come back to."""
        self.purge()
        self.base_clients = self.clients()
        self.base_used = self.used_memory()
        self.base_rss = self.rss()

    def rss_tol(self):
        return max(RSS_TOL, int(RSS_TOL_FRAC * (self.base_rss or 0)))

    def answers_ping(self, timeout=2.0):
        """True if a fresh connection gets +PONG within timeout."""
        try:
            c = self.conn(timeout=timeout)
            try:
                return c.call("PING") == b"PONG"
            finally:
                c.close()
        except (OSError, ConnectionError, AssertionError):
            return False

    def settle(self, timeout=3.0):
        """After a failure: give a dying server the moment it takes to exit
        (so a crash is reported as a crash, not as a refused connection);
        returns once it is gone or answers a fresh PING."""
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            if self.answers_ping(timeout=0.5):
                return
            time.sleep(0.1)

    def crash_problems(self, probe=False):
        """Why the server is not fine: dead, a sanitizer report in its
        output, or (probe=True) alive but not answering a fresh PING."""
        problems = []
        if not self.alive():
            rc = self.srv.proc.returncode if self.srv.proc is not None else None
            what = "killed by signal %d" % -rc if rc is not None and rc < 0 else "exited (%s)" % rc
            problems.append("server %s" % what)
        elif probe and not self.answers_ping(timeout=PING_TIMEOUT):
            self.hung = True
            problems.append("server alive but hung: a fresh connection gets no PONG within %g s"
                            % PING_TIMEOUT)
        report = sanitizer_report(self.log())
        if report:
            problems.append("sanitizer report:\n" + report)
        if problems:
            problems.append("server log tail:\n" + self.log()[-3000:])
        return problems

    def health_problems(self):
        """Everything the suite checks after a case (empty when healthy)."""
        problems = self.crash_problems()
        if problems:
            return problems
        self._drop_admin()
        try:
            c = self.conn(timeout=PING_TIMEOUT)
            try:
                pong = c.call("PING")
            finally:
                c.close()
        except (OSError, ConnectionError, AssertionError) as e:
            self.settle()
            return ["a fresh connection got no PONG: %r" % e] + self.crash_problems(probe=True)
        if pong != b"PONG":
            return ["a fresh connection got %r to PING" % pong]
        deadline = time.monotonic() + CLIENTS_SETTLE_S
        while self.clients() > self.base_clients and time.monotonic() < deadline:
            time.sleep(0.05)
        n = self.clients()
        if n > self.base_clients:
            problems.append("connected_clients stayed at %d (baseline %d): sessions of "
                            "closed connections were not freed" % (n, self.base_clients))
        deadline = time.monotonic() + SETTLE_S
        while True:
            self.purge()
            used, rss = self.used_memory(), self.rss()
            used_ok = used <= self.base_used + USED_TOL
            rss_ok = SANITIZED or rss is None or rss <= self.base_rss + self.rss_tol()
            if (used_ok and rss_ok) or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        if not used_ok:
            problems.append("used_memory %s did not come back near its baseline %s (tolerance %s)"
                            % (hostile.mib(used), hostile.mib(self.base_used),
                               hostile.mib(USED_TOL)))
        if not rss_ok:
            problems.append("RSS %s did not come back near its baseline %s (tolerance %s)"
                            % (hostile.mib(rss), hostile.mib(self.base_rss),
                               hostile.mib(self.rss_tol())))
        return problems + self.crash_problems()

