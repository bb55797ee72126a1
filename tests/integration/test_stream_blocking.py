"""XREAD BLOCK and XREADGROUP BLOCK across workers (Slipstream with two
workers; CLIENT INFO's worker= field places each client), and a consumer
group under stress: consumers on every worker reading, claiming and
acknowledging, every entry acknowledged exactly once.

XREAD is a non-consuming wake-up: every reader waiting for entries after an
ID gets the new entries, whichever worker serves it and whichever worker
added them. XREADGROUP readers share the group's new entries in the order
they blocked. Deleting or replacing the key, or destroying the group,
unblocks group readers with Redis's errors; XREAD readers keep waiting.
"""

import threading
import time

import pytest
import redis

import resp
from conftest import IS_REDIS
from test_blocking import Clients, run_bg, wait_blocked
from util import wait_for


@pytest.fixture(scope="module")
def srv(module_server_factory):
    return module_server_factory(**({} if IS_REDIS else {"workers": 2}))


@pytest.fixture
def cl(srv):
    c = srv.client()
    c.flushall()
    c.close()
    g = Clients(srv)
    yield g
    g.close()


def test_xread_every_waiter_on_every_worker_gets_the_entry(cl):
    readers = cl.on(0, 2) + cl.on(1, 2)
    (w,) = cl.on(1)
    w.xadd("s", {"old": "1"}, id="1-0")
    boxes = [run_bg(lambda c=c: c.xread({"s": "$"}, block=0)) for c in readers]
    wait_blocked(w, 4)
    assert w.xadd("s", {"new": "2"}, id="2-0") == b"2-0"
    for b in boxes:
        b["t"].join(5)
        assert b["v"] == [[b"s", [(b"2-0", {b"new": b"2"})]]]
    wait_blocked(w, 0)


def test_xread_waits_after_its_own_id_on_each_key(cl):
    (a, a2) = cl.on(0, 2)
    (w,) = cl.on(1)
    w.xadd("k1", {"f": "v"}, id="5-0")
    # after 5-0 on k1 (nothing yet), after 0 on a missing k2
    b1 = run_bg(lambda: a.xread({"k1": "5-0", "k2": "$"}, block=0, count=10))
    b2 = run_bg(lambda: a2.xread({"k1": "$"}, block=0))
    wait_blocked(w, 2)
    w.xadd("k2", {"f": "first"}, id="1-0")  # creates k2: only b1 waits on it
    b1["t"].join(5)
    assert b1["v"] == [[b"k2", [(b"1-0", {b"f": b"first"})]]]
    assert "v" not in b2
    w.xadd("k1", {"f": "x"}, id="6-0")
    b2["t"].join(5)
    assert b2["v"] == [[b"k1", [(b"6-0", {b"f": b"x"})]]]


def test_xread_served_by_multi_and_not_by_del(cl):
    (a,) = cl.on(0)
    (w,) = cl.on(1)
    w.xadd("s", {"f": "0"}, id="1-0")
    box = run_bg(lambda: a.xread({"s": "$"}, block=0))
    wait_blocked(w, 1)
    # added and deleted in one transaction: nothing to read, keep waiting
    p = w.pipeline(transaction=True)
    p.xadd("s", {"f": "1"}, id="2-0")
    p.delete("s")
    p.execute()
    time.sleep(0.1)
    assert "v" not in box and "e" not in box
    p = w.pipeline(transaction=True)
    p.xadd("s", {"f": "2"}, id="3-0")
    p.xadd("s", {"f": "3"}, id="4-0")
    p.execute()
    box["t"].join(5)
    assert box["v"] == [[b"s", [(b"3-0", {b"f": b"2"}), (b"4-0", {b"f": b"3"})]]]


def test_xreadgroup_waiters_share_new_entries_in_fifo_order(cl):
    ws = cl.on(0, 2) + cl.on(1, 2)
    order = [ws[0], ws[2], ws[1], ws[3]]
    (w,) = cl.on(1)
    w.xgroup_create("s", "g", "$", mkstream=True)
    boxes = []
    for i, c in enumerate(order):
        boxes.append(run_bg(lambda c=c, i=i: c.xreadgroup("g", "c%d" % i, {"s": ">"},
                                                          count=1, block=0)))
        wait_blocked(w, i + 1)
    w.xadd("s", {"n": "1"}, id="1-0")
    w.xadd("s", {"n": "2"}, id="2-0")
    w.xadd("s", {"n": "3"}, id="3-0")
    for b in boxes[:3]:
        b["t"].join(5)
    assert [b["v"][0][1][0][0] for b in boxes[:3]] == [b"1-0", b"2-0", b"3-0"]
    assert "v" not in boxes[3]
    pend = w.xpending_range("s", "g", "-", "+", 10)
    assert [(e["message_id"], e["consumer"]) for e in pend] == [
        (b"1-0", b"c0"), (b"2-0", b"c1"), (b"3-0", b"c2")]
    w.xadd("s", {"n": "4"}, id="4-0")
    boxes[3]["t"].join(5)
    assert boxes[3]["v"] == [[b"s", [(b"4-0", {b"n": b"4"})]]]


def test_one_xadd_serves_one_group_reader_with_all_its_count(cl):
    (a, b) = cl.on(0, 1) + cl.on(1, 1)
    (w,) = cl.on(0)
    w.xgroup_create("s", "g", "$", mkstream=True)
    ba = run_bg(lambda: a.xreadgroup("g", "a", {"s": ">"}, block=0))  # COUNT: 1000
    wait_blocked(w, 1)
    bb = run_bg(lambda: b.xreadgroup("g", "b", {"s": ">"}, block=0))
    wait_blocked(w, 2)
    p = w.pipeline(transaction=True)
    for i in range(1, 6):
        p.xadd("s", {"n": str(i)}, id="%d-0" % i)
    p.execute()
    ba["t"].join(5)
    assert [e[0] for e in ba["v"][0][1]] == [b"%d-0" % i for i in range(1, 6)]
    assert "v" not in bb
    assert w.xinfo_groups("s")[0]["pending"] == 5


@pytest.mark.parametrize("how", ["del", "set", "destroy", "rename", "flushdb", "expire",
                                 "swapdb"])
def test_group_readers_unblocked_when_key_or_group_goes(cl, how):
    (a,) = cl.on(0)
    (x,) = cl.on(1)
    (w,) = cl.on(1)
    w.xgroup_create("s", "g", "$", mkstream=True)
    ga = run_bg(lambda: a.xreadgroup("g", "c", {"s": ">"}, block=0))
    xb = run_bg(lambda: x.xread({"s": "$"}, block=0))
    wait_blocked(w, 2)
    if how == "del":
        w.delete("s")
    elif how == "set":
        w.set("s", "string now")
    elif how == "destroy":
        w.xgroup_destroy("s", "g")
    elif how == "rename":
        w.rename("s", "s2")
    elif how == "flushdb":
        w.flushdb()
    elif how == "swapdb":
        w.swapdb(0, 1)  # db 1 holds no "s"
    else:
        w.pexpire("s", 1)
        time.sleep(0.05)
        w.exists("s")  # expires it
    ga["t"].join(5)
    err = str(ga["e"])
    if how == "destroy":
        assert err == "NOGROUP the consumer group this client was blocked on no longer exists"
    else:
        assert err == "UNBLOCKED the stream key no longer exists"
    # XREAD keeps waiting (except on a key that becomes a non-stream... it
    # still waits for a stream there)
    time.sleep(0.05)
    assert "v" not in xb and "e" not in xb
    wait_blocked(w, 1)
    if how in ("set",):
        w.delete("s")
    w.xadd("s", {"f": "v"}, id="1-0")
    xb["t"].join(5)
    assert xb["v"][0][1][0][0] == b"1-0"


def test_timeouts_unblock_disconnect(srv, cl):
    (a,) = cl.on(0)
    (w,) = cl.on(1)
    t0 = time.monotonic()
    assert not a.xread({"none": "$"}, block=100)  # nil (redis-py: [])
    assert 0.09 <= time.monotonic() - t0 < 0.6
    w.xgroup_create("g1", "g", "$", mkstream=True)
    t0 = time.monotonic()
    assert not a.xreadgroup("g", "c", {"g1": ">"}, block=100)
    assert 0.09 <= time.monotonic() - t0 < 0.6
    ida = a.client_id()
    box = run_bg(lambda: a.xread({"none": "$"}, block=0))
    wait_blocked(w, 1)
    assert w.client_unblock(ida) == 1
    box["t"].join(5)
    assert not box["v"]
    box = run_bg(lambda: a.xreadgroup("g", "c", {"g1": ">"}, block=0))
    wait_blocked(w, 1)
    assert w.client_unblock(ida, error=True) == 1
    box["t"].join(5)
    assert str(box["e"]) == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    for _ in range(3):
        gone = srv.raw()
        gone.send_raw(b"XREADGROUP GROUP g c BLOCK 0 STREAMS g1 >\r\n")
        wait_blocked(w, 1)
        gone.close()
        wait_blocked(w, 0)
    # the departed readers took nothing
    w.xadd("g1", {"f": "v"}, id="1-0")
    assert w.xinfo_groups("g1")[0]["pending"] == 0
    assert w.xreadgroup("g", "c2", {"g1": ">"})[0][1][0][0] == b"1-0"


def test_served_reply_in_resp3_and_blocked_count(srv, cl):
    (w,) = cl.on(1)
    w.xadd("s", {"f": "0"}, id="1-0")
    c = srv.raw()
    try:
        assert isinstance(c.call("HELLO", "3"), resp.Map)
        c.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        wait_blocked(w, 1)
        w.xadd("s", {"f": "1"}, id="2-0")
        v = c.read()
        assert isinstance(v, resp.Map)
        assert v.as_dict() == {b"s": [[b"2-0", [b"f", b"1"]]]}
    finally:
        c.close()


def test_consumer_group_stress(srv):
    """Consumers on both workers read (BLOCK), claim from each other
    (XAUTOCLAIM) and acknowledge while a producer adds; at the end every
    entry was acknowledged exactly once and nothing is pending."""
    ctl = srv.client()
    ctl.flushall()
    ctl.xgroup_create("jobs", "g", "$", mkstream=True)
    total = 3000
    nconsumers = 8
    acked = []
    lock = threading.Lock()
    stop = threading.Event()
    errors = []
    workers_seen = set()

    def consumer(i):
        c = srv.client(single_connection_client=True, socket_timeout=20)
        try:
            if not IS_REDIS:
                workers_seen.add(c.client_info().get("worker"))
            name = "c%d" % i
            mine = []
            while not stop.is_set():
                r = c.xreadgroup("g", name, {"jobs": ">"}, count=5, block=50)
                ids = [e[0] for e in r[0][1]] if r else []
                if i % 3 == 0:
                    # take over entries others hold for long enough
                    got = c.xautoclaim("jobs", "g", name, min_idle_time=20, start_id="0-0",
                                       count=5, justid=True)
                    ids += got  # JUSTID: redis-py hands back the IDs
                for e in ids:
                    if i % 4 == 1 and len(mine) % 7 == 3:
                        mine.append(None)  # "crash": leave it pending for a claimer
                        continue
                    n = c.xack("jobs", "g", e)
                    if n:
                        with lock:
                            acked.append(e)
                    mine.append(e)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=consumer, args=(i,), daemon=True)
               for i in range(nconsumers)]
    for t in threads:
        t.start()
    prod = srv.client()
    added = []
    for i in range(total):
        added.append(prod.xadd("jobs", {"n": str(i)}))
    # let the claimers finish what was left pending
    assert wait_for(lambda: prod.xpending("jobs", "g")["pending"] == 0 and
                    len(acked) == total, timeout=60), (prod.xpending("jobs", "g"), len(acked))
    stop.set()
    for t in threads:
        t.join(20)
    assert not errors, errors
    assert sorted(acked) == sorted(added)          # each acknowledged once
    assert len(set(acked)) == total
    assert prod.xinfo_groups("jobs")[0]["pending"] == 0
    assert prod.xlen("jobs") == total
    if not IS_REDIS:
        assert len(workers_seen) == 2, workers_seen
