"""Transactions (MULTI EXEC DISCARD WATCH UNWATCH) and MEMORY USAGE.

Redis 7.0.15 is the reference: queue-time errors abort EXEC (EXECABORT),
errors while EXEC runs are elements of its reply, a touched WATCHed key makes
EXEC reply a null array, RESET and DISCARD drop the transaction and the
watches. Slipstream-specific: EXEC locks the shards of every queued key (all
shards for keyspace-wide commands) so a transaction is atomic across shards
and workers, and a watch is exact per key, not per shard.

The server runs two workers (CLIENT INFO's worker= tells which worker serves
a connection), so a watcher on one worker can be dirtied by a writer on the
other. Against redis-server (one thread) every client is on "worker 0".
Every client has a socket timeout: a deadlock fails the test instead of
hanging it.
"""

import threading
import time

import pytest
import redis

from conftest import IS_REDIS
from util import wait_for, worker_of

TIMEOUT = 10


@pytest.fixture(scope="module")
def srv(module_server_factory):
    return module_server_factory(**({} if IS_REDIS else {"workers": 2}))


class Clients(object):
    """Single-connection clients, picked by the worker serving them."""

    def __init__(self, srv):
        self.srv = srv
        self.all = []
        self.by = {}

    def new(self):
        c = self.srv.client(single_connection_client=True, socket_timeout=TIMEOUT)
        self.all.append(c)
        return c

    def on(self, worker, n=1):
        want = worker if not IS_REDIS else 0
        got = [c for c in self.by.get(want, []) if not getattr(c, "_used", False)]
        tries = 0
        while len(got) < n:
            c = self.new()
            w = worker_of(c)
            self.by.setdefault(w, []).append(c)
            if w == want:
                got.append(c)
            tries += 1
            assert tries < 400, "could not get a connection on worker %d" % want
        for c in got[:n]:
            c._used = True
        return got[:n]

    def close(self):
        for c in self.all:
            c.close()


@pytest.fixture
def cl(srv):
    c = srv.client(socket_timeout=TIMEOUT)
    c.flushall()
    c.close()
    g = Clients(srv)
    yield g
    g.close()


@pytest.fixture
def rc(cl):
    """One client (any worker)."""
    return cl.new()


@pytest.fixture
def raw(srv, cl):
    c = srv.raw()
    c.sock.settimeout(TIMEOUT)
    yield c
    c.close()


def run_tx(c, *cmds):
    """MULTI, the commands (each must be QUEUED), EXEC on a single-connection
    client: EXEC's raw reply (None when a watch made it fail)."""
    conn = c.connection
    conn.send_command("MULTI")
    assert conn.read_response() == b"OK"
    for cmd in cmds:
        conn.send_command(*cmd)
        assert conn.read_response() == b"QUEUED"
    conn.send_command("EXEC")
    return conn.read_response()


def errorstat(c, code):
    """count= of errorstat_<code> from INFO errorstats (0 when absent)."""
    v = c.info("errorstats").get("errorstat_" + code)
    if isinstance(v, dict):
        return int(v["count"])
    return int(v.split("=", 1)[1]) if v else 0


# ---- queueing and EXEC -------------------------------------------------


def test_queued_commands_run_at_exec(raw):
    assert raw.call("MULTI") == b"OK"
    assert raw.call("SET", "a", "1") == b"QUEUED"
    assert raw.call("INCR", "a") == b"QUEUED"
    assert raw.call("GET", "a") == b"QUEUED"
    assert raw.call("EXEC") == [b"OK", 2, b"2"]
    assert raw.call("GET", "a") == b"2"


def test_empty_transaction_replies_empty_array(raw):
    raw.call("MULTI")
    assert raw.call_raw("EXEC") == b"*0\r\n"


def test_transaction_errors_exact_texts(raw):
    assert raw.call("EXEC").message == "ERR EXEC without MULTI"
    assert raw.call("DISCARD").message == "ERR DISCARD without MULTI"
    raw.call("MULTI")
    assert raw.call("MULTI").message == "ERR MULTI calls can not be nested"
    assert raw.call("WATCH", "x").message == "ERR WATCH inside MULTI is not allowed"
    # neither aborts the transaction
    assert raw.call("SET", "a", "1") == b"QUEUED"
    assert raw.call("EXEC") == [b"OK"]


def test_unknown_command_while_queueing_aborts_exec(raw):
    raw.call("MULTI")
    assert raw.call("SET", "a", "1") == b"QUEUED"
    assert raw.call("NOSUCHCMD", "x").message.startswith("ERR unknown command 'NOSUCHCMD'")
    assert raw.call("EXEC").message == (
        "EXECABORT Transaction discarded because of previous errors.")
    assert raw.call("GET", "a") is None
    # the client is out of MULTI afterwards
    assert raw.call("EXEC").message == "ERR EXEC without MULTI"


def test_arity_error_while_queueing_aborts_exec(raw):
    raw.call("MULTI")
    assert raw.call("SET", "a").message == "ERR wrong number of arguments for 'set' command"
    assert raw.call("SET", "a", "1") == b"QUEUED"
    assert raw.call("EXEC").message.startswith("EXECABORT")
    assert raw.call("EXISTS", "a") == 0


def test_no_multi_command_is_refused_and_aborts(raw):
    raw.call("MULTI")
    assert raw.call("SHUTDOWN").message == "ERR Command not allowed inside a transaction"
    assert raw.call("EXEC").message.startswith("EXECABORT")
    assert raw.call("PING") == b"PONG"


def test_errors_inside_exec_are_elements(raw):
    raw.call("SET", "s", "notanumber")
    raw.call("MULTI")
    raw.call("INCR", "s")
    raw.call("SET", "b", "1")
    raw.call("LPUSH", "s", "x")
    v = raw.call("EXEC")
    assert len(v) == 3
    assert v[0].message == "ERR value is not an integer or out of range"
    assert v[1] == b"OK"
    assert v[2].message.startswith("WRONGTYPE")
    assert raw.call("GET", "b") == b"1"


def test_discard_drops_queue(raw):
    raw.call("MULTI")
    raw.call("SET", "a", "1")
    assert raw.call("DISCARD") == b"OK"
    assert raw.call("GET", "a") is None
    assert raw.call("EXEC").message == "ERR EXEC without MULTI"


def test_select_inside_transaction_carries_on(raw):
    raw.call("MULTI")
    raw.call("SELECT", "3")
    raw.call("SET", "k", "in3")
    assert raw.call("EXEC") == [b"OK", b"OK"]
    assert raw.call("GET", "k") == b"in3"
    raw.call("SELECT", "0")
    assert raw.call("GET", "k") is None
    raw.call("SELECT", "3")
    raw.call("FLUSHDB")
    raw.call("SELECT", "0")


def test_resp3_exec_is_array_and_dirty_is_null(srv, raw, rc):
    raw.call("HELLO", "3")
    raw.call("MULTI")
    raw.call("SET", "a", "1")
    raw.call("GET", "a")
    assert raw.call_raw("EXEC") == b"*2\r\n+OK\r\n$1\r\n1\r\n"
    raw.call("WATCH", "a")
    rc.set("a", "2")
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call_raw("EXEC") == b"_\r\n"


def test_resp2_dirty_exec_is_null_array(raw, rc):
    raw.call("WATCH", "a")
    rc.set("a", "2")
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call_raw("EXEC") == b"*-1\r\n"


def test_blocking_commands_answer_at_once_in_exec(rc):
    v = run_tx(rc, ("BLPOP", "nolist", "0"), ("BZPOPMIN", "nozset", "0"),
               ("BLMOVE", "nolist", "d", "LEFT", "RIGHT", "0"))
    assert v == [None, None, None]


def test_exec_serves_clients_blocked_on_created_keys(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    out = {}

    def waiter():
        out["v"] = b.blpop(["q"], 5)

    t = threading.Thread(target=waiter)
    t.start()
    assert wait_for(lambda: a.info("clients")["blocked_clients"] == 1)
    assert run_tx(a, ("RPUSH", "q", "v1", "v2"), ("LLEN", "q")) == [2, 2]
    t.join(TIMEOUT)
    assert out["v"] == (b"q", b"v1")
    assert a.lrange("q", 0, -1) == [b"v2"]


def test_commandstats_count_queued_commands_and_exec(rc):
    rc.config_resetstat()
    rc.set("s", "x")
    run_tx(rc, ("SET", "a", "1"), ("INCR", "s"), ("GET", "a"))
    st = rc.info("commandstats")
    assert st["cmdstat_set"]["calls"] == 2
    assert st["cmdstat_get"]["calls"] == 1
    assert st["cmdstat_incr"]["calls"] == 1
    assert st["cmdstat_incr"]["failed_calls"] == 1
    assert st["cmdstat_exec"]["calls"] == 1
    assert st["cmdstat_exec"]["failed_calls"] == 0
    assert st["cmdstat_multi"]["calls"] == 1
    assert errorstat(rc, "ERR") == 1


def test_execabort_counts_rejected_command_and_failed_exec(rc):
    rc.config_resetstat()
    rc.execute_command("MULTI")
    with pytest.raises(redis.ResponseError):
        rc.execute_command("SET")
    with pytest.raises(redis.ResponseError, match="Transaction discarded"):
        rc.execute_command("EXEC")
    st = rc.info("commandstats")
    assert st["cmdstat_set"]["rejected_calls"] == 1
    assert st["cmdstat_set"]["calls"] == 0
    assert st["cmdstat_exec"]["calls"] == 1
    assert st["cmdstat_exec"]["failed_calls"] == 1
    assert errorstat(rc, "ERR") == 1
    assert errorstat(rc, "EXECABORT") == 1


def test_reset_clears_transaction_and_watches(raw, rc):
    raw.call("WATCH", "w")
    raw.call("MULTI")
    raw.call("SET", "a", "1")
    assert raw.call(b"RESET") == b"RESET"
    assert raw.call("EXEC").message == "ERR EXEC without MULTI"
    assert raw.call("GET", "a") is None
    rc.set("w", "changed")  # no longer watched
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call("EXEC") == [b"PONG"]


def test_client_list_shows_multi_state(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    aid = a.client_id()
    a.execute_command("MULTI")
    a.execute_command("SET", "x", "1")
    a.execute_command("GET", "x")
    line = [ln for ln in b.execute_command("CLIENT", "LIST").decode().splitlines()
            if ln.startswith("id=%d " % aid)][0]
    assert " flags=x " in line and " multi=2 " in line
    a.execute_command("DISCARD")
    line = [ln for ln in b.execute_command("CLIENT", "LIST").decode().splitlines()
            if ln.startswith("id=%d " % aid)][0]
    assert " flags=N " in line and " multi=-1 " in line


# ---- WATCH ---------------------------------------------------------------


@pytest.mark.parametrize("other_worker", [0, 1])
def test_watch_dirtied_by_another_client(cl, other_worker):
    (a,) = cl.on(0)
    (b,) = cl.on(other_worker)
    a.set("k", "1")
    a.execute_command("WATCH", "k")
    b.set("k", "2")
    assert run_tx(a, ("SET", "k", "from-a")) is None
    assert a.get("k") == b"2"
    # the failed EXEC dropped the watch
    b.set("k", "3")
    assert run_tx(a, ("SET", "k", "from-a")) == [b"OK"]


def test_watch_missing_key_created_by_another_worker(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.execute_command("WATCH", "fresh")
    b.lpush("fresh", "x")
    assert run_tx(a, ("PING",)) is None


def test_watch_is_per_key_not_per_shard(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    # same hash tag: same slot, hence same shard
    a.mset({"{t}watched": "1", "{t}other": "1"})
    a.execute_command("WATCH", "{t}watched")
    b.set("{t}other", "2")
    b.delete("{t}missing")
    b.incr("{t}counter")
    assert run_tx(a, ("GET", "{t}watched")) == [b"1"]


def test_watch_one_of_many_keys_modified(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    keys = ["k%d" % i for i in range(5)]
    a.execute_command("WATCH", *keys)
    b.set("k3", "x")
    assert run_tx(a, ("PING",)) is None


def test_watch_own_modification_fails_exec(rc):
    rc.execute_command("WATCH", "mine")
    rc.set("mine", "1")
    assert run_tx(rc, ("PING",)) is None


def test_watch_key_not_modified_exec_works(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.set("k", "1")
    a.execute_command("WATCH", "k")
    b.get("k")
    b.exists("k")
    b.set("k2", "x")
    assert run_tx(a, ("INCR", "k")) == [2]


def test_unwatch_forgets_keys(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.execute_command("WATCH", "k", "j")
    assert a.execute_command("UNWATCH") in (b"OK", True)
    b.set("k", "1")
    assert run_tx(a, ("PING",)) == [b"PONG"]
    assert a.execute_command("UNWATCH") in (b"OK", True)


def test_discard_unwatches(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.execute_command("WATCH", "k")
    a.execute_command("MULTI")
    a.execute_command("DISCARD")
    b.set("k", "1")
    assert run_tx(a, ("PING",)) == [b"PONG"]


def test_discard_clears_dirty_flag(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.execute_command("WATCH", "k")
    b.set("k", "1")
    a.execute_command("MULTI")
    a.execute_command("DISCARD")
    assert run_tx(a, ("PING",)) == [b"PONG"]


def test_watch_remembers_the_db(cl):
    (a,) = cl.on(0)
    a.execute_command("SELECT", "5")
    a.set("x", "30")
    a.execute_command("WATCH", "x")
    a.execute_command("SELECT", "1")
    a.set("x", "10")
    a.execute_command("SELECT", "5")
    assert run_tx(a, ("PING",)) == [b"PONG"]
    a.flushall()


def test_watch_dirtied_by_expire_command(rc):
    rc.set("x", "foo")
    rc.execute_command("WATCH", "x")
    rc.expire("x", 10)
    assert run_tx(rc, ("PING",)) is None


def test_watch_dirtied_by_sort_store_with_empty_result(rc):
    rc.lpush("foo", "bar")
    rc.execute_command("WATCH", "foo")
    rc.sort("emptylist", store="foo")
    assert run_tx(rc, ("PING",)) is None


def test_watched_key_expiring_before_exec_fails_it(rc):
    rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rc.set("key", "1", px=100)
        rc.execute_command("WATCH", "key")
        time.sleep(0.15)
        # nobody deleted it yet: EXEC itself notices the expiry
        assert run_tx(rc, ("INCR", "key")) is None
    finally:
        rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_watched_key_deleted_by_active_expiry_fails_exec(rc):
    rc.set("x", "foo", px=50)
    rc.execute_command("WATCH", "x")
    assert wait_for(lambda: rc.dbsize() == 0)
    assert run_tx(rc, ("PING",)) is None


def test_watch_stale_key_does_not_fail_exec(rc):
    rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rc.set("x", "foo", px=1)
        time.sleep(0.01)
        rc.execute_command("WATCH", "x")
        assert run_tx(rc, ("PING",)) == [b"PONG"]
        # its lazy deletion is no change either
        rc.set("x", "foo", px=1)
        time.sleep(0.01)
        rc.execute_command("WATCH", "x")
        assert rc.exists("x") == 0
        assert run_tx(rc, ("PING",)) == [b"PONG"]
        # nor is a FLUSHDB that removes it
        rc.set("x", "foo", px=1)
        time.sleep(0.01)
        rc.execute_command("WATCH", "x")
        rc.flushdb()
        assert run_tx(rc, ("PING",)) == [b"PONG"]
    finally:
        rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_stale_watched_key_recreated_fails_exec(rc):
    rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rc.set("x", "foo", px=1)
        time.sleep(0.01)
        rc.execute_command("WATCH", "x")
        rc.set("x", "new")
        assert run_tx(rc, ("PING",)) is None
    finally:
        rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@pytest.mark.parametrize("flush", ["FLUSHALL", "FLUSHDB"])
def test_flush_touches_existing_watched_keys_only(cl, flush):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.set("x", "30")
    a.execute_command("WATCH", "x")
    b.execute_command(flush)
    assert run_tx(a, ("PING",)) is None
    a.execute_command("WATCH", "missing")
    b.execute_command(flush)
    assert run_tx(a, ("PING",)) == [b"PONG"]


def test_swapdb_touches_watched_keys(rc):
    rc.set("x", "30")
    rc.execute_command("WATCH", "x")  # exists: SWAPDB "deletes" it
    rc.swapdb(0, 1)
    assert run_tx(rc, ("PING",)) is None
    rc.flushall()
    rc.execute_command("SELECT", "1")
    rc.set("x", "30")
    rc.execute_command("SELECT", "0")
    rc.execute_command("WATCH", "x")  # missing: SWAPDB creates it
    rc.swapdb(0, 1)
    assert run_tx(rc, ("PING",)) is None
    rc.flushall()
    rc.execute_command("WATCH", "nowhere")  # missing on both sides
    rc.swapdb(0, 1)
    assert run_tx(rc, ("PING",)) == [b"PONG"]


def test_swapdb_does_not_touch_stale_keys(rc):
    rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        rc.execute_command("SELECT", "1")
        rc.set("x", "foo", px=1)
        time.sleep(0.01)
        rc.execute_command("WATCH", "x")
        rc.swapdb(0, 1)  # a stale key replaced by nothing
        assert run_tx(rc, ("PING",)) == [b"PONG"]
        rc.flushall()
        rc.execute_command("SELECT", "0")
        rc.set("x", "foo", px=1)
        time.sleep(0.01)
        rc.execute_command("SELECT", "1")
        rc.execute_command("WATCH", "x")
        rc.swapdb(0, 1)  # nothing replaced by a stale key
        assert run_tx(rc, ("PING",)) == [b"PONG"]
    finally:
        rc.execute_command("SELECT", "0")
        rc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        rc.flushall()


def test_watches_of_closed_connection_are_dropped(srv, cl):
    (b,) = cl.on(1)
    for _ in range(20):
        c = srv.client(single_connection_client=True, socket_timeout=TIMEOUT)
        c.execute_command("WATCH", "gone", "{t}gone", "gone2")
        c.close()
    for i in range(50):
        b.set("gone", i)
        b.set("{t}gone", i)
    assert b.ping()


# ---- keyspace-wide commands inside MULTI: no deadlock -------------------


ALLSHARDS_TX = [
    ("KEYS", "*"),
    ("SCAN", "0"),
    ("SCAN", "0", "COUNT", "1000", "MATCH", "k*"),
    ("RANDOMKEY",),
    ("DBSIZE",),
    ("SORT", "lst"),
    ("SORT", "lst", "BY", "w_*", "GET", "#", "GET", "o_*"),
    ("SORT", "lst", "BY", "w_*", "STORE", "sorted"),
    ("SORT_RO", "lst", "BY", "nosort"),
    ("INFO", "keyspace"),
    ("DEBUG", "OBJECT", "k1"),
    ("SWAPDB", "0", "1"),
    ("SWAPDB", "1", "0"),
    ("FLUSHDB",),
    ("FLUSHALL",),
]


@pytest.mark.parametrize("cmd", ALLSHARDS_TX, ids=lambda c: " ".join(c))
def test_keyspace_wide_command_inside_multi(cl, cmd):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.mset({"k%d" % i: i for i in range(20)})
    a.rpush("lst", 3, 1, 2)
    a.mset({"w_1": 3, "w_2": 2, "w_3": 1, "o_1": "a", "o_2": "b", "o_3": "c"})
    v = run_tx(a, ("SET", "before", "1"), cmd, ("INCR", "after"), ("GET", "k1"))
    assert len(v) == 4 and v[0] == b"OK"
    assert not isinstance(v[1], redis.ResponseError), v[1]
    assert v[2] == 1
    # the server is still alive on both workers and locks were released
    assert b.ping() and a.ping()
    assert b.set("k1", "x") and a.get("k1") == b"x"


def test_all_keyspace_wide_commands_in_one_transaction(cl):
    (a,) = cl.on(0)
    (b,) = cl.on(1)
    a.mset({"k%d" % i: i for i in range(20)})
    a.rpush("lst", 3, 1, 2)
    v = run_tx(a, *ALLSHARDS_TX)
    assert len(v) == len(ALLSHARDS_TX)
    assert v[4] == 23 - 0 or isinstance(v[4], int)
    assert b.ping() and b.dbsize() == 0


def test_keys_and_dbsize_inside_multi_see_queued_writes(rc):
    v = run_tx(rc, ("SET", "{a}1", "x"), ("SET", "{b}2", "y"), ("DBSIZE",), ("KEYS", "*"))
    assert v[2] == 2
    assert sorted(v[3]) == [b"{a}1", b"{b}2"]


# ---- atomicity across shards under concurrency ---------------------------


def test_multi_key_transaction_is_atomic_across_shards(srv, cl):
    """Writers increment ten keys (ten different slots, so several shards)
    in one transaction each; readers read all ten in one transaction and
    must never see them differ."""
    keys = ["acct:%d" % i for i in range(10)]
    c = cl.new()
    c.mset({k: 0 for k in keys})
    stop = time.monotonic() + 2.0
    errors = []
    rounds = [0]

    def writer():
        w = srv.client(single_connection_client=True, socket_timeout=TIMEOUT)
        try:
            while time.monotonic() < stop:
                p = w.pipeline(transaction=True)
                for k in keys:
                    p.incr(k)
                p.execute()
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            w.close()

    def reader():
        rd = srv.client(single_connection_client=True, socket_timeout=TIMEOUT)
        try:
            while time.monotonic() < stop:
                p = rd.pipeline(transaction=True)
                for k in keys:
                    p.get(k)
                vals = p.execute()
                if len(set(vals)) != 1:
                    errors.append(AssertionError("torn read: %r" % vals))
                    return
                rounds[0] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            rd.close()

    ts = [threading.Thread(target=writer) for _ in range(4)]
    ts += [threading.Thread(target=reader) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert not errors, errors[:3]
    assert rounds[0] > 0
    vals = c.mget(keys)
    assert len(set(vals)) == 1


def test_watch_check_and_set_increments_are_not_lost(srv, cl):
    """The classic optimistic-locking loop (WATCH, GET, MULTI, SET, EXEC,
    retry on null) from clients on both workers loses no increment."""
    c = cl.new()
    c.set("cas", 0)
    per_client, nclients = 50, 4
    errors = []

    def worker():
        w = srv.client(single_connection_client=True, socket_timeout=TIMEOUT)
        try:
            done = 0
            while done < per_client:
                w.execute_command("WATCH", "cas")
                v = int(w.get("cas"))
                w.execute_command("MULTI")
                w.execute_command("SET", "cas", v + 1)
                if w.execute_command("EXEC") is not None:
                    done += 1
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            w.close()

    ts = [threading.Thread(target=worker) for _ in range(nclients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors, errors[:3]
    assert int(c.get("cas")) == per_client * nclients


# ---- MEMORY -------------------------------------------------------------


def test_memory_usage(raw):
    assert raw.call("MEMORY", "USAGE", "missing") is None
    raw.call("SET", "foo", "bar")
    small = raw.call("MEMORY", "USAGE", "foo")
    assert isinstance(small, int) and 16 < small < 200
    assert raw.call("MEMORY", "USAGE", "foo", "SAMPLES", "5") == small
    assert raw.call("MEMORY", "USAGE", "foo", "SAMPLES", "0") == small
    raw.call("SET", "big", "x" * 10000)
    assert raw.call("MEMORY", "USAGE", "big") >= 10000
    raw.call("RPUSH", "l", *range(1000))
    assert raw.call("MEMORY", "USAGE", "l") > 1000


def test_memory_usage_errors(raw):
    raw.call("SET", "foo", "bar")
    for args in (("SAMPLES",), ("SAMPLES", "-1"), ("BAR", "1"), ("SAMPLES", "5", "X")):
        assert raw.call("MEMORY", "USAGE", "foo", *args).message == "ERR syntax error"
    assert raw.call("MEMORY", "USAGE", "foo", "SAMPLES", "x").message == (
        "ERR value is not an integer or out of range")
    assert raw.call("MEMORY", "USAGE").message == (
        "ERR wrong number of arguments for 'memory|usage' command")
    assert raw.call("MEMORY", "NOPE").message.startswith("ERR unknown subcommand 'NOPE'")


def test_memory_help_and_purge(raw):
    h = raw.call("MEMORY", b"HELP")
    assert h[0] == b"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"USAGE <key> [SAMPLES <count>]" in h
    # the wording is each server's own; the shape is Redis's
    assert h[-2] == b"HELP" and h[-1].startswith(b"    ")
    assert raw.call("MEMORY", "PURGE") == b"OK"


def test_memory_usage_inside_multi(rc):
    rc.set("m", "v")
    v = run_tx(rc, ("MEMORY", "USAGE", "m"), ("MEMORY", "USAGE", "nokey"))
    assert isinstance(v[0], int) and v[1] is None
