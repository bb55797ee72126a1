"""RDB persistence, checked against redis-server 7.0.15 and its tools.

- An RDB written by Slipstream after a mixed workload over every type and
  encoding (with TTLs, several databases, LRU/LFU records) is accepted by
  redis-check-rdb and loaded by redis-server with the same DEBUG DIGEST,
  and Slipstream restarted on it has that digest too.
- RDBs written by redis-server (default thresholds, tiny listpack
  thresholds, large values, without compression or checksum) and files in
  the older formats Redis 7.0 still reads load into Slipstream with the
  same digest and the encodings Redis gives them on load.
- SAVE, BGSAVE (and SCHEDULE), LASTSAVE, save points, SHUTDOWN [SAVE|
  NOSAVE] and SIGTERM, DEBUG RELOAD, the INFO persistence fields.
- Bad input: a damaged or truncated file stops the start-up with an error
  naming the offset and is never overwritten; an unwritable dir or a full
  disk fails the save (rdb_last_bgsave_status:err) and writes get Redis's
  MISCONF error, word for word.

The saves are synchronous for now (every shard lock held while they run);
nothing here depends on that.
"""

import hashlib
import os
import random
import shutil
import signal
import struct
import subprocess
import tempfile
import time

import pytest
import redis

import resp
from conftest import IS_REDIS, Server
from rdbtool import (RefRedis, aux, check_rdb, crc64, intset, key_record, rdb_file, rdb_len,
                     rdb_str, ziplist, zipmap)
from util import wait_for

pytestmark = pytest.mark.disk

MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.")


@pytest.fixture
def rdbdir():
    d = tempfile.mkdtemp(prefix="rdb-test-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def digest(c):
    return c.execute_command("DEBUG", "DIGEST")


def raw_reply(srv, *cmd):
    """The reply as text (errors with their code), from anything with host
    and port (the server under test, the reference redis-server)."""
    with resp.Conn(srv.host, srv.port) as c:
        v = c.call(*cmd)
        if isinstance(v, resp.RespError):
            return v.message
        return v.decode() if isinstance(v, bytes) else v


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def workload(c, seed=1, scale=1):
    """Every type in every encoding, TTLs, three databases, and edits."""
    rnd = random.Random(seed)
    p = c.pipeline(transaction=False)
    for db in (0, 3, 15):
        p.execute_command("SELECT", db)
        p.set("int", 42 + db)
        p.set("negint", -123456789012)
        p.set("emb", "short string %d" % db)
        p.set("raw", "x" * 200 + "y" * 100)
        p.set("bin", bytes(rnd.getrandbits(8) for _ in range(500)))
        p.set("ttl", "expires later", px=3600 * 1000)
        p.rpush("list", *["item%d" % i for i in range(50)])
        p.rpush("biglist", *[("%d" % i) * (1 + i % 30) for i in range(3000 * scale)])
        p.lpush("biglist", *range(500))
        p.sadd("intset", *range(0, 300, 3))
        p.sadd("bigintset", *range(2000 * scale))
        p.sadd("strset", *["m%d" % i for i in range(100)])
        p.hset("hashlp", mapping={"f%d" % i: i for i in range(20)})
        p.hset("hashht", mapping={"field%d" % i: "v" * (i % 50) for i in range(1000 * scale)})
        p.hset("hashlong", mapping={"f": "v" * 100})
        p.zadd("zsetlp", {"m%d" % i: i * 0.5 for i in range(50)})
        p.zadd("zsetsl", {"member%d" % i: rnd.random() * 1000 for i in range(2000 * scale)})
        p.zadd("zsetinf", {"a": float("inf"), "b": float("-inf"), "c": 0})
        p.expire("zsetlp", 7200)
        p.hdel("hashht", "field7")
        p.lrem("biglist", 0, "5")
        p.srem("bigintset", 17)
        p.zrem("zsetsl", "member3")
    p.execute_command("SELECT", 0)
    p.execute()


ALL_KEYS = ["int", "negint", "emb", "raw", "bin", "ttl", "list", "biglist", "intset",
            "bigintset", "strset", "hashlp", "hashht", "hashlong", "zsetlp", "zsetsl", "zsetinf"]


def encodings(c, keys, db=0):
    c.execute_command("SELECT", db)
    return {k: c.object("encoding", k) for k in keys}


# --- Slipstream's files in Redis's tools and server --------------------------


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru", "allkeys-lfu"])
def test_our_rdb_loads_in_redis_with_same_digest(server_factory, rdbdir, policy):
    ss = server_factory(dir=rdbdir, maxmemory_policy=policy)
    c = ss.client()
    workload(c)
    want = digest(c)
    assert c.save()
    path = os.path.join(rdbdir, "dump.rdb")
    ok, out = check_rdb(path)
    assert ok, out
    assert "Checksum OK" in out
    ref = RefRedis(dir=rdbdir, maxmemory_policy=policy)
    try:
        rc = ref.client()
        assert digest(rc) == want
        for db in (0, 3, 15):
            assert encodings(rc, ALL_KEYS, db) == encodings(c, ALL_KEYS, db)
        rc.execute_command("SELECT", 0)
        assert 3500 < rc.ttl("ttl") <= 3600
    finally:
        ref.stop()
    # and Slipstream restarted on its own file
    ss.stop()
    ss2 = server_factory(dir=rdbdir, maxmemory_policy=policy)
    c2 = ss2.client()
    assert digest(c2) == want
    assert c2.info("persistence")["rdb_last_load_keys_loaded"] == 3 * len(ALL_KEYS)


def test_our_rdb_without_compression_or_checksum(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir, rdbcompression="no", rdbchecksum="no")
    c = ss.client()
    workload(c, seed=2)
    want = digest(c)
    assert c.save()
    path = os.path.join(rdbdir, "dump.rdb")
    with open(path, "rb") as f:
        data = f.read()
    assert data[-8:] == b"\0" * 8  # no checksum: 0, and loaders skip it
    ok, out = check_rdb(path)
    assert ok, out
    ref = RefRedis(dir=rdbdir)
    try:
        assert digest(ref.client()) == want
    finally:
        ref.stop()


def test_rdb_layout_as_redis_writes_it(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    c.set("k", "v")
    c.execute_command("SELECT", 2)
    c.set("k2", "v", px=100000)
    assert c.save()
    with open(os.path.join(rdbdir, "dump.rdb"), "rb") as f:
        data = f.read()
    assert data[:9] == b"REDIS0010"
    for field in (b"redis-ver", b"7.0.15", b"redis-bits", b"ctime", b"used-mem", b"aof-base"):
        assert field in data
    assert struct.unpack("<Q", data[-8:])[0] == crc64(data[:-8])
    # db 2: SELECTDB 2, RESIZEDB 1 key / 1 expire, then EXPIRETIME_MS
    assert b"\xfe\x02\xfb\x01\x01\xfc" in data
    # the temp file is gone
    assert [n for n in os.listdir(rdbdir) if n.startswith("temp-")] == []


# --- Redis's files into Slipstream ---------------------------------------------


def _redis_rdb(rdbdir, scale=1, **conf):
    ref = RefRedis(dir=rdbdir, **conf)
    try:
        rc = ref.client()
        workload(rc, seed=3, scale=scale)
        want = digest(rc)
        assert rc.save()
    finally:
        ref.stop()
    return want


@pytest.mark.parametrize("conf", [
    {},
    {"hash_max_listpack_entries": 2, "hash_max_listpack_value": 8,
     "zset_max_listpack_entries": 2, "zset_max_listpack_value": 8,
     "set_max_intset_entries": 2, "list_max_listpack_size": 2},
    {"rdbcompression": "no"},
    {"rdbchecksum": "no"},
    {"list_max_listpack_size": -5},
], ids=["defaults", "tiny-listpacks", "no-compression", "no-checksum", "64k-nodes"])
def test_redis_rdb_loads_with_same_digest(server_factory, rdbdir, conf):
    want = _redis_rdb(rdbdir, **conf)
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    assert digest(c) == want
    # the encodings loading gives: those redis-server (default thresholds)
    # gives when it loads the same file
    ref = RefRedis(dir=rdbdir)
    try:
        rc = ref.client()
        for db in (0, 3, 15):
            assert encodings(c, ALL_KEYS, db) == encodings(rc, ALL_KEYS, db), db
    finally:
        ref.stop()


def test_redis_rdb_with_large_values(server_factory, rdbdir):
    ref = RefRedis(dir=rdbdir)
    try:
        rc = ref.client(socket_timeout=300)
        rnd = random.Random(5)
        rc.set("big_random", bytes(rnd.getrandbits(8) for _ in range(1 << 20)))
        rc.set("big_text", ("lorem ipsum %d " % 7) * 400000)
        p = rc.pipeline(transaction=False)
        for i in range(0, 100000, 5000):
            p.rpush("long_list", *[("e%d" % j) * 3 for j in range(i, i + 5000)])
            p.sadd("big_set", *["s%d" % j for j in range(i, i + 5000)])
            p.hset("big_hash", mapping={"k%d" % j: "v%d" % j for j in range(i, i + 5000)})
            p.zadd("big_zset", {"z%d" % j: j for j in range(i, i + 5000)})
        p.rpush("big_elements", "a" * 100000, "b" * 300000)
        p.execute()
        want = digest(rc)
        assert rc.save()
    finally:
        ref.stop()
    ss = server_factory(dir=rdbdir)
    c = ss.client(socket_timeout=300)  # a digest of a million elements (ASan)
    assert digest(c) == want
    assert c.strlen("big_text") == len(("lorem ipsum 7 ") * 400000)
    assert c.llen("long_list") == 100000
    # and back: our file of the same data, in Redis
    assert c.save()
    ss.stop()
    ref = RefRedis(dir=rdbdir)
    try:
        assert digest(ref.client(socket_timeout=300)) == want
    finally:
        ref.stop()


def test_old_rdb_formats(server_factory, rdbdir):
    """RDB versions 3 to 9 with the encodings of their time (ziplists,
    zipmaps, intsets as sets, old ZSET/LIST/SET forms, EXPIRETIME in
    seconds) load into Slipstream exactly as into redis-server."""
    far = int(time.time()) + 86400
    recs = (aux("redis-ver", "3.2.0") + b"\xfe\x00"
            + key_record(0, "str", rdb_str("hello"))
            + key_record(0, "intstr", b"\xc1\x39\x30")
            + key_record(1, "oldlist", rdb_len(2) + rdb_str("a") + rdb_str("b"))
            + key_record(2, "oldset", rdb_len(2) + rdb_str("x") + rdb_str("9"))
            + key_record(3, "oldzset", rdb_len(2) + rdb_str("a") + b"\x011" + rdb_str("b")
                         + b"\x032.5")
            + key_record(4, "oldhash", rdb_len(1) + rdb_str("f") + rdb_str("v"))
            + key_record(9, "zipmap", rdb_str(zipmap([("a", "1"), ("bb", "two")])))
            + key_record(10, "zllist", rdb_str(ziplist(["x", 1, 100000, "y" * 80])))
            + key_record(11, "intset", rdb_str(intset([3, 1, 2])))
            + key_record(12, "zlzset", rdb_str(ziplist(["a", 1, "b", "1.5"])))
            + key_record(13, "zlhash", rdb_str(ziplist(["f", "v", "n", 7])),
                         expire_s=far)
            + key_record(14, "qlist", rdb_len(2) + rdb_str(ziplist(["p", "q"]))
                         + rdb_str(ziplist([1, 2, 3])), expire_ms=far * 1000)
            + b"\xfe\x01"
            + key_record(0, "db1", rdb_str("one")))
    for version in (3, 6, 9):
        path = os.path.join(rdbdir, "dump.rdb")
        with open(path, "wb") as f:
            f.write(rdb_file(version, recs))
        ref = RefRedis(dir=rdbdir)
        try:
            rc = ref.client()
            want = digest(rc)
            assert rc.dbsize() == 12
            want_enc = encodings(rc, ["zipmap", "zllist", "intset", "zlzset", "zlhash", "qlist",
                                      "oldzset", "oldset"])
        finally:
            ref.stop()
        ss = server_factory(dir=rdbdir)
        c = ss.client()
        assert digest(c) == want, version
        assert encodings(c, list(want_enc)) == want_enc
        assert c.ttl("zlhash") > 86000 and c.ttl("qlist") > 86000
        ss.stop()


@pytest.mark.kernel_only("a refused start-up: the data-plane launcher waits out its timeout")
def test_redis_rdb_with_functions_is_refused(server_factory, rdbdir):
    """What we do not have yet stops the load with a clear error (and the
    file stays): function libraries (streams load: test_stream_rdb.py)."""
    for setup in (lambda rc: rc.execute_command(
                      "FUNCTION", "LOAD",
                      "#!lua name=lib\nredis.register_function('f', function() return 1 end)"),):
        ref = RefRedis(dir=rdbdir)
        try:
            rc = ref.client()
            rc.flushall()
            rc.set("k", "v")
            setup(rc)
            assert rc.save()
        finally:
            ref.stop()
        before = sha(os.path.join(rdbdir, "dump.rdb"))
        with pytest.raises(RuntimeError) as e:
            server_factory(dir=rdbdir)
        msg = str(e.value)
        assert "offset" in msg and "function" in msg, msg
        assert sha(os.path.join(rdbdir, "dump.rdb")) == before


@pytest.mark.kernel_only("a refused start-up: the data-plane launcher waits out its timeout")
def test_module_aux_skipped_module_value_refused(server_factory, rdbdir):
    """Module AUX data is self-describing and is skipped with a warning; a
    key holding a module value cannot be loaded and stops the start-up."""
    mid = 0x5a5a5a5a5a5a5a5a & ~1023 | 3
    modaux = (b"\xf7" + rdb_len(mid) + rdb_len(2) + rdb_len(2)
              + rdb_len(2) + rdb_len(7) + rdb_len(5) + rdb_str("state") + rdb_len(0))
    path = os.path.join(rdbdir, "dump.rdb")
    with open(path, "wb") as f:
        f.write(rdb_file(10, modaux + b"\xfe\x00" + key_record(0, "k", rdb_str("v"))))
    ss = server_factory(dir=rdbdir)
    assert ss.client().get("k") == b"v"
    assert "AUX module data" in ss.log_tail()
    ss.stop()
    with open(path, "wb") as f:
        f.write(rdb_file(10, b"\xfe\x00" + key_record(7, "m", rdb_len(mid) + rdb_len(0))))
    with pytest.raises(RuntimeError) as e:
        server_factory(dir=rdbdir)
    assert "no matching module type" in str(e.value)


# --- damaged files at start-up --------------------------------------------------


def _good_file(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    workload(c, seed=4)
    assert c.save()
    ss.stop()
    path = os.path.join(rdbdir, "dump.rdb")
    with open(path, "rb") as f:
        return path, f.read()


@pytest.mark.kernel_only("a refused start-up: the data-plane launcher waits out its timeout")
def test_damaged_file_refuses_to_start_and_is_kept(server_factory, rdbdir):
    path, good = _good_file(server_factory, rdbdir)
    n = len(good)
    damaged = {
        "truncated-in-magic": good[:5],
        "truncated-after-header": good[:9],
        "truncated-mid": good[:n // 2],
        "truncated-before-eof": good[:n - 9],
        "truncated-in-checksum": good[:n - 3],
        "bad-checksum": good[:-1] + bytes([good[-1] ^ 1]),
        "flipped-byte": good[:n // 3] + bytes([good[n // 3] ^ 0x55]) + good[n // 3 + 1:],
        "wrong-magic": b"RADIS" + good[5:],
        "version-11": b"REDIS0011" + good[9:],
    }
    for name, data in damaged.items():
        with open(path, "wb") as f:
            f.write(data)
        before = sha(path)
        # with save points set, a refused start must still leave the file
        with pytest.raises(RuntimeError) as e:
            server_factory(dir=rdbdir, save="1 1")
        msg = str(e.value)
        assert "server exited with 1" in msg, (name, msg)
        assert "offset" in msg, (name, msg)
        if name == "wrong-magic":
            assert "Wrong signature" in msg
        if name == "version-11":
            assert "Can't handle RDB format version 11" in msg
        if name == "bad-checksum":
            assert "Wrong RDB checksum" in msg
        assert sha(path) == before, name
        # redis-check-rdb agrees the file is bad
        assert not check_rdb(path)[0], name


def test_checksum_skipped_when_asked(server_factory, rdbdir):
    path, good = _good_file(server_factory, rdbdir)
    with open(path, "wb") as f:
        f.write(good[:-8] + b"\0" * 8)  # "saved without checksum"
    ss = server_factory(dir=rdbdir)
    assert ss.client().dbsize() > 0
    assert "checksum disabled" in ss.log_tail()
    ss.stop()
    with open(path, "wb") as f:
        f.write(good[:-1] + bytes([good[-1] ^ 1]))
    ss = server_factory(dir=rdbdir, rdbchecksum="no")
    assert ss.client().dbsize() > 0


# --- commands -------------------------------------------------------------------


def test_save_lastsave_and_info(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    info = c.info("persistence")
    for field in ("loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                  "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
                  "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
                  "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded"):
        assert field in info, field
    assert info["rdb_changes_since_last_save"] == 0 and info["rdb_saves"] == 0
    c.set("a", 1)
    c.incr("a")
    assert c.info("persistence")["rdb_changes_since_last_save"] == 2
    c.rpush("l", 1, 2, 3)
    assert c.info("persistence")["rdb_changes_since_last_save"] > 2
    start = c.lastsave()
    time.sleep(1.1)
    assert c.save()
    info = c.info("persistence")
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_saves"] == 1
    assert c.lastsave() > start
    assert info["rdb_last_save_time"] == int(c.lastsave().timestamp())
    assert os.path.exists(os.path.join(rdbdir, "dump.rdb"))


def test_bgsave(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    workload(c, seed=6)
    want = digest(c)
    assert raw_reply(ss, "BGSAVE") == "Background saving started"
    assert wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, 20)
    info = c.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_saves"] == 1 and info["rdb_changes_since_last_save"] == 0
    assert info["rdb_last_bgsave_time_sec"] >= 0
    assert raw_reply(ss, "BGSAVE", "SCHEDULE") in ("Background saving started",
                                                        "Background saving scheduled")
    assert raw_reply(ss, "BGSAVE", "NOW") == "ERR syntax error"
    assert wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, 20)
    ok, out = check_rdb(os.path.join(rdbdir, "dump.rdb"))
    assert ok, out
    with resp.Conn(ss.host, ss.port) as r:
        assert r.call("MULTI") == b"OK"
        assert r.call("BGSAVE") == b"QUEUED"
        assert r.call("EXEC") == [b"Background saving scheduled"]
    assert wait_for(lambda: c.info("persistence")["rdb_saves"] == 3, 20)
    ss.stop()
    assert digest(server_factory(dir=rdbdir).client()) == want


def test_save_points(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir, save="1 1")
    c = ss.client()
    assert c.config_get("save")["save"] == "1 1"
    c.set("k", "v")
    path = os.path.join(rdbdir, "dump.rdb")
    assert wait_for(lambda: os.path.exists(path), 10)
    assert wait_for(lambda: c.info("persistence")["rdb_changes_since_last_save"] == 0, 10)
    assert "1 changes in 1 seconds. Saving..." in ss.log_tail(20000)
    # no changes: no more saves
    saves = c.info("persistence")["rdb_saves"]
    time.sleep(2.5)
    assert c.info("persistence")["rdb_saves"] == saves
    # CONFIG SET save "" stops them
    c.config_set("save", "")
    c.set("k2", "v")
    time.sleep(2.5)
    assert c.info("persistence")["rdb_saves"] == saves


@pytest.mark.parametrize("save,args,saved", [
    ("3600 1", (), True),
    ("3600 1", ("NOSAVE",), False),
    ("", ("SAVE",), True),
    ("", (), False),
])
def test_shutdown_saves(server_factory, rdbdir, save, args, saved):
    ss = server_factory(dir=rdbdir, save=save)
    c = ss.client()
    c.set("k", "before shutdown")
    with resp.Conn(ss.host, ss.port) as r:
        r.send_raw(resp.encode("SHUTDOWN", *args))
        assert r.read_until_closed() == b""
    assert ss.wait_exit(10) and ss.proc.returncode == 0
    path = os.path.join(rdbdir, "dump.rdb")
    assert os.path.exists(path) == saved
    if saved:
        assert server_factory(dir=rdbdir).client().get("k") == b"before shutdown"


@pytest.mark.parametrize("save,saved", [("3600 1", True), ("", False)])
def test_sigterm_saves_when_save_points_are_set(server_factory, rdbdir, save, saved):
    ss = server_factory(dir=rdbdir, save=save)
    ss.client().set("k", "v")
    ss.proc.send_signal(signal.SIGTERM)
    assert ss.wait_exit(10) and ss.proc.returncode == 0
    assert os.path.exists(os.path.join(rdbdir, "dump.rdb")) == saved
    if saved:
        assert "Saving the final RDB snapshot before exiting." in ss.log_tail()


def test_debug_reload(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    ref = RefRedis()
    try:
        c, rc = ss.client(), ref.client()
        workload(c, seed=8)
        workload(rc, seed=8)
        want = digest(rc)
        assert digest(c) == want
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        assert digest(c) == want
        c.set("extra", "1")
        rc.set("extra", "1")
        # MERGE NOFLUSH: the file's keys replace ours, ours stay
        c.set("int", "changed")
        assert c.execute_command("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE") == b"OK"
        assert c.get("int") == b"42" and c.get("extra") == b"1"
        assert digest(c) == digest(rc)
        for cmd in (("DEBUG", "RELOAD", "BOGUS"),):
            assert raw_reply(ss, *cmd) == raw_reply(ref, *cmd)
        os.unlink(os.path.join(rdbdir, "dump.rdb"))
        assert raw_reply(ss, "DEBUG", "RELOAD", "NOSAVE") == \
            "ERR Error trying to load the RDB dump"
        assert raw_reply(ref, "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH") == \
            "ERR Error trying to load the RDB dump"
    finally:
        ref.stop()


def test_expired_keys_are_written_and_skipped_on_load(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.set("short", "v", px=300)
    c.set("long", "v", ex=3600)
    c.set("none", "v")
    time.sleep(0.5)
    assert c.save()
    ok, out = check_rdb(os.path.join(rdbdir, "dump.rdb"))
    assert ok and "1 already expired" in out, out
    ss.stop()
    c = server_factory(dir=rdbdir).client()
    info = c.info("persistence")
    assert info["rdb_last_load_keys_loaded"] == 2
    assert info["rdb_last_load_keys_expired"] == 1
    assert c.exists("short") == 0 and c.exists("long", "none") == 2


def test_lfu_counters_survive_a_restart(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir, maxmemory_policy="allkeys-lfu")
    c = ss.client()
    c.set("k", "v")
    p = c.dump("k")
    c.restore("k", 0, p, replace=True, frequency=200)
    assert c.object("freq", "k") == 200
    assert c.save()
    ss.stop()
    c = server_factory(dir=rdbdir, maxmemory_policy="allkeys-lfu").client()
    assert c.object("freq", "k") == 200


# --- failures while saving ------------------------------------------------------


def _bgsave_fails(c, srv):
    assert raw_reply(srv, "BGSAVE") == "Background saving started"
    assert wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, 20)
    return c.info("persistence")["rdb_last_bgsave_status"]


def test_unwritable_dir_misconf_like_redis(server_factory):
    d1 = tempfile.mkdtemp(prefix="rdb-gone-")
    d2 = tempfile.mkdtemp(prefix="rdb-gone-ref-")
    ss = server_factory(dir=d1, save="3600 1")
    ref = RefRedis(dir=d2, save="3600 1")
    try:
        c, rc = ss.client(), ref.client()
        c.set("k", "v")
        rc.set("k", "v")
        shutil.rmtree(d1)
        shutil.rmtree(d2)
        assert _bgsave_fails(c, ss) == "err"
        assert _bgsave_fails(rc, ref) == "err"
        for cmd in (("SET", "k", "x"), ("PING",), ("DEL", "k"), ("GET", "k"), ("DBSIZE",),
                    ("INCR", "n")):
            assert raw_reply(ss, *cmd) == raw_reply(ref, *cmd), cmd
        assert raw_reply(ss, "SET", "k", "x") == MISCONF
        # inside MULTI the refusal flags the transaction
        with resp.Conn(ss.host, ss.port) as r, resp.Conn(ref.host, ref.port) as rr:
            for conn in (r, rr):
                conn.call("MULTI")
            assert r.call("SET", "a", "1").message == rr.call("SET", "a", "1").message == MISCONF
            assert r.call("EXEC").message == rr.call("EXEC").message
        # SAVE fails too (with a bare ERR), and leaves the status as it was
        assert raw_reply(ss, "SAVE") == raw_reply(ref, "SAVE") == "ERR"
        # SHUTDOWN cannot save: refused, and the server goes on
        assert raw_reply(ss, "SHUTDOWN") == raw_reply(ref, "SHUTDOWN") == \
            "ERR Errors trying to SHUTDOWN. Check logs."
        assert ss.alive()
        # stop-writes-on-bgsave-error no: writes go through
        c.config_set("stop-writes-on-bgsave-error", "no")
        assert c.set("k", "y")
        c.config_set("stop-writes-on-bgsave-error", "yes")
        assert raw_reply(ss, "SET", "k", "x") == MISCONF
        # the dir comes back: a good save clears the error
        os.mkdir(d1)
        assert _bgsave_fails(c, ss) == "ok"
        assert c.set("k", "z")
        # SIGTERM with a save that fails: Redis keeps running, so do we
        shutil.rmtree(d1)
        ss.proc.send_signal(signal.SIGTERM)
        time.sleep(1)
        assert ss.alive()
        assert "errors trying to shut down the server" in ss.log_tail()
        assert c.get("k") == b"z"
        with resp.Conn(ss.host, ss.port) as r:
            r.send_raw(resp.encode("SHUTDOWN", "NOSAVE"))
            r.read_until_closed()
        assert ss.wait_exit(10)
    finally:
        ref.stop()
        shutil.rmtree(d1, ignore_errors=True)
        shutil.rmtree(d2, ignore_errors=True)


@pytest.mark.kernel_only("wraps the server's command line in unshare(1)")
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare(1) for a private tmpfs")
def test_full_disk(rdbdir):
    """A disk that fills up mid-save: the save fails (ENOSPC), the temp file
    goes, the previous RDB stays whole, writes get MISCONF. The disk is a
    2 MiB tmpfs mounted in a mount namespace of the server's own, so it
    vanishes with the process; the test reaches it through /proc/PID/root."""
    srv = Server({"dir": rdbdir, "save": "3600 1"})
    srv.args = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                'mount -t tmpfs -o size=2m slipstream-full-disk "$0" && exec "$@"',
                rdbdir] + srv.args
    srv.start()
    try:
        c = srv.client()
        mine = "/proc/%d/root%s" % (srv.proc.pid, rdbdir)
        c.set("small", "v")
        assert c.save()
        before = sha(os.path.join(mine, "dump.rdb"))
        rnd = random.Random(3)
        for i in range(6):
            c.set("big%d" % i, bytes(rnd.getrandbits(8) for _ in range(500000)))
        assert _bgsave_fails(c, srv) == "err"
        # lines logged off the control thread reach the file a moment later
        assert wait_for(lambda: "No space left on device" in srv.log_tail(), timeout=10)
        assert raw_reply(srv, "SET", "x", "1") == MISCONF
        assert sha(os.path.join(mine, "dump.rdb")) == before
        assert [n for n in os.listdir(mine) if n.startswith("temp-")] == []
        # room again (deleting takes stop-writes-on-bgsave-error no): the
        # save goes through and writes resume
        c.config_set("stop-writes-on-bgsave-error", "no")
        for i in range(6):
            c.delete("big%d" % i)
        c.config_set("stop-writes-on-bgsave-error", "yes")
        assert raw_reply(srv, "SET", "x", "1") == MISCONF
        assert _bgsave_fails(c, srv) == "ok"
        assert c.set("x", "1")
    finally:
        srv.stop()
