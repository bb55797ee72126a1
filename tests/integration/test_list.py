"""List commands of Redis 7.0: behaviour, the quicklist encoding at every
list-max-listpack-size, and exact error replies (through the raw connection,
since redis-py strips the 'ERR ' prefix)."""

import random

import pytest

from util import NOT_INT, SYNTAX, WRONGTYPE, arity_error, error_of


def test_push_pop_len_and_encoding(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "x", "y") == 5
    assert r.lrange("l", 0, -1) == [b"y", b"x", b"a", b"b", b"c"]
    assert r.llen("l") == 5 and r.llen("nokey") == 0
    assert r.object("encoding", "l") == b"quicklist"
    assert r.lpop("l") == b"y" and r.rpop("l") == b"c"
    assert r.lpop("l", 2) == [b"x", b"a"]
    assert r.rpop("l", 10) == [b"b"]
    assert r.exists("l") == 0
    assert r.lpop("nokey") is None and r.lpop("nokey", 2) is None
    assert r.lpushx("nokey", "a") == 0 and r.rpushx("nokey", "a") == 0
    r.rpush("l", "1")
    assert r.lpushx("l", "0") == 2 and r.execute_command("RPUSHX", "l", "2", "3") == 4
    assert r.lrange("l", 0, -1) == [b"0", b"1", b"2", b"3"]


def test_pop_count_edges(r, raw):
    r.rpush("l", "a", "b")
    assert r.lpop("l", 0) == []
    assert error_of(raw, "LPOP", "l", "-1") == "ERR value is out of range, must be positive"
    assert error_of(raw, "LPOP", "l", "x") == "ERR value is out of range, must be positive"
    assert error_of(raw, "LPOP", "l", "1", "2") == arity_error("lpop")


def test_lindex_lset_lrange_ltrim(r, raw):
    r.rpush("l", *[str(i) for i in range(10)])
    assert r.lindex("l", 0) == b"0" and r.lindex("l", -1) == b"9"
    assert r.lindex("l", 10) is None and r.lindex("l", -11) is None
    assert r.lindex("nokey", 0) is None
    assert error_of(raw, "LINDEX", "l", "x") == NOT_INT
    assert raw.call("LINDEX", "nokey", "x") is None  # the key is looked at first
    assert r.lset("l", -1, "nine") is True
    assert error_of(raw, "LSET", "l", "10", "x") == "ERR index out of range"
    assert error_of(raw, "LSET", "nokey", "0", "x") == "ERR no such key"
    assert r.lrange("l", -3, -1) == [b"7", b"8", b"nine"]
    assert r.lrange("l", 5, 2) == [] and r.lrange("l", 100, 200) == []
    assert r.lrange("l", -100, 1) == [b"0", b"1"]
    assert error_of(raw, "LRANGE", "nokey", "x", "1") == NOT_INT
    assert r.ltrim("l", 2, -3) is True
    assert r.lrange("l", 0, -1) == [b"2", b"3", b"4", b"5", b"6", b"7"]
    assert r.ltrim("l", 5, 1) is True and r.exists("l") == 0
    assert r.ltrim("nokey", 0, 1) is True


def test_lrem_linsert_lpos(r, raw):
    r.rpush("l", "a", "b", "a", "c", "a", "b")
    assert r.lrem("l", -1, "a") == 1
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"a", b"c", b"b"]
    assert r.lrem("l", 1, "b") == 1 and r.lrem("l", 0, "a") == 2
    assert r.lrange("l", 0, -1) == [b"c", b"b"]
    assert r.lrem("nokey", 0, "a") == 0
    assert r.linsert("l", "before", "b", "X") == 3
    assert r.linsert("l", "AFTER", "b", "Y") == 4
    assert r.linsert("l", "after", "nope", "Y") == -1
    assert r.linsert("nokey", "after", "b", "Y") == 0
    assert error_of(raw, "LINSERT", "l", "middle", "b", "x") == SYNTAX
    assert r.lrange("l", 0, -1) == [b"c", b"X", b"b", b"Y"]
    r.delete("l")
    r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "c", rank=-1) == 7
    assert r.lpos("l", "c", count=0) == [2, 6, 7]
    assert r.lpos("l", "c", count=2, rank=-1) == [7, 6]
    assert r.lpos("l", "c", rank=2, maxlen=6) is None
    assert r.lpos("l", "zz") is None and r.lpos("l", "zz", count=1) == []
    assert r.lpos("nokey", "a") is None and r.lpos("nokey", "a", count=1) == []
    assert error_of(raw, "LPOS", "l", "c", "RANK", "0").startswith("ERR RANK can't be zero")
    assert error_of(raw, "LPOS", "l", "c", "COUNT", "-1") == "ERR COUNT can't be negative"
    assert error_of(raw, "LPOS", "l", "c", "MAXLEN", "-1") == "ERR MAXLEN can't be negative"
    assert error_of(raw, "LPOS", "l", "c", "FOO") == SYNTAX


def test_lmove_rpoplpush_lmpop(r, raw):
    r.rpush("src", "1", "2", "3")
    assert r.lmove("src", "dst", "LEFT", "RIGHT") == b"1"
    assert r.rpoplpush("src", "dst") == b"3"
    assert r.lrange("dst", 0, -1) == [b"3", b"1"]
    assert r.lmove("src", "src", "LEFT", "RIGHT") == b"2"  # one element rotates
    assert r.lrange("src", 0, -1) == [b"2"]
    assert r.lmove("nokey", "dst", "LEFT", "LEFT") is None
    assert error_of(raw, "LMOVE", "src", "dst", "UP", "LEFT") == SYNTAX
    r.set("str", "x")
    assert error_of(raw, "LMOVE", "src", "str", "LEFT", "LEFT") == WRONGTYPE
    assert r.lrange("src", 0, -1) == [b"2"]  # nothing moved
    assert r.lmpop(2, "nokey", "dst", direction="LEFT", count=5) == [b"dst", [b"3", b"1"]]
    assert r.lmpop(1, "nokey", direction="RIGHT") is None
    assert error_of(raw, "LMPOP", "0", "a", "LEFT") == "ERR numkeys should be greater than 0"
    assert error_of(raw, "LMPOP", "1", "a", "LEFT", "COUNT", "0") == \
        "ERR count should be greater than 0"
    assert error_of(raw, "LMPOP", "5", "a", "LEFT") == SYNTAX
    assert error_of(raw, "LMPOP", "1", "a", "UP") == SYNTAX


def test_wrongtype(r, raw):
    r.set("s", "x")
    for args in (("LPUSH", "s", "a"), ("LLEN", "s"), ("LRANGE", "s", "0", "1"),
                 ("LPOP", "s"), ("LINDEX", "s", "0"), ("LPOS", "s", "a"),
                 ("BLPOP", "s", "0"), ("LMPOP", "1", "s", "LEFT")):
        assert error_of(raw, *args) == WRONGTYPE


@pytest.mark.parametrize("fill", [-5, -1, 0, 1, 2, 4, 128])
def test_random_operations_keep_order(server_factory, fill):
    """A model check of the quicklist through the commands, at a small and
    a big node size, with elements of every size class."""
    srv = server_factory(list_max_listpack_size=fill)
    c = srv.client()
    rnd = random.Random(fill)
    model = []

    def el():
        k = rnd.randrange(4)
        if k == 0:
            return str(rnd.randrange(-1000, 1000)).encode()
        if k == 1:
            return b"e%d" % rnd.randrange(50)
        return bytes(rnd.choice(b"abcdef") for _ in range(rnd.choice([1, 70, 300, 5000])))

    for _ in range(600):
        op = rnd.randrange(7)
        if op <= 1 or not model:
            v = [el() for _ in range(rnd.randrange(1, 5))]
            if op == 0:
                c.lpush("l", *v)
                model[:0] = list(reversed(v))
            else:
                c.rpush("l", *v)
                model.extend(v)
        elif op == 2:
            assert c.lpop("l") == model.pop(0)
        elif op == 3:
            pivot = rnd.choice(model)
            v = el()
            c.linsert("l", "BEFORE", pivot, v)
            model.insert(model.index(pivot), v)
        elif op == 4:
            v = rnd.choice(model)
            n = rnd.randrange(-2, 3)
            c.lrem("l", n, v)
            if n >= 0:
                k = 0
                while v in model and (n == 0 or k < n):
                    model.remove(v)
                    k += 1
            else:
                for _ in range(-n):
                    if v in model:
                        del model[len(model) - 1 - model[::-1].index(v)]
        elif op == 5:
            i = rnd.randrange(len(model))
            v = el()
            c.lset("l", i, v)
            model[i] = v
        else:
            a, b = sorted(rnd.randrange(-len(model) - 2, len(model) + 2) for _ in range(2))
            c.ltrim("l", a, b)
            n = len(model)
            a2 = max(a + n if a < 0 else a, 0)
            b2 = b + n if b < 0 else b
            model = model[a2:b2 + 1] if a2 <= b2 else []
        assert c.lrange("l", 0, -1) == model
    c.close()
