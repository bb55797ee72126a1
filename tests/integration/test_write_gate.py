"""The write gate, proven for every write command (store/gatecheck.h).

With DEBUG WRITE-GATE-CHECK on, the server fingerprints every entry a
command names before and after it runs and records the entries that passed
the write gate; a change (or deletion) without the gate first is a
violation: a write a forkless snapshot would have missed. This runs every
write command of the command table (and reads that expire keys lazily)
against keys of every type and encoding, and requires zero violations.
The table of examples must cover every write command COMMAND reports, so a
new command cannot skip the proof.
"""

import time

import pytest

from conftest import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="DEBUG WRITE-GATE-CHECK is Slipstream's")

BIG = 200  # past every listpack threshold


def fixture(r):
    """Keys of every type, small (listpack/intset/embstr/int) and big."""
    p = r.pipeline(transaction=False)
    p.set("s", "hello")
    p.set("n", "10")
    p.set("f", "1.5")
    p.set("raw", "x" * 100)
    p.set("t", "ttl", ex=1000)
    p.rpush("l", "a", "b", "c")
    p.rpush("L", *["e%d" % i for i in range(BIG)])
    p.hset("h", mapping={"f1": "v1", "f2": "v2", "n": "5"})
    p.hset("H", mapping={"f%d" % i: "v" for i in range(BIG)})
    p.sadd("S", "a", "b", "c")
    p.sadd("I", 1, 2, 3)
    p.sadd("SB", *["m%d" % i for i in range(BIG)])
    p.zadd("Z", {"a": 1, "b": 2, "c": 3})
    p.zadd("ZB", {"m%d" % i: i for i in range(BIG)})
    # streams: a small one with a group, a consumer and pending entries;
    # a big one over several nodes
    for i in range(1, 6):
        p.xadd("X", {"a": str(i)}, id="%d-0" % i)
    p.xgroup_create("X", "g", "0")
    p.xreadgroup("g", "c1", {"X": ">"}, count=2)
    for i in range(1, BIG + 1):
        p.xadd("XB", {"f": "v", "n": str(i)}, id="%d-0" % i)
    p.setbit("bm", 100, 1)
    p.pfadd("hll", "a", "b", "c")  # sparse, cache stale
    p.pfadd("HLLD", *["e%d" % i for i in range(3000)])  # dense
    p.geoadd("G", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"])
    # already expired, not yet reclaimed: any command touching it expires
    # it lazily, which deletes through the gate
    p.set("x", "gone", px=1)
    p.execute()
    time.sleep(0.01)


# command -> examples (argument lists); each runs on a fresh fixture
EXAMPLES = {
    "append": [["s", "x"], ["n", "1"]],
    "bitfield": [["bm", "SET", "u8", "0", "255"], ["bm", "INCRBY", "i5", "100", "1"],
                 ["s", "SET", "u8", "0", "104"], ["n", "SET", "u4", "#1", "3"],
                 ["new", "SET", "u2", "0", "1"], ["bm", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"]],
    "bitop": [["AND", "bm", "bm", "s"], ["NOT", "s", "raw"], ["OR", "x2", "nokey"],
              ["OR", "raw", "s", "bm"]],
    "blmove": [["l", "l2", "LEFT", "RIGHT", "0"]],
    "blmpop": [["0", "1", "L", "LEFT", "COUNT", "2"]],
    "blpop": [["l", "0"]],
    "brpop": [["L", "0"]],
    "brpoplpush": [["l", "L", "0"]],
    "bzmpop": [["0", "1", "Z", "MIN"]],
    "bzpopmax": [["ZB", "0"]],
    "bzpopmin": [["Z", "0"]],
    "copy": [["s", "n", "REPLACE"], ["H", "h", "REPLACE"]],
    "decr": [["n"]],
    "decrby": [["n", "5"]],
    "del": [["s", "L", "x"]],
    "expire": [["s", "100"], ["h", "0"], ["t", "5", "GT"]],
    "expireat": [["s", "1"], ["L", "9999999999"]],
    "flushall": [[]],
    "geoadd": [["G", "13.5", "38", "Palermo"], ["G", "NX", "1", "2", "new"], ["Z", "1", "1", "a"]],
    "georadius": [["G", "15", "37", "200", "km", "STORE", "Z"],
                  ["G", "15", "37", "1", "m", "STOREDIST", "s"]],
    "georadiusbymember": [["G", "Palermo", "500", "km", "STORE", "G"]],
    "geosearchstore": [["ZB", "G", "FROMLONLAT", "15", "37", "BYBOX", "500", "500", "km"],
                       ["s", "G", "FROMMEMBER", "Catania", "BYRADIUS", "1", "m", "STOREDIST"]],
    "flushdb": [[]],
    "getdel": [["s"], ["n"]],
    "getex": [["s", "EX", "100"], ["t", "PERSIST"], ["raw", "PXAT", "1"]],
    "getset": [["s", "v"], ["t", "v"]],
    "hdel": [["h", "f1"], ["H", "f1", "f2"]],
    "hincrby": [["h", "n", "1"], ["H", "new", "2"]],
    "hincrbyfloat": [["h", "n", "1.5"], ["H", "f1", "1"]],
    "hmset": [["h", "f1", "x"], ["H", "f1", "x"]],
    "hset": [["h", "f1", "y", "f9", "z"], ["H", "f1", "y"], ["h", "long", "v" * 100]],
    "hsetnx": [["h", "fnew", "v"], ["h", "f1", "v"]],
    "incr": [["n"]],
    "incrby": [["n", "3"]],
    "incrbyfloat": [["f", "0.5"], ["n", "1.5"]],
    "linsert": [["l", "BEFORE", "b", "x"], ["L", "AFTER", "e5", "y"]],
    "lmove": [["l", "L", "LEFT", "RIGHT"], ["l", "l", "LEFT", "RIGHT"]],
    "lmpop": [["1", "l", "LEFT"], ["2", "x", "L", "RIGHT", "COUNT", "3"]],
    "lpop": [["l"], ["L", "3"]],
    "lpush": [["l", "x"], ["L", "x"]],
    "lpushx": [["l", "x"]],
    "lrem": [["l", "0", "a"], ["L", "-1", "e1"]],
    "lset": [["l", "0", "z"], ["L", "100", "z" * 100]],
    "ltrim": [["l", "1", "-1"], ["L", "5", "10"]],
    "move": [["s", "1"], ["H", "1"]],
    "mset": [["s", "v", "n", "1", "L", "replaced"]],
    "msetnx": [["new1", "v", "new2", "v"], ["s", "v", "new3", "v"]],
    "persist": [["t"]],
    "pfadd": [["hll", "d", "e"], ["hll", "a"], ["HLLD", "new"], ["nohll", "x"]],
    "pfcount": [["hll"], ["HLLD"], ["hll", "HLLD"]],  # a read that writes the cache
    "pfdebug": [["TODENSE", "hll"], ["GETREG", "hll"], ["ENCODING", "HLLD"]],
    "pfmerge": [["hll", "HLLD"], ["HLLD", "hll"], ["newhll", "hll"]],
    "pexpire": [["s", "100000"], ["h", "-1"]],
    "pexpireat": [["s", "1"], ["Z", "99999999999999"]],
    "psetex": [["s", "10000", "v"], ["L", "10000", "v"]],
    "rename": [["s", "s3"], ["s", "n"], ["H", "L"]],
    "renamenx": [["s", "newname"]],
    "restore": "restore",  # built from DUMP below
    "rpop": [["l"], ["L", "2"]],
    "rpoplpush": [["l", "L"]],
    "rpush": [["l", "x"], ["L", "x"]],
    "rpushx": [["L", "x"]],
    "sadd": [["S", "d"], ["I", "4"], ["I", "x"], ["SB", "new"]],
    "sdiffstore": [["S", "S", "I"], ["SB", "S"]],
    "set": [["s", "v"], ["s", "v", "EX", "100"], ["t", "v", "KEEPTTL"], ["t", "v", "GET"],
            ["L", "v", "XX"]],
    "setbit": [["bm", "100", "0"], ["bm", "100", "1"], ["s", "1000", "1"], ["n", "0", "1"],
               ["newbm", "7", "1"]],
    "setex": [["s", "100", "v"]],
    "setnx": [["newkey", "v"], ["s", "v"]],
    "setrange": [["s", "2", "XY"], ["n", "0", "9"], ["raw", "200", "z"]],
    "sinterstore": [["I", "S", "I"], ["SB", "SB", "S"]],
    "smove": [["S", "I", "a"], ["SB", "S", "m1"]],
    "sort": [["l", "ALPHA", "STORE", "L"]],
    "spop": [["S"], ["SB", "2"], ["I", "10"]],
    "srem": [["S", "a"], ["SB", "m1", "m2"]],
    "sunionstore": [["S", "S", "I"]],
    "swapdb": [["0", "1"]],
    "unlink": [["h", "x"]],
    "zadd": [["Z", "10", "a"], ["ZB", "1", "m0"], ["Z", "NX", "5", "d"], ["Z", "INCR", "1", "a"],
             ["Z", "1", "x" * 100]],
    "zdiffstore": [["Z", "2", "Z", "ZB"]],
    "zincrby": [["Z", "1", "a"], ["ZB", "1", "m3"]],
    "zinterstore": [["Z", "2", "Z", "ZB"]],
    "zmpop": [["1", "Z", "MIN"], ["1", "ZB", "MAX", "COUNT", "3"]],
    "zpopmax": [["Z"], ["ZB", "2"]],
    "zpopmin": [["ZB", "5"]],
    "zrangestore": [["Z", "ZB", "0", "10"]],
    "zrem": [["Z", "a"], ["ZB", "m1"]],
    "zremrangebylex": [["Z", "-", "+"]],
    "zremrangebyrank": [["ZB", "0", "10"], ["Z", "0", "0"]],
    "zremrangebyscore": [["Z", "0", "2"], ["ZB", "10", "20"]],
    "zunionstore": [["Z", "2", "Z", "ZB"]],
    "xadd": [["X", "*", "f", "v"], ["X", "MAXLEN", "2", "*", "f", "v"],
             ["XB", "MAXLEN", "~", "10", "*", "f", "v"], ["new", "*", "f", "v"],
             ["X", "1-0", "f", "v"], ["s", "*", "f", "v"], ["X", "NOMKSTREAM", "*", "f", "v"]],
    "xdel": [["X", "2-0", "9-0"], ["XB", "1-0"], ["X", "99-0"]],
    "xtrim": [["XB", "MAXLEN", "~", "50"], ["X", "MINID", "3"], ["X", "MAXLEN", "10"]],
    "xsetid": [["X", "100-0"], ["X", "0-1"]],
    "xreadgroup": [["GROUP", "g", "c2", "STREAMS", "X", ">"],
                   ["GROUP", "g", "c1", "STREAMS", "X", "0"],
                   ["GROUP", "g", "c3", "NOACK", "STREAMS", "X", ">"],
                   ["GROUP", "g", "c1", "STREAMS", "X", "XB", ">", ">"]],
    "xack": [["X", "g", "1-0"], ["X", "g", "9-0"]],
    "xclaim": [["X", "g", "c9", "0", "1-0", "2-0"], ["X", "g", "c9", "0", "3-0", "FORCE"],
               ["X", "g", "c1", "0", "9-0", "LASTID", "99-0"], ["X", "g", "c1", "9999999", "1-0"]],
    "xautoclaim": [["X", "g", "c9", "0", "0"], ["X", "g", "c9", "100000000", "0"]],
    # a container, not reported as a write itself: its subcommands
    "xgroup": [["CREATE", "X", "g2", "$"], ["CREATE", "newx", "g", "$", "MKSTREAM"],
               ["CREATE", "X", "g", "0"], ["SETID", "X", "g", "0"], ["DESTROY", "X", "g"],
               ["CREATECONSUMER", "X", "g", "c5"], ["CREATECONSUMER", "X", "g", "c1"],
               ["DELCONSUMER", "X", "g", "c1"]],
}

# Reads that expire a key lazily (a deletion through the gate).
READS = [["get", "x"], ["exists", "x"], ["type", "x"], ["lrange", "x", "0", "-1"],
         ["ttl", "x"]]

# Keyspace-wide commands lock shards themselves and pass the gate for
# every entry at once (snap_before_flush), not entry by entry: the check,
# which fingerprints the key arguments, does not apply to them.
KEYSPACE_WIDE = {"flushall", "flushdb", "swapdb", "sort"}


def gate_stats(r):
    v = r.execute_command("DEBUG", "WRITE-GATE-CHECK")
    if isinstance(v, dict):
        return {k.decode() if isinstance(k, bytes) else k: x for k, x in v.items()}
    return {v[i].decode(): v[i + 1] for i in range(0, len(v), 2)}


def test_examples_cover_every_write_command(server):
    r = server.client()
    writes = {n for n, v in r.command().items() if "write" in v["flags"]}
    missing = sorted(writes - set(EXAMPLES))
    assert not missing, "write commands without an example: %s" % missing
    # and every write subcommand of a container that names keys (XGROUP's)
    for name, v in r.command().items():
        for sub in v.get("subcommands") or []:
            subname, subflags, firstkey = sub[0], sub[2], sub[3]
            subname = subname.decode() if isinstance(subname, bytes) else subname
            flags = {f.decode() if isinstance(f, bytes) else f for f in subflags}
            if "write" not in flags or not firstkey:
                continue
            word = subname.split("|", 1)[1]
            assert any(ex and ex[0].lower() == word for ex in EXAMPLES.get(name, [])), (
                "write subcommand without an example: %s" % subname)


def test_every_write_passes_the_gate(server):
    r = server.client()
    r.execute_command("DEBUG", "WRITE-GATE-CHECK", "on")
    try:
        runs = []
        for cmd, examples in sorted(EXAMPLES.items()):
            if examples == "restore":
                r.flushall()
                fixture(r)
                examples = [["s", "0", r.dump("H"), "REPLACE"],
                            ["Z", "0", r.dump("l"), "REPLACE", "ABSTTL"]]
            for args in examples:
                runs.append([cmd] + args)
        runs += READS
        changed_total = 0
        for argv in runs:
            # the fixture is built with the check off: fingerprinting a
            # stream at each of its XADDs made this test take minutes
            r.execute_command("DEBUG", "WRITE-GATE-CHECK", "off")
            r.flushall()
            fixture(r)
            r.execute_command("DEBUG", "WRITE-GATE-CHECK", "on")
            r.execute_command("DEBUG", "WRITE-GATE-CHECK", "reset")
            try:
                r.execute_command(*argv)
            except Exception:
                pass  # an error reply is fine: only the state counts
            st = gate_stats(r)
            assert st["violations"] == 0, (
                "%r changed an entry without passing the write gate first" % (argv,))
            if argv[0] not in KEYSPACE_WIDE:
                changed_total += st["changed"]
        # the check saw real changes (it is not vacuous)
        assert changed_total >= len(runs) // 2
    finally:
        r.execute_command("DEBUG", "WRITE-GATE-CHECK", "off")
        r.flushall()
