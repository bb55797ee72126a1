"""Streams in RDB files, both ways with redis-server 7.0.15: our file passes
redis-check-rdb and loads in Redis with the same DEBUG DIGEST and the same
XINFO STREAM FULL (groups, PELs, consumers, their times), Redis's file loads
here the same way; and the pre-7.0 type (RDB_TYPE_STREAM_LISTPACKS, no
entries-added, first ID, max deleted ID or entries-read) loads here as Redis
loads it, counters derived alike.
"""

import os
import shutil
import struct
import tempfile

import pytest

from conftest import IS_REDIS
from rdbtool import RefRedis, check_rdb, key_record, payload, rdb_file, rdb_len

pytestmark = [pytest.mark.skipif(IS_REDIS, reason="compares Slipstream with redis-server"),
              pytest.mark.disk]


@pytest.fixture
def rdbdir():
    d = tempfile.mkdtemp(prefix="ss-stream-rdb-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def workload(c):
    """Streams of every shape, with groups, in two databases."""
    for db in (0, 5):
        c.execute_command("SELECT", db)
        c.config_set("stream-node-max-entries", "10")
        for i in range(1, 300):
            c.xadd("big", {"sensor": "s%d" % (i % 7), "v": str(i * 1.5)}, id="%d-%d" % (i, i % 3))
        c.xdel("big", "5-2", "77-2", "200-2")
        c.xtrim("big", minid="20")
        c.xadd("small", {"a": "1"}, id="1-0")
        c.xgroup_create("big", "readers", "0")
        c.xgroup_create("big", "late", "$", entries_read=299)
        c.xgroup_create("big", "123", "50-0")
        c.xreadgroup("readers", "alice", {"big": ">"}, count=40)
        c.xreadgroup("readers", "bob", {"big": ">"}, count=25)
        c.xreadgroup("readers", "99", {"big": ">"}, count=3, noack=True)
        c.xreadgroup("123", "x" * 50, {"big": ">"}, count=2)
        c.xclaim("big", "readers", "carol", 0, ["30-0", "31-1"], idle=5000)
        c.xgroup_create("empty", "g", "$", mkstream=True)
        c.xgroup_createconsumer("empty", "g", "lonely")
        c.xadd("setid", {"f": "v"}, id="3-0")
        c.execute_command("XSETID", "setid", "90-0", "ENTRIESADDED", "40", "MAXDELETEDID", "80-0")
        c.config_set("stream-node-max-entries", "100")
    c.execute_command("SELECT", 0)


KEYS = ("big", "small", "empty", "setid")


def snapshot(c):
    out = {"digest": c.execute_command("DEBUG", "DIGEST")}
    for db in (0, 5):
        c.execute_command("SELECT", db)
        for k in KEYS:
            out[(db, k)] = (c.execute_command("XINFO", "STREAM", k, "FULL", "COUNT", "0"),
                            c.execute_command("XINFO", "GROUPS", k),
                            c.object("encoding", k),
                            c.execute_command("DUMP", k))
    c.execute_command("SELECT", 0)
    return out


def test_our_rdb_in_redis(server_factory, rdbdir):
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    workload(c)
    want = snapshot(c)
    assert c.save()
    path = os.path.join(rdbdir, "dump.rdb")
    ok, out = check_rdb(path)
    assert ok, out
    ss.stop()
    ref = RefRedis(dir=rdbdir)
    try:
        assert snapshot(ref.client()) == want
    finally:
        ref.stop()
    # and back into Slipstream
    ss2 = server_factory(dir=rdbdir)
    assert snapshot(ss2.client()) == want


def test_redis_rdb_in_slipstream(server_factory, rdbdir):
    ref = RefRedis(dir=rdbdir)
    try:
        rc = ref.client()
        workload(rc)
        want = snapshot(rc)
        assert rc.save()
    finally:
        ref.stop()
    ss = server_factory(dir=rdbdir)
    c = ss.client()
    assert snapshot(c) == want
    # the loaded streams work: reading, claiming, adding
    assert c.xreadgroup("readers", "dave", {"big": ">"}, count=1)
    assert c.xpending("big", "readers")["pending"] > 0
    c.xadd("big", {"new": "1"}, id="1000-0")
    assert c.xlen("big") > 0


# --- the pre-7.0 stream type ----------------------------------------------------


class Reader(object):
    """Just enough of the RDB value format to rewrite a stream payload
    (strings as DUMP writes them with rdbcompression no)."""

    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def len_raw(self):
        start = self.i
        t = self.b[self.i]
        kind = t >> 6
        if kind == 0:
            self.i += 1
        elif kind == 1:
            self.i += 2
        elif t == 0x80:
            self.i += 5
        elif t == 0x81:
            self.i += 9
        else:  # an encoded string (integers)
            self.i += 1 + {0: 1, 1: 2, 2: 4}[t & 0x3f]
            return self.b[start:self.i], None
        return self.b[start:self.i], self.decode_len(self.b[start:self.i])

    @staticmethod
    def decode_len(raw):
        t = raw[0]
        if t >> 6 == 0:
            return t & 0x3f
        if t >> 6 == 1:
            return ((t & 0x3f) << 8) | raw[1]
        if t == 0x80:
            return struct.unpack(">I", raw[1:5])[0]
        return struct.unpack(">Q", raw[1:9])[0]

    def string(self):
        raw, n = self.len_raw()
        if n is None:
            return raw
        return raw + self.take(n)

    def length(self):
        raw, n = self.len_raw()
        return raw, n


def to_v1(p):
    """A STREAM_LISTPACKS_2 DUMP payload rewritten as STREAM_LISTPACKS: the
    same nodes, PELs and consumers without the 7.0 counters."""
    assert p[0] == 19
    r = Reader(p[1:-10])
    out = b""
    raw, n = r.length()
    out += raw
    for _ in range(n):
        out += r.string() + r.string()
    for i in range(8):  # length, last ms, seq | first ms, seq, maxdel ms, seq, added
        raw, _ = r.length()
        if i < 3:
            out += raw
    raw, ngroups = r.length()
    out += raw
    for _ in range(ngroups):
        out += r.string()
        out += r.length()[0] + r.length()[0]  # last id
        r.length()  # entries-read: not in the old type
        raw, npel = r.length()
        out += raw
        for _ in range(npel):
            out += r.take(16) + r.take(8) + r.length()[0]
        raw, ncons = r.length()
        out += raw
        for _ in range(ncons):
            out += r.string() + r.take(8)
            raw, m = r.length()
            out += raw + r.take(16 * m)
    assert r.i == len(p) - 11
    return out


def test_old_stream_type_loads_as_redis_loads_it(server_factory, rdbdir):
    ref = RefRedis()
    ss = server_factory(dir=rdbdir)
    try:
        rc, c = ref.client(), ss.client()
        rc.config_set("rdbcompression", "no")
        c.config_set("rdbcompression", "no")
        workload(rc)
        bodies = {}
        for k in KEYS:
            bodies[k] = to_v1(rc.dump(k))
            old = payload(15, bodies[k], version=9)
            for cl in (rc, c):
                cl.restore(k + ":v1", 0, old)
            # the counters Redis derives (entries-added = length, first ID
            # found, entries-read estimated) are ours too, and the re-dump
            # in the 7.0 type is byte for byte Redis's
            assert c.dump(k + ":v1") == rc.dump(k + ":v1"), k
            assert c.xinfo_stream(k + ":v1", full=True) == rc.xinfo_stream(k + ":v1", full=True)
            assert c.xinfo_groups(k + ":v1") == rc.xinfo_groups(k + ":v1")
            assert (c.execute_command("DEBUG", "DIGEST-VALUE", k + ":v1") ==
                    rc.execute_command("DEBUG", "DIGEST-VALUE", k + ":v1"))
    finally:
        ref.stop()
    ss.stop()
    # a version 9 file holding the old type loads at start-up
    path = os.path.join(rdbdir, "dump.rdb")
    with open(path, "wb") as f:
        f.write(rdb_file(9, b"\xfe\x00" + b"".join(
            key_record(15, k, bodies[k]) for k in KEYS)))
    ss2 = server_factory(dir=rdbdir)
    c2 = ss2.client()
    assert sorted(c2.keys()) == sorted(k.encode() for k in KEYS)
    assert c2.xlen("big") == c2.xinfo_stream("big")["entries-added"]
