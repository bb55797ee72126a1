"""Connection-level abuse: thousands of idle connections, tens of thousands
of connect/close cycles in every way a connection can end, slowloris
(requests trickled a byte at a time by many clients), maxclients.

Bug classes: per-connection memory out of bounds, or never freed (sessions,
buffers, transport state leaked per cycle: connected_clients and memory
must come back to the baseline); a server that stops serving others while
many clients dribble; an accept path that crashes or leaks when a
connection dies during or right after the handshake.
"""

import random
import socket
import time

import hostile
from conftest import scaled
from hostile import cmd
from hserver import DATAPLANE, MiB, it

SHARED_CONFIG = {}


def _nofile(n):
    return it.dptopo.raise_nofile(n) if DATAPLANE else _raise_nofile(n)


def _raise_nofile(n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        new_hard = hard if hard == resource.RLIM_INFINITY else max(hard, n)
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, new_hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def ping_latency(srv):
    t = time.monotonic()
    assert srv.call("PING") == b"PONG"
    return time.monotonic() - t


def test_idle_connections(server_factory):
    """N idle connections (5,000 with --full) each served a PING, the
    server meanwhile answering others promptly; at most 64 KiB each (Redis
    7.0.15: ~31 KiB after a PING), all freed when they go."""
    n = scaled(2000, 5000, dataplane=1000)
    assert _nofile(n + 200) >= n + 100
    srv = server_factory()  # started after the limit rose: it inherits it
    socks = []
    try:
        for _ in range(n):
            socks.append(srv.connect(timeout=30))
        for s in socks:
            s.sendall(b"PING\r\n")
        for s in socks:
            assert hostile.read_line(s) == b"+PONG\r\n"
        assert srv.clients() == n + 1
        assert ping_latency(srv) < 1.0
        held = srv.held()
        assert held <= n * 64 * 1024, "%d idle connections hold %s" % (n, hostile.mib(held))
    finally:
        for s in socks:
            s.close()


def _cycle(srv, i, rng):
    """One connection, ended one of several ways."""
    how = i % 6
    s = srv.connect(timeout=10)
    try:
        if how == 0:
            hostile.reset(s)                        # RST right after the handshake
            return
        if how == 1:
            s.sendall(b"PING\r\n")
            assert hostile.read_line(s) == b"+PONG\r\n"
            s.close()                               # FIN after a reply
            return
        if how == 2:
            s.sendall(cmd("PING") + cmd("QUIT"))
            assert hostile.read_exact(s, 12) == b"+PONG\r\n+OK\r\n"
            assert hostile.closed_by_peer(s, 5)     # the server closes
            s.close()
            return
        if how == 3:
            s.sendall(b"*2\r\n$3\r\nGET\r\n")       # half a request, then RST
            hostile.reset(s)
            return
        if how == 4:
            s.sendall(cmd("GET", "val"))
            hostile.half_close(s)                   # FIN with the reply in flight
            hostile.drain(s, 5)
            s.close()
            return
        s.sendall(cmd("GET", "val") * rng.randint(1, 4))
        hostile.reset(s)                            # RST with replies queued
    except BaseException:
        hostile.reset(s)
        raise


def test_connect_close_cycles(shared):
    """20,000 connect/close cycles (5,000 without --full) in six ways of
    ending; most end with RST so the client's ports do not pile up in
    TIME_WAIT."""
    c = shared.conn()
    assert c.call("SET", "val", b"v" * 200000) == b"OK"
    c.close()
    shared.baseline()
    rng = random.Random(9)
    n = scaled(5000, 20000, dataplane=1000)
    t = time.monotonic()
    for i in range(n):
        _cycle(shared, i, rng)
        if i % 1000 == 999:
            assert ping_latency(shared) < 1.0
    assert time.monotonic() - t < 300
    assert shared.call("DEL", "val") == 1


def test_slowloris(server_factory):
    """N clients (1,000 with --full) trickle SET requests a byte at a time
    with timeout 2 set: each byte counts as activity, so none is closed; the
    server keeps answering others within 0.5 s; each SET completes; memory
    stays within 64 KiB per client."""
    n = scaled(200, 1000, dataplane=100)
    assert _nofile(n + 200) >= n + 100
    srv = server_factory(timeout=2)
    socks = [srv.connect(timeout=10) for _ in range(n)]
    try:
        for s in socks:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reqs = [cmd("SET", "slow:%05d" % i, "x" * 20) for i in range(n)]
        rounds = len(reqs[0])  # the same length for all: one byte each per round
        worst = 0.0
        t = time.monotonic()
        for r in range(rounds - 1):
            for s, req in zip(socks, reqs):
                s.sendall(req[r:r + 1])
            if r % 5 == 0:
                worst = max(worst, ping_latency(srv))
            time.sleep(0.05)
        assert time.monotonic() - t < 120
        held = srv.held()
        for s, req in zip(socks, reqs):
            s.sendall(req[-1:])
        for s in socks:
            assert hostile.read_line(s, timeout=10) == b"+OK\r\n"
        assert worst < 0.5, "PING took %.2f s while %d clients dribbled" % (worst, n)
        assert held <= n * 64 * 1024 + 4 * MiB, "%d slow clients hold %s" % (n, hostile.mib(held))
    finally:
        for s in socks:
            s.close()
    assert srv.call("DBSIZE") == n
    assert srv.call("FLUSHALL") == b"OK"


def test_slowloris_unauthenticated(server_factory):
    """N clients without AUTH each hold the largest request the parser lets
    one build (10 arguments, the last of 16384 bytes unfinished): bounded per
    client (Redis: the query buffer, ~160 KiB), freed when they go."""
    n = scaled(50, 200)
    srv = server_factory(password="pw")
    socks = []
    try:
        bulk = b"$16384\r\n" + b"x" * 16384 + b"\r\n"
        part = b"*10\r\n" + bulk * 9 + b"$16384\r\n" + b"x" * 100
        for _ in range(n):
            s = srv.connect()
            s.sendall(part)
            socks.append(s)
        held = srv.peak_held(0.3)
        assert held <= n * 512 * 1024 + 4 * MiB, "%d unauthenticated partial requests hold %s" % (
            n, hostile.mib(held))
        for s in socks:
            n_, closed, _ = hostile.drain(s, timeout=0.01)
            assert not closed
    finally:
        for s in socks:
            hostile.reset(s)


def test_maxclients(server_factory):
    """maxclients 20: the 21st client on gets Redis's error and is closed;
    the limit does not leak slots (the same again after they all leave)."""
    srv = server_factory(maxclients=20)
    for _ in range(2):
        socks = []
        try:
            refused = 0
            for _ in range(30):
                s = srv.connect()
                socks.append(s)
                s.sendall(b"PING\r\n")
                line = hostile.read_line(s)
                if line == b"-ERR max number of clients reached\r\n":
                    assert hostile.closed_by_peer(s, 5)
                    refused += 1
                else:
                    assert line == b"+PONG\r\n", line
            assert refused == 11  # 20 slots: the admin connection and 19 of ours
        finally:
            for s in socks:
                s.close()
        deadline = time.monotonic() + 5
        while srv.clients() > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
