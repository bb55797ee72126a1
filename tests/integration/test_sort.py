"""SORT and SORT_RO of Redis 7.0: numeric and ALPHA order, BY patterns
(including hash fields and 'nosort'), GET patterns, LIMIT, STORE, errors."""

import pytest

from util import SYNTAX, WRONGTYPE, error_of


@pytest.fixture
def data(r):
    r.rpush("l", "3", "1", "2", "10", "-5", "1.5")
    r.mset({"w_3": "30", "w_1": "10", "w_2": "20", "w_10": "5", "w_-5": "100",
            "o_3": "three", "o_1": "one"})
    r.hset("h_3", "f", "9")
    r.hset("h_1", "f", "8")
    return r


def test_numeric_alpha_desc_limit(data):
    r = data
    assert r.sort("l") == [b"-5", b"1", b"1.5", b"2", b"3", b"10"]
    assert r.sort("l", desc=True) == [b"10", b"3", b"2", b"1.5", b"1", b"-5"]
    assert r.sort("l", alpha=True) == [b"-5", b"1", b"1.5", b"10", b"2", b"3"]
    assert r.sort("l", start=1, num=2) == [b"1", b"1.5"]
    assert r.sort("l", start=10, num=2) == []
    assert r.execute_command("SORT", "l", "LIMIT", "-1", "2") == [b"-5", b"1"]


def test_by_and_get_patterns(data):
    r = data
    assert r.sort("l", by="w_*") == [b"1.5", b"10", b"1", b"2", b"3", b"-5"]
    assert r.sort("l", by="w_*", get=["o_*", "#"]) == [
        None, b"1.5", None, b"10", b"one", b"1", None, b"2", b"three", b"3", None, b"-5"]
    assert r.sort("l", by="h_*->f", get="h_*->f") == [None, None, None, None, b"8", b"9"]
    assert r.sort("l", by="nosort") == [b"3", b"1", b"2", b"10", b"-5", b"1.5"]
    assert r.sort("l", by="nosort", desc=True, start=1, num=2) == [b"-5", b"10"]
    assert r.sort_ro("l", by="w_*", get="o_*") == [None, None, b"one", None, b"three", None]


def test_store(data):
    r = data
    assert r.sort("l", store="dst") == 6
    assert r.lrange("dst", 0, -1) == [b"-5", b"1", b"1.5", b"2", b"3", b"10"]
    assert r.object("encoding", "dst") == b"quicklist"
    assert r.sort("nokey", store="dst") == 0
    assert r.exists("dst") == 0
    r.sadd("s", "b", "a", "c")
    assert r.sort("s", by="nosort", store="sd") == 3  # sets are sorted ALPHA when stored
    assert r.lrange("sd", 0, -1) == [b"a", b"b", b"c"]


def test_sets_and_zsets(r):
    r.sadd("s", "5", "3", "9", "1")
    assert r.sort("s") == [b"1", b"3", b"5", b"9"]
    r.zadd("z", {"c": 3, "a": 1, "b": 2})
    assert r.sort("z", alpha=True) == [b"a", b"b", b"c"]
    assert r.sort("z", by="nosort") == [b"a", b"b", b"c"]
    assert r.sort("z", by="nosort", desc=True) == [b"c", b"b", b"a"]


def test_errors(data, raw):
    data.rpush("bad", "a", "b")
    assert error_of(raw, "SORT", "bad") == \
        "ERR One or more scores can't be converted into double"
    assert error_of(raw, "SORT", "l", "FOO") == SYNTAX
    assert error_of(raw, "SORT", "l", "LIMIT", "1") == SYNTAX
    assert error_of(raw, "SORT_RO", "l", "STORE", "x") == SYNTAX
    data.set("str", "x")
    assert error_of(raw, "SORT", "str") == WRONGTYPE
    assert data.sort("nokey") == []
    assert data.command_getkeys("SORT", "l", "BY", "w_*", "GET", "o_*", "STORE", "dd") == \
        ["l", "dd"]
