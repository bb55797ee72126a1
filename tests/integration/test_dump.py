"""DUMP and RESTORE against redis-server 7.0.15, side by side.

The same commands build the same values on both servers; then:
- DUMP payloads are equal byte for byte for every deterministic encoding
  (strings, quicklists, intsets, listpacks, skiplists), LZF included;
- each server's payload RESTOREs into the other with the same DEBUG
  DIGEST-VALUE and OBJECT ENCODING (hashtable sets and hashes too, whose
  payloads list elements in each server's own order);
- RESTORE's options and errors answer as Redis's, word for word;
- the encodings only old Redis versions wrote (ziplists, zipmaps, the
  old SET/ZSET/LIST forms) restore to the same values on both;
- damaged payloads are refused (or read) without ever crashing Slipstream.
"""

import random
import struct

import pytest
import redis

import resp
from rdbtool import RefRedis, crc64, intset, payload, rdb_len, rdb_str, ziplist, zipmap


@pytest.fixture
def pair(server_factory):
    """(slipstream client, redis client, raw connections to both)."""
    ss = server_factory()
    ref = RefRedis()
    a, b = ss.client(), ref.client()
    yield a, b, ss, ref
    ref.stop()


def both(pair, *cmd):
    a, b = pair[0], pair[1]
    ra = rb = None
    try:
        ra = a.execute_command(*cmd)
    except redis.ResponseError as e:
        ra = ("error", str(e))
    try:
        rb = b.execute_command(*cmd)
    except redis.ResponseError as e:
        rb = ("error", str(e))
    return ra, rb


def same(pair, *cmd):
    ra, rb = both(pair, *cmd)
    assert ra == rb, "%r: slipstream %r, redis %r" % (cmd, ra, rb)
    return ra


def raw_error(srv, *cmd):
    """The reply as text (errors with their code) from a server (anything
    with host and port: the server under test or the reference)."""
    with resp.Conn(srv.host, srv.port) as c:
        v = c.call(*cmd)
        if isinstance(v, resp.RespError):
            return v.message
        return v.decode() if isinstance(v, bytes) else v


RND = random.Random(1234)


def random_bytes(n):
    return bytes(RND.getrandbits(8) for _ in range(n))


# Values built the same way on both servers. Each entry: key, commands.
def _values():
    big_compressible = "abcde" * 400
    text = " ".join("word%d" % (i % 37) for i in range(300))
    return [
        ("s_small_int", [("SET", "s_small_int", "7")]),
        ("s_int16", [("SET", "s_int16", "-3000")]),
        ("s_int32", [("SET", "s_int32", "2147483647")]),
        ("s_int64", [("SET", "s_int64", "-9223372036854775808")]),
        ("s_nonint", [("SET", "s_nonint", "007")]),
        ("s_emb", [("SET", "s_emb", "hello world")]),
        ("s_20", [("SET", "s_20", "a" * 20)]),
        ("s_21", [("SET", "s_21", "a" * 21)]),
        ("s_25_incompressible", [("SET", "s_25_incompressible", "abcdefghijklmnopqrstuvwxy")]),
        ("s_raw", [("SET", "s_raw", big_compressible)]),
        ("s_text", [("SET", "s_text", text)]),
        ("s_random", [("SET", "s_random", random_bytes(3000))]),
        ("s_appended", [("SET", "s_appended", "12"), ("APPEND", "s_appended", "34")]),
        ("s_float", [("SET", "s_float", "1"), ("INCRBYFLOAT", "s_float", "0.5")]),
        ("l_small", [("RPUSH", "l_small", "a", "b", "1", "-1", "300", "70000")]),
        ("l_nodes", [("RPUSH", "l_nodes") + tuple("element-%d" % i for i in range(2000))]),
        ("l_pushed_both", [("LPUSH", "l_pushed_both") + tuple(str(i) for i in range(700)),
                           ("RPUSH", "l_pushed_both") + tuple("x" * (i % 90) for i in range(700))]),
        ("l_edited", [("RPUSH", "l_edited") + tuple(str(i) for i in range(1500)),
                      ("LREM", "l_edited", "0", "7"), ("LSET", "l_edited", "10", "changed"),
                      ("LINSERT", "l_edited", "BEFORE", "100", "inserted"),
                      ("LTRIM", "l_edited", "5", "-5")]),
        ("l_big_elems", [("RPUSH", "l_big_elems", "y" * 9000, "z" * 100, "q" * 20000)]),
        ("i_small", [("SADD", "i_small", "1", "2", "3")]),
        ("i_wide", [("SADD", "i_wide", "1", "-70000", "5000000000")]),
        ("i_many", [("SADD", "i_many") + tuple(str(i * 3) for i in range(500))]),
        ("h_lp", [("HSET", "h_lp", "f", "v", "n", "12", "empty", "", "neg", "-5")]),
        ("h_lp_edited", [("HSET", "h_lp_edited", "a", "1", "b", "2", "c", "3"),
                         ("HDEL", "h_lp_edited", "b"), ("HINCRBY", "h_lp_edited", "a", "41"),
                         ("HSET", "h_lp_edited", "d", "text" * 10)]),
        ("z_lp", [("ZADD", "z_lp", "1", "a", "2.5", "b", "-inf", "c", "inf", "d",
                   "1e300", "e", "-0.125", "f", "3", "10")]),
        ("z_lp_incr", [("ZADD", "z_lp_incr", "1", "a"), ("ZINCRBY", "z_lp_incr", "0.1", "a"),
                       ("ZINCRBY", "z_lp_incr", "0.2", "a")]),
        ("z_skiplist", [("ZADD", "z_skiplist") + tuple(
            x for i in range(300) for x in (str(i * 1.5), "member%d" % i))]),
        ("z_long_member", [("ZADD", "z_long_member", "1", "m" * 100, "2", "n")]),
    ]


HT_KEYS = [
    ("st_ht", [("SADD", "st_ht", "a", "b", "c", "1")]),
    ("st_ht_big", [("SADD", "st_ht_big") + tuple("m%d" % i for i in range(1000))]),
    ("h_ht", [("HSET", "h_ht") + tuple(x for i in range(600) for x in ("f%d" % i, "v%d" % i))]),
    ("h_ht_long", [("HSET", "h_ht_long", "f", "v" * 100, "g", "w")]),
]


def test_dump_bytes_equal_redis(pair):
    """Every deterministic encoding dumps to Redis's exact bytes."""
    a, b = pair[0], pair[1]
    for key, cmds in _values():
        for cmd in cmds:
            same(pair, *cmd)
        assert a.object("encoding", key) == b.object("encoding", key), key
        da, db = a.dump(key), b.dump(key)
        assert da == db, "%s (%s): %r\n   vs %r" % (key, a.object("encoding", key),
                                                    da[:80], db[:80])


@pytest.mark.parametrize("compression", ["yes", "no"])
def test_dump_bytes_equal_without_compression(pair, compression):
    a, b = pair[0], pair[1]
    same(pair, "CONFIG", "SET", "rdbcompression", compression)
    for key, cmds in _values()[:12]:
        for cmd in cmds:
            same(pair, *cmd)
        assert a.dump(key) == b.dump(key), key


def test_dump_bytes_equal_small_thresholds(pair):
    """With small encoding thresholds the conversions (and node splits)
    happen where Redis's do, so payloads still match."""
    a, b = pair[0], pair[1]
    for k, v in (("hash-max-listpack-entries", "4"), ("zset-max-listpack-entries", "3"),
                 ("set-max-intset-entries", "5"), ("list-max-listpack-size", "3")):
        same(pair, "CONFIG", "SET", k, v)
    cmds = [("RPUSH", "l") + tuple(str(i) for i in range(20)),
            ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
            ("ZADD", "z2", "1", "a", "2", "b", "3", "c", "4", "d"),
            ("SADD", "s", "1", "2", "3", "4", "5"),
            ("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")]
    for cmd in cmds:
        same(pair, *cmd)
    for key in ("l", "z", "z2", "s", "h"):
        assert a.object("encoding", key) == b.object("encoding", key), key
        assert a.dump(key) == b.dump(key), key


def test_restore_each_others_payloads(pair):
    """Payloads cross over: same digest and encoding on both sides."""
    a, b = pair[0], pair[1]
    for key, cmds in _values() + HT_KEYS:
        for cmd in cmds:
            same(pair, *cmd)
    for key, _ in _values() + HT_KEYS:
        pa, pb = a.dump(key), b.dump(key)
        # the same names on both sides, so the datasets compare whole
        assert a.restore(key + ":copy", 0, pb)
        assert b.restore(key + ":copy", 0, pa)
        want = b.execute_command("DEBUG", "DIGEST-VALUE", key)
        assert a.execute_command("DEBUG", "DIGEST-VALUE", key) == want, key
        assert a.execute_command("DEBUG", "DIGEST-VALUE", key + ":copy") == want, key
        assert b.execute_command("DEBUG", "DIGEST-VALUE", key + ":copy") == want, key
        # a restored value takes the encoding loading gives it (a raw "1234"
        # comes back as an int), the same on both servers
        assert a.object("encoding", key + ":copy") == b.object("encoding", key + ":copy"), key
        assert a.object("encoding", key) == b.object("encoding", key), key
    assert a.execute_command("DEBUG", "DIGEST") == b.execute_command("DEBUG", "DIGEST")


def test_restore_options_and_errors(pair):
    a, b, ss, ref = pair
    same(pair, "SET", "k", "v")
    same(pair, "RPUSH", "l", "1", "2")
    good = b.dump("k")
    assert a.dump("k") == good
    bad_ver = bytearray(good)
    bad_ver[-10] = 11
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0xff
    body = b"\x00\x83abc"  # a string of 3 bytes announced, 1 too few... then garbage
    garbage = payload(0, b"\x05ab")  # the length says 5, 2 bytes follow
    cases = [
        ("RESTORE", "k", "0", good),                       # BUSYKEY
        ("RESTORE", "new", "-1", good),                    # TTL < 0
        ("RESTORE", "new", "abc", good),                   # TTL not an integer
        ("RESTORE", "new", "0", bytes(bad_ver)),           # version 11
        ("RESTORE", "new", "0", bytes(bad_crc)),           # CRC
        ("RESTORE", "new", "0", b"short"),                 # under 10 bytes
        ("RESTORE", "new", "0", garbage),                  # body cut short
        ("RESTORE", "new", "0", payload(8, b"")),          # type 8 is no type
        ("RESTORE", "new", "0", payload(200, b"")),        # nor is 200
        ("RESTORE", "new", "0", good, "IDLETIME", "-1"),
        ("RESTORE", "new", "0", good, "IDLETIME", "x"),
        ("RESTORE", "new", "0", good, "FREQ", "256"),
        ("RESTORE", "new", "0", good, "FREQ", "-1"),
        ("RESTORE", "new", "0", good, "IDLETIME", "5", "FREQ", "5"),  # syntax
        ("RESTORE", "new", "0", good, "FREQ", "5", "IDLETIME", "5"),
        ("RESTORE", "new", "0", good, "BOGUS"),
        ("RESTORE", "new", "0", good, "IDLETIME"),
        ("RESTORE", "new"),
        ("DUMP",),
        ("DUMP", "missing"),
        ("RESTORE", "k", "0", good, "REPLACE"),
        ("RESTORE", "l", "0", good, "REPLACE"),            # replaces another type
        ("RESTORE", "ttl", "100000", good),
        ("RESTORE", "abs", "4102444800000", good, "ABSTTL"),
        ("RESTORE", "past", "1", good, "ABSTTL"),          # already expired: OK, no key
        ("RESTORE", "k", "1", good, "ABSTTL", "REPLACE"),  # replaces with nothing
        ("RESTORE", "idle", "0", good, "IDLETIME", "1000"),
    ]
    del body
    for cmd in cases:
        ea = raw_error(ss, *cmd)
        eb = raw_error(ref, *cmd)
        assert ea == eb, "%r: slipstream %r, redis %r" % (cmd[:3], ea, eb)
    for key in ("k", "l", "past", "abs", "idle"):
        assert a.exists(key) == b.exists(key), key
    assert a.pexpiretime("abs") == b.pexpiretime("abs") == 4102444800000
    assert 99000 < a.pttl("ttl") <= 100000
    assert a.object("idletime", "idle") >= 1000
    assert a.get("idle") == b"v"


def test_restore_freq_under_lfu(pair):
    a, b = pair[0], pair[1]
    same(pair, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    same(pair, "SET", "k", "v")
    p = b.dump("k")
    same(pair, "RESTORE", "f", "0", p, "FREQ", "123")
    assert a.object("freq", "f") == b.object("freq", "f") == 123
    same(pair, "RESTORE", "f2", "0", p, "IDLETIME", "100")  # ignored under LFU


def test_dump_payload_layout(r):
    """Redis's documented layout: sadd s 1 2 3 is an intset, then 0a00 and
    the CRC64 of all that precedes it."""
    r.sadd("s", 1, 2, 3)
    p = r.dump("s")
    assert p[:-8] == bytes.fromhex("0b0e0200000003000000010002000300") + b"\x0a\x00"
    assert struct.unpack("<Q", p[-8:])[0] == crc64(p[:-8])
    r.rpush("l", "a", "b", "1")
    assert r.dump("l")[:4] == b"\x12\x01\x02\x0f"


def _legacy_payloads():
    """Old encodings Redis 7.0 still reads, as RESTORE payloads."""
    zl_list = ziplist(["a", 5, 300, -70000, 2 ** 40, "x" * 70, "y" * 300])
    zl_hash = ziplist(["f1", "v1", "f2", 12, 3, "three"])
    zl_zset = ziplist(["a", 1, "b", "2.5", "c", -3])
    zl_big_zset = ziplist([x for i in range(200) for x in ("m%d" % i, i)])
    zm = zipmap([("name", "value"), ("n", "12345"), ("big", "z" * 300)])
    return [
        ("zl_list", payload(10, rdb_str(zl_list))),
        ("zl_hash", payload(13, rdb_str(zl_hash))),
        ("zl_zset", payload(12, rdb_str(zl_zset))),
        ("zl_big_zset", payload(12, rdb_str(zl_big_zset))),
        ("zipmap", payload(9, rdb_str(zm))),
        ("intset_blob", payload(11, rdb_str(intset([5, 1, -3, 70000])))),
        ("old_list", payload(1, rdb_len(3) + rdb_str("a") + rdb_str("12") + rdb_str("c"))),
        ("old_set", payload(2, rdb_len(3) + rdb_str("1") + rdb_str("2") + rdb_str("x"))),
        ("old_int_set", payload(2, rdb_len(2) + rdb_str("10") + rdb_str("-4"))),
        ("old_zset", payload(3, rdb_len(3) + rdb_str("a") + b"\x031.5" + rdb_str("b") + b"\xfe"
                             + rdb_str("c") + b"\xff")),
        ("zset2", payload(5, rdb_len(2) + rdb_str("a") + struct.pack("<d", 2.0) + rdb_str("b")
                          + struct.pack("<d", -1.25))),
        ("old_hash", payload(4, rdb_len(2) + rdb_str("f") + rdb_str("v") + rdb_str("g")
                             + rdb_str("1"))),
        ("quicklist1", payload(14, rdb_len(2) + rdb_str(ziplist(["a", 1, "b"]))
                               + rdb_str(ziplist([2, "c"])))),
        ("quicklist2_plain", payload(18, rdb_len(1) + rdb_len(1) + rdb_str("plain element"))),
    ]


def test_restore_legacy_encodings(pair):
    a, b, ss, ref = pair
    for key, p in _legacy_payloads():
        ra = raw_error(ss, "RESTORE", key, "0", p)
        rb = raw_error(ref, "RESTORE", key, "0", p)
        assert ra == rb, "%s: slipstream %r, redis %r" % (key, ra, rb)
        assert a.execute_command("DEBUG", "DIGEST-VALUE", key) == \
            b.execute_command("DEBUG", "DIGEST-VALUE", key), key
        assert a.object("encoding", key) == b.object("encoding", key), key
        assert a.type(key) == b.type(key)


def test_restore_empty_and_broken_legacy(pair):
    """Empty collections and broken blobs: the same answer as Redis's when
    it sanitizes (sanitize-dump-payload yes: it checks every blob in full,
    as Slipstream always does)."""
    a, b, ss, ref = pair
    same(pair, "CONFIG", "SET", "sanitize-dump-payload", "yes")
    zl_odd = ziplist(["f1", "v1", "f2"])
    zl_dup = ziplist(["f", "1", "f", "2"])
    zl = bytearray(ziplist(["a", "b", "c"]))
    zl[4] += 1  # the tail offset no longer names the last entry
    cases = [
        payload(13, rdb_str(zl_odd)),
        payload(13, rdb_str(zl_dup)),
        payload(10, rdb_str(bytes(zl))),
        payload(10, rdb_str(ziplist([]))),
        payload(9, rdb_str(zipmap([]))),
        payload(9, rdb_str(zipmap([("f", "1"), ("f", "2")]))),
        payload(11, rdb_str(b"\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00")),  # unsorted
        payload(11, rdb_str(b"\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00")),  # width 3
        payload(2, rdb_len(2) + rdb_str("a") + rdb_str("a")),
        payload(2, rdb_len(0)),
        payload(4, rdb_len(2) + rdb_str("f") + rdb_str("1") + rdb_str("f") + rdb_str("2")),
        payload(5, rdb_len(1) + rdb_str("a") + struct.pack("<d", float("nan"))),
        payload(5, rdb_len(2) + rdb_str("a") + struct.pack("<d", 1) + rdb_str("a")
                + struct.pack("<d", 2)),
        payload(18, rdb_len(1) + rdb_len(3) + rdb_str("x")),  # container 3
        payload(18, rdb_len(1) + rdb_len(2) + rdb_str(b"\x07\x00\x00\x00\x00\x00\xfe")),
        payload(0, b"\xc3" + rdb_len(3) + rdb_len(10) + b"\x01ab"),  # LZF that lies
        payload(0, b"\xc4"),  # unknown string encoding
    ]
    for p in cases:
        ra = raw_error(ss, "RESTORE", "k", "0", p, "REPLACE")
        rb = raw_error(ref, "RESTORE", "k", "0", p, "REPLACE")
        assert ra == rb, "%r: slipstream %r, redis %r" % (p[:24], ra, rb)
        assert a.exists("k") == b.exists("k")
    assert ss.alive()


def test_broken_blobs_refused_without_sanitizing(pair):
    """With sanitize-dump-payload no, Redis takes a blob whose header looks
    right without walking it (an unsorted intset, a listpack whose entries
    run past its end) and may misbehave later; Slipstream walks every blob
    anyway and refuses them. Duplicates are only checked when sanitizing,
    as in Redis."""
    a, b, ss, ref = pair
    unsorted = payload(11, rdb_str(b"\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00"))
    assert raw_error(ref, "RESTORE", "u", "0", unsorted) == "OK"
    assert raw_error(ss, "RESTORE", "u", "0", unsorted) == "ERR Bad data format"
    same(pair, "HSET", "h", "f", "1", "g", "2")
    p = bytearray(b.dump("h"))
    # entry "g" claims 2 bytes: it now swallows the backlen and runs on
    i = p.index(b"\x81g")
    p[i] = 0x82
    bad = bytes(p[:-10]) + b"\x0a\x00"
    bad += struct.pack("<Q", crc64(bad))
    assert raw_error(ss, "RESTORE", "b", "0", bad) == "ERR Bad data format"
    assert ss.alive()


@pytest.mark.parametrize("mode", ["yes", "clients"])
def test_sanitize_dump_payload_duplicates(pair, mode):
    """A listpack hash with a duplicate field: refused when sanitizing."""
    a, b, ss, ref = pair
    same(pair, "CONFIG", "SET", "sanitize-dump-payload", mode)
    same(pair, "HSET", "h", "f", "1", "g", "2")
    p = bytearray(b.dump("h"))
    assert a.dump("h") == bytes(p)
    # the listpack is stored plainly (small, not compressible): rename g -> f
    i = p.index(b"\x81g")
    p[i + 1] = ord("f")
    body = bytes(p[:-10])
    bad = body + b"\x0a\x00"
    bad += struct.pack("<Q", crc64(bad))
    ra = raw_error(ss, "RESTORE", "d", "0", bad)
    rb = raw_error(ref, "RESTORE", "d", "0", bad)
    assert ra == rb == "ERR Bad data format"


def test_damaged_payloads_never_crash(pair):
    """Random damage to valid payloads (with a correct CRC, so the body is
    parsed): Slipstream answers OK or Bad data format and stays up; when
    Redis (sanitizing) refuses a payload, so does Slipstream; when both take
    it, they hold the same value."""
    a, b, ss, ref = pair
    same(pair, "CONFIG", "SET", "sanitize-dump-payload", "yes")
    srcs = []
    for key, cmds in _values() + HT_KEYS:
        for cmd in cmds:
            same(pair, *cmd)
        srcs.append(b.dump(key))
    for key, p in _legacy_payloads():
        srcs.append(p)
    rnd = random.Random(99)
    for n in range(1500):
        src = bytearray(rnd.choice(srcs))
        body = src[:-10]
        if not body:
            continue
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randrange(len(body))
            body[i] = rnd.getrandbits(8)
        if rnd.random() < 0.2:
            body = body[:rnd.randrange(1, len(body) + 1)]
        p = bytes(body) + b"\x0a\x00"
        p += struct.pack("<Q", crc64(p))
        ra = raw_error(ss, "RESTORE", "x", "0", p, "REPLACE")
        assert ra in ("OK", "ERR Bad data format"), ra
        rb = raw_error(ref, "RESTORE", "x", "0", p, "REPLACE")
        if rb == "ERR Bad data format":
            assert ra == rb, "redis refused, slipstream took %r" % p[:40]
        if ra == rb == "OK":
            assert a.execute_command("DEBUG", "DIGEST-VALUE", "x") == \
                b.execute_command("DEBUG", "DIGEST-VALUE", "x"), p[:40]
    assert ss.alive() and a.ping()


def test_dump_restore_keeps_ttl_semantics(r):
    r.set("k", "v", px=50000)
    p = r.dump("k")
    assert r.restore("k2", 0, p)
    assert r.pttl("k2") == -1  # DUMP carries no TTL
    with pytest.raises(redis.ResponseError, match="BUSYKEY Target key name already exists"):
        r.restore("k2", 0, p)
    assert r.restore("k2", 2000, p, replace=True)
    assert 1000 < r.pttl("k2") <= 2000


def test_debug_object_serializedlength(pair):
    """DEBUG OBJECT's serializedlength is the RDB body's size, LZF included,
    as Redis's rdbSavedObjectLen."""
    a, b = pair[0], pair[1]
    for key, cmds in _values():
        for cmd in cmds:
            same(pair, *cmd)
        def length(c):
            line = c.execute_command("DEBUG", "OBJECT", key)
            if isinstance(line, dict):
                return line["serializedlength"]
            line = line.decode() if isinstance(line, bytes) else line
            return int(line.split("serializedlength:")[1].split()[0])
        assert length(a) == length(b), key
