"""Unread pipelines of 100k to 2M commands, authenticated and not.

Unauthenticated: Debian's redis-server 7.0.15 closes a client that has not
authenticated once its pending output passes 1024 bytes (CVE-2025-21605),
so a flood of -NOAUTH or -WRONGPASS answers never piles up: the server must
close it, and hold no more than UNAUTH_BUDGET meanwhile.

Authenticated: with the default limits (normal 0 0 0) the replies are held,
as Redis holds them (~14 MB for 2M +PONG); what is bounded is the memory per
reply byte, and everything must be freed when the client goes.

Bug classes: unbounded memory for an unauthenticated client; reply memory
out of proportion to the replies; output or input buffers of a vanished
client never freed.
"""

import pytest

import hostile
from hostile import cmd
from hserver import UNAUTH_BUDGET, MiB

PASSWORD = "hostile-pw"
SHARED_CONFIG = {"requirepass": PASSWORD}

FLOODS = {
    "inline-ping": b"PING\r\n",
    "multibulk-ping": cmd("PING"),
    "wrong-auth": cmd("AUTH", "not-the-password"),
    "set": cmd("SET", "k", "v"),
}


def flood_unauthenticated(srv, unit, n):
    s = srv.connect(rcvbuf=4096)
    try:
        hostile.send_quiet(s, unit * n)
        held = srv.peak_held(0.5)
        closed = hostile.closed_by_peer(s, timeout=5)
    finally:
        hostile.reset(s)
    assert held <= UNAUTH_BUDGET, "%d unread unauthenticated %r made the server hold %s" % (
        n, unit, hostile.mib(held))
    assert closed, "the server kept an unauthenticated client with %d unread replies" % n


@pytest.mark.parametrize("kind", sorted(FLOODS))
def test_unauthenticated_unread_100k(shared, kind):
    flood_unauthenticated(shared, FLOODS[kind], 100000)


@pytest.mark.parametrize("kind", ["inline-ping", "wrong-auth"])
def test_unauthenticated_unread_2m(shared, kind):
    flood_unauthenticated(shared, FLOODS[kind], 2000000)


@pytest.mark.parametrize("n", [100000, 2000000])
def test_authenticated_unread(shared, n):
    """n PINGs after AUTH, never read: kept (no limit is set), the memory
    held is in proportion to the 7 bytes of each +PONG (at most 4 bytes of
    memory per reply byte, plus 4 MiB), and all of it goes with the client."""
    s = shared.connect(rcvbuf=4096)
    try:
        s.sendall(cmd("AUTH", PASSWORD))
        assert hostile.read_line(s) == b"+OK\r\n"
        hostile.send_quiet(s, b"PING\r\n" * n)
        held = shared.peak_held(1.0)
        assert shared.client_entry(s) is not None, "an authenticated client was dropped"
    finally:
        hostile.reset(s)
    assert held <= 4 * 7 * n + 4 * MiB, "%d unread +PONG (%s) held %s" % (
        n, hostile.mib(7 * n), hostile.mib(held))


def test_unauthenticated_unread_then_auth_is_not_honoured(shared):
    """A flood followed by the right AUTH: the server closes the client for
    its unread output before (or whatever) the AUTH does; nothing after the
    close runs, and the key the client tried to set does not exist."""
    s = shared.connect(rcvbuf=4096)
    try:
        flood = b"PING\r\n" * 200000 + cmd("AUTH", PASSWORD) + cmd("SET", "after", "1")
        hostile.send_quiet(s, flood)
        assert hostile.closed_by_peer(s, timeout=5)
    finally:
        hostile.reset(s)
    assert shared.call("EXISTS", "after") == 0
