"""SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO
against redis-server 7.0.15 started in the same test: every reply byte for
byte (errors included), the resulting values (GET, DUMP, OBJECT ENCODING)
and the dirty counter, on both kernel transports.
"""

import random

import pytest

from refpair import Pair


@pytest.fixture
def pair(server, r, transport):
    p = Pair(server, transport)
    yield p
    p.close()


def rnd_bytes(rnd, n):
    return bytes(rnd.getrandbits(8) for _ in range(n))


def test_setbit_getbit(pair):
    rnd = random.Random(1)
    for _ in range(400):
        off = rnd.choice([0, 1, 7, 8, 9, 63, 64, 100, 1000, rnd.randrange(20000)])
        pair.same("SETBIT", "b", off, rnd.randint(0, 1))
        pair.same("GETBIT", "b", rnd.randrange(21000))
    pair.same("GET", "b")
    pair.same("DUMP", "b")
    pair.same("OBJECT", "ENCODING", "b")
    # int, embstr and raw values, missing keys, other types
    for v in ["1", "-123", "hello", "x" * 60]:
        pair.run("SET", "s", v)
        for off in (0, 6, 7, 13, 200):
            pair.same("GETBIT", "s", off)
        pair.same("SETBIT", "s", 6, 1)
        pair.same("GET", "s")
        pair.same("OBJECT", "ENCODING", "s")
    pair.same("GETBIT", "nokey", 5)
    pair.run("RPUSH", "l", "a")
    pair.same("SETBIT", "l", 1, 1)
    pair.same("GETBIT", "l", 1)


def test_bit_errors(pair):
    for cmd in [
        ("SETBIT", "b", -1, 1), ("SETBIT", "b", "x", 1), ("SETBIT", "b", "1.5", 1),
        ("SETBIT", "b", "#1", 1), ("SETBIT", "b", 1, 2), ("SETBIT", "b", 1, -1),
        ("SETBIT", "b", 1, "x"), ("SETBIT", "b", "01", 1), ("SETBIT", "b", 4294967296, 1),
        ("SETBIT", "b", 1), ("GETBIT", "b", -1), ("GETBIT", "b", 4294967296),
        ("GETBIT", "b"), ("BITCOUNT",), ("BITPOS", "b"), ("BITOP", "AND", "d"),
        ("BITOP", "NAND", "d", "a"), ("BITOP", "NOT", "d", "a", "b"),
        ("BITFIELD",),
    ]:
        pair.same(*cmd)


def test_offset_limit_follows_proto_max_bulk_len(pair):
    """The 512 MB bound is proto-max-bulk-len (its smallest setting here)."""
    limit = 1024 * 1024
    pair.run("CONFIG", "SET", "proto-max-bulk-len", limit)
    try:
        for off in (limit * 8 - 1, limit * 8, limit * 8 + 7, limit * 16):
            pair.same("SETBIT", "big", off, 1)
            pair.same("GETBIT", "big", off)
            pair.same("BITFIELD", "big2", "SET", "u8", off - 7, 1)
        pair.same("BITFIELD", "big3", "GET", "u8", "#%d" % (limit - 1))
        pair.same("BITFIELD", "big3", "GET", "u8", "#%d" % limit)
        pair.same("BITFIELD", "big3", "SET", "i64", "#%d" % (limit // 8), 1)
        pair.same("STRLEN", "big")
        pair.same("BITCOUNT", "big")
    finally:
        pair.run("CONFIG", "SET", "proto-max-bulk-len", 512 * 1024 * 1024)


def ranges(rnd, n):
    vals = [0, 1, -1, 2, -2, 5, -5, 7, 8, -8, 9, 100, -100, n, -n, n * 8, -n * 8,
            n * 8 + 3, 2 ** 62, -(2 ** 62)]
    return [rnd.choice(vals + [rnd.randint(-n * 9, n * 9)]) for _ in range(2)]


def test_bitcount_bitpos_ranges(pair):
    rnd = random.Random(2)
    values = [b"", b"\x00", b"\xff", b"\xff\xf0\x00", b"\x00\x00\x01", b"\xff" * 40,
              b"\x00" * 40 + b"\x10", rnd_bytes(rnd, 17), rnd_bytes(rnd, 1000), b"12345"]
    for v in values:
        pair.run("SET", "s", v)
        pair.same("BITCOUNT", "s")
        pair.same("BITPOS", "s", 0)
        pair.same("BITPOS", "s", 1)
        for _ in range(60):
            a, b = ranges(rnd, len(v))
            pair.same("BITCOUNT", "s", a, b)
            unit = rnd.choice(["BIT", "BYTE", "bit"])
            pair.same("BITCOUNT", "s", a, b, unit)
            bit = rnd.randint(0, 1)
            pair.same("BITPOS", "s", bit, a)
            pair.same("BITPOS", "s", bit, a, b)
            pair.same("BITPOS", "s", bit, a, b, unit)
    # missing keys answer before the range is read; syntax after
    for cmd in [("BITCOUNT", "nokey", "x", "y"), ("BITCOUNT", "nokey", 1),
                ("BITPOS", "nokey", 0, "x"), ("BITPOS", "nokey", 1, 0, 0, "BAD"),
                ("BITCOUNT", "s", 1), ("BITCOUNT", "s", 0, 1, "BAD"), ("BITCOUNT", "s", "a", 1),
                ("BITCOUNT", "s", -1, -5, "BAD"), ("BITPOS", "s", 2), ("BITPOS", "s", "x"),
                ("BITPOS", "s", 1, 0, 1, "BAD"), ("BITPOS", "s", 1, 0, 1, "BIT", "x"),
                ("BITPOS", "s", 1, "a"), ("BITPOS", "s", 0, 0, "z")]:
        pair.same(*cmd)
    pair.run("HSET", "h", "f", "v")
    pair.same("BITCOUNT", "h")
    pair.same("BITPOS", "h", 1)


def test_bitop(pair):
    rnd = random.Random(3)
    for it in range(60):
        n = rnd.randint(1, 5)
        keys = []
        for i in range(n):
            k = "src%d" % i
            kind = rnd.random()
            if kind < 0.15:
                pair.run("DEL", k)
            elif kind < 0.25:
                pair.run("SET", k, rnd.randint(-1000, 100000))
            else:
                pair.run("SET", k, rnd_bytes(rnd, rnd.choice([0, 1, 7, 8, 31, 32, 33, 100,
                                                              4000, 40000])))
            keys.append(k)
        for op in ["AND", "OR", "XOR", "and"]:
            pair.same("BITOP", op, "dst", *keys)
            pair.same("GET", "dst")
            pair.same("OBJECT", "ENCODING", "dst")
        pair.same("BITOP", "NOT", "dst", keys[0])
        pair.same("GET", "dst")
        pair.same("DUMP", "dst")
    # the destination is replaced whatever it held, its TTL dropped; empty
    # sources delete it
    pair.run("RPUSH", "dst", "a")
    pair.run("EXPIRE", "dst", 100)
    pair.run("SET", "one", "abc")
    pair.same("BITOP", "OR", "dst", "one")
    pair.same("TTL", "dst")
    pair.same("TYPE", "dst")
    # a raw string destination (overwritten in place by Slipstream): same
    # value, TTL dropped, raw
    for size in (3, 100, 5000):
        pair.run("SET", "rawdst", "y" * size)
        pair.run("APPEND", "rawdst", "z")
        pair.run("EXPIRE", "rawdst", 100)
        pair.same("BITOP", "XOR", "rawdst", "one", "src1")
        pair.same("TTL", "rawdst")
        pair.same("GET", "rawdst")
        pair.same("OBJECT", "ENCODING", "rawdst")
    pair.same("BITOP", "AND", "dst", "nokey", "nokey2")
    pair.same("EXISTS", "dst")
    pair.same("BITOP", "XOR", "one", "one", "one")
    pair.same("GET", "one")
    pair.run("RPUSH", "l", "x")
    pair.same("BITOP", "AND", "dst", "one", "l")


TYPES = ["i%d" % b for b in range(1, 65)] + ["u%d" % b for b in range(1, 64)]


def test_bitfield_every_width(pair):
    """SET and INCRBY at every width with WRAP, SAT and FAIL, values around
    each width's limits, unaligned offsets."""
    rnd = random.Random(4)
    for t in TYPES:
        bits = int(t[1:])
        signed = t[0] == "i"
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        specials = [lo, hi, lo - 1, hi + 1, 0, 1, -1, hi // 2, 2 ** 63 - 1, -2 ** 63]
        specials = [v for v in specials if -2 ** 63 <= v < 2 ** 63]
        for ow in ["WRAP", "SAT", "FAIL"]:
            off = rnd.choice([0, 3, 7, 13, 64])
            for v in specials:
                pair.same("BITFIELD", "bf", "OVERFLOW", ow, "SET", t, off, v, "GET", t, off)
                inc = rnd.choice(specials + [rnd.randint(-2 ** 63, 2 ** 63 - 1)])
                pair.same("BITFIELD", "bf", "OVERFLOW", ow, "INCRBY", t, off, inc, "GET", t, off)
        pair.same("GET", "bf")
    pair.same("DUMP", "bf")


def test_bitfield_commands(pair):
    rnd = random.Random(5)
    pair.run("SET", "bf", rnd_bytes(rnd, 20))
    for _ in range(300):
        args = []
        for _ in range(rnd.randint(1, 6)):
            k = rnd.random()
            t = rnd.choice(TYPES)
            off = rnd.choice([str(rnd.randrange(200)), "#%d" % rnd.randrange(20)])
            if k < 0.1:
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL", "wrap"])]
            elif k < 0.4:
                args += ["GET", t, off]
            elif k < 0.7:
                args += ["SET", t, off, rnd.randint(-2 ** 63, 2 ** 63 - 1)]
            else:
                args += ["INCRBY", t, off, rnd.randint(-2 ** 20, 2 ** 20)]
        pair.same("BITFIELD", "bf", *args)
        if all(a != "SET" and a != "INCRBY" for a in args):
            pair.same("BITFIELD_RO", "bf", *[a for a in args])
    pair.same("GET", "bf")
    pair.run("SET", "n", "12345")
    pair.same("BITFIELD", "n", "GET", "u8", 0, "SET", "u8", 8, 65)
    pair.same("GET", "n")
    pair.same("BITFIELD", "nokey", "GET", "u8", 0)
    pair.same("EXISTS", "nokey")
    pair.same("BITFIELD", "nokey")
    pair.same("BITFIELD", "nf", "OVERFLOW", "FAIL", "INCRBY", "u2", 0, 7)
    pair.run("RPUSH", "l", "x")
    for cmd in [
        ("BITFIELD", "l", "GET", "u8", 0), ("BITFIELD", "l"), ("BITFIELD_RO", "l", "GET", "u8", 0),
        ("BITFIELD", "bf", "GET", "u64", 0), ("BITFIELD", "bf", "GET", "i65", 0),
        ("BITFIELD", "bf", "GET", "i0", 0), ("BITFIELD", "bf", "GET", "x8", 0),
        ("BITFIELD", "bf", "GET", "", 0), ("BITFIELD", "bf", "GET", "u8", -1),
        ("BITFIELD", "bf", "GET", "u8", "#-1"), ("BITFIELD", "bf", "GET", "u8", "##1"),
        ("BITFIELD", "bf", "GET", "u8"), ("BITFIELD", "bf", "SET", "u8", 0),
        ("BITFIELD", "bf", "SET", "u8", 0, "x"), ("BITFIELD", "bf", "INCRBY", "u8", 0, "1.0"),
        ("BITFIELD", "bf", "OVERFLOW", "BAD", "GET", "u8", 0), ("BITFIELD", "bf", "OVERFLOW"),
        ("BITFIELD", "bf", "NOPE", "u8", 0), ("BITFIELD", "bf", "GET", "u8", 0, "SET"),
        ("BITFIELD_RO", "bf", "SET", "u8", 0, 1), ("BITFIELD_RO", "bf", "INCRBY", "u8", 0, 1),
        ("BITFIELD_RO", "bf", "OVERFLOW", "SAT", "GET", "u8", 0),
        ("BITFIELD_RO", "bf", "GET", "u8", 0, "SET", "x8", 0, 1),
    ]:
        pair.same(*cmd)


def test_dirty_counts_as_redis(pair):
    """rdb_changes_since_last_save moves by what Redis counts."""
    seq = [("SETBIT", "a", 0, 0), ("SETBIT", "a", 0, 0), ("SETBIT", "a", 0, 1),
           ("SETBIT", "a", 90, 0), ("BITFIELD", "b", "SET", "i5", 0, 0),
           ("BITFIELD", "b", "SET", "i5", 0, 0), ("BITFIELD", "b", "SET", "u8", 0, 1, "SET", "u8", 8, 2),
           ("BITFIELD", "b", "INCRBY", "u8", 0, 0), ("BITFIELD", "b", "GET", "u8", 0),
           ("BITOP", "OR", "c", "a", "b"), ("BITOP", "OR", "c", "none"), ("BITOP", "OR", "c", "none")]
    base = pair.info_field("rdb_changes_since_last_save")
    for cmd in seq:
        pair.same(*cmd)
        now = pair.info_field("rdb_changes_since_last_save")
        assert int(now[0]) - int(base[0]) == int(now[1]) - int(base[1]), cmd


def test_large_bitmap(pair):
    """1 MB bitmaps: counts, searches and BITOP over the word and vector
    paths, against Redis's."""
    rnd = random.Random(6)
    v = bytearray(rnd_bytes(rnd, 1 << 20))
    pair.run("SET", "big", bytes(v))
    pair.run("SET", "ones", b"\xff" * (1 << 20) + b"\x7f")
    pair.run("SET", "zeros", b"\x00" * (1 << 20) + b"\x02")
    pair.same("BITCOUNT", "big")
    for k in ("ones", "zeros", "big"):
        pair.same("BITPOS", k, 0)
        pair.same("BITPOS", k, 1)
        pair.same("BITPOS", k, 0, 3, -2)
        pair.same("BITPOS", k, 1, 100, 8000000, "BIT")
        pair.same("BITCOUNT", k, 3, 8388000, "BIT")
    for op in ("AND", "OR", "XOR"):
        pair.same("BITOP", op, "d", "big", "ones", "zeros")
        pair.same("BITCOUNT", "d")
    pair.same("BITOP", "NOT", "d", "big")
    assert pair.a.call("GET", "d") == pair.b.call("GET", "d")
