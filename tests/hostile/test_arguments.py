"""Hostile arguments: lengths and offsets past 512 MB, numbers that overflow,
database indexes out of range, counts of LLONG_MAX, 10 MB key names,
pathological glob patterns, garbage for CONFIG SET. Every reply is Debian's
redis-server 7.0.15's, byte for byte (measured; the module passes with
SLIPSTREAM_TARGET=redis).

Bug classes: an allocation sized by a client's number (a count, an offset, a
length) that overflows or exhausts memory; integer overflow in the
arithmetic on such numbers; recursion or backtracking driven by a pattern;
a configuration parser that accepts garbage; replies unlike Redis's.

Not here, on purpose: HRANDFIELD h -4611686018427387903 WITHVALUES makes
Redis 7.0.15 itself try to build 9.2e18 replies (it hangs and grows without
bound), so no reference answer exists; SETRANGE s 536870911 x is allowed
and allocates 512 MB.
"""

import time

import pytest

import hostile
from hostile import cmd
from hserver import MiB

SHARED_CONFIG = {}

# Argument handling is the store's and the same on every transport: the
# data-plane stages skip this module to stay within CI's time.
pytestmark = pytest.mark.store_only

M = "9223372036854775807"
m = "-9223372036854775808"

E_MAXSIZE = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
E_NOTINT = b"-ERR value is not an integer or out of range\r\n"
E_OVERFLOW = b"-ERR increment or decrement would overflow\r\n"
E_LONG_RANGE = (b"-ERR value is out of range, value must between -9223372036854775807 and "
                b"9223372036854775807\r\n")
E_POSITIVE = b"-ERR value is out of range, must be positive\r\n"
E_DB = b"-ERR DB index is out of range\r\n"
E_BITOFF = b"-ERR bit offset is not an integer or out of range\r\n"
OK = b"+OK\r\n"


def E_EXPIRE(c):
    return b"-ERR invalid expire time in '%s' command\r\n" % c


def E_CONFIG(name, why):
    return b"-ERR CONFIG SET failed (possibly related to argument '%s') - %s\r\n" % (name, why)


def ANY_ORDER(*items):
    """An array reply holding exactly these bulk strings, in any order."""
    return ("any-order", sorted(items))


def N_OF(n, *pool):
    """An array reply of n bulk strings, each one of pool."""
    return ("n-of", n, pool)


BIG1 = (b"1999999999999999999933717593116912913211201996948311344155940959898434697376761237442"
        b"0025384377707864089349445010802644630426949918792116719484162886039283753591820003920"
        b"6381557326219209014213335878306791577877829121087126122536729803237260434173178506889"
        b"763247582601711514636284849020905456510092687857156096")
BIG2 = (b"3400000000000000000062735560503951935905404277793882674660871715264049121024116419881"
        b"2373917780060067395704768377126342532280699783600158696145727482003339309490131720001"
        b"3624802610872515245814124760542925564488876540887382670905522638137419003805178364056"
        b"052028734561012664811529831035124023358619554802565120")

GROUPS = {
    "strings-past-512mb": [
        (("SETRANGE", "s", "536870912", "x"), E_MAXSIZE),
        (("SETRANGE", "s", "-1", "x"), b"-ERR offset is out of range\r\n"),
        (("SETRANGE", "s", M, "x"), E_MAXSIZE),
        (("SETRANGE", "s", "99999999999999999999", "x"), E_NOTINT),
        (("SETRANGE", "s", "536870912", ""), b":0\r\n"),
        (("GETRANGE", "s", "0", M), b"$0\r\n\r\n"),
        (("GETRANGE", "s", m, M), b"$0\r\n\r\n"),
        (("GETRANGE", "s", m, m), b"$0\r\n\r\n"),
        (("SUBSTR", "s", M, m), b"$0\r\n\r\n"),
        (("SET", "s", "hello"), OK),
        (("GETRANGE", "s", m, M), b"$5\r\nhello\r\n"),
        (("GETRANGE", "s", M, m), b"$0\r\n\r\n"),
        (("SETRANGE", "s", M, ""), b":5\r\n"),
        (("APPEND", "s", ""), b":5\r\n"),
    ],
    # proto-max-bulk-len is the 512 MB limit; at its minimum (1 MB) the
    # limit is reached without allocating 512 MB
    "strings-past-proto-max-bulk-len": [
        (("CONFIG", "SET", "proto-max-bulk-len", "1mb"), OK),
        (("SET", "a", "x" * 1048000), OK),
        (("APPEND", "a", "y" * 1000), E_MAXSIZE),
        (("APPEND", "a", "y" * 576), b":1048576\r\n"),
        (("APPEND", "a", "y"), E_MAXSIZE),
        (("SETRANGE", "a", "1048575", "zz"), E_MAXSIZE),
        (("SETRANGE", "n", "1048576", "z"), E_MAXSIZE),
        (("STRLEN", "a"), b":1048576\r\n"),
        (("EXISTS", "n"), b":0\r\n"),
        (("CONFIG", "SET", "proto-max-bulk-len", "512mb"), OK),
    ],
    "bits": [
        (("SETBIT", "b", "4294967296", "1"), E_BITOFF),
        (("SETBIT", "b", "-1", "1"), E_BITOFF),
        (("SETBIT", "b", M, "1"), E_BITOFF),
        (("BITCOUNT", "s", "0", M), b":0\r\n"),
        (("BITCOUNT", "s", m, M), b":0\r\n"),
        (("BITPOS", "s", "1", m, M), b":-1\r\n"),
        (("BITPOS", "s", "0", "0", M, "BIT"), b":0\r\n"),
        (("CONFIG", "SET", "proto-max-bulk-len", "1mb"), OK),
        (("SETBIT", "b", "8388608", "1"), E_BITOFF),
        (("SETBIT", "b", "8388607", "1"), b":0\r\n"),
        (("CONFIG", "SET", "proto-max-bulk-len", "512mb"), OK),
    ],
    "integer-overflow": [
        (("SET", "i", "1"), OK),
        (("INCRBY", "i", M), E_OVERFLOW),
        (("DECRBY", "i", m), b"-ERR decrement would overflow\r\n"),
        (("SET", "i", "-1"), OK),
        (("DECRBY", "i", M), b":-9223372036854775808\r\n"),
        (("DECRBY", "i", m), b"-ERR decrement would overflow\r\n"),
        (("INCRBY", "i", "99999999999999999999"), E_NOTINT),
        (("SET", "i", M), OK),
        (("INCR", "i"), E_OVERFLOW),
        (("SET", "i", m), OK),
        (("DECR", "i"), E_OVERFLOW),
        (("DECRBY", "i", "1"), E_OVERFLOW),
        (("INCRBY", "i", m), E_OVERFLOW),
        (("HSET", "h", "f", M), b":1\r\n"),
        (("HINCRBY", "h", "f", "1"), E_OVERFLOW),
        (("HINCRBY", "h", "f", m), b":-1\r\n"),
    ],
    "float-overflow": [
        (("SET", "f", "1e308"), OK),
        (("INCRBYFLOAT", "f", "1e308"), b"$309\r\n" + BIG1 + b"\r\n"),
        (("INCRBYFLOAT", "f", "nan"), b"-ERR value is not a valid float\r\n"),
        (("INCRBYFLOAT", "f", "inf"), b"-ERR increment would produce NaN or Infinity\r\n"),
        (("INCRBYFLOAT", "f", "-inf"), b"-ERR increment would produce NaN or Infinity\r\n"),
        (("HSET", "h", "g", "1.7e308"), b":1\r\n"),
        (("HINCRBYFLOAT", "h", "g", "1.7e308"), b"$309\r\n" + BIG2 + b"\r\n"),
        (("ZADD", "z", "nan", "a"), b"-ERR value is not a valid float\r\n"),
        (("ZADD", "z", "inf", "a"), b":1\r\n"),
        (("ZINCRBY", "z", "-inf", "a"), b"-ERR resulting score is not a number (NaN)\r\n"),
        (("ZRANGEBYSCORE", "z", "nan", "1"), b"-ERR min or max is not a float\r\n"),
    ],
    "expire-overflow": [
        (("SET", "k", "v"), OK),
        (("EXPIRE", "k", M), E_EXPIRE(b"expire")),
        (("EXPIRE", "k", m), E_EXPIRE(b"expire")),
        (("PEXPIRE", "k", M), E_EXPIRE(b"pexpire")),
        (("EXPIREAT", "k", M), E_EXPIRE(b"expireat")),
        (("EXPIREAT", "k", m), E_EXPIRE(b"expireat")),
        (("EXPIRE", "k", "9223372036854775"), E_EXPIRE(b"expire")),
        (("EXPIRE", "k", "9223372036854776"), E_EXPIRE(b"expire")),
        (("EXPIRE", "k", "99999999999999999999"), E_NOTINT),
        (("TTL", "k"), b":-1\r\n"),
        (("PEXPIREAT", "k", M), b":1\r\n"),
        (("PEXPIRE", "k", m), b":1\r\n"),  # in the past: the key goes
        (("EXISTS", "k"), b":0\r\n"),
        (("PEXPIREAT", "k", m), b":0\r\n"),
        (("SET", "k", "v", "EX", M), E_EXPIRE(b"set")),
        (("SET", "k", "v", "PX", M), E_EXPIRE(b"set")),
        (("SET", "k", "v", "EX", "0"), E_EXPIRE(b"set")),
        (("SET", "k", "v", "EX", "-1"), E_EXPIRE(b"set")),
        (("SET", "k", "v", "EXAT", M), E_EXPIRE(b"set")),
        (("SET", "k", "v", "PXAT", m), E_EXPIRE(b"set")),
        (("GETEX", "k", "EX", M), b"$-1\r\n"),
        (("SETEX", "k", M, "v"), E_EXPIRE(b"setex")),
        (("PSETEX", "k", M, "v"), E_EXPIRE(b"psetex")),
        (("SETEX", "k", "0", "v"), E_EXPIRE(b"setex")),
        (("EXISTS", "k"), b":0\r\n"),
        (("SET", "k", "v"), OK),
        (("GETEX", "k", "EX", M), E_EXPIRE(b"getex")),
        (("GETEX", "k", "PX", "0"), E_EXPIRE(b"getex")),
        (("TTL", "k"), b":-1\r\n"),
    ],
    "select-out-of-range": [
        (("SELECT", "16"), E_DB),
        (("SELECT", "-1"), E_DB),
        (("SELECT", M), b"-ERR value is out of range, value must between -2147483648 and "
                        b"2147483647\r\n"),
        (("SELECT", "99999999999999999999"), E_NOTINT),
        (("SELECT", "x"), E_NOTINT),
        (("SWAPDB", "0", "16"), E_DB),
        (("SWAPDB", "-1", "0"), E_DB),
        (("SET", "k", "v"), OK),
        (("MOVE", "k", "16"), E_DB),
        (("MOVE", "k", "-1"), E_DB),
        (("COPY", "k", "k2", "DB", "16"), E_DB),
        (("GET", "k"), b"$1\r\nv\r\n"),
    ],
    "huge-counts": [
        (("RPUSH", "l", "a", "b", "c"), b":3\r\n"),
        (("LRANGE", "l", "0", M), b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (("LRANGE", "l", m, M), b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (("LRANGE", "l", M, m), b"*0\r\n"),
        (("LINDEX", "l", m), b"$-1\r\n"),
        (("LINDEX", "l", M), b"$-1\r\n"),
        (("LSET", "l", m, "x"), b"-ERR index out of range\r\n"),
        (("LTRIM", "l", m, M), OK),
        (("LPOS", "l", "a", "COUNT", M), b"*1\r\n:0\r\n"),
        (("LPOS", "l", "a", "MAXLEN", M), b":0\r\n"),
        (("LPOS", "l", "a", "RANK", M), b"$-1\r\n"),
        (("LPOS", "l", "a", "COUNT", "-1"), b"-ERR COUNT can't be negative\r\n"),
        (("LPOS", "l", "a", "MAXLEN", "-1"), b"-ERR MAXLEN can't be negative\r\n"),
        (("LPOP", "l", "-1"), E_POSITIVE),
        (("LPOP", "l", m), E_POSITIVE),
        (("LPOP", "l", M), b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (("SADD", "st", "a", "b", "c"), b":3\r\n"),
        (("SRANDMEMBER", "st", m), E_LONG_RANGE),
        (("SRANDMEMBER", "st", M), ANY_ORDER(b"a", b"b", b"c")),
        (("SRANDMEMBER", "st", "-5"), N_OF(5, b"a", b"b", b"c")),
        (("SRANDMEMBER", "st", "0"), b"*0\r\n"),
        (("SSCAN", "st", "0", "COUNT", M), ("sscan-all", [b"a", b"b", b"c"])),
        (("SPOP", "st", "-1"), E_POSITIVE),
        (("SPOP", "st", M), ANY_ORDER(b"a", b"b", b"c")),
        (("HSET", "h", "a", "1", "b", "2"), b":2\r\n"),
        (("HRANDFIELD", "h", m), E_LONG_RANGE),
        (("HRANDFIELD", "h", M), ANY_ORDER(b"a", b"b")),
        (("HRANDFIELD", "h", m, "WITHVALUES"), E_LONG_RANGE),
        (("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"),
         b"-ERR value is out of range\r\n"),
        (("HSCAN", "h", "0", "COUNT", M),
         b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        (("ZADD", "z", "1", "a", "2", "b"), b":2\r\n"),
        (("ZRANDMEMBER", "z", m), E_LONG_RANGE),
        (("ZRANDMEMBER", "z", m, "WITHSCORES"), E_LONG_RANGE),
        (("ZRANGE", "z", "0", M), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (("ZRANGE", "z", m, M), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", M),
         b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", m, M), b"*0\r\n"),
        (("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", M, M), b"*0\r\n"),
        (("ZSCAN", "z", "0", "COUNT", M),
         b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        (("ZPOPMIN", "z", "-1"), E_POSITIVE),
        (("ZREMRANGEBYRANK", "z", m, M), b":2\r\n"),
        (("ZADD", "z", "1", "a", "2", "b"), b":2\r\n"),
        (("ZPOPMIN", "z", M), b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    ],
    "sort-limit": [
        (("RPUSH", "n", "3", "1", "2"), b":3\r\n"),
        (("SORT", "n", "LIMIT", "0", M), b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (("SORT", "n", "LIMIT", M, M), b"*0\r\n"),
        (("SORT", "n", "LIMIT", m, m), b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (("SORT", "n", "LIMIT", "-1", "-1"), b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (("SORT", "n", "LIMIT", "1", M), b"*2\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (("SORT", "n", "DESC", "LIMIT", m, "2"), b"*2\r\n$1\r\n3\r\n$1\r\n2\r\n"),
        (("SORT", "n", "BY", "nosort", "LIMIT", M, "1"), b"*0\r\n"),
        (("SORT", "n", "ALPHA", "LIMIT", "1", M), b"*2\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (("SORT", "n", "LIMIT", "0", "99999999999999999999"), E_NOTINT),
        (("SORT_RO", "n", "LIMIT", "0", M), b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
    ],
    "scan-count": [
        (("SET", "k1", "v"), OK),
        (("SET", "k2", "v"), OK),
        (("SCAN", "0", "COUNT", M), ("scan-all", [b"k1", b"k2"])),
        (("SCAN", "0", "COUNT", "0"), b"-ERR syntax error\r\n"),
        (("SCAN", "0", "COUNT", "-1"), b"-ERR syntax error\r\n"),
        (("SCAN", "0", "COUNT", "99999999999999999999"), E_NOTINT),
        # the largest cursor (and -1, read as unsigned) is a valid cursor:
        # which keys its bucket holds depends on their hashes
        (("SCAN", "18446744073709551615"), ("scan-some", [b"k1", b"k2"])),
        (("SCAN", "-1"), ("scan-some", [b"k1", b"k2"])),
        (("SCAN", "18446744073709551616"), b"-ERR invalid cursor\r\n"),
        (("SCAN", "0", "MATCH", "*" * 100000, "COUNT", M), ("scan-all", [b"k1", b"k2"])),
    ],
    "config-set-garbage": [
        (("CONFIG", "SET", "maxmemory", "abc"),
         E_CONFIG(b"maxmemory", b"argument must be a memory value")),
        (("CONFIG", "SET", "timeout", "-1"),
         E_CONFIG(b"timeout", b"argument must be between 0 and 2147483647 inclusive")),
        (("CONFIG", "SET", "timeout", "x"),
         E_CONFIG(b"timeout", b"argument couldn't be parsed into an integer")),
        (("CONFIG", "SET", "timeout", "99999999999999999999"),
         E_CONFIG(b"timeout", b"argument couldn't be parsed into an integer")),
        (("CONFIG", "SET", "proto-max-bulk-len", "1"),
         E_CONFIG(b"proto-max-bulk-len",
                  b"argument must be between 1048576 and 9223372036854775807 inclusive")),
        (("CONFIG", "SET", "client-query-buffer-limit", "1"),
         E_CONFIG(b"client-query-buffer-limit",
                  b"argument must be between 1048576 and 9223372036854775807 inclusive")),
        (("CONFIG", "SET", "client-output-buffer-limit", "normal 1 2"),
         E_CONFIG(b"client-output-buffer-limit",
                  b"Wrong number of arguments in buffer limit configuration.")),
        (("CONFIG", "SET", "client-output-buffer-limit", "normal a b c"),
         E_CONFIG(b"client-output-buffer-limit",
                  b"Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
        (("CONFIG", "SET", "client-output-buffer-limit", "bogus 1 2 3"),
         E_CONFIG(b"client-output-buffer-limit",
                  b"Invalid client class specified in buffer limit configuration.")),
        (("CONFIG", "SET", "client-output-buffer-limit", "normal -1 0 0"),
         E_CONFIG(b"client-output-buffer-limit",
                  b"Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
        (("CONFIG", "SET", "maxmemory-clients", "200%"),
         E_CONFIG(b"maxmemory-clients", b"percentage argument must be less or equal to 100")),
        (("CONFIG", "SET", "maxmemory-clients", "-1"),
         E_CONFIG(b"maxmemory-clients", b"argument must be a memory or percent value")),
        (("CONFIG", "SET", "nosuch", "1"),
         b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"),
        (("CONFIG", "SET", "x" * 200, "1"),
         b"-ERR Unknown option or number of arguments for CONFIG SET - '" + b"x" * 200 + b"'\r\n"),
        (("CONFIG", "SET", "databases", "5"),
         E_CONFIG(b"databases", b"can't set immutable config")),
        (("CONFIG", "SET", "maxclients", "0"),
         E_CONFIG(b"maxclients", b"argument must be between 1 and 4294967295 inclusive")),
        (("CONFIG", "SET", "timeout", "1", "timeout", "2"),
         E_CONFIG(b"timeout", b"duplicate parameter")),
        (("CONFIG", "SET", "timeout"),
         b"-ERR wrong number of arguments for 'config|set' command\r\n"),
        (("CONFIG", "SET", "save", "x y"), E_CONFIG(b"save", b"Invalid save parameters")),
        (("CONFIG", "SET", "loglevel", "loud"),
         E_CONFIG(b"loglevel", b"argument(s) must be one of the following: debug, verbose, notice, "
                               b"warning")),
        (("CONFIG", "SET", "hz", "0"), OK),
        (("CONFIG", "GET", "hz"), b"*2\r\n$2\r\nhz\r\n$1\r\n1\r\n"),
        (("CONFIG", "SET", "hz", "1000000"), OK),
        (("CONFIG", "GET", "hz"), b"*2\r\n$2\r\nhz\r\n$3\r\n500\r\n"),
        (("CONFIG", "SET", "hz", "10"), OK),
        (("CONFIG", "GET", "timeout"), b"*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"),
        (("CONFIG", "GET", "client-output-buffer-limit"),
         b"*2\r\n$26\r\nclient-output-buffer-limit\r\n$67\r\n"
         b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n"),
    ],
}


def _check(conn, args, want):
    if isinstance(want, bytes):
        got = conn.call_raw(*args)
        assert got == want, "%r: got %r, want %r" % (args[:6], got[:300], want[:300])
        return
    kind = want[0]
    got = conn.call(*args)
    if kind == "any-order":
        assert isinstance(got, list) and sorted(got) == want[1], (args, got)
    elif kind == "n-of":
        assert isinstance(got, list) and len(got) == want[1], (args, got)
        assert all(x in want[2] for x in got), (args, got)
    elif kind in ("scan-all", "sscan-all"):
        # one call with COUNT huge returns everything, whatever the cursor
        assert isinstance(got, list) and len(got) == 2, (args, got)
        assert sorted(got[1]) == want[1], (args, got)
    elif kind == "scan-some":
        assert isinstance(got, list) and len(got) == 2 and isinstance(got[1], list), (args, got)
        assert all(k in want[1] for k in got[1]), (args, got)
    else:
        raise ValueError(kind)


def _unknown(conn, name):
    r = conn.call("COMMAND", "INFO", name)
    return r == [None]


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_hostile_arguments(shared, group):
    c = shared.conn()
    try:
        c.sock.settimeout(30)
        assert c.call("FLUSHALL") == b"OK"
        if group == "bits" and _unknown(c, "SETBIT"):
            pytest.skip("the server has no bitmap commands yet")
        for args, want in GROUPS[group]:
            t = time.monotonic()
            _check(c, args, want)
            assert time.monotonic() - t < 5, "%r took %.1f s" % (args[:4], time.monotonic() - t)
        assert c.call("FLUSHALL") == b"OK"
    finally:
        c.close()


def test_ten_megabyte_key_names(shared):
    """Keys of 10 MB: stored, found, renamed, listed, typed wrong, deleted;
    an unknown command named by one quotes only its first 128 bytes; all of
    it is freed."""
    k1 = b"k" * (10 * MiB)
    k2 = b"j" * (10 * MiB)
    c = shared.conn()
    try:
        c.sock.settimeout(60)
        assert c.call("SET", k1, "v") == b"OK"
        assert c.call("EXISTS", k1) == 1
        assert c.call("RENAME", k1, k2) == b"OK"
        assert c.call("KEYS", "j*") == [k2]
        assert c.call_raw("LPUSH", k2, "x") == (
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        assert c.call_raw(k1[:200], "a") == (
            b"-ERR unknown command '" + k1[:128] + b"', with args beginning with: 'a' \r\n")
        assert c.call("DEL", k1, k2) == 1
        assert c.call("DBSIZE") == 0
    finally:
        c.close()


GLOBS = [
    ("a*" * 8 + "b", []),
    ("*a" * 30 + "b", []),
    ("a*" * 3000 + "b", []),
    ("*a" * 20000, []),
    ("*" * 100000, ["a" * 100, "a" * 5000 + "c", "k[", "\\"]),
    ("?" * 1000000, []),
    ("[", []),
    ("[a-", []),
    ("[^", ["\\"]),
    ("\\", ["\\"]),
    ("k\\[", ["k["]),
    ("[]]", []),
    ("[\\", ["\\"]),
    ("a[z-a]*", ["a" * 100, "a" * 5000 + "c"]),
    ("*[a-]", ["a" * 100]),
    (("*a" * 100000) + "b", []),
]


def test_pathological_globs(shared):
    """KEYS with patterns built to backtrack (a*a*a*...b), to recurse (one
    star per character), to be long (a million '?'), or to be malformed
    (unterminated classes and escapes): Redis 7.0.15's matches, each within
    a second."""
    c = shared.conn()
    try:
        c.sock.settimeout(30)
        for k in ("a" * 100, "a" * 5000 + "c", "k[", "\\"):
            assert c.call("SET", k, "1") == b"OK"
        for pat, want in GLOBS:
            t = time.monotonic()
            got = c.call("KEYS", pat)
            took = time.monotonic() - t
            assert sorted(got) == sorted(w.encode() for w in want), (pat[:40], len(pat), got)
            assert took < 1.0, "KEYS %r... (%d bytes) took %.1f s" % (pat[:20], len(pat), took)
        assert c.call("FLUSHALL") == b"OK"
    finally:
        c.close()


def test_many_arguments(shared):
    """MSET of 200,000 keys in one command, then DEL of them all, then a
    200,000-argument EXISTS: runs, answers, and leaves nothing behind."""
    n = 200000
    parts = [b"*%d\r\n$4\r\nMSET\r\n" % (2 * n + 1)]
    for i in range(n):
        k = b"m%d" % i
        parts.append(b"$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k))
    s = shared.connect(timeout=60)
    try:
        s.sendall(b"".join(parts))
        assert hostile.read_line(s, timeout=60) == b"+OK\r\n"
        s.sendall(cmd("DEL", *["m%d" % i for i in range(n)]))
        assert hostile.read_line(s, timeout=60) == b":%d\r\n" % n
        s.sendall(cmd("EXISTS", *["m%d" % i for i in range(n)]))
        assert hostile.read_line(s, timeout=60) == b":0\r\n"
    finally:
        s.close()
