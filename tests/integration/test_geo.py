"""The geo commands against redis-server 7.0.15 started in the same test,
replies compared byte for byte in RESP2 and RESP3: scores (ZSCORE, DUMP),
positions, geohashes, distances, searches by radius and by box from
members and positions in every unit with every option, the stored
results, and every error in Redis's order.
"""

import random

import pytest

from refpair import Pair

UNITS = ["m", "km", "ft", "mi", "KM"]


@pytest.fixture
def pair(server, r, transport):
    p = Pair(server, transport)
    yield p
    p.close()


def sicily(pair):
    pair.same("GEOADD", "Sicily", 13.361389, 38.115556, "Palermo", 15.087269, 37.502669,
              "Catania")


def test_documented_values(pair):
    sicily(pair)
    pair.same("ZRANGE", "Sicily", 0, -1, "WITHSCORES")
    for unit in [None] + UNITS:
        cmd = ("GEODIST", "Sicily", "Palermo", "Catania") + ((unit,) if unit else ())
        pair.same(*cmd)
        pair.same3(*cmd)
    pair.same("GEODIST", "Sicily", "Palermo", "nope")
    pair.same("GEODIST", "nokey", "a", "b")
    pair.same("GEOPOS", "Sicily", "Palermo", "Catania", "NonExisting")
    pair.same3("GEOPOS", "Sicily", "Palermo", "Catania", "NonExisting")
    pair.same("GEOPOS", "nokey", "a")
    pair.same("GEOPOS", "Sicily")
    pair.same("GEOHASH", "Sicily", "Palermo", "Catania", "nope")
    pair.same3("GEOHASH", "Sicily", "Palermo", "nope")
    pair.same("GEOHASH", "nokey", "a", "b")
    pair.same("DUMP", "Sicily")


def test_geoadd_options(pair):
    sicily(pair)
    for cmd in [
        ("GEOADD", "Sicily", "NX", 13.4, 38.1, "Palermo", 1, 1, "new"),
        ("GEOADD", "Sicily", "XX", 13.4, 38.1, "Palermo", 1, 1, "new2"),
        ("GEOADD", "Sicily", "XX", "CH", 13.5, 38.1, "Palermo"),
        ("GEOADD", "Sicily", "CH", 13.5, 38.1, "Palermo", 2, 2, "x"),
        ("GEOADD", "Sicily", "CH", "NX", "CH", 3, 3, "y"),
        ("GEOADD", "Sicily", "NX", "XX", 1, 1, "z"),
        ("GEOADD", "Sicily", "CH", "NX", "CH"),
        ("GEOADD", "Sicily", 1, 1),
        ("GEOADD", "Sicily", 1, 1, "a", 2),
        ("GEOADD", "Sicily", "GT", 1, 1, "a"),
        ("GEOADD", "Sicily", "x", 1, "a"),
        ("GEOADD", "Sicily", 1, "1e400", "a"),
        ("GEOADD", "Sicily", " 1", 1, "a"),
        ("GEOADD", "Sicily", "nan", 1, "a"),
        ("GEOADD", "Sicily", 181, 1, "a"),
        ("GEOADD", "Sicily", 1, 85.06, "a"),
        ("GEOADD", "Sicily", 1, 1, "ok", 200, 1, "bad"),
        ("GEOADD", "Sicily", "inf", 1, "a"),
        # the limits themselves
        ("GEOADD", "edges", 180, 85.05112878, "ne", -180, -85.05112878, "sw", 0, 0, "o",
         180, -85.05112878, "se", -180, 85.05112878, "nw"),
    ]:
        pair.same(*cmd)
    pair.same("ZRANGE", "Sicily", 0, -1, "WITHSCORES")
    pair.same("ZRANGE", "edges", 0, -1, "WITHSCORES")
    pair.same("GEOPOS", "edges", "ne", "sw", "o", "se", "nw")
    pair.same("GEOHASH", "edges", "ne", "sw", "o", "se", "nw")
    pair.run("SET", "str", "x")
    pair.same("GEOADD", "str", 1, 1, "a")
    pair.same("GEOPOS", "str", "a")
    pair.same("GEOHASH", "str", "a")
    pair.same("GEODIST", "str", "a", "b")


def test_geodist_errors(pair):
    sicily(pair)
    pair.same("GEODIST", "Sicily", "Palermo", "Catania", "parsec")
    pair.same("GEODIST", "Sicily", "Palermo", "Catania", "km", "x")
    pair.same("GEODIST", "nokey", "a", "b", "parsec")


def random_points(pair, key, rnd, n, lon=(-180, 180), lat=(-85, 85)):
    args = []
    for i in range(n):
        args += [rnd.uniform(*lon), rnd.uniform(*lat), "p%d" % i]
    pair.same("GEOADD", key, *args)


def search_options(rnd, store=False):
    opts = []
    if not store:
        for o in ("WITHDIST", "WITHCOORD", "WITHHASH"):
            if rnd.random() < 0.5:
                opts.append(o)
    k = rnd.random()
    if k < 0.3:
        opts += ["COUNT", rnd.randint(1, 20)]
        if rnd.random() < 0.3:
            opts.append("ANY")
    if rnd.random() < 0.6:
        opts.append(rnd.choice(["ASC", "DESC"]))
    rnd.shuffle(opts)
    return opts


@pytest.mark.parametrize("n,lon,lat", [(100, (-180, 180), (-85, 85)),
                                       (3000, (-180, 180), (-85, 85)),
                                       (400, (10, 12), (40, 42)),
                                       (300, (170, 180), (80, 85.05))])
def test_searches(pair, n, lon, lat):
    rnd = random.Random(n + int(lon[0]))
    random_points(pair, "pts", rnd, n, lon, lat)
    pair.same("OBJECT", "ENCODING", "pts")
    # the 3000-point world set answers wide searches with thousands of
    # points each: fewer rounds keep it to seconds
    for _ in range(120 if n < 1000 else 40):
        clon, clat = rnd.uniform(*lon), rnd.uniform(*lat)
        r = rnd.choice([0, 0.5, 10, 100, 1000, 5000, 20000, 100000, 30000000])
        unit = rnd.choice(UNITS)
        o = search_options(rnd)
        member = "p%d" % rnd.randrange(n)
        cmds = [
            ("GEOSEARCH", "pts", "FROMLONLAT", clon, clat, "BYRADIUS", r, unit, *o),
            ("GEOSEARCH", "pts", "FROMMEMBER", member, "BYBOX", r, r / 2, unit, *o),
            ("GEOSEARCH", "pts", "FROMLONLAT", clon, clat, "BYBOX", r * 2, r, unit, *o),
            ("GEORADIUS", "pts", clon, clat, r, unit, *o),
            ("GEORADIUS_RO", "pts", clon, clat, r, unit, *o),
            ("GEORADIUSBYMEMBER", "pts", member, r, unit, *o),
            ("GEORADIUSBYMEMBER_RO", "pts", member, r, unit, *o),
        ]
        for cmd in cmds:
            pair.same(*cmd)
        pair.same3(*cmds[rnd.randrange(len(cmds))])


def test_store(pair):
    rnd = random.Random(12)
    random_points(pair, "pts", rnd, 2000, (-20, 20), (-20, 20))
    for _ in range(40):
        clon, clat = rnd.uniform(-20, 20), rnd.uniform(-20, 20)
        r = rnd.choice([1, 100, 500, 2000])
        o = search_options(rnd, store=True)
        for cmd, dst in [
            (("GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", clon, clat, "BYRADIUS", r, "km", *o),
             "dst"),
            (("GEOSEARCHSTORE", "dst", "pts", "FROMMEMBER", "p1", "BYBOX", r, r, "km", *o,
              "STOREDIST"), "dst"),
            (("GEORADIUS", "pts", clon, clat, r, "km", *o, "STORE", "dst"), "dst"),
            (("GEORADIUS", "pts", clon, clat, r, "km", *o, "STOREDIST", "dst2"), "dst2"),
            (("GEORADIUSBYMEMBER", "pts", "p2", r, "mi", *o, "STORE", "dst3", "STOREDIST",
              "dst4"), "dst4"),
        ]:
            pair.same(*cmd)
            pair.same("ZRANGE", dst, 0, -1, "WITHSCORES")
            pair.same("OBJECT", "ENCODING", dst)
            pair.same("EXISTS", "dst3")
    # nothing found, or no source: the destination goes
    pair.run("SET", "dst", "old")
    pair.same("GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", 100, 50, "BYRADIUS", 1, "m")
    pair.same("EXISTS", "dst")
    pair.run("SET", "dst", "old")
    pair.same("GEOSEARCHSTORE", "dst", "nokey", "FROMLONLAT", 100, 50, "BYRADIUS", 1, "m")
    pair.same("EXISTS", "dst")
    pair.run("SET", "dst", "old")
    pair.same("GEORADIUS", "nokey", 1, 1, 1, "km", "STORE", "dst")
    pair.same("EXISTS", "dst")
    # a store over the source itself, and over another type with a TTL
    pair.run("RPUSH", "lst", "a")
    pair.run("EXPIRE", "lst", 100)
    pair.same("GEORADIUS", "pts", 0, 0, 300, "km", "STORE", "lst")
    pair.same("TTL", "lst")
    pair.same("GEORADIUS", "pts", 0, 0, 300, "km", "STORE", "pts")
    pair.same("ZRANGE", "pts", 0, -1, "WITHSCORES")
    # long members: a skiplist result
    pair.same("GEOADD", "long", 1, 1, "m" * 100, 1.001, 1.001, "short")
    pair.same("GEOSEARCHSTORE", "dl", "long", "FROMLONLAT", 1, 1, "BYRADIUS", 1000, "km")
    pair.same("OBJECT", "ENCODING", "dl")
    base = pair.info_field("rdb_changes_since_last_save")
    pair.same("GEOSEARCHSTORE", "dl", "long", "FROMLONLAT", 1, 1, "BYRADIUS", 1000, "km")
    now = pair.info_field("rdb_changes_since_last_save")
    assert int(now[0]) - int(base[0]) == int(now[1]) - int(base[1]) == 2


def test_search_errors(pair):
    sicily(pair)
    pair.run("SET", "str", "x")
    s = "Sicily"
    for cmd in [
        ("GEORADIUS", "str", 15, 37, 100, "km"),
        ("GEORADIUS", s, "x", 37, 100, "km"), ("GEORADIUS", s, 15, 37, "x", "km"),
        ("GEORADIUS", s, 15, 37, -1, "km"), ("GEORADIUS", s, 15, 37, 100, "parsec"),
        ("GEORADIUS", s, 200, 37, 100, "km"), ("GEORADIUS", s, 15, 37, 100, "km", "COUNT", 0),
        ("GEORADIUS", s, 15, 37, 100, "km", "COUNT", -1),
        ("GEORADIUS", s, 15, 37, 100, "km", "COUNT", "x"),
        ("GEORADIUS", s, 15, 37, 100, "km", "COUNT"),
        ("GEORADIUS", s, 15, 37, 100, "km", "ANY"),
        ("GEORADIUS", s, 15, 37, 100, "km", "STORE"),
        ("GEORADIUS", s, 15, 37, 100, "km", "STORE", "d", "WITHDIST"),
        ("GEORADIUS", s, 15, 37, 100, "km", "WITHHASH", "STOREDIST", "d"),
        ("GEORADIUS", s, 15, 37, 100, "km", "BYBOX", 1, 1, "km"),
        ("GEORADIUS", s, 15, 37, 100, "km", "FROMMEMBER", "Palermo"),
        ("GEORADIUS_RO", s, 15, 37, 100, "km", "STORE", "d"),
        ("GEORADIUSBYMEMBER", s, "nope", 100, "km"),
        ("GEORADIUSBYMEMBER", s, "Palermo", "x", "km"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "parsec", "WITHDIST"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "parsec", "STORE", "d"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "parsec", "BAD"),
        ("GEORADIUSBYMEMBER_RO", s, "Palermo", 100, "km", "STOREDIST", "d"),
        ("GEOSEARCH", s, "BYRADIUS", 10, "km"), ("GEOSEARCH", s, "FROMLONLAT", 15, 37),
        ("geosearch", s, "FROMLONLAT", 15, 37), ("GeoSearch", s, "BYBOX", 1, 1, "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km"),
        ("GEOSEARCH", s, "FROMMEMBER", "Palermo", "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km"),
        ("GEOSEARCH", s, "FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS", 500, "km"),
        ("GEOSEARCH", s, "FROMMEMBER", "nope", "BYRADIUS", 1, "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "BYBOX", 1, 1, "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYBOX", 1, -1, "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYBOX", "w", 1, "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYBOX", 1, "h", "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYBOX", 1, 1, "yd"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "STORE", "d"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "STOREDIST"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, "x", "BYRADIUS", 1, "km"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 95, "BYRADIUS", 1, "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", 1, "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "x"),
        ("GEOSEARCH", "str", "FROMMEMBER", "x", "BYRADIUS", 1, "km"),
        ("GEOSEARCHSTORE", "d", s, "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "WITHDIST"),
        ("GEOSEARCHSTORE", "d", s, "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "ANY"),
        ("GEOSEARCHSTORE", "d", s, "FROMLONLAT", 15, 37),
        ("GEOSEARCHSTORE", "d", s, "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "STORE", "x"),
        ("GEOSEARCH", s, "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km", "COUNT", 1, "ANY", "DESC"),
    ]:
        pair.same(*cmd)
    pair.same("EXISTS", "d")
    pair.same("COMMAND", "GETKEYS", "GEORADIUS", s, 1, 1, 1, "km", "STORE", "a", "STOREDIST", "b")
    pair.same("COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", s, "m", 1, "km", "STORE", "a")
    pair.same("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", s, "FROMMEMBER", "m")


def test_non_geo_scores(pair):
    """Sorted sets with ordinary scores decode as Redis decodes them."""
    pair.run("ZADD", "z", 0, "zero", 1, "one", -1, "neg", 1.5e15, "big", 4503599627370496, "p52",
             "inf", "i", 12345.678, "frac")
    pair.same("GEOPOS", "z", "zero", "one", "neg", "big", "p52", "i", "frac")
    pair.same("GEOHASH", "z", "zero", "one", "neg", "big", "p52", "frac")
    pair.same("GEODIST", "z", "zero", "big")
    pair.same("GEOSEARCH", "z", "FROMMEMBER", "zero", "BYRADIUS", 100, "km", "WITHHASH")
