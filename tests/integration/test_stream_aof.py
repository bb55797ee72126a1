"""Streams through the AOF: what the write log records for stream commands
(Redis 7.0's propagation: XADD with the ID it chose, `~` trims as `=`,
XREADGROUP/XCLAIM/XAUTOCLAIM as XCLAIM ... FORCE JUSTID LASTID and XGROUP
SETID / CREATECONSUMER) replays into the same streams, groups and PELs;
the same workload on redis-server 7.0.15 replays into the same state; and a
rewritten AOF (Redis's rewriteStreamObject commands) does too.
"""

import glob
import os
import shutil
import tempfile
import threading
import time

import pytest

from conftest import IS_REDIS
from rdbtool import RefRedis
from test_stream import mask_times

pytestmark = [pytest.mark.skipif(IS_REDIS, reason="compares Slipstream with redis-server"),
              pytest.mark.disk]

# small nodes, from the start: a replay builds the nodes the workload did
AOF = dict(appendonly="yes", appendfsync="always", aof_use_rdb_preamble="no",
           stream_node_max_entries="5")


@pytest.fixture
def dirs():
    a, b = tempfile.mkdtemp(prefix="ss-aof-"), tempfile.mkdtemp(prefix="rs-aof-")
    yield a, b
    shutil.rmtree(a, ignore_errors=True)
    shutil.rmtree(b, ignore_errors=True)


def workload(c, other=None):
    """Explicit IDs; every command whose effect is not itself."""
    for i in range(1, 40):
        c.xadd("s", {"f": str(i)}, id="%d-0" % i)
    c.xadd("s", {"f": "t"}, id="40-0", maxlen=20, approximate=True)
    c.execute_command("XADD", "s", "MAXLEN", "~", "10", "LIMIT", "5", "41-0", "f", "l")
    c.xtrim("s", minid="25", approximate=True)
    c.xtrim("s", maxlen=12)
    c.xdel("s", "35-0")
    c.xgroup_create("s", "g", "0")
    c.xgroup_create("s", "g2", "30-0")
    c.xgroup_create("s", "doomed", "0")
    c.xreadgroup("g", "alice", {"s": ">"}, count=4)
    c.xreadgroup("g", "bob", {"s": ">"}, count=2)
    c.xreadgroup("g2", "noack", {"s": ">"}, count=3, noack=True)
    c.xack("s", "g", c.xpending_range("s", "g", "-", "+", 1)[0]["message_id"])
    c.xclaim("s", "g", "carol", 0, ["33-0"], idle=0)
    c.execute_command("XCLAIM", "s", "g", "carol", "0", "34-0", "TIME", "1600000000000",
                      "RETRYCOUNT", "9")
    c.execute_command("XCLAIM", "s", "g", "carol", "0", "36-0", "FORCE", "JUSTID",
                      parse_justid=True)
    c.execute_command("XCLAIM", "s", "g", "carol", "0", "99-0", "LASTID", "38-0")
    c.xdel("s", "36-0")
    c.execute_command("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "3")
    c.xgroup_createconsumer("s", "g", "lazy")
    c.xgroup_createconsumer("s", "g", "gone")
    c.xgroup_delconsumer("s", "g", "gone")
    c.xgroup_destroy("s", "doomed")
    c.execute_command("XSETID", "s", "50-0", "ENTRIESADDED", "60", "MAXDELETEDID", "45-0")
    c.xgroup_create("e", "g", "$", mkstream=True)
    # a blocked group reader served by an XADD: the served read is logged
    c.xgroup_create("s", "bg", "$")
    box = {}
    t = threading.Thread(target=lambda: box.update(
        v=other.xreadgroup("bg", "blocked", {"s": ">"}, block=5000)))
    t.start()
    deadline = time.monotonic() + 5
    while c.info("clients")["blocked_clients"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    c.xadd("s", {"f": "woke"}, id="51-0")
    t.join(5)
    assert box["v"][0][1][0][0] == b"51-0"


def pels(full):
    """Each group's pending entries [id, consumer, delivery time, count]
    from XINFO STREAM FULL."""
    groups = full[full.index(b"groups") + 1]
    return [(g[g.index(b"name") + 1], g[g.index(b"pending") + 1]) for g in groups]


def state(c):
    return {k: (mask_times(c.execute_command("XINFO", "STREAM", k, "FULL", "COUNT", "0")),
                c.execute_command("XINFO", "GROUPS", k),
                c.execute_command("DEBUG", "DIGEST-VALUE", k))
            for k in ("s", "e")}


def test_effects_replay_like_redis(server_factory, dirs):
    ss = server_factory(dir=dirs[0], **AOF)
    ref = RefRedis(dir=dirs[1], **AOF)
    try:
        c, rc = ss.client(), ref.client()
        workload(c, ss.client())
        workload(rc, ref.client())
        before, rbefore = state(c), state(rc)
        assert before == rbefore
        # exact state, times included, for our own replay
        exact = c.execute_command("XINFO", "STREAM", "s", "FULL")
        # the log's words: no ~, the chosen IDs, group reads as XCLAIM
        text = b"".join(open(f, "rb").read() for f in
                        glob.glob(os.path.join(dirs[0], "appendonlydir", "*.incr.aof")))
        assert b"~" not in text and b"XREADGROUP" not in text and b"XAUTOCLAIM" not in text
        assert b"$6\r\nMAXLEN\r\n$1\r\n=\r\n" in text
        assert b"LASTID" in text and b"CREATECONSUMER" in text
        ss.stop()
        ref.stop()
        ss = server_factory(dir=dirs[0], **AOF)
        ref = RefRedis(dir=dirs[1], **AOF)
        c, rc = ss.client(), ref.client()
        # replayed: the same state as Redis's replay (which loses what Redis
        # does not propagate, e.g. an estimated entries-read), the same data
        after = state(c)
        assert after == state(rc)
        assert {k: v[2] for k, v in after.items()} == {k: v[2] for k, v in before.items()}
        # the PELs' delivery times and counts came back exactly
        assert pels(c.execute_command("XINFO", "STREAM", "s", "FULL")) == pels(exact)
        # a rewrite (keys as commands) replays to the same again
        done = {id(cl): cl.info("persistence")["aof_rewrites"] for cl in (c, rc)}
        for cl in (c, rc):
            cl.bgrewriteaof()
        for cl in (c, rc):
            deadline = time.monotonic() + 20
            while (cl.info("persistence")["aof_rewrites"] == done[id(cl)] or
                   cl.info("persistence")["aof_rewrite_in_progress"]) and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
        ss.stop()
        ref.stop()
        ss = server_factory(dir=dirs[0], **AOF)
        ref = RefRedis(dir=dirs[1], **AOF)
        # the entries are added again, without their tombstones: fewer
        # nodes, on both servers alike; the data (digest) is unchanged
        after = state(ss.client())
        assert after == state(ref.client())
        assert {k: v[2] for k, v in after.items()} == {k: v[2] for k, v in before.items()}
    finally:
        ref.stop()


def test_star_ids_replay_as_chosen(server_factory, dirs):
    ss = server_factory(dir=dirs[0], **AOF)
    c = ss.client()
    ids = [c.xadd("a", {"n": str(i)}) for i in range(50)]
    p = c.pipeline(transaction=True)
    for i in range(10):
        p.xadd("a", {"m": str(i)}, maxlen=30, approximate=True)
    ids += p.execute()
    want = c.xrange("a")
    ss.stop()
    ss = server_factory(dir=dirs[0], **AOF)
    assert ss.client().xrange("a") == want
    assert [e[0] for e in want] == ids[-len(want):]
