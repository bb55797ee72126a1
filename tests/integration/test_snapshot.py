"""Forkless BGSAVE is point-in-time while clients write at full speed.

Writers on several connections (and so on several workers) each run a
numbered sequence of multi-key writes: op i of writer w is
MSET w:k:<i % SLOTS> i  w:last i  (two keys, nearly always in different
shards). The state after the first m ops of writer w is therefore known
exactly. A BGSAVE taken while they write must hold, for every writer, the
state after some prefix m of its ops (with w:last = m), never a mix, and
never a half-applied MSET; and it must have been taken while they were
writing (the writers went on past m). The file is loaded into a fresh
server to read it, and checked with redis-check-rdb.
"""

import os
import shutil
import tempfile
import threading
import time

import pytest

from conftest import IS_REDIS
from rdbtool import check_rdb
from util import wait_for

pytestmark = pytest.mark.disk

SLOTS = 500
WRITERS = 3


@pytest.fixture
def rdbdir():
    d = tempfile.mkdtemp(prefix="slipstream-snap-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def writer(srv, w, stop, counts):
    c = srv.client()
    p = c.pipeline(transaction=False)
    i = 0
    while not stop.is_set():
        for _ in range(50):
            i += 1
            p.mset({"%d:k:%d" % (w, i % SLOTS): i, "%d:last" % w: i})
        p.execute()
        counts[w] = i


def expected(m):
    """w:k:j after the first m ops: the largest i <= m with i % SLOTS == j."""
    out = {}
    for j in range(SLOTS):
        i = m - ((m - j) % SLOTS)
        if i >= 1:
            out[j] = i
    return out


def test_bgsave_is_point_in_time_under_writes(server_factory, rdbdir):
    workers = {} if IS_REDIS else {"workers": 2}
    srv = server_factory(dir=rdbdir, **workers)
    c = srv.client()
    # enough data that the snapshot takes a while
    c.execute_command("DEBUG", "POPULATE", "300000", "pre", "64")
    stop = threading.Event()
    counts = [0] * WRITERS
    threads = [threading.Thread(target=writer, args=(srv, w, stop, counts), daemon=True)
               for w in range(WRITERS)]
    for t in threads:
        t.start()
    assert wait_for(lambda: min(counts) > 2000, 20)
    before = list(counts)
    assert c.bgsave()
    assert wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, 60)
    # keep writing a little after the save ended
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(10)
    after = list(counts)
    info = c.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    if not IS_REDIS:
        # writes changed entries the walk had not reached: the gate saved
        # them first (the cost a fork's copy-on-write would have had)
        assert info["rdb_last_cow_size"] > 0
    srv.stop()

    path = os.path.join(rdbdir, "dump.rdb")
    ok, out = check_rdb(path)
    assert ok, out
    loaded = server_factory(dir=rdbdir).client()
    assert wait_for(lambda: loaded.info("persistence")["loading"] == 0, 30)
    assert loaded.dbsize() >= 300000
    for w in range(WRITERS):
        m = int(loaded.get("%d:last" % w) or 0)
        assert before[w] <= m <= after[w], (w, before[w], m, after[w])
        assert m < after[w], "writer %d did not write after the snapshot" % w
        want = expected(m)
        keys = ["%d:k:%d" % (w, j) for j in range(SLOTS)]
        got = loaded.mget(keys)
        for j, v in enumerate(got):
            assert (int(v) if v is not None else None) == want.get(j), (
                "writer %d key %d: %r in the snapshot, %r after %d ops" % (w, j, v, want.get(j), m))
