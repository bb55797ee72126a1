"""Close after reply: QUIT, a protocol error and CLIENT KILL of oneself end
the connection once the reply before them is written (test_repro.py holds
the reported reproduction, naturally timed and forced).

Bug classes: the session freed from the write callback that finished the
last reply while input is pending (use after free); commands after the
closing one run anyway; a close that waits for input that never comes.
"""

import pytest

import hostile
import repros
from conftest import scaled
from hostile import cmd

KINDS = ["quit", "protoerr", "kill"]


FORCED_KERNEL_ONLY = pytest.mark.kernel_only(
    "the forcing relies on the kernel moving the reply into the client's buffer while the "
    "worker sleeps; the data plane's TCP runs in that worker")


@FORCED_KERNEL_ONLY
@pytest.mark.parametrize("kind", KINDS)
def test_forced_with_auth(server_factory, kind):
    """The forced reproduction behind requirepass, after AUTH."""
    srv = server_factory(password=repros.PASSWORD)
    repros.setup_big(srv)
    srv.baseline()
    for _ in range(scaled(2, 20)):
        repros.repro3(srv, kind=kind, forced=True)


@pytest.mark.parametrize("kind", KINDS)
def test_small_reply_trickling(server_factory, kind):
    """A reply that fits in the socket at once: the close happens on the
    read path, with bytes trickling in."""
    srv = server_factory()
    c = srv.conn()
    assert c.call("SET", "rk", "v" * 1000) == b"OK"
    c.close()
    srv.baseline()
    for _ in range(scaled(20, 200, dataplane=10)):
        repros.repro3(srv, kind=kind, size=1000)


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_runs_after_the_close(server_factory, kind):
    """SET a, the closing request, SET b in one write: a is set, b is not,
    and the connection ends after the closing request's answer."""
    srv = server_factory()
    s = srv.connect()
    try:
        cid = repros._client_id(s) if kind == "kill" else None
        tail, answer = repros.close_after_reply_tail(kind, cid)
        s.sendall(cmd("SET", "a", "1") + tail + cmd("SET", "b", "2"))
        want = b"+OK\r\n" + answer
        assert hostile.read_exact(s, len(want), timeout=5) == want
        n, closed, head = hostile.drain(s, timeout=5)
        assert (n, closed) == (0, True), head
    finally:
        s.close()
    assert srv.call("EXISTS", "a") == 1
    assert srv.call("EXISTS", "b") == 0
    assert srv.call("FLUSHALL") == b"OK"


def test_quit_behind_an_unread_pipeline(server_factory):
    """100,000 PINGs, QUIT and a SET, read only after a pause: every PONG,
    then +OK, then the close; the SET never ran."""
    srv = server_factory()
    n = 100000
    s = srv.connect(rcvbuf=4096)
    try:
        s.sendall(b"PING\r\n" * n + cmd("QUIT") + cmd("SET", "after", "1"))
        import time
        time.sleep(0.5)
        want = b"+PONG\r\n" * n + b"+OK\r\n"
        assert hostile.read_exact(s, len(want), timeout=30) == want
        assert hostile.closed_by_peer(s, timeout=5)
    finally:
        s.close()
    assert srv.call("EXISTS", "after") == 0
