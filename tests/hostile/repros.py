"""The six reproductions reported in issue 9, one repetition each.

Each REPROS entry has the server configuration it needs, a setup run once
per server and a function for one repetition, which raises AssertionError
when the server misbehaves in a way the client can see. Whether the server
survived is judged by the caller (HostileServer.crash_problems and
health_problems): test_repro.py runs a few repetitions per case, repro.py
runs a thousand.

  1  reset with output queued      GET of an 8 MiB value on a connection with
                                   a 4 KiB receive buffer, reset (RST) once
                                   the server waits to send more
  2  reset, unauthenticated        200,000 PINGs in one write without AUTH
                                   from a 4 KiB receive buffer, 50 ms, RST
  3  close after reply             GET 8 MiB + QUIT (or a protocol error, or
                                   CLIENT KILL of oneself), trickling one
                                   byte after every 64 KiB read
  4  unauthenticated unread output 2,000,000 PINGs without AUTH, never read:
                                   the server must close the client and
                                   hold no more than UNAUTH_BUDGET meanwhile
  5  idle timeout vs slow reader   timeout 1, a 16 MiB reply read 32 KiB
                                   every 10 ms: the reply must arrive whole
  6  NUL inline, LPOS LLONG_MIN    Redis 7.0.15's exact answers

Bug classes: 1-3 a session or connection freed inside a callback that the
transport still runs (use after free); 4 unbounded memory for a client that
has not authenticated; 5 an idle timeout that ignores writes; 6 a parser or
argument edge that Redis 7.0.15 answers in its own way.
"""

import time

import hostile
from hostile import cmd
from hserver import IS_REDIS, UNAUTH_BUDGET, MiB

PASSWORD = "hostile-pw"
BIG = 8 * MiB


def _set_value(srv, key, size):
    c = srv.conn()
    try:
        c.sock.settimeout(30)
        assert c.call("SET", key, b"v" * size) == b"OK"
    finally:
        c.close()


def _connect(srv, **kw):
    """A raw socket, authenticated when the server has a password."""
    s = srv.connect(**kw)
    if srv.password:
        s.sendall(cmd("AUTH", srv.password))
        line = hostile.read_line(s)
        if line != b"+OK\r\n":
            s.close()
            raise AssertionError("AUTH: %r" % line)
    return s


def _sync(srv):
    """A round trip on the admin connection: by the time it answers, the
    (single) worker has handled what arrived before it."""
    assert srv.call("PING") == b"PONG"


# ---- 1: reset with output queued -------------------------------------------

def setup_big(srv):
    _set_value(srv, "rk", BIG)


def repro1(srv):
    s = _connect(srv, rcvbuf=4096)
    try:
        s.sendall(cmd("GET", "rk"))
        assert hostile.wait_first_byte(s), "no reply to GET"
        # the server has written what the socket takes and waits for room
        srv.wait_output_stalled(s, timeout=2.0)
        time.sleep(0.01)
    finally:
        hostile.reset(s)
    _sync(srv)


# ---- 2: the same, unauthenticated --------------------------------------------

def repro2(srv):
    s = srv.connect(rcvbuf=4096)
    try:
        hostile.send_quiet(s, b"PING\r\n" * 200000)
        time.sleep(0.05)
        # a server that keeps the client queues its -NOAUTH answers: reset
        # once it waits to send more (the moment of repro 1)
        if hostile.wait_first_byte(s, timeout=1):
            srv.wait_output_stalled(s, timeout=1)
    finally:
        hostile.reset(s)
    _sync(srv)


# ---- 3: close after reply with trickling input ---------------------------

def close_after_reply_tail(kind, client_id=None):
    """The request that ends a connection after the GET's reply: QUIT, a
    protocol error, or CLIENT KILL of the client itself; and the bytes the
    server answers it with."""
    if kind == "quit":
        return cmd("QUIT"), b"+OK\r\n"
    if kind == "protoerr":
        return b"*1\r\n$x\r\n", b"-ERR Protocol error: invalid bulk length\r\n"
    if kind == "kill":
        return cmd("CLIENT", "KILL", "ID", str(client_id), "SKIPME", "no"), b":1\r\n"
    raise ValueError(kind)


def _client_id(s):
    s.sendall(cmd("CLIENT", "ID"))
    line = hostile.read_line(s, timeout=5)
    assert line.startswith(b":"), line
    return int(line[1:])


def repro3(srv, kind="quit", forced=False, size=BIG):
    """GET rk then a closing request; read 64 KiB at a time and send one
    byte after each read. forced: while the server's worker sleeps (DEBUG
    SLEEP from the admin connection) drain what the kernel holds and send
    the byte, so that when the worker wakes its socket is readable and
    writable at once and the rest of the reply fits: the moment the
    connection is closed from the write callback, every time."""
    s = _connect(srv)
    try:
        cid = _client_id(s) if kind == "kill" else None
        tail, answer = close_after_reply_tail(kind, cid)
        s.sendall(cmd("GET", "rk") + tail)
        want = len(b"$%d\r\n" % size) + size + 2 + len(answer)
        got = 0
        last = b""
        if forced:
            time.sleep(0.05)
            admin = srv.admin()
            rounds = 0
            closed = False
            while not closed and rounds < 64:
                rounds += 1
                admin.send("DEBUG", "SLEEP", "0.1")
                time.sleep(0.01)
                end = time.monotonic() + 1.0
                while time.monotonic() < end:
                    data = hostile.read_some(s, 1 << 20, timeout=0.02)
                    if data is None:
                        break
                    if not data:
                        closed = True
                        break
                    got += len(data)
                    last = (last + data)[-64:]
                hostile.send_quiet(s, b"x")
                assert admin.read() == b"OK"
        else:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                data = hostile.read_some(s, 65536, timeout=10)
                if not data:
                    break
                got += len(data)
                last = (last + data)[-64:]
                hostile.send_quiet(s, b"x")
        # whatever is still in flight, then the close
        n, closed, _ = hostile.drain(s, timeout=10)
        got += n
        assert closed, "the server did not close after %r" % tail
        # The server closes with our trickled bytes unread, so its kernel
        # may answer them with RST, which discards what our kernel had not
        # handed to us yet (Redis does the same): the reply may be cut
        # short, never longer or different.
        assert got <= want, "got %d bytes, want %d (reply then %r)" % (got, want, answer)
        if got == want:
            assert last.endswith(answer), last
    finally:
        s.close()
    _sync(srv)


# ---- 4: unauthenticated unread output -------------------------------------

def repro4(srv, commands=2000000):
    """Returns the most memory the server held over its baseline."""
    s = srv.connect(rcvbuf=4096)
    try:
        hostile.send_quiet(s, b"PING\r\n" * commands)
        held = srv.peak_held(0.5)
        closed = hostile.closed_by_peer(s, timeout=5)
    finally:
        hostile.reset(s)
    assert held <= UNAUTH_BUDGET, (
        "an unauthenticated client that never reads made the server hold %s (budget %s)"
        % (hostile.mib(held), hostile.mib(UNAUTH_BUDGET)))
    assert closed, "the server kept an unauthenticated client that never reads its replies"
    return held


# ---- 5: idle timeout vs slow reader -----------------------------------------

SLOW_SIZE = 16 * MiB


def setup_slow(srv):
    assert srv.call("CONFIG", "SET", "timeout", "1") == b"OK"
    _set_value(srv, "slow", SLOW_SIZE)


def repro5(srv, size=SLOW_SIZE, chunk=32768, interval=0.01):
    """A client reading a big reply slowly is not idle: Redis counts every
    write to it as an interaction. size < SLOW_SIZE reads a prefix of the
    value (GETRANGE): 8 MiB still takes 2.6 s, past timeout 1."""
    s = _connect(srv, rcvbuf=65536)
    try:
        s.sendall(cmd("GETRANGE", "slow", 0, size - 1) if size < SLOW_SIZE else cmd("GET", "slow"))
        want = len(b"$%d\r\n" % size) + size + 2
        t = time.monotonic()
        got = hostile.slow_read(s, want, chunk, interval, timeout=120)
        took = time.monotonic() - t
        assert got == want, ("the server closed a slow reader after %.1f s and %d of %d "
                             "bytes (timeout 1 counts writes as interactions)"
                             % (took, got, want))
    finally:
        s.close()
    _sync(srv)


# ---- 6: NUL inline and LPOS RANK LLONG_MIN --------------------------------

LLONG_MIN = "-9223372036854775808"

# Debian's redis-server 7.0.15, measured: LPOS negates RANK, which leaves
# LLONG_MIN negative, so the search runs from the tail, every match counts
# and COUNT never stops it early. (7.2 answers "ERR value is out of range,
# value must between -9223372036854775807 and 9223372036854775807".)
LPOS_CASES = [
    (("LPOS", "l", "a", "RANK", LLONG_MIN), b":5\r\n"),
    (("LPOS", "l", "a", "RANK", LLONG_MIN, "COUNT", "0"), b"*3\r\n:5\r\n:3\r\n:0\r\n"),
    (("LPOS", "l", "a", "RANK", LLONG_MIN, "COUNT", "1"), b"*3\r\n:5\r\n:3\r\n:0\r\n"),
    (("LPOS", "l", "a", "RANK", LLONG_MIN, "COUNT", "2"), b"*3\r\n:5\r\n:3\r\n:0\r\n"),
    (("LPOS", "l", "b", "RANK", LLONG_MIN, "MAXLEN", "2"), b":4\r\n"),
    (("LPOS", "l", "z", "RANK", LLONG_MIN), b"$-1\r\n"),
    (("LPOS", "l", "z", "RANK", LLONG_MIN, "COUNT", "0"), b"*0\r\n"),
    (("LPOS", "nokey", "a", "RANK", LLONG_MIN), b"$-1\r\n"),
    (("LPOS", "l", "a", "RANK", "-9223372036854775809"),
     b"-ERR value is not an integer or out of range\r\n"),
]


def repro6(srv):
    c = srv.conn()
    try:
        c.send("DEL", "l")
        c.read()
        assert c.call("RPUSH", "l", "a", "b", "c", "a", "b", "a") == 6
        for args, want in LPOS_CASES:
            assert c.call_raw(*args) == want, args
        assert c.call("DEL", "l") == 1
    finally:
        c.close()
    # An inline request holding a NUL: Redis 7.0.15 looks for the newline
    # with strchr(), which stops at the NUL, so the request never completes:
    # no reply, until the unterminated inline data passes 64 KiB and the
    # connection ends with "too big inline request". Slipstream refuses the
    # NUL at once and closes (docs/architecture.md, "Differences").
    s = _connect(srv)
    try:
        s.sendall(b"PING\r\nPI\x00NG\r\nPING\r\n")
        assert hostile.read_exact(s, 7, timeout=5) == b"+PONG\r\n"
        if IS_REDIS:
            n, closed, head = hostile.drain(s, timeout=0.5)
            assert (n, closed) == (0, False), "an inline NUL request got %r (closed=%s)" % (
                head, closed)
            hostile.send_quiet(s, b"x" * 70000)
            n, closed, head = hostile.drain(s, timeout=5)
            assert head == b"-ERR Protocol error: too big inline request\r\n", head
        else:
            n, closed, head = hostile.drain(s, timeout=5)
            assert head == b"-ERR Protocol error: NUL byte in inline request\r\n", head
        assert closed
    finally:
        s.close()
    _sync(srv)


class Repro(object):
    def __init__(self, number, title, run, setup=None, password=None, config=None):
        self.number = number
        self.title = title
        self.run = run
        self.setup = setup
        self.password = password
        self.config = dict(config or {})


REPROS = {
    1: Repro(1, "reset while output is queued", repro1, setup=setup_big),
    2: Repro(2, "reset while output is queued, unauthenticated", repro2, password=PASSWORD),
    3: Repro(3, "close after reply with trickling input", repro3, setup=setup_big),
    4: Repro(4, "unauthenticated client that never reads", repro4, password=PASSWORD),
    5: Repro(5, "idle timeout with a slow reader", repro5, setup=setup_slow),
    6: Repro(6, "inline NUL byte; LPOS RANK LLONG_MIN", repro6),
}
