"""Streams against a live redis-server 7.0.15: every command's replies and
errors byte for byte, XINFO (radix-tree counts included) after random
workloads, consumer groups (XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM,
entries-read and lag), DUMP bytes equal, payloads crossing over both ways,
damaged payloads, OBJECT ENCODING, MEMORY USAGE, COPY/RENAME of streams.

Both servers get the same commands on raw connections; a reply is compared
as the bytes each sent, except where it carries the current time (idle
times, delivery and seen times), which are masked after parsing. IDs are
given explicitly unless a test is about `*`.
"""

import random
import time

import pytest

import resp
from conftest import IS_REDIS
from rdbtool import RefRedis

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares Slipstream with redis-server")


class Pair(object):
    def __init__(self, ss, ref):
        self.ss, self.ref = ss, ref
        self.a = ss.raw()
        self.b = resp.Conn("127.0.0.1", ref.port)

    def raw(self, *cmd):
        return self.a.call_raw(*cmd), self.b.call_raw(*cmd)

    def same(self, *cmd):
        """The exact reply bytes agree; returns the parsed reply."""
        ra, rb = self.raw(*cmd)
        assert ra == rb, "%r:\n  slipstream %r\n  redis      %r" % (cmd, ra[:400], rb[:400])
        v, _ = resp.parse(bytearray(ra))
        return v

    def same_masked(self, mask, *cmd):
        """Parsed replies agree once mask() blanks their time fields."""
        va, vb = self.a.call(*cmd), self.b.call(*cmd)
        ma, mb = mask(va), mask(vb)
        assert ma == mb, "%r:\n  slipstream %r\n  redis      %r" % (cmd, ma, mb)
        return va

    def both(self, *cmd):
        return self.a.call(*cmd), self.b.call(*cmd)

    def close(self):
        self.a.close()
        self.b.close()


@pytest.fixture(scope="module")
def servers(module_server_factory):
    ss = module_server_factory()
    ref = RefRedis()
    yield ss, ref
    ref.stop()


@pytest.fixture
def p(servers):
    ss, ref = servers
    pr = Pair(ss, ref)
    pr.same("FLUSHALL")
    for k, v in (("stream-node-max-entries", "100"), ("stream-node-max-bytes", "4096")):
        pr.same("CONFIG", "SET", k, v)
    yield pr
    pr.close()


def as_str(v):
    return v.decode() if isinstance(v, bytes) else v


def mask_times(v, keys=(b"seen-time", b"idle")):
    """Blank map values named in keys, and the delivery times of XINFO
    FULL's PEL entries (4-element [id, consumer, time, count] and
    3-element [id, time, count] arrays under "pending"). RESP3 maps too."""
    if isinstance(v, resp.Map):
        out = []
        for k, x in v:
            if k in keys:
                out.append((k, "T"))
            elif k == b"pending" and isinstance(x, list):
                out.append((k, mask_times([k, x], keys)[1]))
            else:
                out.append((k, mask_times(x, keys)))
        return out
    if isinstance(v, list):
        out = []
        i = 0
        while i < len(v):
            x = v[i]
            if isinstance(x, bytes) and x in keys and i + 1 < len(v):
                out += [x, "T"]
                i += 2
                continue
            if x == b"pending" and i + 1 < len(v) and isinstance(v[i + 1], list):
                pend = []
                for e in v[i + 1]:
                    if isinstance(e, list) and len(e) == 4:
                        pend.append([e[0], e[1], "T", e[3]])
                    elif isinstance(e, list) and len(e) == 3:
                        pend.append([e[0], "T", e[2]])
                    else:
                        pend.append(e)
                out += [x, pend]
                i += 2
                continue
            out.append(mask_times(x, keys))
            i += 1
        return out
    return v


def mask_xpending(v):
    """XPENDING's extended form: [id, consumer, idle, count]."""
    if isinstance(v, list):
        return [[e[0], e[1], "T", e[3]] if isinstance(e, list) and len(e) == 4 else e for e in v]
    return v


# --- entries -------------------------------------------------------------------


def test_xadd_ids_and_errors(p):
    cmds = [
        ("XADD", "s", "1-1", "f", "v"),
        ("XADD", "s", "1-1", "f", "v"),          # equal: smaller or equal
        ("XADD", "s", "1", "f", "v"),            # 1-0 < 1-1
        ("XADD", "s", "1-*", "f", "v"),          # 1-2
        ("XADD", "s", "2-*", "f", "v"),          # 2-0
        ("XADD", "s", "0-0", "f", "v"),
        ("XADD", "new", "0-0", "f", "v"),
        ("XADD", "new", "0-*", "f", "v"),        # 0-1
        ("XADD", "s", "+", "f", "v"),
        ("XADD", "s", "-", "f", "v"),
        ("XADD", "s", "1-x", "f", "v"),
        ("XADD", "s", "x-1", "f", "v"),
        ("XADD", "s", "-1-1", "f", "v"),
        ("XADD", "s", "3-", "f", "v"),
        ("XADD", "s", "3-*-1", "f", "v"),
        ("XADD", "s", "18446744073709551616-0", "f", "v"),
        ("XADD", "s", "3-0", "f"),               # arity
        ("XADD", "s", "3-0"),
        ("XADD", "s", "3-0", "f", "v", "g"),
        ("XADD", "s", "MAXLEN"),
        ("XADD", "s", "MAXLEN", "-1", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "abc", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "1", "MINID", "1", "3-0", "f", "v"),
        ("XADD", "s", "MINID", "+", "3-0", "f", "v"),
        ("XADD", "s", "LIMIT", "10", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "10", "LIMIT", "10", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "10", "LIMIT", "-1", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "10", "LIMIT", "x", "3-0", "f", "v"),
        ("XADD", "missing", "NOMKSTREAM", "3-0", "f", "v"),
        ("EXISTS", "missing"),
        ("XADD", "s", "NOMKSTREAM", "MAXLEN", "=", "3", "4-0", "f", "v"),
        ("XADD", "s", "maxlen", "~", "0", "nomkstream", "5-0", "f", "v"),
        ("SET", "str", "x"),
        ("XADD", "str", "1-1", "f", "v"),
        ("XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"),
        ("XADD", "s", "*", "f", "v"),            # exhausted
        ("XADD", "t", "5-18446744073709551615", "f", "v"),
        ("XADD", "t", "5-*", "f", "v"),          # would wrap: smaller
        ("XADD", "t", "6-*", "f", "v"),
        ("XLEN", "s"), ("XLEN", "t"), ("XLEN", "missing"), ("XLEN", "str"),
        ("XRANGE", "s", "-", "+"),
        ("XRANGE", "t", "-", "+"),
        ("TYPE", "s"), ("OBJECT", "ENCODING", "s"),
    ]
    for c in cmds:
        p.same(*c)


def test_xadd_star_ids(p):
    """`*` IDs from each server's own clock: monotonic, ms-seq form,
    and the sequence moves within a millisecond."""
    for _ in range(50):
        a, b = p.both("XADD", "s", "*", "f", "v")
        assert a.count(b"-") == 1 and b.count(b"-") == 1
    ids = [e[0] for e in p.a.call("XRANGE", "s", "-", "+")]
    key = [tuple(int(x) for x in i.split(b"-")) for i in ids]
    assert key == sorted(key) and len(set(key)) == 50
    assert abs(key[0][0] - int(time.time() * 1000)) < 60000
    # a future explicit ID: `*` keeps that millisecond, counting seq up
    p.same("XADD", "f", "99999999999999-5", "a", "1")
    p.same("XADD", "f", "*", "a", "2")
    p.same("XRANGE", "f", "-", "+")


def test_xrange_bounds_and_errors(p):
    for i in range(1, 30):
        p.same("XADD", "s", "%d-%d" % (i // 3, i % 3), "f", str(i), "g", "x" * (i % 5))
    cmds = [
        ("XRANGE", "s", "-", "+"), ("XREVRANGE", "s", "+", "-"),
        ("XRANGE", "s", "3", "5"), ("XRANGE", "s", "3-1", "5-0"),
        ("XRANGE", "s", "(3-1", "(5-0"), ("XREVRANGE", "s", "(5", "(3"),
        ("XRANGE", "s", "(3", "+"), ("XRANGE", "s", "-", "(4"),
        ("XRANGE", "s", "(-", "+"), ("XRANGE", "s", "-", "(+"),
        ("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"),
        ("XRANGE", "s", "-", "(0-0"),
        ("XRANGE", "s", "(0-0", "+", "COUNT", "3"),
        ("XRANGE", "s", "-", "+", "COUNT", "0"),
        ("XRANGE", "s", "-", "+", "COUNT", "-5"),
        ("XRANGE", "s", "-", "+", "COUNT", "x"),
        ("XRANGE", "s", "-", "+", "COUNT"),
        ("XRANGE", "s", "-", "+", "LIMIT", "2"),
        ("XRANGE", "s", "-", "+", "COUNT", "2", "COUNT", "4"),
        ("XRANGE", "s", "x", "+"), ("XRANGE", "s", "-", "y"),
        ("XRANGE", "s", "5", "3"), ("XREVRANGE", "s", "3", "5"),
        ("XRANGE", "missing", "-", "+"), ("XREVRANGE", "missing", "+", "-", "COUNT", "0"),
        ("XRANGE", "s", "-"),
        ("SET", "str", "1"), ("XRANGE", "str", "-", "+"),
    ]
    for c in cmds:
        p.same(*c)


def random_workload(p, rnd, ops=300, keys=("w",)):
    last = {k: 0 for k in keys}
    for _ in range(ops):
        k = rnd.choice(keys)
        r = rnd.random()
        if r < 0.6:
            last[k] += rnd.randint(1, 3)
            fields = []
            for j in range(rnd.choice([1, 2, 2, 5])):
                fields += [rnd.choice(["a", "b", "c", "%d" % j]), "v" * rnd.randint(0, 40)]
            p.same("XADD", k, "%d-%d" % (last[k], rnd.randint(0, 2)), *fields)
        elif r < 0.8:
            ids = ["%d-%d" % (rnd.randint(0, last[k] + 1), rnd.randint(0, 2)) for _ in range(3)]
            p.same("XDEL", k, *ids)
        elif r < 0.9:
            how = rnd.choice([["MAXLEN", "~", str(rnd.randint(0, 60))],
                              ["MAXLEN", str(rnd.randint(10, 60))],
                              ["MINID", "~", "%d" % rnd.randint(0, last[k])],
                              ["MINID", "%d-1" % rnd.randint(0, last[k])],
                              ["MAXLEN", "~", "5", "LIMIT", str(rnd.randint(0, 30))]])
            p.same("XTRIM", k, *how)
        else:
            p.same("XADD", k, "MAXLEN", "~", str(rnd.randint(5, 40)),
                   "%d-0" % (last[k] + 1), "x", "y")
            last[k] += 1


@pytest.mark.parametrize("node", [(100, 4096), (5, 4096), (0, 200), (3, 0)])
def test_random_workload_xinfo_and_dump(p, node):
    """XINFO STREAM (length, radix tree keys and nodes, IDs, counters,
    first and last entries, FULL) and DUMP agree after every few steps of
    adds, deletes and trims, at several node limits."""
    p.same("CONFIG", "SET", "stream-node-max-entries", str(node[0]))
    p.same("CONFIG", "SET", "stream-node-max-bytes", str(node[1]))
    rnd = random.Random(node[0] * 1000 + node[1])
    for _ in range(8):
        random_workload(p, rnd, ops=60)
        if p.a.call("EXISTS", "w") == 0:
            continue
        p.same("XINFO", "STREAM", "w")
        p.same("XINFO", "STREAM", "w", "FULL", "COUNT", "0")
        p.same("DUMP", "w")
        p.same("XRANGE", "w", "-", "+")
        p.same("XREVRANGE", "w", "+", "-", "COUNT", "7")
        p.same("DEBUG", "DIGEST-VALUE", "w")


def test_xdel_xtrim_xsetid_errors(p):
    p.same("CONFIG", "SET", "stream-node-max-entries", "4")
    for i in range(1, 21):
        p.same("XADD", "s", "%d-0" % i, "f", "v")
    cmds = [
        ("XDEL", "s", "1-0", "x"), ("XDEL", "s", "1-0", "1-0", "2"), ("XDEL", "missing", "1"),
        ("XDEL", "s", "+"), ("XDEL", "s"),
        ("XTRIM", "s"), ("XTRIM", "s", "FOO", "1"), ("XTRIM", "s", "MAXLEN"),
        ("XTRIM", "s", "MAXLEN", "-2"), ("XTRIM", "s", "LIMIT", "3"),
        ("XTRIM", "s", "MAXLEN", "5", "LIMIT", "3"), ("XTRIM", "s", "MINID", "-"),
        ("XTRIM", "s", "MAXLEN", "~", "5", "LIMIT", "3"),
        ("XTRIM", "s", "MAXLEN", "~", "5", "LIMIT", "30"),
        ("XTRIM", "s", "MINID", "~", "14"), ("XTRIM", "s", "MINID", "15"),
        ("XTRIM", "s", "MAXLEN", "=", "3"), ("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0"),
        ("XTRIM", "missing", "MAXLEN", "0"), ("XTRIM", "s", "MAXLEN", "1", "MINID", "1"),
        ("XINFO", "STREAM", "s"),
        ("XSETID", "s", "1-0"), ("XSETID", "s", "x"), ("XSETID", "s", "100-0", "ENTRIESADDED"),
        ("XSETID", "s", "100-0", "ENTRIESADDED", "-1"), ("XSETID", "s", "100-0", "ENTRIESADDED", "0"),
        ("XSETID", "s", "100-0", "MAXDELETEDID", "200-0"),
        ("XSETID", "s", "100-0", "MAXDELETEDID", "x"), ("XSETID", "s", "100-0", "FOO", "1"),
        ("XSETID", "missing", "1-0"),
        ("XSETID", "s", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "50-0"),
        ("XINFO", "STREAM", "s"),
        ("XADD", "s", "99-0", "f", "v"), ("XADD", "s", "100-1", "f", "v"),
        ("XSETID", "s", "+"),
        ("SET", "str", "1"), ("XDEL", "str", "1"), ("XTRIM", "str", "MAXLEN", "1"),
        ("XSETID", "str", "1-0"),
    ]
    for c in cmds:
        p.same(*c)


# --- consumer groups ---------------------------------------------------------


def test_xgroup_and_errors(p):
    for i in range(1, 8):
        p.same("XADD", "s", "%d-0" % i, "f", str(i))
    cmds = [
        ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "g", "0"),
        ("XGROUP", "CREATE", "s", "g2", "$"), ("XGROUP", "CREATE", "s", "g3", "3-0", "ENTRIESREAD", "2"),
        ("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "-2"),
        ("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "x"),
        ("XGROUP", "CREATE", "s", "g4", "0", "FOO"), ("XGROUP", "CREATE", "s", "g4", "+"),
        ("XGROUP", "CREATE", "s", "g4", "-"), ("XGROUP", "CREATE", "s", "g4", "bad"),
        ("XGROUP", "CREATE", "missing", "g", "$"), ("XGROUP", "CREATE", "mk", "g", "$", "MKSTREAM"),
        ("XGROUP", "CREATE", "mk2", "g", "5-5", "MKSTREAM", "ENTRIESREAD", "3"),
        ("XINFO", "GROUPS", "mk2"), ("XINFO", "STREAM", "mk"),
        ("XGROUP", "CREATE", "s", "g5", "0", "MKSTREAM", "ENTRIESREAD", "1", "MKSTREAM"),
        ("XGROUP", "SETID", "s", "g", "2"), ("XGROUP", "SETID", "s", "g", "$"),
        ("XGROUP", "SETID", "s", "g", "-"), ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "4"),
        ("XGROUP", "SETID", "s", "nog", "0"), ("XGROUP", "SETID", "s", "g", "0", "MKSTREAM"),
        ("XGROUP", "SETID", "missing", "g", "0"), ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "alice"), ("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
        ("XGROUP", "CREATECONSUMER", "s", "nog", "alice"),
        ("XGROUP", "DELCONSUMER", "s", "g", "bob"), ("XGROUP", "DELCONSUMER", "s", "nog", "bob"),
        ("XGROUP", "DESTROY", "s", "g2"), ("XGROUP", "DESTROY", "s", "g2"),
        ("XGROUP", "DESTROY", "missing", "g"),
        ("XGROUP", "FOO", "s", "g"), ("XGROUP", "CREATE", "s"), ("XGROUP", "DESTROY", "s", "g", "x"),
        ("XGROUP", "CREATECONSUMER", "s", "g"), ("XGROUP", "HELP", "x"),
        ("SET", "str", "1"), ("XGROUP", "CREATE", "str", "g", "$"),
        ("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"),
        ("XINFO", "GROUPS", "s"),
    ]
    for c in cmds:
        p.same(*c)
    # help lines are ours; their shape is Redis's
    ha, hb = p.both("XGROUP", "HELP")
    assert ha[0] == hb[0] and ha[-2:] == [b"HELP", b"    Print this help."]
    ha, hb = p.both("XINFO", "HELP")
    assert ha[0] == hb[0] and len(ha) == len(hb)


def test_xreadgroup_xack_xpending(p):
    for i in range(1, 11):
        p.same("XADD", "s", "%d-0" % i, "f", str(i))
    p.same("XGROUP", "CREATE", "s", "g", "0")
    cmds = [
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "2"),
        ("XREADGROUP", "GROUP", "g", "carol", "NOACK", "COUNT", "2", "STREAMS", "s", ">"),
        ("XPENDING", "s", "g"),
        ("XPENDING", "s", "g", "-", "+", "10", "bob"),
        ("XPENDING", "s", "g", "-", "+", "10", "nobody"),
        ("XACK", "s", "g", "1-0", "1-0", "99-0"), ("XACK", "s", "g", "x"),
        ("XACK", "s", "nog", "1-0"), ("XACK", "missing", "g", "1-0"),
        ("XPENDING", "s", "g"),
        ("XDEL", "s", "2-0"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"),
        # errors
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"),
        ("XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "missing", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "x"),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "x", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "-1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "x", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "FOO", "STREAMS", "s", ">"),
        ("XREADGROUP", "COUNT", "1", "STREAMS", "s", ">", "x", "y"),
        ("XREADGROUP", "GROUP", "g", "alice", "NOACK", "COUNT", "1", "BLOCK", "1", "x", "STREAMS"),
        ("XREAD", "GROUP", "g", "a", "STREAMS", "s", ">"), ("XREAD", "NOACK", "STREAMS", "s", "0"),
        ("XREAD", "STREAMS", "s", ">"), ("XREAD", "STREAMS", "s", "$"),
        ("XREAD", "COUNT", "2", "STREAMS", "s", "missing", "0", "0"),
        ("XREAD", "STREAMS", "s", "missing"), ("XREAD", "COUNT", "-3", "STREAMS", "s", "8"),
        ("XREAD", "STREAMS", "s", "s", "3", "8"),
        ("XREAD", "BLOCK", "10", "STREAMS"), ("XREAD", "STREAMS", "s", "(1"),
        ("XPENDING", "s", "g", "-", "+"), ("XPENDING", "s", "g", "-", "+", "x"),
        ("XPENDING", "s", "g", "IDLE", "10", "-", "+"), ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "5"),
        ("XPENDING", "s", "g", "(-", "+", "5"), ("XPENDING", "s", "nog"),
        ("XPENDING", "missing", "g"), ("XPENDING", "s", "g", "1", "2", "3", "4", "5", "6", "7"),
        ("XPENDING", "s", "g", "-", "(0-0", "5"),
        ("SET", "str", "1"), ("XPENDING", "str", "g"), ("XACK", "str", "g", "1"),
        ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "str", ">"), ("XREAD", "STREAMS", "str", "0"),
    ]
    for c in cmds:
        if c[0] == "XPENDING" and len(c) > 3 and not any(x == "(-" for x in c):
            p.same_masked(mask_xpending, *c)
        else:
            p.same(*c)
    p.same_masked(mask_times, "XINFO", "CONSUMERS", "s", "g")
    p.same_masked(mask_times, "XINFO", "STREAM", "s", "FULL")
    p.same("XINFO", "CONSUMERS", "s", "nog")
    # IDLE filters by delivery time
    time.sleep(0.05)
    p.same("XREADGROUP", "GROUP", "g", "dave", "COUNT", "1", "STREAMS", "s", "0")
    p.same_masked(mask_xpending, "XPENDING", "s", "g", "IDLE", "40", "-", "+", "10")


def test_xclaim_xautoclaim(p):
    for i in range(1, 11):
        p.same("XADD", "s", "%d-0" % i, "f", str(i))
    p.same("XGROUP", "CREATE", "s", "g", "0")
    p.same("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    p.same("XDEL", "s", "3-0", "7-0")
    t = "1700000000000"
    cmds = [
        ("XCLAIM", "s", "g", "bob", "0", "1-0", "2-0", "TIME", t),
        ("XCLAIM", "s", "g", "bob", "0", "1-0", "JUSTID", "TIME", t),
        ("XCLAIM", "s", "g", "bob", "0", "3-0", "4-0", "TIME", t, "RETRYCOUNT", "7"),
        ("XCLAIM", "s", "g", "carol", "0", "4-0", "JUSTID", "IDLE", "5000"),
        ("XCLAIM", "s", "g", "carol", "999999999", "5-0", "JUSTID"),
        ("XCLAIM", "s", "g", "carol", "0", "11-0", "FORCE", "JUSTID"),
        ("XCLAIM", "s", "g", "carol", "0", "10-0", "FORCE", "JUSTID", "TIME", t),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "LASTID", "20-0", "JUSTID", "TIME", t),
        ("XINFO", "GROUPS", "s"),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "FOO"),
        ("XCLAIM", "s", "g", "carol", "x", "5-0"),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "IDLE", "x"),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "TIME", "x"),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "RETRYCOUNT", "x"),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "LASTID", "x"),
        ("XCLAIM", "s", "g", "carol", "0", "5-0", "IDLE"),
        ("XCLAIM", "s", "nog", "carol", "0", "5-0"), ("XCLAIM", "missing", "g", "c", "0", "5"),
        ("XCLAIM", "s", "g", "carol", "0", "x", "5-0"),
        ("XPENDING", "s", "g"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "2", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "2"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "(5", "COUNT", "1"),
        ("XAUTOCLAIM", "s", "g", "dave", "999999999", "0"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "0"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "x"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "1152921504606846977"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "FOO"),
        ("XAUTOCLAIM", "s", "g", "dave", "x", "0"), ("XAUTOCLAIM", "s", "g", "dave", "0", "x"),
        ("XAUTOCLAIM", "s", "g", "dave", "0", "(18446744073709551615-18446744073709551615"),
        ("XAUTOCLAIM", "s", "nog", "dave", "0", "0"), ("XAUTOCLAIM", "missing", "g", "d", "0", "0"),
        ("XPENDING", "s", "g"),
        ("XINFO", "CONSUMERS", "missing", "g"),
        ("SET", "str", "1"), ("XCLAIM", "str", "g", "c", "0", "1"),
        ("XAUTOCLAIM", "str", "g", "c", "0", "0"),
    ]
    for c in cmds:
        p.same(*c)
    p.same_masked(mask_xpending, "XPENDING", "s", "g", "-", "+", "20")
    p.same_masked(mask_times, "XINFO", "STREAM", "s", "FULL", "COUNT", "3")
    # XAUTOCLAIM with deleted entries: the deleted IDs, and their NACKs gone
    p.same("XADD", "s", "30-0", "f", "v")
    p.same("XREADGROUP", "GROUP", "g", "erin", "STREAMS", "s", ">")
    p.same("XDEL", "s", "30-0")
    p.same("XAUTOCLAIM", "s", "g", "fred", "0", "25", "JUSTID")
    p.same_masked(mask_xpending, "XPENDING", "s", "g", "-", "+", "20")


def test_group_read_counter_and_lag(p):
    """entries-read and lag as 7.0 computes them (estimates across
    tombstones, SETID, ENTRIESREAD)."""
    p.same("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    p.same("XINFO", "GROUPS", "s")
    for i in range(1, 6):
        p.same("XADD", "s", "%d-0" % i, "f", "v")
    p.same("XGROUP", "CREATE", "s", "g2", "0")
    p.same("XGROUP", "CREATE", "s", "g3", "3-0")
    p.same("XINFO", "GROUPS", "s")
    p.same("XREADGROUP", "GROUP", "g2", "c", "COUNT", "2", "STREAMS", "s", ">")
    p.same("XINFO", "GROUPS", "s")
    p.same("XDEL", "s", "4-0")
    p.same("XINFO", "GROUPS", "s")
    p.same("XREADGROUP", "GROUP", "g2", "c", "STREAMS", "s", ">")
    p.same("XREADGROUP", "GROUP", "g3", "c", "STREAMS", "s", ">")
    p.same("XINFO", "GROUPS", "s")
    p.same("XDEL", "s", "1-0")
    p.same("XGROUP", "SETID", "s", "g", "0")
    p.same("XINFO", "GROUPS", "s")
    p.same("XGROUP", "SETID", "s", "g", "2-0", "ENTRIESREAD", "2")
    p.same("XINFO", "GROUPS", "s")
    p.same("XTRIM", "s", "MAXLEN", "0")
    p.same("XINFO", "GROUPS", "s")
    p.same("XADD", "s", "9-0", "f", "v")
    p.same("XINFO", "GROUPS", "s")
    p.same("XINFO", "STREAM", "s")


def test_multi_and_resp3(p):
    p.same("XADD", "s", "1-0", "a", "1")
    p.same("MULTI")
    p.same("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    p.same("XADD", "s", "2-0", "a", "2")
    p.same("EXEC")
    p.same("HELLO", "3")
    p.same("XGROUP", "CREATE", "s", "g", "0")
    for c in (("XREAD", "STREAMS", "s", "0"), ("XREAD", "STREAMS", "s", "9"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
              ("XINFO", "STREAM", "s"), ("XINFO", "GROUPS", "s"),
              ("XPENDING", "s", "g"), ("XRANGE", "s", "-", "+", "COUNT", "0"),
              ("XADD", "missing", "NOMKSTREAM", "*", "a", "1"),
              ("XAUTOCLAIM", "s", "g", "d", "0", "0", "JUSTID")):
        p.same(*c)
    p.same_masked(mask_times, "XINFO", "STREAM", "s", "FULL")
    p.same("HELLO", "2")


# --- DUMP, RESTORE ------------------------------------------------------------


def shapes(p):
    """Streams of several shapes, built the same on both."""
    p.same("CONFIG", "SET", "stream-node-max-entries", "7")
    for i in range(1, 40):
        p.same("XADD", "many", "%d-%d" % (i, i % 2), "temp", str(i * 3), "hum", "%d.5" % i)
    p.same("XADD", "mixed", "1-0", "a", "1")
    p.same("XADD", "mixed", "1-1", "b", "x" * 300)
    p.same("XADD", "mixed", "5-0", "a", "1", "b", "2", "c", "3")
    p.same("XADD", "mixed", "18446744073709551615-0", "big", "-12345678901234")
    p.same("XADD", "tomb", "1-0", "f", "v")
    p.same("XADD", "tomb", "2-0", "f", "v")
    p.same("XADD", "tomb", "3-0", "f", "v")
    p.same("XDEL", "tomb", "2-0")
    p.same("XADD", "trimmed", "MAXLEN", "3", "1-0", "f", "v")
    for i in range(2, 20):
        p.same("XADD", "trimmed", "MAXLEN", "3", "%d-0" % i, "f", "v" * i)
    p.same("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
    p.same("XADD", "setid", "1-0", "f", "v")
    p.same("XSETID", "setid", "50-0", "ENTRIESADDED", "9", "MAXDELETEDID", "40-0")
    p.same("CONFIG", "SET", "stream-node-max-entries", "100")
    return ["many", "mixed", "tomb", "trimmed", "empty", "setid"]


@pytest.mark.parametrize("compression", ["yes", "no"])
def test_dump_bytes_equal_redis(p, compression):
    p.same("CONFIG", "SET", "rdbcompression", compression)
    for k in shapes(p):
        p.same("DUMP", k)
        p.same("DEBUG", "DIGEST-VALUE", k)
    p.same("CONFIG", "SET", "rdbcompression", "yes")


def test_payloads_with_groups_cross_over(p):
    """Groups carry times (seen, delivered): each server RESTOREs the
    other's payload and DUMPs it back byte for byte, XINFO FULL equal."""
    shapes(p)
    p.same("XGROUP", "CREATE", "many", "g1", "0")
    p.same("XGROUP", "CREATE", "many", "g2", "5-0", "ENTRIESREAD", "3")
    p.same("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "many", ">")
    p.same("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "many", ">")
    p.same("XREADGROUP", "GROUP", "g2", "1", "COUNT", "2", "STREAMS", "many", ">")
    p.same("XGROUP", "CREATECONSUMER", "many", "g2", "idle")
    p.same("XCLAIM", "many", "g1", "carol", "0", "2-0", "TIME", "1600000000000")
    for src, dst in ((p.a, p.b), (p.b, p.a)):
        for k in ("many", "empty"):
            payload = src.call("DUMP", k)
            assert dst.call("RESTORE", k + "-copy", "0", payload, "REPLACE") == b"OK"
            assert dst.call("DUMP", k + "-copy") == payload
            assert dst.call("XINFO", "STREAM", k + "-copy", "FULL") == \
                src.call("XINFO", "STREAM", k, "FULL")
            dst.call("DEL", k + "-copy")


def test_damaged_payloads(p):
    """Random byte flips and truncations of stream payloads (CRC checks
    off): never a crash; what Redis refuses, we refuse."""
    shapes(p)
    p.same("XGROUP", "CREATE", "many", "g", "0")
    p.same("XREADGROUP", "GROUP", "g", "a", "COUNT", "4", "STREAMS", "many", ">")
    p.same("CONFIG", "SET", "sanitize-dump-payload", "yes")
    p.same("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1")
    rnd = random.Random(7)
    for k in ("many", "mixed", "tomb"):
        good = p.b.call("DUMP", k)
        for trial in range(120):
            b = bytearray(good)
            if trial % 4 == 0:
                b = b[:rnd.randrange(1, len(b) - 10)] + b[-10:]
            else:
                for _ in range(rnd.randint(1, 3)):
                    b[rnd.randrange(0, len(b) - 10)] = rnd.randrange(256)
            ra, rb = p.both("RESTORE", "x", "0", bytes(b), "REPLACE")
            if isinstance(rb, resp.RespError):
                assert isinstance(ra, resp.RespError), "redis refused, slipstream took it"
            # a payload we took is usable
            if ra == b"OK":
                p.a.call("XINFO", "STREAM", "x", "FULL")
                p.a.call("XRANGE", "x", "-", "+")
                p.a.call("XREVRANGE", "x", "+", "-")
    p.same("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0")
    p.same("CONFIG", "SET", "sanitize-dump-payload", "no")
    assert p.a.call("PING") == b"PONG"


# --- the value ----------------------------------------------------------------


def test_encoding_memory_copy_rename(p):
    for i in range(1, 200):
        p.same("XADD", "s", "%d-0" % i, "field", "value%d" % i)
    p.same("XGROUP", "CREATE", "s", "g", "0")
    p.same("XREADGROUP", "GROUP", "g", "c", "COUNT", "50", "STREAMS", "s", ">")
    p.same("OBJECT", "ENCODING", "s")
    p.same("TYPE", "s")
    m1 = p.a.call("MEMORY", "USAGE", "s")
    # honest: at least the listpacks' bytes, and it grows with entries
    assert m1 > 199 * 10
    for i in range(200, 2000):
        p.a.call("XADD", "s", "%d-0" % i, "field", "value%d" % i)
    m2 = p.a.call("MEMORY", "USAGE", "s")
    assert m2 > m1 + 1800 * 10
    p.same("COPY", "s", "c")
    assert p.a.call("XINFO", "STREAM", "c", "FULL") == p.a.call("XINFO", "STREAM", "s", "FULL")
    p.a.call("XACK", "c", "g", "1-0")
    assert p.a.call("XPENDING", "s", "g")[0] == 50  # the copy is its own
    assert p.a.call("XPENDING", "c", "g")[0] == 49
    p.a.call("RENAME", "c", "d")
    assert p.a.call("XPENDING", "d", "g")[0] == 49
    p.a.call("DEL", "d")
    assert p.a.call("EXISTS", "d") == 0
