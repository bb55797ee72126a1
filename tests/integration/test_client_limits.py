"""Per-client memory bounds: output and query buffer limits, the bounds on
clients that have not authenticated, client eviction (maxmemory-clients),
and the idle timeout counting writes. Each test states the bug it guards
against; each runs as well against redis-server 7.0.15
(SLIPSTREAM_TARGET=redis), whose behaviour it describes."""

import socket
import struct
import time

import pytest

import resp
from conftest import IS_REDIS
from util import wait_for


def client_ids(r):
    return {int(c["id"]) for c in r.client_list()}


def raw_socket(server, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((server.host, server.port))
    return s


def my_id(s):
    s.sendall(b"CLIENT ID\r\n")
    line = b""
    while not line.endswith(b"\r\n"):
        line += s.recv(1)
    return int(line[1:-2])


def closed_by_server(s, timeout=10.0):
    """True once the server closed s: reads drain whatever was sent until
    EOF or a reset (what is read is thrown away)."""
    s.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not s.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def test_output_hard_limit_drops_a_client_that_does_not_read(server_factory):
    """Bug class: unbounded output. A client that pipelines GETs of a big
    value and never reads must be dropped at the normal class's hard limit,
    not make the server hold every reply."""
    srv = server_factory()
    r = srv.client()
    r.config_set("client-output-buffer-limit", "normal 2mb 0 0")
    r.set("big", b"v" * (1 << 20))
    s = raw_socket(srv, rcvbuf=4096)
    sid = my_id(s)
    s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 64)
    assert wait_for(lambda: sid not in client_ids(r), timeout=10)
    assert r.ping()
    s.close()


def test_output_soft_limit_needs_its_seconds(server_factory):
    """Bug class: soft limit applied as a hard one, or never. Past the soft
    limit the client survives until the limit has held for soft-seconds
    (checked when output is added, as Redis does), then it is dropped."""
    srv = server_factory()
    r = srv.client()
    r.config_set("client-output-buffer-limit", "normal 0 256kb 2")
    r.set("big", b"v" * (512 << 10))
    s = raw_socket(srv, rcvbuf=4096)
    sid = my_id(s)
    t0 = time.monotonic()
    gone_at = None
    while time.monotonic() - t0 < 8:
        try:
            s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
        except OSError:
            pass
        if sid not in client_ids(r):
            gone_at = time.monotonic() - t0
            break
        time.sleep(0.1)
    assert gone_at is not None, "the soft limit never dropped the client"
    assert gone_at >= 1.5, "dropped after %.2fs, before soft-seconds (2)" % gone_at
    s.close()


def test_query_buffer_limit_drops_the_client(server_factory):
    """Bug class: unbounded input. An argument that grows the query buffer
    past client-query-buffer-limit closes the client (Redis sends no reply)."""
    srv = server_factory()
    r = srv.client()
    r.config_set("client-query-buffer-limit", "1mb")
    s = raw_socket(srv)
    sid = my_id(s)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n")
    chunk = b"x" * 65536
    try:
        for _ in range(32):  # 2 MiB
            s.sendall(chunk)
    except OSError:
        pass
    assert wait_for(lambda: sid not in client_ids(r), timeout=10)
    assert r.get("k") is None
    s.close()


def test_unauthenticated_output_is_bounded(server_factory):
    """Bug class: an unauthenticated client makes the server hold its
    replies (CVE-2025-21605). 200,000 PINGs never read: the -NOAUTH replies
    must not pile up; the client is closed and the server keeps serving."""
    srv = server_factory(requirepass="pw")
    s = raw_socket(srv, rcvbuf=4096)
    s.setblocking(False)
    data = b"PING\r\n" * 200000
    sent = 0
    deadline = time.monotonic() + 10
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += s.send(data[sent:])
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break
    assert closed_by_server(s)
    r = srv.client(password="pw")
    assert wait_for(lambda: r.info("clients")["connected_clients"] == 1)
    s.close()


def test_unauthenticated_query_buffer_is_bounded(server_factory):
    """Bug class: unbounded input before AUTH. Inline lines of 64 KiB are
    within the protocol, but a client that has not authenticated may hold
    at most 1 MiB of query buffer; an unauthenticated client that pipelines
    commands it may not run is answered -NOAUTH, never queued."""
    srv = server_factory(requirepass="pw")
    c = resp.Conn(srv.host, srv.port, timeout=10)
    # 11 arguments: the unauthenticated multibulk bound
    c.send_raw(b"*11\r\n")
    v = c.read()
    assert isinstance(v, resp.RespError)
    assert v.message == "ERR Protocol error: unauthenticated multibulk length"
    c.close()


def test_maxmemory_clients_evicts_the_costliest_client(server_factory):
    """Bug class: clients together exhaust memory. With maxmemory-clients
    set, a client whose query buffer grows past it is evicted (INFO
    evicted_clients counts it); a client with CLIENT NO-EVICT is spared."""
    srv = server_factory()
    r = srv.client()
    r.config_set("maxmemory-clients", "30mb")
    spared = raw_socket(srv)
    sid_spared = my_id(spared)
    spared.sendall(b"CLIENT NO-EVICT on\r\n")
    assert spared.recv(16) == b"+OK\r\n"
    big = raw_socket(srv)
    sid_big = my_id(big)
    # a big argument is read into a buffer of its announced size (as Redis
    # does): 20 MB alone is under the bound, 20 + 40 MB is over it
    spared.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000000\r\n")
    big.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nj\r\n$40000000\r\n")
    chunk = b"x" * 65536
    for _ in range(32):  # 2 MiB each
        for s in (spared, big):
            try:
                s.sendall(chunk)
            except OSError:
                pass
    assert wait_for(lambda: sid_big not in client_ids(r), timeout=10)
    assert sid_spared in client_ids(r)
    assert r.info("stats")["evicted_clients"] >= 1
    r.config_set("maxmemory-clients", "0")
    spared.close()
    big.close()


def test_client_list_reports_buffers(server_factory):
    """Bug class: CLIENT LIST reporting made-up figures. qbuf shows an
    incomplete command's bytes, multi-mem a queued transaction, argv-mem the
    arguments of the command being run, tot-mem includes all of them."""
    srv = server_factory()
    r = srv.client()
    c = resp.Conn(srv.host, srv.port, timeout=10)
    cid = c.call("CLIENT", "ID")
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + b"x" * 50000)

    def entry():
        for e in r.client_list():
            if int(e["id"]) == cid:
                return e
        return None

    e = wait_for(lambda: (lambda x: x if x and int(x["qbuf"]) >= 50000 else None)(entry()))
    assert e, "qbuf never showed the pending argument"
    assert int(e["tot-mem"]) >= int(e["qbuf"])
    c.send_raw(b"x" * 50000 + b"\r\n")
    assert c.read() == b"OK"
    own = c.call("CLIENT", "INFO").decode()
    fields = dict(kv.split("=", 1) for kv in own.split())
    assert int(fields["argv-mem"]) == len("CLIENT") + len("INFO")
    assert c.call("MULTI") == b"OK"
    assert c.call("SET", "a", "v" * 10000) == b"QUEUED"
    e = entry()
    assert int(e["multi"]) == 1
    assert int(e["multi-mem"]) >= 10000
    c.call("DISCARD")
    c.close()


def test_idle_timeout_counts_writes(server_factory):
    """Bug class: the idle timeout closing a client that is busy reading a
    big reply. Redis counts every write as an interaction: a client that
    sent one GET of a 16 MiB value and reads it slowly for longer than
    `timeout` keeps its connection until the value is through."""
    srv = server_factory()
    r = srv.client()
    r.set("big", b"v" * (16 << 20))
    r.config_set("timeout", "1")
    s = raw_socket(srv, rcvbuf=65536)
    s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
    got = 0
    want = (16 << 20) + len(b"$16777216\r\n\r\n")
    t0 = time.monotonic()
    while got < want and time.monotonic() - t0 < 30:
        d = s.recv(32768)
        if not d:
            break
        got += len(d)
        time.sleep(0.01)
    elapsed = time.monotonic() - t0
    assert got == want, "closed after %.1fs with %d of %d bytes" % (elapsed, got, want)
    assert elapsed > 1.5, "the read was too fast to test the timeout (%.1fs)" % elapsed
    # and an idle client still goes
    idle = raw_socket(srv)
    iid = my_id(idle)
    assert wait_for(lambda: iid not in client_ids(r), timeout=5)
    r.config_set("timeout", "0")
    s.close()
    idle.close()


def test_reset_with_output_queued_keeps_the_server(server_factory):
    """Bug class: use-after-free when a peer resets a connection whose reply
    is still queued (the write fails inside the writable callback and the
    readable callback ran on the freed session)."""
    srv = server_factory(**({} if IS_REDIS else {"workers": 1}))
    r = srv.client()
    r.set("rk", b"x" * (8 << 20))
    for _ in range(5):
        s = raw_socket(srv, rcvbuf=4096)
        s.sendall(b"*2\r\n$3\r\nGET\r\n$2\r\nrk\r\n")
        time.sleep(0.01)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    assert r.ping()
    assert srv.alive()
