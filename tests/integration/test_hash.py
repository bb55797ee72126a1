"""Hash commands of Redis 7.0: behaviour, encodings at the thresholds, and
exact error replies (through the raw connection, since redis-py strips the
'ERR ' prefix)."""

import pytest

from util import NOT_FLOAT, NOT_INT, SYNTAX, WRONGTYPE, arity_error, error_of


def test_hset_hget_hgetall_order_and_counts(r):
    assert r.hset("h", mapping={"a": "1", "b": "2", "c": "3"}) == 3
    assert r.hset("h", mapping={"a": "10", "d": "4"}) == 1
    assert r.hget("h", "a") == b"10"
    assert r.hget("h", "nope") is None
    assert r.hget("nokey", "a") is None
    # listpack keeps insertion order
    assert r.hgetall("h") == {b"a": b"10", b"b": b"2", b"c": b"3", b"d": b"4"}
    assert r.hkeys("h") == [b"a", b"b", b"c", b"d"]
    assert r.hvals("h") == [b"10", b"2", b"3", b"4"]
    assert r.hlen("h") == 4 and r.hlen("nokey") == 0
    assert r.hmget("h", "a", "x", "d") == [b"10", None, b"4"]
    assert r.hexists("h", "b") is True and r.hexists("h", "x") is False
    assert r.hstrlen("h", "a") == 2 and r.hstrlen("h", "x") == 0
    assert r.hgetall("nokey") == {}


def test_hsetnx_hmset_hdel_deletes_empty_key(r):
    assert r.hsetnx("h", "a", "1") == 1
    assert r.hsetnx("h", "a", "2") == 0
    assert r.hget("h", "a") == b"1"
    assert r.execute_command("HMSET", "h", "b", "2", "c", "3") in (True, b"OK")
    assert r.hdel("h", "a", "x", "b") == 2
    assert r.hdel("h", "c") == 1
    assert r.exists("h") == 0
    assert r.hdel("h", "c") == 0


def test_hincrby_and_hincrbyfloat(r, raw):
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    assert r.hincrbyfloat("h", "f", "1.5") == 1.5
    assert raw.call("HINCRBYFLOAT", "h", "f", "0.1") == b"1.6"
    assert raw.call("HINCRBYFLOAT", "h", "f", "1e3") == b"1001.59999999999999998"
    r.hset("h", "s", "abc")
    assert error_of(raw, "HINCRBY", "h", "s", "1") == "ERR hash value is not an integer"
    assert error_of(raw, "HINCRBYFLOAT", "h", "s", "1") == "ERR hash value is not a float"
    assert error_of(raw, "HINCRBY", "h", "n", "x") == NOT_INT
    assert error_of(raw, "HINCRBYFLOAT", "h", "n", "x") == NOT_FLOAT
    r.hset("h", "big", str(2**63 - 1))
    assert error_of(raw, "HINCRBY", "h", "big", "1") == \
        "ERR increment or decrement would overflow"
    assert error_of(raw, "HINCRBYFLOAT", "h", "f", "inf") == "ERR value is NaN or Infinity"


def test_wrongtype_and_arity(r, raw):
    r.set("str", "x")
    for args in (("HSET", "str", "a", "b"), ("HGET", "str", "a"), ("HGETALL", "str"),
                 ("HDEL", "str", "a"), ("HLEN", "str"), ("HINCRBY", "str", "a", "1"),
                 ("HRANDFIELD", "str"), ("HSCAN", "str", "0"), ("HSTRLEN", "str", "a")):
        assert error_of(raw, *args) == WRONGTYPE, args
    assert error_of(raw, "HSET", "h", "a") == arity_error("hset")
    assert error_of(raw, "HSET", "h", "a", "b", "c") == arity_error("hset")
    assert error_of(raw, "HMSET", "h", "a", "b", "c") == arity_error("hmset")
    assert error_of(raw, "HGET", "h") == arity_error("hget")


@pytest.mark.parametrize("entries", [1, 2, 127, 128])
def test_listpack_to_hashtable_at_entries_limit(r, entries):
    r.config_set("hash-max-listpack-entries", entries)
    try:
        r.hset("h", mapping={"f%d" % i: i for i in range(entries)})
        assert r.object("encoding", "h") == b"listpack"
        r.hset("h", "extra", "x")
        assert r.object("encoding", "h") == b"hashtable"
        want = {b"f%d" % i: b"%d" % i for i in range(entries)}
        want[b"extra"] = b"x"
        assert r.hgetall("h") == want
    finally:
        r.config_set("hash-max-listpack-entries", 512)


def test_listpack_to_hashtable_at_value_limit(r):
    r.hset("h", "a", "x" * 64)
    assert r.object("encoding", "h") == b"listpack"
    r.hset("h", "b" * 64, "y")
    assert r.object("encoding", "h") == b"listpack"
    r.hset("h", "c", "z" * 65)
    assert r.object("encoding", "h") == b"hashtable"
    assert r.hgetall("h") == {b"a": b"x" * 64, b"b" * 64: b"y", b"c": b"z" * 65}
    r.hset("g", "k" * 65, "v")
    assert r.object("encoding", "g") == b"hashtable"


def test_hashtable_hash_ops(r):
    r.hset("h", mapping={"f%d" % i: "v%d" % i for i in range(1000)})
    assert r.object("encoding", "h") == b"hashtable"
    assert r.hlen("h") == 1000
    assert r.hget("h", "f999") == b"v999"
    assert r.hset("h", "f1", "longer value here") == 0
    assert r.hget("h", "f1") == b"longer value here"
    assert r.hdel("h", *["f%d" % i for i in range(0, 1000, 2)]) == 500
    assert r.hlen("h") == 500
    assert len(r.hkeys("h")) == 500


def test_hrandfield(r, raw):
    assert r.hrandfield("nokey") is None
    assert r.hrandfield("nokey", 3) == []
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hrandfield("h") in (b"a", b"b", b"c")
    assert sorted(r.hrandfield("h", 10)) == [b"a", b"b", b"c"]
    two = r.hrandfield("h", 2)
    assert len(two) == 2 and len(set(two)) == 2
    assert len(r.hrandfield("h", -10)) == 10
    wv = raw.call("HRANDFIELD", "h", "-4", "WITHVALUES")
    assert len(wv) == 8
    for f, v in zip(wv[::2], wv[1::2]):
        assert {b"a": b"1", b"b": b"2", b"c": b"3"}[f] == v
    assert r.hrandfield("h", 0) == []
    assert error_of(raw, "HRANDFIELD", "h", "1", "FOO") == SYNTAX
    assert error_of(raw, "HRANDFIELD", "h", "x") == NOT_INT
    assert error_of(raw, "HRANDFIELD", "h", "-9223372036854775808") == \
        "ERR value is out of range, value must between -9223372036854775807 and " \
        "9223372036854775807"


@pytest.mark.parametrize("n", [10, 1000])
def test_hscan_returns_every_field(r, raw, n):
    r.hset("h", mapping={"f%d" % i: "v%d" % i for i in range(n)})
    seen, cursor = {}, 0
    while True:
        cursor, part = r.hscan("h", cursor, count=20)
        seen.update(part)
        if cursor == 0:
            break
    assert seen == {b"f%d" % i: b"v%d" % i for i in range(n)}
    _, part = r.hscan("h", 0, match="f?", count=10000)
    assert set(part) == {b"f%d" % i for i in range(10)}
    assert raw.call("HSCAN", "nokey", "0") == [b"0", []]
    assert error_of(raw, "HSCAN", "h", "x") == "ERR invalid cursor"
    assert error_of(raw, "HSCAN", "h", "0", "COUNT", "0") == SYNTAX
    assert error_of(raw, "HSCAN", "h", "0", "FOO", "1") == SYNTAX


def test_resp3_hgetall_is_a_map(server):
    import resp
    with resp.Conn(server.host, server.port) as c:
        c.call("HELLO", "3")
        c.call("DEL", "h")
        c.call("HSET", "h", "a", "1")
        assert c.call_raw("HGETALL", "h") == b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"
        assert c.call_raw("HRANDFIELD", "h", "1", "WITHVALUES") == \
            b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
