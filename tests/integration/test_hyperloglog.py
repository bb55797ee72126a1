"""PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST against redis-server
7.0.15 started in the same test.

An HLL built by the same commands is the same bytes on both servers: GET
and DUMP compare equal through the sparse form, the promotion to dense
(by a register above 32 or by hll-sparse-max-bytes) and merges; the cached
cardinality written by PFCOUNT is the same bytes too. Payloads cross: a
DUMP from either RESTOREs into the other and counts the same. Damaged
values (SETRANGE edits, cut or overlong sparse forms, the CVE-2025-32023
floods) answer Redis's errors.
"""

import random
import struct

import pytest

from refpair import Pair


@pytest.fixture
def pair(server, r, transport):
    p = Pair(server, transport)
    yield p
    p.run("CONFIG", "SET", "hll-sparse-max-bytes", 3000)
    p.close()


def elements(rnd, n):
    return ["e%d" % rnd.randrange(10 ** 12) for _ in range(n)]


def check_same_value(pair, key):
    pair.same("GET", key)
    pair.same("DUMP", key)
    pair.same("PFDEBUG", "ENCODING", key)
    pair.same("STRLEN", key)


@pytest.mark.parametrize("sparse_max", [0, 30, 300, 3000, 12000])
def test_pfadd_same_bytes(pair, sparse_max):
    pair.run("CONFIG", "SET", "hll-sparse-max-bytes", sparse_max)
    rnd = random.Random(sparse_max)
    pair.same("PFADD", "h")  # a new empty HLL answers 1
    check_same_value(pair, "h")
    for size in [1, 1, 2, 5, 20, 100, 400, 1500, 6000]:
        pair.same("PFADD", "h", *elements(rnd, size))
        check_same_value(pair, "h")
        pair.same("PFCOUNT", "h")
        check_same_value(pair, "h")  # the cached cardinality, written
        pair.same("PFADD", "h", "e1")
    # elements of every length and bytes (the hash's tails)
    pair.same("PFADD", "bin", *[bytes(rnd.getrandbits(8) for _ in range(n)) for n in range(40)])
    check_same_value(pair, "bin")


def test_pfcount_pfmerge(pair):
    rnd = random.Random(7)
    pair.same("PFADD", "a", *elements(rnd, 50))
    pair.same("PFADD", "b", *elements(rnd, 5000))  # dense
    pair.same("PFADD", "c", *elements(rnd, 300))
    for keys in [("a",), ("a", "b"), ("a", "c"), ("a", "b", "c", "missing"), ("missing",),
                 ("missing", "missing2")]:
        pair.same("PFCOUNT", *keys)
    pair.same("PFMERGE", "m1", "a", "c")  # sparse + sparse, new destination
    check_same_value(pair, "m1")
    pair.same("PFMERGE", "m2", "a", "b")  # a dense source: dense destination
    check_same_value(pair, "m2")
    pair.same("PFMERGE", "c", "a")  # existing destination, also a source
    check_same_value(pair, "c")
    pair.same("PFMERGE", "m3")  # nothing but the destination
    check_same_value(pair, "m3")
    pair.same("PFMERGE", "a", "missing")
    check_same_value(pair, "a")
    for k in ("m1", "m2", "c", "m3"):
        pair.same("PFCOUNT", k)
    pair.run("CONFIG", "SET", "hll-sparse-max-bytes", 40)
    pair.same("PFMERGE", "m4", "a", "c")  # promoted while merging
    check_same_value(pair, "m4")


def test_pfdebug(pair):
    rnd = random.Random(8)
    pair.same("PFADD", "s", *elements(rnd, 30))
    pair.same("PFDEBUG", "DECODE", "s")
    pair.same("PFDEBUG", "ENCODING", "s")
    pair.same("PFDEBUG", "GETREG", "s")  # turns it dense
    check_same_value(pair, "s")
    pair.same("PFDEBUG", "DECODE", "s")
    pair.same("PFDEBUG", "TODENSE", "s")
    pair.same("PFADD", "t", "x")
    pair.same("PFDEBUG", "todense", "t")
    check_same_value(pair, "t")
    pair.run("SET", "str", "hello")
    pair.run("RPUSH", "list", "a")
    for cmd in [("PFDEBUG", "GETREG", "missing"), ("PFDEBUG", "NOPE", "s"),
                ("PFDEBUG", "NOPE", "missing"), ("PFDEBUG", "ENCODING", "str"),
                ("PFDEBUG", "ENCODING", "list"), ("PFDEBUG", "DECODE"),
                ("PFDEBUG", "DECODE", "s", "x"), ("PFSELFTEST", "x")]:
        pair.same(*cmd)


def test_pfselftest(pair):
    pair.same("PFSELFTEST")


def test_not_an_hll(pair):
    pair.run("SET", "int", 12345)
    pair.run("SET", "str", "HYLL")
    pair.run("SET", "magic", b"HYLX" + b"\x01" + b"\x00" * 13)
    pair.run("SET", "enc", b"HYLL" + b"\x02" + b"\x00" * 13)
    pair.run("SET", "dense_short", b"HYLL" + b"\x00" * 12 + b"\x00" * 100)
    pair.run("HSET", "hash", "f", "v")
    for k in ("int", "str", "magic", "enc", "dense_short", "hash"):
        for cmd in [("PFADD", k, "a"), ("PFCOUNT", k), ("PFCOUNT", k, "missing"),
                    ("PFMERGE", "dst", k), ("PFMERGE", k, "missing"), ("PFDEBUG", "GETREG", k)]:
            pair.same(*cmd)
        pair.same("EXISTS", "dst")


def test_damage_detected(pair):
    rnd = random.Random(9)
    pair.same("PFADD", "h", *elements(rnd, 60))
    # a SETRANGE inside the registers: the cache is still valid, then stale
    pair.same("SETRANGE", "h", 20, b"\xff\xff\xff")
    pair.same("PFCOUNT", "h")
    pair.same("PFADD", "h", "new1", "new2", "new3")
    pair.same("PFCOUNT", "h")
    pair.same("PFCOUNT", "h", "h")
    pair.same("PFMERGE", "d", "h")
    pair.same("PFDEBUG", "GETREG", "h")
    hdr = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80"  # sparse, cache stale
    cases = {
        "short": hdr + b"\x7f\xfe",              # 16383 registers
        "long": hdr + b"\x7f\xff\x80",           # 16385
        "valpast": hdr + b"\x7f\xfe\x83",        # a VAL run past the end
        "cut": hdr + b"\x7f",                    # a cut XZERO
        "empty": hdr,                            # no opcode at all
        "xzero_flood": b"HYLL" + struct.pack("12B", 1, *([0] * 11)) +
                       b"\x7f\xff" * (131072 + 1000) + b"\xff",
    }
    for k, v in cases.items():
        pair.run("SET", k, v)
        for cmd in [("PFCOUNT", k), ("PFCOUNT", k, k), ("PFMERGE", "dst_" + k, k),
                    ("PFADD", k, "a", "b", "c"), ("PFDEBUG", "GETREG", k),
                    ("PFDEBUG", "TODENSE", k), ("PFDEBUG", "DECODE", k) if k != "xzero_flood"
                    else ("PING",)]:
            pair.same(*cmd)
        pair.same("GET", k)
    # dense, edited
    pair.same("PFADD", "dense", *elements(rnd, 5000))
    pair.same("SETRANGE", "dense", 100, b"\x00\xff")
    pair.same("PFCOUNT", "dense")
    pair.same("PFCOUNT", "dense")
    pair.same("APPEND", "dense", "x")
    pair.same("PFCOUNT", "dense")


def test_zero_flood_cve_2025_32023(pair):
    """Debian's regression test: ZERO opcodes adding up past 2^32
    registers, then a VAL, must not overflow or write out of bounds."""
    v = b"HYLL" + struct.pack("12B", 1, *([0] * 11)) + b"\x3f" * (33554432 + 1000) + b"\xff"
    pair.run("SET", "hll", v)
    pair.same("PFCOUNT", "hll", "hll")
    pair.same("PFDEBUG", "GETREG", "hll")
    pair.same("PING")


def test_payloads_cross(pair):
    """A DUMP of either server's HLL restores into the other: same bytes,
    same count, same encoding."""
    rnd = random.Random(10)
    for n in (10, 3000):
        els = elements(rnd, n)
        pair.run("PFADD", "x%d" % n, *els)
        da = pair.a.call("DUMP", "x%d" % n)
        db = pair.b.call("DUMP", "x%d" % n)
        assert da == db
        pair.a.call("RESTORE", "from_redis", 0, db, "REPLACE")
        pair.b.call("RESTORE", "from_redis", 0, da, "REPLACE")
        pair.same("PFCOUNT", "from_redis")
        pair.same("GET", "from_redis")
        pair.same("PFADD", "from_redis", "one", "more")
        pair.same("GET", "from_redis")


def test_dirty_counts_as_redis(pair):
    seq = [("PFADD", "h", "a", "b", "c"), ("PFADD", "h", "a"), ("PFADD", "h"),
           ("PFADD", "new"), ("PFCOUNT", "h"), ("PFCOUNT", "h"), ("PFCOUNT", "h", "new"),
           ("PFMERGE", "m", "h"), ("PFDEBUG", "GETREG", "m"), ("PFDEBUG", "GETREG", "m"),
           ("PFDEBUG", "TODENSE", "h")]
    base = pair.info_field("rdb_changes_since_last_save")
    for cmd in seq:
        pair.same(*cmd)
        now = pair.info_field("rdb_changes_since_last_save")
        assert int(now[0]) - int(base[0]) == int(now[1]) - int(base[1]), cmd
