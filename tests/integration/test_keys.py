"""Generic key commands, databases, TTL commands, OBJECT, KEYS and SCAN."""

import time

import pytest

from util import (NOT_INT, SYNTAX, arity_error, error_of,
                  make_nonstring, wait_for)

DB_RANGE = "ERR DB index is out of range"
SAME_OBJECT = "ERR source and destination objects are the same"


@pytest.fixture
def no_active_expire(r):
    """Turn off active expiry so only lazy expiry can remove keys."""
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") in (True, b"OK")
    yield
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# --------------------------------------------------------------------------
# DEL UNLINK EXISTS TYPE TOUCH
# --------------------------------------------------------------------------

def test_del(r, raw):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.delete("a") == 1
    assert r.delete("a") == 0
    assert r.delete("b", "c", "nokey", "b") == 2
    assert r.dbsize() == 0
    assert error_of(raw, "DEL") == arity_error("del")


def test_unlink(r, raw):
    r.mset({"a": 1, "b": "x" * 1000})
    assert r.unlink("a", "b", "nokey") == 2
    assert r.exists("a", "b") == 0
    assert error_of(raw, "UNLINK") == arity_error("unlink")


def test_exists_counts_repeats(r, raw):
    r.set("a", 1)
    assert r.exists("a") == 1
    assert r.exists("nokey") == 0
    assert r.exists("a", "a", "nokey", "a") == 3
    assert error_of(raw, "EXISTS") == arity_error("exists")


def test_type(r, raw):
    assert r.type("nokey") == b"none"
    assert raw.call_raw("TYPE", "nokey") == b"+none\r\n"
    r.set("s", "x")
    r.set("i", 1)
    assert raw.call_raw("TYPE", "s") == b"+string\r\n"
    assert r.type("i") == b"string"
    assert error_of(raw, "TYPE") == arity_error("type")


def test_type_other(r):
    typ = make_nonstring(r, "l")
    assert r.type("l") == typ


def test_touch(r, raw):
    r.mset({"a": 1, "b": 2})
    assert r.touch("a", "b", "nokey", "a") == 3
    assert error_of(raw, "TOUCH") == arity_error("touch")


# --------------------------------------------------------------------------
# RENAME RENAMENX
# --------------------------------------------------------------------------

def test_rename(r, raw):
    r.set("a", "1")
    assert r.rename("a", "b") is True
    assert r.get("a") is None
    assert r.get("b") == b"1"


def test_rename_overwrites_and_moves_ttl(r):
    r.set("a", "1", ex=100)
    r.set("b", "2")
    r.rename("a", "b")
    assert r.get("b") == b"1"
    assert 98 <= r.ttl("b") <= 100
    r.set("c", "3")
    r.set("d", "4", ex=100)
    r.rename("c", "d")
    assert r.ttl("d") == -1  # destination's old TTL goes with its old value


def test_rename_onto_other_type(r):
    make_nonstring(r, "b")
    r.set("a", "1")
    r.rename("a", "b")
    assert r.type("b") == b"string"


def test_rename_same_key(r, raw):
    r.set("a", "1", ex=100)
    assert raw.call("RENAME", "a", "a") == b"OK"
    assert r.get("a") == b"1"
    assert r.ttl("a") > 0
    assert raw.call("RENAMENX", "a", "a") == 0


def test_rename_errors(r, raw):
    assert error_of(raw, "RENAME", "nokey", "b") == "ERR no such key"
    assert error_of(raw, "RENAME", "nokey", "nokey") == "ERR no such key"
    assert error_of(raw, "RENAMENX", "nokey", "b") == "ERR no such key"
    assert error_of(raw, "RENAME", "a") == arity_error("rename")
    assert error_of(raw, "RENAMENX", "a") == arity_error("renamenx")
    assert r.exists("b") == 0


def test_renamenx(r, raw):
    r.mset({"a": "1", "b": "2"})
    assert raw.call("RENAMENX", "a", "b") == 0
    assert r.mget("a", "b") == [b"1", b"2"]
    r.expire("a", 100)
    assert raw.call("RENAMENX", "a", "c") == 1
    assert r.get("c") == b"1"
    assert r.ttl("c") > 0
    assert r.exists("a") == 0


# --------------------------------------------------------------------------
# COPY
# --------------------------------------------------------------------------

def test_copy(r, raw):
    r.set("a", "v", ex=100)
    assert raw.call("COPY", "a", "b") == 1
    assert r.get("b") == b"v"
    assert 98 <= r.ttl("b") <= 100
    r.set("a", "changed")
    assert r.get("b") == b"v"  # an independent value
    assert raw.call("COPY", "a", "b") == 0
    assert r.get("b") == b"v"
    assert raw.call("COPY", "a", "b", "REPLACE") == 1
    assert r.get("b") == b"changed"
    assert r.ttl("b") == -1
    assert raw.call("COPY", "nokey", "c") == 0
    assert raw.call("COPY", "nokey", "b", "REPLACE") == 0
    assert r.exists("c") == 0
    assert r.get("b") == b"changed"


def test_copy_keeps_encoding(r, raw):
    r.set("i", 12345)
    raw.call("COPY", "i", "j")
    assert r.object("encoding", "j") == b"int"
    r.set("s", "x" * 100)
    raw.call("COPY", "s", "t")
    assert r.object("encoding", "t") == b"raw"


def test_copy_to_other_db(r, raw, server):
    r.set("a", "v")
    assert raw.call("COPY", "a", "a", "DB", "1") == 1
    assert raw.call("COPY", "a", "x", "DB", "15", "REPLACE") == 1
    assert raw.call("COPY", "a", "a", "DB", "1") == 0
    c = server.client(db=1)
    assert c.get("a") == b"v"
    c.close()
    c = server.client(db=15)
    assert c.get("x") == b"v"
    c.close()


def test_copy_errors(r, raw):
    r.set("a", "v")
    assert error_of(raw, "COPY", "a", "a") == SAME_OBJECT
    assert error_of(raw, "COPY", "a", "a", "DB", "0") == SAME_OBJECT
    assert error_of(raw, "COPY", "a", "b", "DB", "16") == DB_RANGE
    assert error_of(raw, "COPY", "a", "b", "DB", "-1") == DB_RANGE
    assert error_of(raw, "COPY", "a", "b", "DB", "x") == NOT_INT
    assert error_of(raw, "COPY", "a", "b", "DB") == SYNTAX
    assert error_of(raw, "COPY", "a", "b", "FOO") == SYNTAX
    assert error_of(raw, "COPY", "a") == arity_error("copy")
    assert r.exists("b") == 0


# --------------------------------------------------------------------------
# SELECT MOVE SWAPDB FLUSHDB FLUSHALL DBSIZE
# --------------------------------------------------------------------------

def test_select_isolates_databases(r, server):
    with server.raw() as c:
        assert c.call("SELECT", "9") == b"OK"
        assert c.call("SET", "k", "db9") == b"OK"
        assert c.call("DBSIZE") == 1
        assert c.call("SELECT", "0") == b"OK"
        assert c.call("GET", "k") is None
        assert c.call("DBSIZE") == 0
        assert c.call("SELECT", "9") == b"OK"
        assert c.call("GET", "k") == b"db9"
    # Selection is per connection: a fresh connection starts in db 0.
    with server.raw() as c:
        assert c.call("GET", "k") is None


def test_select_errors(raw):
    assert error_of(raw, "SELECT", "16") == DB_RANGE
    assert error_of(raw, "SELECT", "-1") == DB_RANGE
    assert error_of(raw, "SELECT", "x") == NOT_INT
    assert error_of(raw, "SELECT", "1.5") == NOT_INT
    assert error_of(raw, "SELECT") == arity_error("select")
    assert raw.call("SELECT", "15") == b"OK"


def test_move(r, raw, server):
    r.set("a", "v", ex=100)
    assert raw.call("MOVE", "a", "1") == 1
    assert r.exists("a") == 0
    c1 = server.client(db=1)
    assert c1.get("a") == b"v"
    assert c1.ttl("a") > 0
    # Destination exists: nothing moves.
    r.set("a", "other")
    assert raw.call("MOVE", "a", "1") == 0
    assert r.get("a") == b"other"
    assert c1.get("a") == b"v"
    assert raw.call("MOVE", "nokey", "1") == 0
    c1.close()


def test_move_errors(r, raw):
    r.set("a", "v")
    assert error_of(raw, "MOVE", "a", "0") == SAME_OBJECT
    assert error_of(raw, "MOVE", "a", "16") == DB_RANGE
    assert error_of(raw, "MOVE", "a", "-1") == DB_RANGE
    assert error_of(raw, "MOVE", "a", "x") == NOT_INT
    assert error_of(raw, "MOVE", "a") == arity_error("move")
    assert r.get("a") == b"v"


def test_swapdb(r, raw, server):
    r.set("a", "db0", ex=100)
    c1 = server.client(db=1)
    c1.set("b", "db1")
    with server.raw() as sel1:
        sel1.call("SELECT", "1")
        assert raw.call("SWAPDB", "0", "1") == b"OK"
        # Connections keep their db number but see the swapped contents.
        assert sel1.call("GET", "a") == b"db0"
        assert sel1.call("TTL", "a") > 0
        assert raw.call("GET", "b") == b"db1"
        assert raw.call("GET", "a") is None
    assert raw.call("SWAPDB", "0", "0") == b"OK"
    assert raw.call("GET", "b") == b"db1"
    c1.close()


def test_swapdb_errors(raw):
    assert error_of(raw, "SWAPDB", "0", "16") == DB_RANGE
    assert error_of(raw, "SWAPDB", "-1", "0") == DB_RANGE
    assert error_of(raw, "SWAPDB", "x", "1") == "ERR invalid first DB index"
    assert error_of(raw, "SWAPDB", "1", "x") == "ERR invalid second DB index"
    assert error_of(raw, "SWAPDB", "1") == arity_error("swapdb")


def test_dbsize_flushdb_flushall(r, raw, server):
    r.mset({"a": 1, "b": 2, "c": 3})
    c1 = server.client(db=1)
    c1.set("x", 1)
    assert r.dbsize() == 3
    assert c1.dbsize() == 1
    assert raw.call("FLUSHDB") == b"OK"
    assert r.dbsize() == 0
    assert c1.dbsize() == 1  # only the selected db
    r.set("a", 1)
    assert raw.call("FLUSHALL") == b"OK"
    assert r.dbsize() == 0
    assert c1.dbsize() == 0
    c1.close()
    assert error_of(raw, "DBSIZE", "x") == arity_error("dbsize")


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
@pytest.mark.parametrize("mode", ["ASYNC", "SYNC", "async", "sync"])
def test_flush_modes(r, raw, cmd, mode):
    r.mset({"k%d" % i: i for i in range(100)})
    assert raw.call(cmd, mode) == b"OK"
    assert r.dbsize() == 0
    assert r.get("k1") is None
    r.set("k1", "new")  # the database is usable at once
    assert r.get("k1") == b"new"


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
def test_flush_errors(raw, cmd):
    assert error_of(raw, cmd, "FOO") == SYNTAX
    assert error_of(raw, cmd, "ASYNC", "SYNC") == SYNTAX


# --------------------------------------------------------------------------
# KEYS SCAN RANDOMKEY
# --------------------------------------------------------------------------

GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo",
             "a[b", "a\\b", "ab", "aB"]


@pytest.mark.parametrize("pattern,expected", [
    ("*", GLOB_KEYS),
    ("h?llo", ["hello", "hallo", "hxllo", "h*llo"]),
    ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo"]),
    ("h[ae]llo", ["hello", "hallo"]),
    ("h[^e]llo", ["hallo", "hxllo", "h*llo"]),
    ("h[a-b]llo", ["hallo"]),
    ("h[^a-f]llo", ["hxllo", "h*llo"]),
    ("h\\*llo", ["h*llo"]),
    ("a\\\\b", ["a\\b"]),
    ("a[bB]", ["ab", "aB"]),
    ("hello", ["hello"]),
    ("nomatch*", []),
    ("a[", []),
])
def test_keys_glob(r, pattern, expected):
    r.mset({k: 1 for k in GLOB_KEYS})
    assert sorted(r.keys(pattern)) == sorted(k.encode() for k in expected)


def test_keys_errors_and_empty(r, raw):
    assert raw.call_raw("KEYS", "*") == b"*0\r\n"
    assert error_of(raw, "KEYS") == arity_error("keys")
    assert error_of(raw, "KEYS", "a", "b") == arity_error("keys")


def scan_all(r, **kw):
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, keys = r.scan(cursor, **kw)
        seen.extend(keys)
        calls += 1
        assert calls < 100000
        if cursor == 0:
            return seen


def test_scan_basic(r, raw):
    assert raw.call("SCAN", "0") == [b"0", []]
    r.mset({"key:%d" % i: i for i in range(1000)})
    seen = scan_all(r)
    assert set(seen) == {b"key:%d" % i for i in range(1000)}
    reply = raw.call("SCAN", "0")
    assert isinstance(reply[0], bytes) and reply[0].isdigit()


def test_scan_count(r):
    r.mset({"key:%d" % i: i for i in range(1000)})
    seen = scan_all(r, count=100)
    assert set(seen) == {b"key:%d" % i for i in range(1000)}
    # COUNT is a hint; one call with a large COUNT returns everything.
    cursor, keys = r.scan(0, count=10000)
    assert cursor == 0 and len(set(keys)) == 1000


def test_scan_match(r):
    r.mset({"key:%d" % i: i for i in range(1000)})
    r.mset({"other:%d" % i: i for i in range(100)})
    seen = scan_all(r, match="other:*", count=50)
    assert set(seen) == {b"other:%d" % i for i in range(100)}
    seen = scan_all(r, match="key:1?", count=50)
    assert set(seen) == {b"key:%d" % i for i in range(10, 20)}


def test_scan_type(r):
    r.mset({"s:%d" % i: i for i in range(50)})
    seen = scan_all(r, _type="string")
    assert set(seen) == {b"s:%d" % i for i in range(50)}
    assert scan_all(r, _type="nosuchtype") == []
    typ = make_nonstring(r, "other")
    assert scan_all(r, _type=typ.decode()) == [b"other"]
    assert b"other" not in scan_all(r, _type="string")


def test_scan_errors(raw):
    assert error_of(raw, "SCAN", "x") == "ERR invalid cursor"
    assert error_of(raw, "SCAN", "1.5") == "ERR invalid cursor"
    assert error_of(raw, "SCAN", "18446744073709551616") == "ERR invalid cursor"
    assert error_of(raw, "SCAN", "0", "COUNT", "0") == SYNTAX
    assert error_of(raw, "SCAN", "0", "COUNT", "-1") == SYNTAX
    assert error_of(raw, "SCAN", "0", "COUNT", "x") == NOT_INT
    assert error_of(raw, "SCAN", "0", "COUNT") == SYNTAX
    assert error_of(raw, "SCAN", "0", "MATCH") == SYNTAX
    assert error_of(raw, "SCAN", "0", "TYPE") == SYNTAX
    assert error_of(raw, "SCAN", "0", "FOO", "bar") == SYNTAX
    assert error_of(raw, "SCAN") == arity_error("scan")


def test_scan_guarantee_under_growth_and_shrink(r):
    """Every key present for the whole iteration is returned at least once,
    even while the table grows (rehashing) and other keys are deleted."""
    n = 20000
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("stable:%d" % i, i)
        if i % 2 == 0:
            p.set("temp:%d" % i, i)
    p.execute()
    seen = set()
    cursor, step, added = 0, 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=50)
        seen.update(keys)
        step += 1
        # Mutate between calls: add many keys (forces growth) and delete the
        # temporary ones (forces shrink later).
        p = r.pipeline(transaction=False)
        for j in range(100):
            p.set("grow:%d" % added, 1)
            added += 1
        if step % 3 == 0:
            p.delete(*["temp:%d" % i for i in range((step * 200) % n,
                                                     (step * 200) % n + 200, 2)])
        p.execute()
        if cursor == 0:
            break
        assert step < 100000
    missing = [i for i in range(n) if b"stable:%d" % i not in seen]
    assert missing == []


def test_scan_never_returns_a_key_twice_when_stable(r):
    r.mset({"k%d" % i: i for i in range(5000)})
    seen = scan_all(r, count=7)
    assert len(seen) == len(set(seen)) == 5000


def test_randomkey(r, raw):
    assert r.randomkey() is None
    assert raw.call_raw("RANDOMKEY") == b"$-1\r\n"
    r.mset({"a": 1, "b": 2, "c": 3})
    got = {r.randomkey() for _ in range(200)}
    assert got == {b"a", b"b", b"c"}
    assert error_of(raw, "RANDOMKEY", "x") == arity_error("randomkey")


# --------------------------------------------------------------------------
# OBJECT
# --------------------------------------------------------------------------

# The help's wording is each server's own; its shape is Redis's: a usage
# line, then each subcommand's syntax unindented followed by indented text.
OBJECT_HELP_HEADER = b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
OBJECT_HELP_ENTRIES = [b"ENCODING <key>", b"FREQ <key>", b"IDLETIME <key>",
                       b"REFCOUNT <key>", b"HELP"]


def test_object_help(raw):
    for name in ("OBJECT", "object"):
        lines = raw.call(name, "help")
        assert lines[0] == OBJECT_HELP_HEADER
        entries = [l for l in lines[1:] if not l.startswith(b" ")]
        assert entries == OBJECT_HELP_ENTRIES
        # every entry is followed by at least one indented line of text
        for i, l in enumerate(lines[1:], 1):
            if not l.startswith(b" "):
                assert i + 1 < len(lines) and lines[i + 1].startswith(b"    ")
    assert error_of(raw, "OBJECT", "HELP", "x") == arity_error("object|help")


def test_object_on_missing_key_is_nil(raw):
    for sub in ("ENCODING", "REFCOUNT", "IDLETIME"):
        assert raw.call_raw("OBJECT", sub, "nokey") == b"$-1\r\n"


def test_object_errors(r, raw):
    r.set("k", "v")
    assert error_of(raw, "OBJECT", "FOO", "k") == \
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    assert error_of(raw, "OBJECT", "foo") == \
        "ERR unknown subcommand 'foo'. Try OBJECT HELP."
    assert error_of(raw, "OBJECT") == arity_error("object")
    assert error_of(raw, "OBJECT", "ENCODING") == arity_error("object|encoding")
    assert error_of(raw, "OBJECT", "ENCODING", "k", "x") == \
        arity_error("object|encoding")
    assert error_of(raw, "OBJECT", "REFCOUNT") == arity_error("object|refcount")
    assert error_of(raw, "OBJECT", "IDLETIME") == arity_error("object|idletime")
    assert error_of(raw, "OBJECT", "FREQ") == arity_error("object|freq")


def test_object_refcount(r, raw):
    r.set("s", "some string")
    assert raw.call("OBJECT", "REFCOUNT", "s") == 1
    # Small integers (0..9999) are shared objects: refcount is INT_MAX.
    r.set("i", 100)
    assert raw.call("OBJECT", "REFCOUNT", "i") == 2147483647
    r.set("j", 10000)
    assert raw.call("OBJECT", "REFCOUNT", "j") == 1


def test_object_idletime(r, raw):
    # Not small integers: those are shared objects whose LRU is not per key.
    r.set("a", "x")
    r.set("b", "y")
    assert raw.call("OBJECT", "IDLETIME", "a") == 0
    time.sleep(2.2)
    assert raw.call("OBJECT", "IDLETIME", "a") >= 2
    r.get("a")  # an access resets the idle time
    r.touch("b")  # so does TOUCH
    assert raw.call("OBJECT", "IDLETIME", "a") == 0
    assert raw.call("OBJECT", "IDLETIME", "b") == 0


def test_object_freq_requires_lfu(r, raw):
    r.set("k", "v")
    assert error_of(raw, "OBJECT", "FREQ", "k") == (
        "ERR An LFU maxmemory policy is not selected, access frequency not "
        "tracked. Please note that when switching between policies at "
        "runtime LRU and LFU data will take some time to adjust.")


def test_object_freq_and_idletime_under_lfu(r, raw):
    assert r.config_set("maxmemory-policy", "allkeys-lfu") is True
    try:
        r.set("k", "v")
        assert raw.call("OBJECT", "FREQ", "k") == 5  # LFU_INIT_VAL
        r.get("k")
        assert raw.call("OBJECT", "FREQ", "k") == 6  # first hit always counts
        for _ in range(20):
            r.get("k")
        assert raw.call("OBJECT", "FREQ", "k") >= 6
        assert raw.call_raw("OBJECT", "FREQ", "nokey") == b"$-1\r\n"
        assert error_of(raw, "OBJECT", "IDLETIME", "k") == (
            "ERR An LFU maxmemory policy is selected, idle time not tracked. "
            "Please note that when switching between policies at runtime LRU "
            "and LFU data will take some time to adjust.")
    finally:
        r.config_set("maxmemory-policy", "noeviction")


# --------------------------------------------------------------------------
# EXPIRE PEXPIRE EXPIREAT PEXPIREAT, TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
# --------------------------------------------------------------------------

def test_ttl_pttl_missing_and_persistent(r, raw):
    assert r.ttl("nokey") == -2
    assert r.pttl("nokey") == -2
    assert raw.call("EXPIRETIME", "nokey") == -2
    assert raw.call("PEXPIRETIME", "nokey") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert raw.call("EXPIRETIME", "k") == -1
    assert raw.call("PEXPIRETIME", "k") == -1
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST"):
        assert error_of(raw, cmd) == arity_error(cmd.lower())


def test_expire_and_ttl(r, raw):
    r.set("k", "v")
    assert raw.call("EXPIRE", "k", "100") == 1
    assert 99 <= r.ttl("k") <= 100
    assert 99000 < r.pttl("k") <= 100000
    now = time.time()
    assert abs(raw.call("EXPIRETIME", "k") - (now + 100)) <= 2
    assert abs(raw.call("PEXPIRETIME", "k") - (now + 100) * 1000) <= 2000
    assert raw.call("EXPIRE", "nokey", "100") == 0
    assert r.exists("nokey") == 0


def test_pexpire(r, raw):
    r.set("k", "v")
    assert raw.call("PEXPIRE", "k", "100000") == 1
    assert 99000 < r.pttl("k") <= 100000
    assert raw.call("PEXPIRE", "k", "50") == 1
    assert wait_for(lambda: r.exists("k") == 0, timeout=2)
    assert raw.call("PEXPIRE", "k", "100") == 0


def test_expireat_pexpireat(r, raw):
    r.set("k", "v")
    at = int(time.time()) + 100
    assert raw.call("EXPIREAT", "k", str(at)) == 1
    assert raw.call("EXPIRETIME", "k") == at
    assert raw.call("PEXPIRETIME", "k") == at * 1000
    assert raw.call("PEXPIREAT", "k", str(at * 1000 + 500)) == 1
    assert raw.call("PEXPIRETIME", "k") == at * 1000 + 500
    assert raw.call("EXPIRETIME", "k") == at + 1  # rounded to nearest second
    assert raw.call("PEXPIREAT", "k", str(at * 1000 + 499)) == 1
    assert raw.call("EXPIRETIME", "k") == at
    assert raw.call("EXPIREAT", "nokey", str(at)) == 0
    assert raw.call("PEXPIREAT", "nokey", str(at * 1000)) == 0


def test_expiretime_rounding(r, raw):
    r.set("k", "v")
    at_ms = (int(time.time()) + 100) * 1000 + 999
    raw.call("PEXPIREAT", "k", str(at_ms))
    # EXPIRETIME and TTL round to the nearest second: (ms + 500) / 1000.
    assert raw.call("EXPIRETIME", "k") == (at_ms + 500) // 1000
    pttl = raw.call("PTTL", "k")
    ttl = raw.call("TTL", "k")  # a few ms later than the PTTL
    assert ttl in ((pttl + 500) // 1000, (pttl - 20 + 500) // 1000)


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", "0"), ("EXPIRE", "-10"), ("PEXPIRE", "0"), ("PEXPIRE", "-1"),
    ("EXPIREAT", "1"), ("EXPIREAT", "0"), ("PEXPIREAT", "1"),
    ("EXPIREAT", "-5"),
])
def test_expire_in_the_past_deletes(r, raw, cmd, arg):
    r.set("k", "v")
    assert raw.call(cmd, "k", arg) == 1
    assert r.exists("k") == 0
    assert r.get("k") is None
    assert raw.call(cmd, "k", arg) == 0


def test_persist(r, raw):
    r.set("k", "v", ex=100)
    assert raw.call("PERSIST", "k") == 1
    assert r.ttl("k") == -1
    assert raw.call("PERSIST", "k") == 0
    assert raw.call("PERSIST", "nokey") == 0


def test_expire_overwritten_by_set_but_not_by_alter(r):
    r.set("k", "1", ex=100)
    r.incr("k")
    r.append("k", "0")
    r.setrange("k", 0, "9")
    assert r.ttl("k") > 0
    r.set("k", "x")
    assert r.ttl("k") == -1


def test_expire_options_nx_xx(r, raw):
    r.set("k", "v")
    assert raw.call("EXPIRE", "k", "100", "XX") == 0
    assert r.ttl("k") == -1
    assert raw.call("EXPIRE", "k", "100", "NX") == 1
    assert raw.call("EXPIRE", "k", "200", "NX") == 0
    assert r.ttl("k") <= 100
    assert raw.call("EXPIRE", "k", "200", "XX") == 1
    assert 100 < r.ttl("k") <= 200
    assert raw.call("EXPIRE", "nokey", "100", "NX") == 0


def test_expire_options_gt_lt(r, raw):
    r.set("k", "v")
    # No TTL counts as infinite: GT never applies, LT always does.
    assert raw.call("EXPIRE", "k", "100", "GT") == 0
    assert r.ttl("k") == -1
    assert raw.call("EXPIRE", "k", "100", "LT") == 1
    assert raw.call("EXPIRE", "k", "200", "LT") == 0
    assert raw.call("EXPIRE", "k", "50", "GT") == 0
    assert r.ttl("k") <= 100 and r.ttl("k") > 50
    assert raw.call("EXPIRE", "k", "200", "GT") == 1
    assert r.ttl("k") > 100
    assert raw.call("EXPIRE", "k", "50", "LT") == 1
    assert r.ttl("k") <= 50
    assert raw.call("EXPIRE", "k", "60", "XX", "GT") == 1
    assert raw.call("EXPIRE", "k", "10", "XX", "GT") == 0
    assert raw.call("EXPIRE", "k", "10", "lt") == 1  # case-insensitive


@pytest.mark.parametrize("cmd,base", [
    ("PEXPIRE", 0), ("EXPIREAT", "s"), ("PEXPIREAT", "ms"),
])
def test_expire_options_on_other_commands(r, raw, cmd, base):
    now = time.time()

    def arg(seconds):
        if base == "s":
            return str(int(now) + seconds)
        if base == "ms":
            return str(int(now * 1000) + seconds * 1000)
        return str(seconds * 1000)

    r.set("k", "v")
    assert raw.call(cmd, "k", arg(100), "XX") == 0
    assert raw.call(cmd, "k", arg(100), "GT") == 0
    assert raw.call(cmd, "k", arg(100), "NX") == 1
    assert raw.call(cmd, "k", arg(200), "NX") == 0
    assert raw.call(cmd, "k", arg(50), "GT") == 0
    assert raw.call(cmd, "k", arg(200), "GT") == 1
    assert raw.call(cmd, "k", arg(300), "LT") == 0
    assert raw.call(cmd, "k", arg(150), "LT") == 1
    assert 140 <= r.ttl("k") <= 150


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_option_errors(r, raw, cmd):
    r.set("k", "v")
    nx_xx = "ERR NX and XX, GT or LT options at the same time are not compatible"
    assert error_of(raw, cmd, "k", "100", "NX", "XX") == nx_xx
    assert error_of(raw, cmd, "k", "100", "NX", "GT") == nx_xx
    assert error_of(raw, cmd, "k", "100", "LT", "NX") == nx_xx
    assert error_of(raw, cmd, "k", "100", "GT", "LT") == \
        "ERR GT and LT options at the same time are not compatible"
    assert error_of(raw, cmd, "k", "100", "FOO") == "ERR Unsupported option FOO"
    assert error_of(raw, cmd, "k", "100", "XX", "bar") == \
        "ERR Unsupported option bar"
    assert error_of(raw, cmd, "k", "abc") == NOT_INT
    assert error_of(raw, cmd, "k", "1.5") == NOT_INT
    assert error_of(raw, cmd, "k") == arity_error(cmd.lower())
    assert r.ttl("k") == -1


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", "9223372036854775807"),
    ("EXPIRE", "-9223372036854775808"),
    ("PEXPIRE", "9223372036854775807"),
    ("EXPIREAT", "9223372036854775807"),
    ("EXPIRE", "9223372036854775"),
])
def test_expire_overflow(r, raw, cmd, arg):
    r.set("k", "v")
    assert error_of(raw, cmd, "k", arg) == \
        "ERR invalid expire time in '%s' command" % cmd.lower()
    assert r.ttl("k") == -1


def test_expire_large_but_valid(r, raw):
    r.set("k", "v")
    assert raw.call("PEXPIREAT", "k", "9223372036854775807") == 1
    assert raw.call("PEXPIRETIME", "k") == 9223372036854775807
    assert raw.call("EXPIRE", "k", "9223372036854", "GT") == 0


# --------------------------------------------------------------------------
# Expired keys are never returned
# --------------------------------------------------------------------------

def test_expired_keys_are_invisible_to_every_command(r, raw, no_active_expire):
    """With active expiry off, keys past their TTL are still in memory; no
    command may see them."""
    for k in ("a", "b", "c", "d"):
        r.set(k, "10", px=20)
    r.set("live", "1")
    time.sleep(0.1)
    assert r.get("a") is None
    assert r.exists("b", "c") == 0
    assert r.mget("c", "live") == [None, b"1"]
    assert r.ttl("d") == -2
    assert r.pttl("d") == -2
    assert raw.call("EXPIRETIME", "d") == -2
    assert r.type("d") == b"none"
    assert r.strlen("d") == 0
    assert r.getrange("d", 0, -1) == b""
    assert raw.call("OBJECT", "ENCODING", "d") is None
    assert raw.call("PERSIST", "d") == 0
    assert raw.call("EXPIRE", "d", "100") == 0
    assert raw.call("TOUCH", "d") == 0
    assert raw.call("GETDEL", "d") is None
    assert raw.call("GETEX", "d", "PERSIST") is None
    assert raw.call("COPY", "d", "z") == 0
    assert raw.call("MOVE", "d", "1") == 0
    assert error_of(raw, "RENAME", "d", "z") == "ERR no such key"
    assert r.keys("*") == [b"live"]
    assert scan_all(r) == [b"live"]
    assert r.randomkey() == b"live"
    assert raw.call("LCS", "d", "live") == b""


def test_expired_keys_act_as_missing_for_writes(r, raw, no_active_expire):
    r.set("a", "10", px=20)
    r.set("b", "10", px=20)
    r.set("c", "10", px=20)
    r.set("d", "10", px=20)
    time.sleep(0.1)
    assert r.incr("a") == 1
    assert r.ttl("a") == -1
    assert r.append("b", "x") == 1
    assert raw.call("SETNX", "c", "new") == 1
    assert r.ttl("c") == -1
    assert r.set("d", "v", nx=True) is True
    assert r.set("e", "v", xx=True) is None


def test_randomkey_with_only_expired_keys(r, no_active_expire):
    for i in range(20):
        r.set("k%d" % i, "v", px=10)
    time.sleep(0.1)
    assert r.randomkey() is None
