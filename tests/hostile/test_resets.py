"""Resets and half-closes at every point of a large reply, with and without
queued input (test_resets_auth.py: the same behind AUTH, and unauthenticated).

A client asks for an 8 MiB value over a 64 KiB receive window and, at one
point of the reply, leaves:

  points   sent          right after the request, before any reply byte
           first-byte    once the first reply byte arrived
           stalled       once the server holds unsent output and waits for
                         the socket (CLIENT LIST events=rw)
           half          after reading half the reply
           all-but-tail  after reading all but its last 5 bytes
           done          after reading the whole reply
  closes   rst           SO_LINGER {1, 0}: RST
           close         close(): FIN, or RST when our unread data remains
           half-close    shutdown(SHUT_WR), keep reading: the server must
                         close its end (Redis frees a client on EOF)
  queued   none | queued two more GETs, 1000 PINGs and half a SET behind
                         the first GET (input the server has not run yet)

Bug classes: a connection or session freed by one callback and used by the
next (a reset raises readable, writable and error at once); output or input
buffers leaked when the peer vanishes mid-reply; a half-closed client kept
forever. The health checks (conftest.py) catch the crash, the leak (clients
and memory back at the baseline) and the sanitizer report.
"""

import socket
import time

import pytest

import hostile
from hostile import cmd
from hserver import MiB

SHARED_CONFIG = {}

VALUE = 8 * MiB  # more than the kernel's socket buffers take at once
POINTS = ["sent", "first-byte", "stalled", "half", "all-but-tail", "done"]
CLOSES = ["rst", "close", "half-close"]
QUEUED = ["none", "queued"]


def load_value(srv):
    c = srv.conn()
    try:
        c.sock.settimeout(30)
        assert c.call("SET", "rk", b"r" * VALUE) == b"OK"
    finally:
        c.close()
    srv.baseline()


def request(queued):
    req = cmd("GET", "rk")
    if queued:
        req += cmd("GET", "rk") * 2 + cmd("PING") * 1000
        req += b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$100\r\nhalf a value"
    return req


def reach(srv, s, point):
    """Read up to `point` of the first GET's reply; False if the server
    closed or went silent first."""
    total = len(b"$%d\r\n" % VALUE) + VALUE + 2
    if point == "sent":
        return True
    if not hostile.wait_first_byte(s):
        return False
    if point == "first-byte":
        return True
    if point == "stalled":
        return srv.wait_output_stalled(s, timeout=5)
    n = {"half": total // 2, "all-but-tail": total - 5, "done": total}[point]
    return len(hostile.read_exact(s, n, timeout=20)) == n


def leave(s, close):
    if close == "rst":
        hostile.reset(s)
    elif close == "close":
        s.close()
    else:
        hostile.half_close(s)
        try:
            closed = hostile.closed_by_peer(s, timeout=15)
        finally:
            s.close()
        assert closed, "the server kept a half-closed client open"


def run_reset_case(srv, point, close, queued, password=None):
    s = srv.connect(rcvbuf=65536)
    try:
        if password:
            s.sendall(cmd("AUTH", password))
            assert hostile.read_line(s) == b"+OK\r\n"
        s.sendall(request(queued == "queued"))
        assert reach(srv, s, point), "the server closed or stopped before %s" % point
    except BaseException:
        hostile.reset(s)
        raise
    leave(s, close)
    assert srv.call("PING") == b"PONG"
    # the half SET never completed, so it never ran
    assert srv.call("EXISTS", "q") == 0


@pytest.fixture
def loaded(shared):
    if shared.call("EXISTS", "rk") == 0:
        load_value(shared)
    return shared


@pytest.mark.parametrize("queued", QUEUED)
@pytest.mark.parametrize("close", CLOSES)
@pytest.mark.parametrize("point", POINTS)
def test_leave_mid_reply(loaded, point, close, queued):
    run_reset_case(loaded, point, close, queued)


def test_reset_many_at_once(loaded):
    """20 clients stall on the same reply and all reset together: many
    connections torn down in one event-loop pass."""
    socks = []
    try:
        for _ in range(20):
            s = loaded.connect(rcvbuf=4096)
            socks.append(s)
            s.sendall(cmd("GET", "rk"))
        for s in socks:
            assert hostile.wait_first_byte(s)
        time.sleep(0.05)
    finally:
        for s in socks:
            hostile.reset(s)
    assert loaded.call("PING") == b"PONG"


def test_reset_during_accept(loaded):
    """Connections reset right after the handshake, before they send
    anything, and right after sending a request."""
    assert loaded.call("SET", "small", "v" * 100) == b"OK"
    for i in range(200):
        s = loaded.connect()
        if i % 2:
            s.sendall(cmd("GET", "small"))
        hostile.reset(s)
    assert loaded.call("DEL", "small") == 1
    assert loaded.call("PING") == b"PONG"


def test_half_close_before_request_arrives_whole(loaded):
    """A request followed by FIN in the same flight: Redis answers nothing
    it has not read, and frees the client; what matters is no crash and no
    leak either way."""
    for _ in range(10):
        s = loaded.connect()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(cmd("GET", "rk") + b"*2\r\n$3\r\nGET\r\n")
        hostile.half_close(s)
        try:
            assert hostile.closed_by_peer(s, timeout=15)
        finally:
            s.close()
