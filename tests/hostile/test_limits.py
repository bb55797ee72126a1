"""Per-client bounds a hostile client runs into: the idle timeout, the
normal class's client-output-buffer-limit (hard and soft), maxmemory-clients,
client-query-buffer-limit and proto-max-bulk-len, each as Debian's
redis-server 7.0.15 applies them (measured, see README.md).

Bug classes: a client that makes the server hold unbounded memory by not
reading (output), by never finishing a request (input) or by announcing a
huge one; a limit that closes the wrong client, closes too early, or frees
the client inside a callback that then touches it.
"""

import time

import hostile
from hostile import cmd
from hserver import MiB

BIG = 8 * MiB


def load(srv, key="big", size=BIG):
    c = srv.conn()
    try:
        c.sock.settimeout(30)
        assert c.call("SET", key, b"b" * size) == b"OK"
    finally:
        c.close()
    srv.baseline()


def gone_within(srv, s, timeout):
    """Seconds until the server dropped our client `s` from CLIENT LIST,
    or None if it is still there after timeout."""
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        if srv.client_entry(s) is None:
            return time.monotonic() - t
        time.sleep(0.05)
    return None


def test_timeout_closes_a_stalled_reader(server_factory):
    """timeout 1 and a client that stops reading an 8 MiB reply: no write
    reaches it, so it is idle, and Redis drops it (after 1.8 s here). A
    stalled reader must not hold its output forever."""
    srv = server_factory(timeout=1)
    load(srv)
    s = srv.connect(rcvbuf=4096)
    try:
        s.sendall(cmd("GET", "big"))
        assert hostile.wait_first_byte(s)
        took = gone_within(srv, s, 6)
        assert took is not None, "a stalled reader outlived timeout 1 by 5 s"
        assert took >= 0.5, "dropped after %.1f s, before the timeout" % took
    finally:
        s.close()


def test_timeout_closes_idle_and_half_requests(server_factory):
    """timeout 1: a silent client and one that sent half a request are both
    dropped; one that keeps trickling bytes of a request is not idle."""
    srv = server_factory(timeout=1)
    silent = srv.connect()
    half = srv.connect()
    trickle = srv.connect()
    try:
        half.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")
        request = cmd("SET", "t", "x" * 40)
        for i in range(len(request) - 1):
            trickle.sendall(request[i:i + 1])
            time.sleep(0.05)  # ~3.5 s in all, a byte every 50 ms
        assert hostile.closed_by_peer(silent, timeout=5)
        assert hostile.closed_by_peer(half, timeout=5)
        trickle.sendall(request[-1:])
        assert hostile.read_line(trickle, timeout=5) == b"+OK\r\n"
    finally:
        for s in (silent, half, trickle):
            s.close()
    assert srv.call("DEL", "t", "k") == 1


def test_output_hard_limit(server_factory):
    """normal 1mb 0 0: an 8 MiB reply to a reader that does not keep up
    closes it at once (Redis: before a byte is sent); 2,000,000 unread PINGs
    too (14 MB of replies)."""
    srv = server_factory(client_output_buffer_limit="normal 1mb 0 0")
    load(srv)
    s = srv.connect(rcvbuf=4096)
    try:
        s.sendall(cmd("GET", "big"))
        assert gone_within(srv, s, 3) is not None, "past the hard limit and still connected"
    finally:
        s.close()
    s = srv.connect(rcvbuf=4096)
    try:
        hostile.send_quiet(s, cmd("PING") * 2000000)
        assert gone_within(srv, s, 5) is not None, "14 MB of unread replies, still connected"
    finally:
        hostile.reset(s)


def test_output_soft_limit(server_factory):
    """normal 0 1mb 1: a stalled reader that keeps sending commands stays
    over the soft limit and is dropped once it has been over it for 1 s
    (Redis: 1.0-1.8 s), not before; a prompt reader is never dropped."""
    srv = server_factory(client_output_buffer_limit="normal 0 1mb 1")
    load(srv)
    s = srv.connect(rcvbuf=4096)
    try:
        s.sendall(cmd("GET", "big"))
        assert hostile.wait_first_byte(s)
        t = time.monotonic()
        present_early = None
        took = None
        while time.monotonic() - t < 5:
            time.sleep(0.1)
            hostile.send_quiet(s, cmd("PING"))
            if present_early is None and time.monotonic() - t > 0.5:
                present_early = srv.client_entry(s) is not None
            if srv.client_entry(s) is None:
                took = time.monotonic() - t
                break
        assert present_early, "dropped within 0.5 s under a 1 s soft limit"
        assert took is not None, "over the soft limit for 5 s and still connected"
    finally:
        s.close()
    s = srv.connect()
    try:
        s.sendall(cmd("GET", "big"))
        want = len(b"$%d\r\n" % BIG) + BIG + 2
        assert len(hostile.read_exact(s, want, timeout=20)) == want
        s.sendall(cmd("PING"))
        assert hostile.read_line(s) == b"+PONG\r\n"
    finally:
        s.close()


def test_maxmemory_clients_evicts(server_factory):
    """maxmemory-clients 10mb and three clients stalled on 8 MiB replies:
    Redis evicts clients until the rest fit (two of the three here); the
    admin connection, small, stays."""
    srv = server_factory()
    load(srv)
    assert srv.call("CONFIG", "SET", "maxmemory-clients", "10mb") == b"OK"
    socks = []
    try:
        for _ in range(3):
            s = srv.connect(rcvbuf=4096)
            s.sendall(cmd("GET", "big"))
            socks.append(s)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            left = [s for s in socks if srv.client_entry(s) is not None]
            if len(left) <= 1:
                break
            time.sleep(0.05)
        assert len(left) <= 1, "%d of 3 clients holding 8 MiB each under maxmemory-clients " \
            "10mb" % len(left)
        assert srv.call("PING") == b"PONG"
    finally:
        for s in socks:
            hostile.reset(s)
    assert srv.call("CONFIG", "SET", "maxmemory-clients", "0") == b"OK"


def test_query_buffer_limit(server_factory):
    """client-query-buffer-limit 1mb: 1.5 MB of a 3 MB argument closes the
    client without a reply; 2.1 MB of pipelined PINGs does not (each runs
    as it arrives)."""
    srv = server_factory(client_query_buffer_limit="1mb")
    s = srv.connect()
    try:
        hostile.send_quiet(s, b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$3000000\r\n" + b"q" * 1500000)
        n, closed, head = hostile.drain(s, timeout=5)
        assert closed and n == 0, (closed, head)
    finally:
        s.close()
    s = srv.connect()
    try:
        hostile.send_quiet(s, cmd("PING") * 300000)
        n, closed, _ = hostile.drain(s, timeout=10, limit=7 * 300000)
        assert n == 7 * 300000 and not closed
    finally:
        s.close()
    assert srv.call("EXISTS", "q") == 0


def test_proto_max_bulk_len(server_factory):
    """proto-max-bulk-len 1mb: a bulk of 1048577 is a protocol error, one
    of 1048576 is read."""
    srv = server_factory(proto_max_bulk_len="1mb")
    s = srv.connect()
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$1048577\r\n")
        n, closed, head = hostile.drain(s, timeout=5)
        assert head == b"-ERR Protocol error: invalid bulk length\r\n" and closed
    finally:
        s.close()
    s = srv.connect()
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$1048576\r\n")
        n, closed, head = hostile.drain(s, timeout=0.3)
        assert (n, closed) == (0, False)
        s.sendall(b"q" * 1048576 + b"\r\n")
        assert hostile.read_line(s, timeout=10) == b"+OK\r\n"
    finally:
        s.close()
    assert srv.call("DEL", "q") == 1
