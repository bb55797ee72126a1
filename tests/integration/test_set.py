"""Set commands of Redis 7.0: behaviour, intset/hashtable encodings at the
thresholds, exact errors."""

import pytest

from util import NOT_INT, SYNTAX, WRONGTYPE, error_of


def test_sadd_srem_scard_members(r):
    assert r.sadd("s", "1", "2", "3", "2") == 3
    assert r.object("encoding", "s") == b"intset"
    assert r.smembers("s") == {b"1", b"2", b"3"}
    assert r.sadd("s", "a") == 1
    assert r.object("encoding", "s") == b"hashtable"
    assert r.scard("s") == 4
    assert r.sismember("s", "a") is True and r.sismember("s", "z") is False
    assert r.smismember("s", "1", "z", "a") == [1, 0, 1]
    assert r.srem("s", "1", "2", "3", "zz") == 3
    assert r.srem("s", "a") == 1
    assert r.exists("s") == 0
    assert r.scard("s") == 0 and r.smembers("s") == set()


def test_intset_sorted_and_widths(raw, r):
    r.sadd("i", "5", "-3", "70000", "9000000000", "0")
    assert r.object("encoding", "i") == b"intset"
    assert raw.call("SMEMBERS", "i") == [b"-3", b"0", b"5", b"70000", b"9000000000"]
    # not canonical integers: hashtable
    r.sadd("j", "007")
    assert r.object("encoding", "j") == b"hashtable"


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_intset_to_hashtable_at_limit(r, limit):
    r.config_set("set-max-intset-entries", limit)
    try:
        r.sadd("s", *range(limit))
        assert r.object("encoding", "s") == b"intset"
        r.sadd("s", limit)
        assert r.object("encoding", "s") == b"hashtable"
        assert r.smembers("s") == {b"%d" % i for i in range(limit + 1)}
    finally:
        r.config_set("set-max-intset-entries", 512)


def test_set_algebra(r, raw):
    r.sadd("a", "1", "2", "3", "4")
    r.sadd("b", "3", "4", "5")
    r.sadd("c", "x", "4")
    assert r.sinter("a", "b") == {b"3", b"4"}
    assert r.sinter("a", "b", "c") == {b"4"}
    assert r.sinter("a", "nokey") == set()
    assert r.sunion("a", "b") == {b"1", b"2", b"3", b"4", b"5"}
    assert raw.call("SUNION", "a", "b") == [b"1", b"2", b"3", b"4", b"5"]  # intset result
    assert r.sdiff("a", "b") == {b"1", b"2"}
    assert r.sdiff("a", "a") == set()
    assert r.sdiff("nokey", "a") == set()
    assert r.sinterstore("d", "a", "b") == 2
    assert r.object("encoding", "d") == b"intset"
    assert r.sunionstore("d", "a", "c") == 5
    assert r.object("encoding", "d") == b"hashtable"
    assert r.sdiffstore("d", "a", "a") == 0 and r.exists("d") == 0
    r.set("d", "string")
    assert r.sunionstore("d", "a") == 4 and r.type("d") == b"set"
    assert r.sintercard(2, ["a", "b"]) == 2
    assert r.sintercard(2, ["a", "b"], limit=1) == 1
    assert error_of(raw, "SINTERCARD", "0", "a") == "ERR numkeys should be greater than 0"
    assert error_of(raw, "SINTERCARD", "x", "a") == "ERR numkeys should be greater than 0"
    assert error_of(raw, "SINTERCARD", "3", "a", "b") == \
        "ERR Number of keys can't be greater than number of args"
    assert error_of(raw, "SINTERCARD", "1", "a", "LIMIT", "-1") == "ERR LIMIT can't be negative"
    assert error_of(raw, "SINTERCARD", "1", "a", "FOO") == SYNTAX


def test_wrongtype_checked_on_every_key(r, raw):
    r.sadd("a", "1")
    r.set("str", "x")
    assert error_of(raw, "SINTER", "nokey", "str") == WRONGTYPE
    assert error_of(raw, "SUNIONSTORE", "d", "a", "str") == WRONGTYPE
    assert error_of(raw, "SADD", "str", "a") == WRONGTYPE
    assert error_of(raw, "SMOVE", "a", "str", "1") == WRONGTYPE
    assert r.smove("nokey", "str", "1") is False


def test_smove(r):
    r.sadd("a", "1", "2")
    r.sadd("b", "x")
    assert r.smove("a", "b", "1") is True
    assert r.smove("a", "b", "1") is False
    assert r.smove("a", "a", "2") is True
    assert r.smove("a", "new", "2") is True
    assert r.exists("a") == 0
    assert r.smembers("b") == {b"1", b"x"} and r.smembers("new") == {b"2"}
    assert r.object("encoding", "new") == b"intset"


def test_spop_srandmember(r, raw):
    assert r.spop("nokey") is None and r.spop("nokey", 3) == []
    assert r.srandmember("nokey") is None and r.srandmember("nokey", 2) == []
    members = {b"%d" % i for i in range(50)}
    r.sadd("s", *members)
    assert r.srandmember("s") in members
    got = r.srandmember("s", 20)
    assert len(got) == 20 and len(set(got)) == 20 and set(got) <= members
    assert len(r.srandmember("s", -100)) == 100
    assert set(r.srandmember("s", 100)) == members
    popped = set(r.spop("s", 10))
    assert len(popped) == 10 and r.scard("s") == 40
    popped |= set(r.spop("s", 35))  # few remain: the move strategy
    assert r.scard("s") == 5
    popped |= {r.spop("s")}
    popped |= set(r.spop("s", 10))
    assert popped == members and r.exists("s") == 0
    assert error_of(raw, "SPOP", "s", "-1") == "ERR value is out of range, must be positive"
    assert error_of(raw, "SPOP", "s", "x") == "ERR value is out of range, must be positive"
    assert error_of(raw, "SPOP", "s", "1", "2") == SYNTAX
    assert error_of(raw, "SRANDMEMBER", "s", "x") == NOT_INT


@pytest.mark.parametrize("n", [10, 2000])
def test_sscan(r, raw, n):
    r.sadd("s", *["m%d" % i for i in range(n)])
    seen, cursor = set(), 0
    while True:
        cursor, part = r.sscan("s", cursor, count=50)
        seen |= set(part)
        if cursor == 0:
            break
    assert seen == {b"m%d" % i for i in range(n)}
    assert error_of(raw, "SSCAN", "s", "abc") == "ERR invalid cursor"


def test_resp3_smembers_is_a_set(server):
    import resp
    with resp.Conn(server.host, server.port) as c:
        c.call("HELLO", "3")
        c.call("DEL", "s")
        c.call("SADD", "s", "1")
        assert c.call_raw("SMEMBERS", "s") == b"~1\r\n$1\r\n1\r\n"
        assert c.call_raw("SRANDMEMBER", "s", "5") == b"*1\r\n$1\r\n1\r\n"
