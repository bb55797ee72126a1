"""String commands of Redis 7.0: behaviour and exact error replies.

Normal behaviour goes through redis-py (`r`); exact error texts through the
raw RESP connection (`raw`), because redis-py strips the 'ERR ' prefix.
"""

import time

import pytest

from util import (NOT_FLOAT, NOT_INT, SYNTAX, WRONGTYPE, arity_error,
                  error_of, make_nonstring, wait_for)


# --------------------------------------------------------------------------
# GET / SET and SET's options
# --------------------------------------------------------------------------

def test_get_missing_is_nil(r, raw):
    assert r.get("nokey") is None
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"


def test_set_get_roundtrip_binary_safe(r):
    v = bytes(range(256)) * 3 + b"\r\n\x00end"
    assert r.set(b"k\x00\r\n", v) is True
    assert r.get(b"k\x00\r\n") == v


def test_set_empty_value(r):
    assert r.set("k", "") is True
    assert r.get("k") == b""
    assert r.exists("k") == 1
    assert r.strlen("k") == 0


def test_set_overwrites_any_type_and_clears_ttl(r):
    make_nonstring(r, "k")
    assert r.set("k", "v") is True
    assert r.type("k") == b"string"
    r.expire("k", 100)
    r.set("k", "w")
    assert r.ttl("k") == -1


def test_set_nx(r, raw):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert raw.call_raw("SET", "k", "3", "NX") == b"$-1\r\n"
    assert r.get("k") == b"1"


def test_set_xx(r):
    assert r.set("k", "1", xx=True) is None
    assert r.get("k") is None
    r.set("k", "1")
    assert r.set("k", "2", xx=True) is True
    assert r.get("k") == b"2"


def test_set_options_are_case_insensitive(r):
    assert r.execute_command("SET", "k", "v", "nx", "ex", "100") is True
    assert 0 < r.ttl("k") <= 100


def test_set_get_option(r, raw):
    assert r.set("k", "1", get=True) is None
    assert r.set("k", "2", get=True) == b"1"
    assert r.get("k") == b"2"


def test_set_get_option_on_wrong_type_does_not_set(r, raw):
    typ = make_nonstring(r, "k")
    assert error_of(raw, "SET", "k", "v", "GET") == WRONGTYPE
    assert r.type("k") == typ


def test_set_nx_get_allowed_in_7(r, raw):
    # Redis 7.0 allows NX together with GET.
    assert raw.call("SET", "k", "1", "NX", "GET") is None
    assert r.get("k") == b"1"
    assert raw.call("SET", "k", "2", "NX", "GET") == b"1"
    assert r.get("k") == b"1"


def test_set_xx_get(r, raw):
    assert raw.call("SET", "k", "1", "XX", "GET") is None
    assert r.exists("k") == 0
    r.set("k", "old")
    assert raw.call("SET", "k", "new", "XX", "GET") == b"old"
    assert r.get("k") == b"new"


def test_set_ex_px(r):
    r.set("k", "v", ex=100)
    assert 99 <= r.ttl("k") <= 100
    r.set("k", "v", px=100000)
    assert 99000 < r.pttl("k") <= 100000


def test_set_exat_pxat(r):
    now = int(time.time())
    r.set("k", "v", exat=now + 100)
    assert 98 <= r.ttl("k") <= 100
    assert r.expiretime("k") == now + 100
    r.set("k", "v", pxat=(now + 200) * 1000 + 123)
    assert r.pexpiretime("k") == (now + 200) * 1000 + 123


def test_set_exat_in_the_past_deletes(r):
    r.set("k", "v")
    assert r.execute_command("SET", "k", "v2", "EXAT", "1") is True
    assert r.get("k") is None
    assert r.exists("k") == 0


def test_set_keepttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "w", keepttl=True)
    assert r.get("k") == b"w"
    assert 98 <= r.ttl("k") <= 100
    r.set("k", "x")
    assert r.ttl("k") == -1


def test_set_px_expires(r):
    r.set("k", "v", px=50)
    assert wait_for(lambda: r.get("k") is None, timeout=2)


@pytest.mark.parametrize("args", [
    ["NX", "XX"],
    ["XX", "NX"],
    ["EX", "10", "PX", "100"],
    ["EX", "10", "EXAT", "100"],
    ["PX", "10", "PXAT", "100"],
    ["EXAT", "10", "PXAT", "100"],
    ["KEEPTTL", "EX", "10"],
    ["PX", "10", "KEEPTTL"],
    ["EXAT", "100", "KEEPTTL"],
    ["EX"],
    ["PX"],
    ["FOO"],
    ["EX", "10", "FOO"],
    ["GET", "GET", "FOO"],
])
def test_set_option_conflicts_are_syntax_errors(r, raw, args):
    assert error_of(raw, "SET", "k", "v", *args) == SYNTAX
    assert r.exists("k") == 0


@pytest.mark.parametrize("opt,val", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-5"),
    ("EXAT", "0"), ("PXAT", "0"), ("EXAT", "-1"),
    ("EX", "9223372036854775807"), ("PX", "9223372036854775807"),
    ("EX", "4611686018427387904"),
])
def test_set_invalid_expire_time(r, raw, opt, val):
    assert error_of(raw, "SET", "k", "v", opt, val) == \
        "ERR invalid expire time in 'set' command"
    assert r.exists("k") == 0


@pytest.mark.parametrize("val", ["abc", "1.5", "", " 1", "9223372036854775808"])
def test_set_expire_not_integer(r, raw, val):
    assert error_of(raw, "SET", "k", "v", "EX", val) == NOT_INT


def test_set_arity(raw):
    assert error_of(raw, "SET", "k") == arity_error("set")
    assert error_of(raw, "SET") == arity_error("set")
    assert error_of(raw, "GET") == arity_error("get")
    assert error_of(raw, "GET", "a", "b") == arity_error("get")


@pytest.mark.parametrize("cmd", [
    ["GET", "l"], ["SET", "l", "v", "GET"], ["GETEX", "l"],
    ["GETEX", "l", "PERSIST"], ["GETDEL", "l"], ["GETSET", "l", "x"],
    ["APPEND", "l", "x"], ["STRLEN", "l"], ["GETRANGE", "l", "0", "1"],
    ["SUBSTR", "l", "0", "1"], ["SETRANGE", "l", "0", "x"],
    ["INCR", "l"], ["DECR", "l"], ["INCRBY", "l", "1"], ["DECRBY", "l", "1"],
    ["INCRBYFLOAT", "l", "1"],
])
def test_string_commands_on_wrong_type(r, raw, cmd):
    typ = make_nonstring(r, "l")
    assert error_of(raw, *cmd) == WRONGTYPE
    assert r.type("l") == typ  # untouched


# --------------------------------------------------------------------------
# SETNX SETEX PSETEX GETEX GETDEL GETSET
# --------------------------------------------------------------------------

def test_setnx(r, raw):
    assert raw.call("SETNX", "k", "1") == 1
    assert raw.call("SETNX", "k", "2") == 0
    assert r.get("k") == b"1"
    assert error_of(raw, "SETNX", "k") == arity_error("setnx")


def test_setnx_against_other_type_does_not_overwrite(r, raw):
    typ = make_nonstring(r, "k")
    assert raw.call("SETNX", "k", "v") == 0
    assert r.type("k") == typ


def test_setex(r, raw):
    assert raw.call("SETEX", "k", "100", "v") == b"OK"
    assert r.get("k") == b"v"
    assert 99 <= r.ttl("k") <= 100
    assert error_of(raw, "SETEX", "k", "0", "v") == \
        "ERR invalid expire time in 'setex' command"
    assert error_of(raw, "SETEX", "k", "-10", "v") == \
        "ERR invalid expire time in 'setex' command"
    assert error_of(raw, "SETEX", "k", "x", "v") == NOT_INT
    assert error_of(raw, "SETEX", "k", "10") == arity_error("setex")
    # The failed calls left the previous value and TTL alone.
    assert r.get("k") == b"v"
    assert r.ttl("k") > 0


def test_psetex(r, raw):
    assert raw.call("PSETEX", "k", "100000", "v") == b"OK"
    assert 99000 < r.pttl("k") <= 100000
    assert error_of(raw, "PSETEX", "k", "0", "v") == \
        "ERR invalid expire time in 'psetex' command"
    assert error_of(raw, "PSETEX", "k", "1.5", "v") == NOT_INT


def test_getex_plain_and_missing(r, raw):
    assert raw.call("GETEX", "nokey") is None
    r.set("k", "v", ex=100)
    assert raw.call("GETEX", "k") == b"v"
    assert r.ttl("k") > 0


def test_getex_sets_and_persists_ttl(r, raw):
    r.set("k", "v")
    assert raw.call("GETEX", "k", "EX", "100") == b"v"
    assert 99 <= r.ttl("k") <= 100
    assert raw.call("GETEX", "k", "PX", "200000") == b"v"
    assert 199000 < r.pttl("k") <= 200000
    now = int(time.time())
    assert raw.call("GETEX", "k", "EXAT", str(now + 300)) == b"v"
    assert r.expiretime("k") == now + 300
    assert raw.call("GETEX", "k", "PXAT", str((now + 400) * 1000)) == b"v"
    assert r.pexpiretime("k") == (now + 400) * 1000
    assert raw.call("GETEX", "k", "PERSIST") == b"v"
    assert r.ttl("k") == -1


def test_getex_exat_in_the_past_deletes(r, raw):
    r.set("k", "v")
    assert raw.call("GETEX", "k", "EXAT", "1") == b"v"
    assert r.exists("k") == 0


def test_getex_errors(r, raw):
    r.set("k", "v")
    assert error_of(raw, "GETEX", "k", "EX", "0") == \
        "ERR invalid expire time in 'getex' command"
    assert error_of(raw, "GETEX", "k", "PX", "-1") == \
        "ERR invalid expire time in 'getex' command"
    assert error_of(raw, "GETEX", "k", "EX", "abc") == NOT_INT
    assert error_of(raw, "GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert error_of(raw, "GETEX", "k", "EX", "10", "PX", "10") == SYNTAX
    assert error_of(raw, "GETEX", "k", "FOO") == SYNTAX
    assert error_of(raw, "GETEX", "k", "EX") == SYNTAX
    assert error_of(raw, "GETEX", "k", "KEEPTTL") == SYNTAX
    assert error_of(raw, "GETEX") == arity_error("getex")
    assert r.ttl("k") == -1


def test_getdel(r, raw):
    r.set("k", "v")
    assert raw.call("GETDEL", "k") == b"v"
    assert r.exists("k") == 0
    assert raw.call("GETDEL", "k") is None
    assert error_of(raw, "GETDEL") == arity_error("getdel")


def test_getset(r, raw):
    assert raw.call("GETSET", "k", "1") is None
    assert raw.call("GETSET", "k", "2") == b"1"
    assert r.get("k") == b"2"
    r.expire("k", 100)
    raw.call("GETSET", "k", "3")
    assert r.ttl("k") == -1  # GETSET discards the TTL like SET
    assert error_of(raw, "GETSET", "k") == arity_error("getset")


# --------------------------------------------------------------------------
# MGET MSET MSETNX
# --------------------------------------------------------------------------

def test_mget(r, raw):
    r.set("a", "1")
    r.set("c", "3")
    assert r.mget("a", "b", "c", "a") == [b"1", None, b"3", b"1"]
    assert error_of(raw, "MGET") == arity_error("mget")


def test_mget_other_type_is_nil(r):
    r.set("a", "1")
    make_nonstring(r, "l")
    # Keys of other types are nil, not errors.
    assert r.mget("a", "l", "a") == [b"1", None, b"1"]


def test_mset(r, raw):
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b") == [b"1", b"2"]
    r.expire("a", 100)
    assert raw.call("MSET", "a", "9", "l", "s", "a", "10") == b"OK"
    assert r.get("a") == b"10"  # last one wins
    assert r.ttl("a") == -1
    assert r.get("l") == b"s"
    assert error_of(raw, "MSET") == arity_error("mset")
    assert error_of(raw, "MSET", "a") == arity_error("mset")
    assert error_of(raw, "MSET", "a", "1", "b") == arity_error("mset")


def test_msetnx(r, raw):
    assert raw.call("MSETNX", "a", "1", "b", "2") == 1
    assert raw.call("MSETNX", "b", "x", "c", "3") == 0
    assert r.mget("a", "b", "c") == [b"1", b"2", None]  # all or nothing
    r.set("l", "x")
    assert raw.call("MSETNX", "l", "x", "d", "4") == 0
    assert r.exists("d") == 0
    assert error_of(raw, "MSETNX", "a", "1", "b") == arity_error("msetnx")
    assert error_of(raw, "MSETNX") == arity_error("msetnx")


def test_msetnx_same_key_twice(r, raw):
    assert raw.call("MSETNX", "x", "1", "x", "2") == 1
    assert r.get("x") == b"2"


# --------------------------------------------------------------------------
# APPEND STRLEN GETRANGE SUBSTR SETRANGE
# --------------------------------------------------------------------------

def test_append(r, raw):
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.get("k") == b"Hello World"
    assert r.append("k", "") == 11
    r.set("n", 12)
    assert r.append("n", 3) == 3
    assert r.get("n") == b"123"
    assert error_of(raw, "APPEND", "k") == arity_error("append")


def test_append_keeps_ttl(r):
    r.set("k", "a", ex=100)
    r.append("k", "b")
    assert r.ttl("k") > 0


def test_strlen(r, raw):
    assert r.strlen("nokey") == 0
    r.set("k", "hello")
    assert r.strlen("k") == 5
    r.set("n", 12345)
    assert r.strlen("n") == 5  # integer-encoded: length of its decimal form
    r.set("neg", -100)
    assert r.strlen("neg") == 4
    assert error_of(raw, "STRLEN") == arity_error("strlen")


@pytest.mark.parametrize("start,end,expected", [
    (0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
    (10, 100, b"string"), (5, 3, b""), (-100, 3, b"This"),
    (100, 200, b""), (-1, -100, b""), (0, 0, b"T"), (-1, -1, b"g"),
    (15, 15, b"g"), (16, 16, b""),
])
def test_getrange(r, start, end, expected):
    r.set("k", "This is a string")
    assert r.getrange("k", start, end) == expected


def test_getrange_on_integer_encoded_and_missing(r, raw):
    r.set("n", 12345)
    assert r.getrange("n", 1, 2) == b"23"
    assert r.getrange("n", -2, -1) == b"45"
    # Missing key: empty string, not nil.
    assert raw.call_raw("GETRANGE", "nokey", "0", "-1") == b"$0\r\n\r\n"


def test_getrange_errors(r, raw):
    r.set("k", "abc")
    assert error_of(raw, "GETRANGE", "k", "a", "1") == NOT_INT
    assert error_of(raw, "GETRANGE", "k", "0", "1.5") == NOT_INT
    assert error_of(raw, "GETRANGE", "k", "0") == arity_error("getrange")


def test_substr(r, raw):
    r.set("k", "Hello World")
    assert raw.call("SUBSTR", "k", "0", "4") == b"Hello"
    assert raw.call("SUBSTR", "k", "-5", "-1") == b"World"
    assert raw.call("SUBSTR", "nokey", "0", "1") == b""
    assert error_of(raw, "SUBSTR", "k", "0") == arity_error("substr")
    assert error_of(raw, "SUBSTR", "k", "x", "1") == NOT_INT


def test_setrange(r, raw):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("k", 20, "!") == 21
    assert r.get("k") == b"Hello Redis" + b"\x00" * 9 + b"!"


def test_setrange_creates_zero_padded(r):
    assert r.setrange("k", 5, "ab") == 7
    assert r.get("k") == b"\x00" * 5 + b"ab"


def test_setrange_empty_value(r, raw):
    # Empty value on a missing key: nothing is created.
    assert r.setrange("k", 5, "") == 0
    assert r.exists("k") == 0
    r.set("k", "abc")
    assert r.setrange("k", 10, "") == 3
    assert r.get("k") == b"abc"


def test_setrange_on_integer(r):
    r.set("n", 1234)
    assert r.setrange("n", 1, "x") == 4
    assert r.get("n") == b"1x34"


def test_setrange_errors(r, raw):
    r.set("k", "abc")
    assert error_of(raw, "SETRANGE", "k", "-1", "x") == \
        "ERR offset is out of range"
    assert error_of(raw, "SETRANGE", "k", "x", "x") == NOT_INT
    # Default proto-max-bulk-len is 512 MiB: offset 512Mi + 1 byte is too big.
    assert error_of(raw, "SETRANGE", "k", "536870912", "x") == \
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    assert error_of(raw, "SETRANGE", "nokey", "536870912", "x") == \
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    assert r.exists("nokey") == 0
    assert error_of(raw, "SETRANGE", "k", "0") == arity_error("setrange")
    assert r.get("k") == b"abc"


def test_string_max_size_follows_proto_max_bulk_len(server_factory):
    srv = server_factory(**{"proto-max-bulk-len": "1mb"})
    c = srv.client()
    with srv.raw() as raw:
        limit = 1024 * 1024
        assert c.setrange("k", limit - 1, "x") == limit
        assert error_of(raw, "SETRANGE", "k", str(limit), "x") == \
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        assert c.strlen("k") == limit
        c.set("a", "x" * (limit - 1))
        assert error_of(raw, "APPEND", "a", "yy") == \
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        assert c.append("a", "y") == limit
    c.close()


# --------------------------------------------------------------------------
# INCR DECR INCRBY DECRBY INCRBYFLOAT
# --------------------------------------------------------------------------

def test_incr_decr_family(r):
    assert r.incr("k") == 1
    assert r.incr("k") == 2
    assert r.incrby("k", 10) == 12
    assert r.decr("k") == 11
    assert r.decrby("k", 20) == -9
    assert r.incrby("k", -1) == -10
    assert r.get("k") == b"-10"
    assert r.decr("new") == -1


def test_incr_keeps_ttl(r):
    r.set("k", 1, ex=100)
    r.incr("k")
    assert r.ttl("k") > 0


def test_incr_big_values(r):
    r.set("k", "9223372036854775806")
    assert r.incr("k") == 9223372036854775807
    r.set("k", "-9223372036854775807")
    assert r.decr("k") == -9223372036854775808


@pytest.mark.parametrize("value", [
    "abc", "1.5", " 1", "1 ", "01", "+1", "", "9223372036854775808",
    "1e3", "0x10", "-", "--1", "1\x00",
])
def test_incr_not_integer(r, raw, value):
    r.set("k", value)
    assert error_of(raw, "INCR", "k") == NOT_INT
    assert error_of(raw, "DECR", "k") == NOT_INT
    assert error_of(raw, "INCRBY", "k", "1") == NOT_INT
    assert error_of(raw, "DECRBY", "k", "1") == NOT_INT
    assert r.get("k") == value.encode()


def test_incrby_bad_increment(r, raw):
    assert error_of(raw, "INCRBY", "k", "abc") == NOT_INT
    assert error_of(raw, "INCRBY", "k", "1.0") == NOT_INT
    assert error_of(raw, "INCRBY", "k", "9223372036854775808") == NOT_INT
    assert error_of(raw, "DECRBY", "k", "") == NOT_INT
    assert r.exists("k") == 0


def test_incr_overflow(r, raw):
    r.set("k", "9223372036854775807")
    assert error_of(raw, "INCR", "k") == \
        "ERR increment or decrement would overflow"
    assert error_of(raw, "INCRBY", "k", "1") == \
        "ERR increment or decrement would overflow"
    r.set("k", "-9223372036854775808")
    assert error_of(raw, "DECR", "k") == \
        "ERR increment or decrement would overflow"
    assert error_of(raw, "INCRBY", "k", "-1") == \
        "ERR increment or decrement would overflow"
    assert error_of(raw, "DECRBY", "k", "1") == \
        "ERR increment or decrement would overflow"
    assert r.get("k") == b"-9223372036854775808"


def test_decrby_min_int_cannot_be_negated(r, raw):
    # Redis 7.0: DECRBY with LLONG_MIN is rejected before touching the key.
    assert error_of(raw, "DECRBY", "k", "-9223372036854775808") == \
        "ERR decrement would overflow"
    assert r.exists("k") == 0


def test_incr_family_arity(r, raw):
    assert error_of(raw, "INCR") == arity_error("incr")
    assert error_of(raw, "INCR", "a", "b") == arity_error("incr")
    assert error_of(raw, "DECR") == arity_error("decr")
    assert error_of(raw, "INCRBY", "k") == arity_error("incrby")
    assert error_of(raw, "DECRBY", "k") == arity_error("decrby")
    assert error_of(raw, "INCRBYFLOAT", "k") == arity_error("incrbyfloat")


def test_incrbyfloat(r, raw):
    r.set("k", "10.50")
    assert raw.call("INCRBYFLOAT", "k", "0.1") == b"10.6"
    assert raw.call("INCRBYFLOAT", "k", "-5") == b"5.6"
    r.set("k", "5.0e3")
    assert raw.call("INCRBYFLOAT", "k", "2.0e2") == b"5200"
    assert raw.call("INCRBYFLOAT", "new", "1") == b"1"
    assert raw.call("INCRBYFLOAT", "new", "0.5") == b"1.5"
    assert raw.call("INCRBYFLOAT", "new", "-1.5") == b"0"
    assert r.get("new") == b"0"
    r.set("i", 7)
    assert raw.call("INCRBYFLOAT", "i", "3") == b"10"
    assert r.get("i") == b"10"


def test_incrbyfloat_keeps_ttl(r, raw):
    r.set("k", "1", ex=100)
    raw.call("INCRBYFLOAT", "k", "1.5")
    assert r.ttl("k") > 0


def test_incrbyfloat_uses_long_double_and_human_format(r, raw):
    # Redis computes in long double and prints with "%.17Lf", trailing zeros
    # trimmed, never with an exponent (ld2string LD_STR_HUMAN).
    r.set("k", "0.1")
    assert raw.call("INCRBYFLOAT", "k", "0.2") == b"0.3"
    r.set("k", "3")
    assert raw.call("INCRBYFLOAT", "k", "1.0e-5") == b"3.00001"
    r.set("k", "1")
    assert raw.call("INCRBYFLOAT", "k", "1.5e1") == b"16"
    v = raw.call("INCRBYFLOAT", "big", "1e308")
    assert b"e" not in v.lower() and b"." not in v
    assert len(v) == 308
    assert v.startswith(b"99999999999999999996685879655845645660560099847")
    # long double range: twice DBL_MAX is still finite
    r.set("k", "1.7976931348623157e308")
    v = raw.call("INCRBYFLOAT", "k", "1.7976931348623157e308")
    assert v.startswith(b"35953862697246313") and len(v) == 309


def test_incrbyfloat_accepts_what_strtold_accepts(r, raw):
    r.set("k", "0x10")
    assert raw.call("INCRBYFLOAT", "k", "1") == b"17"


@pytest.mark.parametrize("value", ["abc", "1.5.5", "", " 1", "1 ", "nan",
                                   "1,5", "1e4933"])
def test_incrbyfloat_value_not_float(r, raw, value):
    r.set("k", value)
    assert error_of(raw, "INCRBYFLOAT", "k", "1") == NOT_FLOAT
    assert r.get("k") == value.encode()


@pytest.mark.parametrize("incr", ["abc", "", "nan", " 1", "1e", "--1"])
def test_incrbyfloat_increment_not_float(r, raw, incr):
    r.set("k", "1")
    assert error_of(raw, "INCRBYFLOAT", "k", incr) == NOT_FLOAT
    assert r.get("k") == b"1"


def test_incrbyfloat_nan_or_infinity(r, raw):
    msg = "ERR increment would produce NaN or Infinity"
    r.set("k", "1")
    assert error_of(raw, "INCRBYFLOAT", "k", "inf") == msg
    assert error_of(raw, "INCRBYFLOAT", "k", "-inf") == msg
    r.set("k", "1e4932")  # near LDBL_MAX
    assert error_of(raw, "INCRBYFLOAT", "k", "1e4932") == msg
    assert r.get("k") == b"1e4932"
    r.set("k", "inf")
    assert error_of(raw, "INCRBYFLOAT", "k", "1") == msg
    assert r.get("k") == b"inf"


# --------------------------------------------------------------------------
# LCS
# --------------------------------------------------------------------------

def test_lcs_string_and_len(r, raw):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert raw.call("LCS", "a", "b") == b"mytext"
    assert raw.call("LCS", "a", "b", "LEN") == 6
    assert raw.call("LCS", "a", "nokey") == b""
    assert raw.call("LCS", "nokey1", "nokey2", "LEN") == 0


def test_lcs_idx(r, raw):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert raw.call("LCS", "a", "b", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]],
        b"len", 6]
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == [
        b"matches", [[[4, 7], [5, 8]]], b"len", 6]
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4",
                    "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert raw.call("LCS", "a", "b", "IDX", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "-1") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]


def test_lcs_idx_via_redis_py_and_resp3_map(r, server):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    with server.raw() as c:
        assert c.call("HELLO", "3")
        rep = c.call("LCS", "a", "b", "IDX")
        assert isinstance(rep, list) and rep.__class__.__name__ == "Map"
        d = rep.as_dict()
        assert d[b"len"] == 6
        assert d[b"matches"] == [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]


def test_lcs_integer_encoded_values(r, raw):
    r.set("a", 12345)
    r.set("b", 2349)
    assert raw.call("LCS", "a", "b") == b"234"


def test_lcs_errors(r, raw):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert error_of(raw, "LCS", "a", "b", "LEN", "IDX") == \
        "ERR If you want both the length and indexes, please just use IDX."
    assert error_of(raw, "LCS", "a", "b", "MINMATCHLEN", "x") == NOT_INT
    assert error_of(raw, "LCS", "a", "b", "IDX", "MINMATCHLEN") == SYNTAX
    assert error_of(raw, "LCS", "a", "b", "FOO") == SYNTAX
    assert error_of(raw, "LCS", "a") == arity_error("lcs")
    make_nonstring(r, "l")
    assert error_of(raw, "LCS", "a", "l") == \
        "ERR The specified keys must contain string values"
    assert error_of(raw, "LCS", "l", "a") == \
        "ERR The specified keys must contain string values"


# --------------------------------------------------------------------------
# OBJECT ENCODING for strings: int / embstr / raw
# --------------------------------------------------------------------------

@pytest.mark.parametrize("value,enc", [
    ("0", b"int"), ("123", b"int"), ("-5", b"int"),
    ("9223372036854775807", b"int"), ("-9223372036854775808", b"int"),
    ("9223372036854775808", b"embstr"), ("01", b"embstr"), ("-0", b"embstr"),
    ("+1", b"embstr"), (" 1", b"embstr"), ("1.5", b"embstr"),
    ("hello", b"embstr"), ("", b"embstr"),
    ("x" * 44, b"embstr"), ("x" * 45, b"raw"), ("y" * 1000, b"raw"),
], ids=lambda v: (v.decode() if isinstance(v, bytes) else
                  v if len(v) <= 20 else "%dchars" % len(v)))
def test_object_encoding_on_set(r, value, enc):
    r.set("k", value)
    assert r.object("encoding", "k") == enc
    assert r.get("k") == value.encode()


def test_object_encoding_transitions(r):
    r.set("k", "12")
    assert r.object("encoding", "k") == b"int"
    r.append("k", "3")  # APPEND on an existing key always makes it raw
    assert r.object("encoding", "k") == b"raw"
    assert r.incr("k") == 124  # INCR turns it back into an int
    assert r.object("encoding", "k") == b"int"
    r.setrange("k", 0, "9")
    assert r.object("encoding", "k") == b"raw"
    r.set("k", "abc")
    assert r.object("encoding", "k") == b"embstr"
    r.append("k", "d")
    assert r.object("encoding", "k") == b"raw"


def test_object_encoding_new_keys_by_command(r, raw):
    r.append("a", "x")  # APPEND creating the key stores it like SET
    assert r.object("encoding", "a") == b"embstr"
    r.append("ai", "42")
    assert r.object("encoding", "ai") == b"int"
    r.setrange("s", 0, "x")  # SETRANGE creating the key: raw
    assert r.object("encoding", "s") == b"raw"
    r.incr("i")
    assert r.object("encoding", "i") == b"int"
    raw.call("INCRBYFLOAT", "f", "1.5")
    assert r.object("encoding", "f") == b"embstr"
    raw.call("INCRBYFLOAT", "g", "2")  # even when the result looks integral
    assert r.object("encoding", "g") == b"embstr"
    r.mset({"m": "7", "n": "seven"})
    assert r.object("encoding", "m") == b"int"
    assert r.object("encoding", "n") == b"embstr"
    raw.call("SETNX", "x", "10")
    raw.call("SETEX", "y", "100", "11")
    raw.call("GETSET", "z", "12")
    for k in ("x", "y", "z"):
        assert r.object("encoding", k) == b"int"
