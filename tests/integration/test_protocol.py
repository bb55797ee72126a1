"""The wire protocol: exact error texts, inline commands, pipelining,
malformed input, limits, big values, RESP3 reply types, and slow readers.

Most tests here run over both kernel transports of the shared server (TCP
and the Unix socket) through the `transport` fixture."""

import hashlib
import os
import re
import socket
import time

import pytest

import resp
from util import WRONGTYPE, arity_error, error_of, make_nonstring, wait_for


@pytest.fixture
def conn(server, r, transport):
    c = server.raw(transport)
    yield c
    c.close()


def still_serving(server):
    with server.raw() as c:
        assert c.call("PING") == b"PONG"


# --------------------------------------------------------------------------
# Exact error strings
# --------------------------------------------------------------------------

def test_unknown_command_lists_its_args(conn):
    assert error_of(conn, "foo", "a", "b") == \
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
    assert error_of(conn, "foo") == \
        "ERR unknown command 'foo', with args beginning with: "
    assert error_of(conn, "FOO", "x y") == \
        "ERR unknown command 'FOO', with args beginning with: 'x y' "


def test_unknown_command_text_is_truncated(conn):
    # The listed args stop once 128 characters have been printed; each arg
    # is cut to what remains of those 128; the name is cut to 128.
    assert error_of(conn, "foo", "x" * 200) == (
        "ERR unknown command 'foo', with args beginning with: '%s' " % ("x" * 128))
    assert error_of(conn, "f" * 200, "a") == (
        "ERR unknown command '%s', with args beginning with: 'a' " % ("f" * 128))
    assert error_of(conn, "foo", *["abcdefghij"] * 20) == (
        "ERR unknown command 'foo', with args beginning with: " +
        "'abcdefghij' " * 10)
    # Newlines in the echoed text become spaces, so the reply stays one line.
    assert error_of(conn, "foo", "c\nd", "e\r\nf") == \
        "ERR unknown command 'foo', with args beginning with: 'c d' 'e  f' "


def test_command_names_are_case_insensitive(conn):
    assert conn.call("sEt", "k", "v") == b"OK"
    assert conn.call("gEt", "k") == b"v"


@pytest.mark.parametrize("cmd,name", [
    (["GET"], "get"), (["get", "a", "b"], "get"), (["SET", "a"], "set"),
    (["Set"], "set"), (["INCR"], "incr"), (["mget"], "mget"),
    (["OBJECT", "ENCODING"], "object|encoding"), (["CONFIG"], "config"),
    (["CLIENT", "SETNAME"], "client|setname"), (["EXPIRE", "k"], "expire"),
])
def test_wrong_arity(conn, cmd, name):
    assert error_of(conn, *cmd) == arity_error(name)


def test_wrongtype_text(r, conn):
    make_nonstring(r, "l")
    assert error_of(conn, "GET", "l") == WRONGTYPE
    assert conn.call_raw("GET", "l") == b"-" + WRONGTYPE.encode() + b"\r\n"


def test_errors_keep_the_connection_usable(conn):
    for _ in range(3):
        error_of(conn, "NOSUCH")
        error_of(conn, "GET")
    assert conn.call("PING") == b"PONG"


# --------------------------------------------------------------------------
# Inline commands
# --------------------------------------------------------------------------

def test_inline_commands(conn):
    conn.send_raw(b"SET k hello\r\nGET k\r\nPING\r\n")
    assert conn.read_raw() == b"+OK\r\n"
    assert conn.read_raw() == b"$5\r\nhello\r\n"
    assert conn.read_raw() == b"+PONG\r\n"


def test_inline_quoting(conn):
    conn.send_raw(b'SET k "a b\\x41\\n\\t\\"q"\r\n')
    assert conn.read() == b"OK"
    assert conn.call("GET", "k") == b'a bA\n\t"q'
    conn.send_raw(b"SET k 'x\\'y'\r\nGET k\r\n")
    assert conn.read() == b"OK"
    assert conn.read() == b"x'y"
    conn.send_raw(b'ECHO "a b" c\r\n')
    assert conn.read() == resp.RespError(arity_error("echo"))


def test_inline_bare_lf_and_blank_lines(conn):
    conn.send_raw(b"PING\n\r\n\r\n  \r\nECHO x\n")
    assert conn.read_raw() == b"+PONG\r\n"
    assert conn.read_raw() == b"$1\r\nx\r\n"


def test_inline_unbalanced_quotes_closes(server, conn):
    conn.send_raw(b'PING "a\r\n')
    data = conn.read_until_closed(5)
    assert data == b"-ERR Protocol error: unbalanced quotes in request\r\n"
    still_serving(server)


def test_inline_too_big_closes(server, conn):
    conn.send_raw(b"A" * (64 * 1024 + 100))
    data = conn.read_until_closed(5)
    assert data == b"-ERR Protocol error: too big inline request\r\n"
    still_serving(server)


# --------------------------------------------------------------------------
# Multibulk framing
# --------------------------------------------------------------------------

def test_empty_and_null_multibulk_are_ignored(conn):
    conn.send_raw(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")
    assert conn.read_raw() == b"+PONG\r\n"


@pytest.mark.parametrize("data,err", [
    (b"*x\r\n", "invalid multibulk length"),
    (b"*2147483648\r\n", "invalid multibulk length"),
    (b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
    (b"*2\r\n$3\r\nGET\r\n:1\r\n", "expected '$', got ':'"),
    (b"*1\r\n$x\r\n", "invalid bulk length"),
    (b"*1\r\n$-1\r\n", "invalid bulk length"),
    (b"*1\r\n$536870913\r\n", "invalid bulk length"),
])
def test_malformed_multibulk_closes_with_protocol_error(server, conn, data, err):
    other = server.raw()  # connected before, must survive
    conn.send_raw(data)
    got = conn.read_until_closed(5)
    assert got == b"-ERR Protocol error: " + err.encode() + b"\r\n"
    assert other.call("PING") == b"PONG"
    other.close()
    still_serving(server)


def test_replies_before_a_protocol_error_are_sent(conn):
    conn.send_raw(resp.encode("SET", "k", "1") + resp.encode("GET", "k") +
                  b"*1\r\n$x\r\n" + resp.encode("PING"))
    got = conn.read_until_closed(5)
    assert got == (b"+OK\r\n$1\r\n1\r\n"
                   b"-ERR Protocol error: invalid bulk length\r\n")


def test_too_big_count_strings_close(server, transport):
    for prefix, err in ((b"*", b"too big mbulk count string"),
                        (b"*1\r\n$", b"too big bulk count string")):
        with server.raw(transport) as c:
            c.send_raw(prefix + b"1" * (64 * 1024 + 10))
            assert c.read_until_closed(5) == \
                b"-ERR Protocol error: " + err + b"\r\n"
    still_serving(server)


def test_multibulk_split_at_every_byte(conn):
    """The server must resume parsing anywhere: send byte by byte."""
    if conn.sock.family == socket.AF_INET:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = (resp.encode("SET", "split", "x\r\ny") +
               resp.encode("GET", "split") + b"PING\r\n" +
               resp.encode("ECHO", ""))
    for i in range(len(payload)):
        conn.send_raw(payload[i:i + 1])
        if i % 4 == 0:
            time.sleep(0.001)
    assert conn.read() == b"OK"
    assert conn.read() == b"x\r\ny"
    assert conn.read() == b"PONG"
    assert conn.read() == b""


# --------------------------------------------------------------------------
# Pipelining
# --------------------------------------------------------------------------

def test_pipeline_thousands_in_one_write(r, conn):
    n = 20000
    parts = []
    for i in range(n):
        parts.append(resp.encode("SET", "p:%d" % i, str(i)))
        parts.append(resp.encode("INCR", "counter"))
    parts.append(resp.encode("GET", "counter"))
    conn.send_raw(b"".join(parts))
    for i in range(n):
        assert conn.read_raw() == b"+OK\r\n"
        assert conn.read() == i + 1
    assert conn.read() == str(n).encode()
    assert r.dbsize() == n + 1


def test_pipeline_mixed_inline_and_multibulk(conn):
    blob = b"".join([b"PING\r\n", resp.encode("ECHO", "a"),
                     b"ECHO b\r\n", resp.encode("PING")] * 500)
    conn.send_raw(blob)
    for _ in range(500):
        assert conn.read_raw() == b"+PONG\r\n"
        assert conn.read_raw() == b"$1\r\na\r\n"
        assert conn.read_raw() == b"$1\r\nb\r\n"
        assert conn.read_raw() == b"+PONG\r\n"


def test_redis_py_pipeline(r):
    p = r.pipeline(transaction=False)
    for i in range(5000):
        p.set("k%d" % i, i)
        p.get("k%d" % i)
    out = p.execute()
    assert out[0::2] == [True] * 5000
    assert out[1::2] == [str(i).encode() for i in range(5000)]


def test_many_concurrent_clients(server, r):
    conns = [server.raw() for _ in range(50)]
    for i, c in enumerate(conns):
        c.send("SET", "c%d" % i, str(i))
    for c in conns:
        assert c.read() == b"OK"
    for i, c in enumerate(conns):
        c.send("GET", "c%d" % i)
    for i, c in enumerate(conns):
        assert c.read() == str(i).encode()
        c.close()


# --------------------------------------------------------------------------
# Big values
# --------------------------------------------------------------------------

def test_64mib_value_roundtrip(r, server, transport):
    size = 64 * 1024 * 1024
    block = hashlib.sha256(b"seed").digest() * 32  # 1 KiB, not repetitive
    value = bytes(b ^ (i & 0xFF) for i, b in enumerate(block)) * (size // 1024)
    assert len(value) == size
    if transport == "unix":
        c = __import__("redis").Redis(unix_socket_path=server.unixsocket,
                                      socket_timeout=60)
    else:
        c = server.client(socket_timeout=60)
    assert c.set("big", value) is True
    assert c.strlen("big") == size
    got = c.get("big")
    assert len(got) == size
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(value).hexdigest()
    assert c.getrange("big", size - 1024, size - 1) == value[-1024:]
    assert c.append("big", "!") == size + 1
    assert c.getrange("big", -2, -1) == value[-1:] + b"!"
    c.delete("big")
    c.close()


# --------------------------------------------------------------------------
# Limits: proto-max-bulk-len, client-query-buffer-limit, unauthenticated
# --------------------------------------------------------------------------

def test_proto_max_bulk_len(server_factory):
    srv = server_factory(**{"proto-max-bulk-len": "1mb"})
    limit = 1024 * 1024
    with srv.raw() as c:
        assert c.call("SET", "k", "x" * limit) == b"OK"
        assert c.call("STRLEN", "k") == limit
    with srv.raw() as c:
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (limit + 1))
        assert c.read_until_closed(5) == \
            b"-ERR Protocol error: invalid bulk length\r\n"
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
        # Raised at runtime, the new limit applies to the next request.
        assert c.call("CONFIG", "SET", "proto-max-bulk-len", "2mb") == b"OK"
        assert c.call("SET", "k", "y" * (limit + 1)) == b"OK"


def test_client_query_buffer_limit(server_factory):
    srv = server_factory(**{"client-query-buffer-limit": "1mb"})
    with srv.raw() as ok:
        ok.call("SET", "k", "x" * (512 * 1024))  # well under: fine
        c = srv.raw()
        # A 4 MiB argument, sent in part: the query buffer passes 1 MiB
        # before the command is complete, so the client is dropped.
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (4 << 20))
        try:
            c.send_raw(b"z" * (2 << 20))
        except OSError:
            pass
        assert c.is_closed(5)
        c.close()
        assert ok.call("STRLEN", "k") == 512 * 1024


def test_unauthenticated_request_limits(server_factory):
    srv = server_factory(requirepass="pw")
    with srv.raw() as c:
        c.send_raw(b"*11\r\n")
        assert c.read_until_closed(5) == \
            b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    with srv.raw() as c:
        c.send_raw(b"*2\r\n$4\r\nAUTH\r\n$16385\r\n")
        assert c.read_until_closed(5) == \
            b"-ERR Protocol error: unauthenticated bulk length\r\n"
    with srv.raw() as c:
        assert c.call("AUTH", "pw") == b"OK"
        assert c.call("SET", "k", "x" * 100000) == b"OK"
        assert c.call("MSET", *["a"] * 20) == b"OK"


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

@pytest.fixture
def conn3(conn):
    rep = conn.call("HELLO", "3")
    assert isinstance(rep, resp.Map)
    return conn


def test_resp3_null_and_scalars(r, conn3):
    c = conn3
    assert c.call_raw("GET", "nokey") == b"_\r\n"
    assert c.call_raw("SET", "k", "v", "GET") == b"_\r\n"
    assert c.call_raw("MGET", "k", "nokey") == b"*2\r\n$1\r\nv\r\n_\r\n"
    assert c.call_raw("OBJECT", "ENCODING", "nokey") == b"_\r\n"
    assert c.call_raw("CLIENT", "GETNAME") == b"_\r\n"
    assert c.call_raw("RANDOMKEY") == b"$1\r\nk\r\n"
    assert c.call_raw("EXISTS", "k") == b":1\r\n"
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert c.call_raw("INCRBYFLOAT", "f", "1.5") == b"$3\r\n1.5\r\n"
    assert c.call_raw("GET", "k") == b"$1\r\nv\r\n"
    assert c.call_raw("DEL", "k") == b":1\r\n"
    assert c.call_raw("RANDOMKEY") == b"$1\r\nf\r\n"
    c.call("DEL", "f")
    assert c.call_raw("RANDOMKEY") == b"_\r\n"
    assert c.call_raw("NOSUCH") == \
        b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"


def test_resp3_maps(r, conn3, server):
    c = conn3
    assert c.call_raw("CONFIG", "GET", "port") == (
        b"%%1\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(server.port)),
                                                server.port))
    h = c.call("HELLO")
    assert isinstance(h, resp.Map)
    assert [k for k, _ in h] == [b"server", b"version", b"proto", b"id",
                                 b"mode", b"role", b"modules"]
    assert h.as_dict()[b"proto"] == 3
    docs = c.call("COMMAND", "DOCS", "get")
    assert isinstance(docs, resp.Map)
    inner = docs.as_dict()[b"get"]
    assert isinstance(inner, resp.Map)
    assert inner.as_dict()[b"group"] == b"string"
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    lcs = c.call("LCS", "a", "b", "IDX")
    assert isinstance(lcs, resp.Map) and lcs.as_dict()[b"len"] == 6


def test_resp3_sets_in_command_info(conn3):
    info = conn3.call("COMMAND", "INFO", "get")[0]
    assert info[0] == b"get"
    assert isinstance(info[2], resp.RSet)  # flags
    assert sorted(info[2]) == [b"fast", b"readonly"]
    assert isinstance(info[6], resp.RSet)  # ACL categories
    assert isinstance(info[8][0], resp.Map)  # key spec


def test_resp3_verbatim_strings(conn3):
    v = conn3.call("INFO", "server")
    assert isinstance(v, resp.Verbatim) and v.format == b"txt"
    assert v.startswith(b"# Server\r\n")
    v = conn3.call("CLIENT", "INFO")
    assert isinstance(v, resp.Verbatim) and v.format == b"txt"
    assert v.startswith(b"id=")
    v = conn3.call("CLIENT", "LIST")
    assert isinstance(v, resp.Verbatim) and v.format == b"txt"
    raw = conn3.call_raw("INFO", "keyspace")
    assert raw == b"=16\r\ntxt:# Keyspace\r\n\r\n"


def test_resp3_arrays_stay_arrays(r, conn3):
    r.set("k", "v")
    assert conn3.call_raw("SCAN", "0") == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"
    assert conn3.call_raw("KEYS", "*") == b"*1\r\n$1\r\nk\r\n"
    t = conn3.call("TIME")
    assert isinstance(t, list) and len(t) == 2
    assert conn3.call("OBJECT", "HELP")[0] == \
        b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert re.match(rb"\*\d+\r\n\+OBJECT ", conn3.call_raw("OBJECT", "HELP"))


def test_resp2_shapes_of_the_same_replies(r, conn, server):
    assert conn.call_raw("CONFIG", "GET", "port") == (
        b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(server.port)),
                                               server.port))
    assert conn.call_raw("INFO", "keyspace") == b"$12\r\n# Keyspace\r\n\r\n"
    assert conn.call_raw("MGET", "nokey") == b"*1\r\n$-1\r\n"
    info = conn.call_raw("COMMAND", "INFO", "get")
    assert info.startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n"
                           b"+fast\r\n")


# --------------------------------------------------------------------------
# Slow readers: client-output-buffer-limit for normal clients
# --------------------------------------------------------------------------

def test_output_buffer_limit_disconnects_slow_reader(server_factory):
    srv = server_factory(**{"client-output-buffer-limit": "normal 4mb 2mb 60"})
    value = os.urandom(256 * 1024)
    with srv.raw() as admin:
        assert admin.call("SET", "v", value) == b"OK"
        base = int(admin.call("INFO", "memory").split(b"used_memory:")[1]
                   .split(b"\r\n")[0])
        # A reader with a tiny receive window that never reads.
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect((srv.host, srv.port))
        slow_id = None
        s.sendall(resp.encode("CLIENT", "ID"))
        time.sleep(0.1)
        slow_id = int(s.recv(64).strip()[1:])
        # 2000 GETs of 256 KiB = 500 MiB of replies if nothing stopped it.
        s.sendall(resp.encode("GET", "v") * 2000)

        def gone():
            lst = admin.call("CLIENT", "LIST")
            return b"id=%d " % slow_id not in lst
        assert wait_for(gone, timeout=10), "slow reader was not disconnected"
        mem = admin.call("INFO", "memory")
        peak = int(mem.split(b"used_memory_peak:")[1].split(b"\r\n")[0])
        used = int(mem.split(b"used_memory:")[1].split(b"\r\n")[0])
        assert peak - base < 64 << 20, "output buffer grew to %d" % (peak - base)
        assert used - base < 8 << 20
        # The slow reader sees at most what was buffered, then EOF/reset.
        total = 0
        try:
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
        assert total < 100 * len(value)
        assert admin.call("PING") == b"PONG"


def test_output_buffer_limit_spares_prompt_readers(server_factory):
    srv = server_factory(**{"client-output-buffer-limit": "normal 4mb 2mb 60"})
    c = srv.client(socket_timeout=30)
    value = os.urandom(256 * 1024)
    c.set("v", value)
    # 50 MiB of replies in pipelines of 8 GETs (2 MiB, under the 4 MiB hard
    # limit), each read before the next is sent.
    for _ in range(25):
        p = c.pipeline(transaction=False)
        for _ in range(8):
            p.get("v")
        out = p.execute()
        assert len(out) == 8 and all(x == value for x in out)
    c.close()


def test_output_buffer_hard_limit_counts_one_pipeline(server_factory):
    # The limit applies to what is queued, however fast the client reads: a
    # single pipeline whose replies exceed the hard limit at once is cut off.
    srv = server_factory(**{"client-output-buffer-limit": "normal 4mb 2mb 60"})
    with srv.raw() as admin:
        admin.call("SET", "v", b"x" * (256 * 1024))
        with srv.raw() as c:
            c.send_raw(resp.encode("GET", "v") * 200)
            got = c.read_until_closed(10)
            assert len(got) < 200 * 256 * 1024
        assert admin.call("PING") == b"PONG"


def test_default_normal_limit_is_unlimited(r, server):
    # With the default "normal 0 0 0", a client that reads late still gets
    # everything (the server buffers it).
    r.set("v", b"x" * (1 << 20))
    with server.raw() as c:
        c.send_raw(resp.encode("GET", "v") * 20)
        time.sleep(0.3)
        for _ in range(20):
            assert len(c.read()) == 1 << 20
