"""Server and connection commands: PING ECHO QUIT RESET SELECT TIME DBSIZE
INFO CLIENT CONFIG COMMAND AUTH HELLO SHUTDOWN DEBUG, and the listener
settings (requirepass, maxclients, timeout, protected-mode, unixsocket)."""

import json
import os
import re
import resource
import signal
import time

import pytest
import redis

import resp
from util import SYNTAX, arity_error, error_of, strip_prose, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def parse_info(text):
    """INFO text -> {section_lower: {field: value_str}}; checks the format."""
    if isinstance(text, bytes):
        text = text.decode()
    sections, cur = {}, None
    assert text.endswith("\r\n") or text == ""
    for line in text.split("\r\n"):
        if line == "":
            continue
        if line.startswith("# "):
            cur = line[2:].lower()
            sections[cur] = {}
            continue
        assert cur is not None, "field before any section header: %r" % line
        k, sep, v = line.partition(":")
        assert sep, "bad INFO line %r" % line
        sections[cur][k] = v
    return sections


def info(conn, *sections):
    return parse_info(conn.call("INFO", *sections))


def kv(value):
    """'keys=1,expires=0' -> dict."""
    return dict(p.split("=", 1) for p in value.split(","))


def client_fields(line):
    if isinstance(line, bytes):
        line = line.decode()
    return dict(f.split("=", 1) for f in line.strip().split(" "))


# --------------------------------------------------------------------------
# PING ECHO TIME QUIT RESET
# --------------------------------------------------------------------------

def test_ping(r, raw):
    assert r.ping() is True
    assert raw.call_raw("PING") == b"+PONG\r\n"
    assert raw.call_raw("PING", "hello world") == b"$11\r\nhello world\r\n"
    assert raw.call_raw("ping", "") == b"$0\r\n\r\n"
    assert error_of(raw, "PING", "a", "b") == arity_error("ping")


def test_echo(raw):
    assert raw.call_raw("ECHO", "hi") == b"$2\r\nhi\r\n"
    assert raw.call("ECHO", b"\x00\r\n\xff") == b"\x00\r\n\xff"
    assert raw.call_raw("ECHO", "") == b"$0\r\n\r\n"
    assert error_of(raw, "ECHO") == arity_error("echo")
    assert error_of(raw, "ECHO", "a", "b") == arity_error("echo")


def test_time(raw):
    before = time.time()
    sec, usec = raw.call("TIME")
    after = time.time()
    assert sec.isdigit() and usec.isdigit()
    assert 0 <= int(usec) < 1000000
    t = int(sec) + int(usec) / 1e6
    assert before - 1 <= t <= after + 1
    assert error_of(raw, "TIME", "x") == arity_error("time")


def test_quit_replies_ok_and_closes(server, r):
    with server.raw() as c:
        # Commands pipelined after QUIT are not executed.
        c.send_raw(resp.encode("QUIT") + resp.encode("SET", "afterquit", "1"))
        assert c.read_raw() == b"+OK\r\n"
        assert c.is_closed(3)
    assert r.exists("afterquit") == 0


def test_reset(server, r):
    with server.raw() as c:
        c.call("SELECT", "5")
        c.call("CLIENT", "SETNAME", "someone")
        c.call("HELLO", "3")
        c.send("CLIENT", "REPLY", "OFF")
        c.send("SET", "x", "1")
        assert c.call_raw("RESET") == b"+RESET\r\n"
        # Back to RESP2, db 0, no name, replies on.
        assert c.call_raw("GET", "x") == b"$-1\r\n"
        assert c.call("CLIENT", "GETNAME") is None
        fields = client_fields(c.call("CLIENT", "INFO"))
        assert fields["db"] == "0"
        assert fields["resp"] == "2"
        assert fields["name"] == ""
        assert error_of(c, "RESET", "x") == arity_error("reset")
    c5 = server.client(db=5)
    assert c5.get("x") == b"1"
    c5.close()


# --------------------------------------------------------------------------
# INFO
# --------------------------------------------------------------------------

REQUIRED_FIELDS = {
    "server": ["redis_version", "redis_mode", "os", "arch_bits",
               "multiplexing_api", "process_id", "run_id", "tcp_port",
               "server_time_usec", "uptime_in_seconds", "uptime_in_days",
               "hz", "configured_hz", "lru_clock", "executable",
               "config_file"],
    "clients": ["connected_clients", "maxclients",
                "client_recent_max_input_buffer",
                "client_recent_max_output_buffer", "blocked_clients",
                "tracking_clients", "clients_in_timeout_table"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss",
               "used_memory_rss_human", "used_memory_peak",
               "used_memory_peak_human", "used_memory_startup",
               "used_memory_dataset", "total_system_memory",
               "total_system_memory_human", "maxmemory", "maxmemory_human",
               "maxmemory_policy", "mem_fragmentation_ratio",
               "mem_allocator"],
    "stats": ["total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "total_net_input_bytes",
              "total_net_output_bytes", "rejected_connections",
              "expired_keys", "evicted_keys", "keyspace_hits",
              "keyspace_misses", "total_error_replies",
              "total_reads_processed", "total_writes_processed"],
    "cpu": ["used_cpu_sys", "used_cpu_user", "used_cpu_sys_children",
            "used_cpu_user_children"],
}


@pytest.mark.parametrize("section", sorted(REQUIRED_FIELDS))
def test_info_section_fields(raw, section):
    text = raw.call("INFO", section)
    title = "CPU" if section == "cpu" else section.capitalize()
    assert text.startswith(b"# " + title.encode() + b"\r\n")
    s = parse_info(text)
    assert list(s) == [section]
    missing = [f for f in REQUIRED_FIELDS[section] if f not in s[section]]
    assert missing == []


def test_info_server_values(server, raw):
    s = info(raw, "server")["server"]
    assert int(s["process_id"]) == server.pid
    assert int(s["tcp_port"]) == server.port
    assert re.fullmatch(r"[0-9a-f]{40}", s["run_id"])
    assert s["redis_mode"] == "standalone"
    assert s["arch_bits"] == "64"
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", s["redis_version"])
    assert m and (int(m.group(1)), int(m.group(2))) >= (7, 0), \
        "clients gate features on redis_version; it must claim 7.0+"
    assert abs(int(s["server_time_usec"]) / 1e6 - time.time()) < 5
    assert int(s["uptime_in_seconds"]) >= 0
    assert os.path.realpath(s["executable"]) == \
        os.path.realpath(server.args[0]) or s["executable"].endswith(
            os.path.basename(server.args[0]))
    assert s["config_file"] == ""


def test_info_default_all_and_multiple_sections(raw):
    default = parse_info(raw.call("INFO"))
    for sec in ("server", "clients", "memory", "stats", "cpu", "keyspace"):
        assert sec in default
    assert "commandstats" not in default  # not in the default set
    assert parse_info(raw.call("INFO", "default")).keys() == default.keys()
    everything = parse_info(raw.call("INFO", "all"))
    for sec in ("server", "clients", "memory", "stats", "cpu", "keyspace",
                "commandstats", "errorstats"):
        assert sec in everything
    # Redis 7: several sections in one call, any case.
    two = parse_info(raw.call("INFO", "SERVER", "clients"))
    assert list(two) == ["server", "clients"]
    assert raw.call_raw("INFO", "nosuchsection") == b"$0\r\n\r\n"


def test_info_clients_counts_connections(server, raw):
    n0 = int(info(raw, "clients")["clients"]["connected_clients"])
    extra = [server.raw() for _ in range(3)]
    for c in extra:
        c.call("PING")
    assert int(info(raw, "clients")["clients"]["connected_clients"]) == n0 + 3
    for c in extra:
        c.close()
    assert wait_for(lambda: int(info(raw, "clients")["clients"]
                                ["connected_clients"]) == n0, timeout=3)


def test_info_memory_human_fields(r, raw):
    m = info(raw, "memory")["memory"]
    assert int(m["used_memory"]) > 0
    assert re.fullmatch(r"\d+(\.\d+)?[BKMGTP]", m["used_memory_human"])
    before = int(m["used_memory"])
    r.set("big", "x" * (4 << 20))
    after = int(info(raw, "memory")["memory"]["used_memory"])
    assert after - before >= 4 << 20
    assert int(info(raw, "memory")["memory"]["used_memory_peak"]) >= after
    r.delete("big")
    assert int(info(raw, "memory")["memory"]["used_memory"]) < after - (3 << 20)


def test_info_stats_counters(server, r, raw):
    def stats():
        return info(raw, "stats")["stats"]
    s0 = stats()
    with server.raw() as c:
        c.call("PING")
    r.set("hit", "1")
    r.get("hit")
    r.get("hit")
    r.get("miss")
    r.exists("miss")  # EXISTS counts as a lookup too
    s1 = stats()
    assert int(s1["total_connections_received"]) >= \
        int(s0["total_connections_received"]) + 1
    assert int(s1["keyspace_hits"]) == int(s0["keyspace_hits"]) + 2
    assert int(s1["keyspace_misses"]) == int(s0["keyspace_misses"]) + 2
    assert int(s1["total_commands_processed"]) >= \
        int(s0["total_commands_processed"]) + 6
    assert int(s1["total_net_input_bytes"]) > int(s0["total_net_input_bytes"])
    assert int(s1["total_net_output_bytes"]) > int(s0["total_net_output_bytes"])
    raw.call("INCR", "hit2")
    r.set("str", "x")
    raw.call("INCR", "str")
    assert int(stats()["total_error_replies"]) == \
        int(s1["total_error_replies"]) + 1


def test_info_keyspace(server, r, raw):
    assert info(raw, "keyspace") == {"keyspace": {}}
    r.set("a", 1)
    r.set("b", 1, ex=100)
    c3 = server.client(db=3)
    c3.set("x", 1)
    ks = info(raw, "keyspace")["keyspace"]
    assert list(ks) == ["db0", "db3"]
    d0 = kv(ks["db0"])
    assert d0["keys"] == "2" and d0["expires"] == "1"
    assert 0 <= int(d0["avg_ttl"]) <= 100000  # an estimate by active expiry
    assert kv(ks["db3"]) == {"keys": "1", "expires": "0", "avg_ttl": "0"}
    c3.close()


def test_info_cpu(raw):
    c = info(raw, "cpu")["cpu"]
    for f in REQUIRED_FIELDS["cpu"]:
        assert re.fullmatch(r"\d+\.\d{6}", c[f]), (f, c[f])


def test_info_commandstats_and_errorstats(r, raw):
    assert raw.call("CONFIG", "RESETSTAT") == b"OK"
    cs = info(raw, "commandstats")["commandstats"]
    # Only RESETSTAT itself has run since the reset.
    assert list(cs) == ["cmdstat_config|resetstat"]
    assert info(raw, "errorstats") == {"errorstats": {}}
    r.set("s", "x")
    r.get("s")
    r.get("s")
    raw.call("INCR", "s")  # runs and fails: failed_calls
    raw.call("GET")  # arity: rejected_calls
    raw.call("NOSUCHCMD")  # unknown: only errorstats
    cs = info(raw, "commandstats")["commandstats"]
    get = kv(cs["cmdstat_get"])
    assert get["calls"] == "2" and get["rejected_calls"] == "1"
    assert get["failed_calls"] == "0"
    assert set(get) == {"calls", "usec", "usec_per_call", "rejected_calls",
                        "failed_calls"}
    assert re.fullmatch(r"\d+\.\d\d", get["usec_per_call"])
    incr = kv(cs["cmdstat_incr"])
    assert incr["calls"] == "1" and incr["failed_calls"] == "1"
    assert "cmdstat_nosuchcmd" not in cs
    es = info(raw, "errorstats")["errorstats"]
    assert es == {"errorstat_ERR": "count=3"}
    raw.call("CLIENT", "ID")
    cs = info(raw, "commandstats")["commandstats"]
    assert kv(cs["cmdstat_client|id"])["calls"] == "1"


def test_info_errorstats_by_prefix(r, raw):
    raw.call("CONFIG", "RESETSTAT")
    raw.call("HELLO", "4")
    raw.call("HELLO", "4")
    raw.call("AUTH", "nouser", "pw")
    es = info(raw, "errorstats")["errorstats"]
    assert es == {"errorstat_NOPROTO": "count=2",
                  "errorstat_WRONGPASS": "count=1"}


# --------------------------------------------------------------------------
# CLIENT
# --------------------------------------------------------------------------

CLIENT_LIST_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle",
                      "flags", "db", "sub", "psub", "ssub", "multi", "qbuf",
                      "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp",
                      "obl", "oll", "omem", "tot-mem", "events", "cmd",
                      "user", "redir", "resp"]
# Slipstream appends fields of its own after Redis's (documented in
# docs/commands.md): the worker thread serving the client.
SLIPSTREAM_CLIENT_FIELDS = ("worker",)


def redis_fields(f):
    return [k for k in f if k not in SLIPSTREAM_CLIENT_FIELDS]


def test_client_id(server):
    with server.raw() as a, server.raw() as b:
        ia = a.call("CLIENT", "ID")
        ib = b.call("CLIENT", "ID")
        assert isinstance(ia, int) and ia > 0
        assert ib > ia  # ids increase with each connection
        assert a.call("CLIENT", "ID") == ia
        assert error_of(a, "CLIENT", "ID", "x") == arity_error("client|id")


def test_client_setname_getname(raw):
    assert raw.call_raw("CLIENT", "GETNAME") == b"$-1\r\n"
    assert raw.call("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert raw.call("CLIENT", "GETNAME") == b"worker-1"
    assert raw.call("CLIENT", "SETNAME", "") == b"OK"  # clears the name
    assert raw.call_raw("CLIENT", "GETNAME") == b"$-1\r\n"
    bad = "ERR Client names cannot contain spaces, newlines or special characters."
    for name in ("a b", "a\nb", "\x01", "caf\xe9", "\x7f"):
        assert error_of(raw, "CLIENT", "SETNAME", name) == bad
    assert error_of(raw, "CLIENT", "SETNAME") == arity_error("client|setname")
    assert error_of(raw, "CLIENT", "GETNAME", "x") == arity_error("client|getname")


def test_client_info_and_list_fields(server, raw):
    raw.call("CLIENT", "SETNAME", "me")
    raw.call("SELECT", "3")
    line = raw.call("CLIENT", "INFO")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    f = client_fields(line)
    assert redis_fields(f) == CLIENT_LIST_FIELDS
    assert int(f["id"]) == raw.call("CLIENT", "ID")
    assert f["name"] == "me"
    assert f["db"] == "3"
    assert f["cmd"] == "client|info"
    assert f["flags"] == "N"
    assert f["user"] == "default"
    assert f["resp"] == "2"
    assert f["laddr"] == "%s:%d" % (server.host, server.port)
    local = raw.sock.getsockname()
    assert f["addr"] == "%s:%d" % local
    assert error_of(raw, "CLIENT", "INFO", "x") == arity_error("client|info")


def test_client_list(server, raw):
    with server.raw() as other:
        other.call("CLIENT", "SETNAME", "other")
        oid = other.call("CLIENT", "ID")
        other.call("GET", "x")
        text = raw.call("CLIENT", "LIST")
        lines = [client_fields(l) for l in text.decode().splitlines()]
        assert text.endswith(b"\n")
        byid = {int(l["id"]): l for l in lines}
        assert byid[oid]["name"] == "other"
        assert byid[oid]["cmd"] == "get"
        for l in lines:
            assert redis_fields(l) == CLIENT_LIST_FIELDS
        mine = raw.call("CLIENT", "ID")
        assert byid[mine]["cmd"] == "client|list"
        # ID filter, several ids, unknown ids ignored.
        only = raw.call("CLIENT", "LIST", "ID", str(oid), "999999")
        assert [int(client_fields(l)["id"]) for l in only.decode().splitlines()] \
            == [oid]
        assert raw.call("CLIENT", "LIST", "ID", "999999") == b""
        normal = raw.call("CLIENT", "LIST", "TYPE", "normal")
        assert {int(client_fields(l)["id"]) for l in normal.decode().splitlines()} \
            >= {oid, mine}
        assert raw.call("CLIENT", "LIST", "TYPE", "pubsub") == b""
    assert error_of(raw, "CLIENT", "LIST", "ID", "x") == "ERR Invalid client ID"
    assert error_of(raw, "CLIENT", "LIST", "TYPE", "foo") == \
        "ERR Unknown client type 'foo'"
    assert error_of(raw, "CLIENT", "LIST", "foo") == SYNTAX


def test_client_kill_by_id(server, raw):
    with server.raw() as victim:
        vid = victim.call("CLIENT", "ID")
        assert raw.call("CLIENT", "KILL", "ID", str(vid)) == 1
        assert victim.is_closed(3)
    assert raw.call("CLIENT", "KILL", "ID", str(vid)) == 0
    assert raw.call("PING") == b"PONG"


def test_client_kill_by_addr_old_and_new_form(server, raw):
    with server.raw() as victim:
        addr = "%s:%d" % victim.sock.getsockname()
        assert raw.call("CLIENT", "KILL", addr) == b"OK"  # old form
        assert victim.is_closed(3)
    with server.raw() as victim:
        addr = "%s:%d" % victim.sock.getsockname()
        assert raw.call("CLIENT", "KILL", "ADDR", addr) == 1
        assert victim.is_closed(3)
    assert error_of(raw, "CLIENT", "KILL", addr) == "ERR No such client"
    assert raw.call("CLIENT", "KILL", "ADDR", addr) == 0


def test_client_kill_filters_and_skipme(server, raw):
    others = [server.raw() for _ in range(2)]
    for c in others:
        c.call("PING")
    # TYPE normal with the default SKIPME yes: everyone but the caller.
    n = raw.call("CLIENT", "KILL", "TYPE", "normal")
    assert n >= 2
    for c in others:
        assert c.is_closed(3)
        c.close()
    assert raw.call("PING") == b"PONG"
    with server.raw() as v:
        v.call("PING")
        assert raw.call("CLIENT", "KILL", "LADDR",
                        "%s:%d" % (server.host, server.port)) >= 1
        assert v.is_closed(3)
    with server.raw() as v:
        v.call("PING")
        assert raw.call("CLIENT", "KILL", "USER", "default") >= 1
        assert v.is_closed(3)
    assert raw.call("PING") == b"PONG"
    # SKIPME no kills the caller too.
    with server.raw() as me:
        assert me.call("CLIENT", "KILL", "ID", str(me.call("CLIENT", "ID")),
                       "SKIPME", "no") == 1
        assert me.is_closed(3)


def test_client_kill_errors(raw):
    assert error_of(raw, "CLIENT", "KILL", "ID", "0") == \
        "ERR client-id should be greater than 0"
    assert error_of(raw, "CLIENT", "KILL", "ID", "x") == \
        "ERR client-id should be greater than 0"
    assert error_of(raw, "CLIENT", "KILL", "TYPE", "foo") == \
        "ERR Unknown client type 'foo'"
    assert error_of(raw, "CLIENT", "KILL", "USER", "nouser") == \
        "ERR No such user 'nouser'"
    assert error_of(raw, "CLIENT", "KILL", "SKIPME", "maybe") == SYNTAX
    assert error_of(raw, "CLIENT", "KILL", "FOO", "bar") == SYNTAX
    assert error_of(raw, "CLIENT", "KILL", "1.2.3.4:5") == "ERR No such client"
    assert error_of(raw, "CLIENT", "KILL") == arity_error("client|kill")


def test_client_reply(server, r):
    with server.raw() as c:
        c.send("CLIENT", "REPLY", "OFF")  # no reply to this one
        c.send("SET", "a", "1")
        c.send("GET", "a")
        c.send("CLIENT", "REPLY", "ON")
        assert c.read_raw() == b"+OK\r\n"  # the reply to REPLY ON
        c.send("CLIENT", "REPLY", "SKIP")
        c.send("SET", "b", "2")  # skipped
        c.send("GET", "b")  # answered
        assert c.read() == b"2"
        assert error_of(c, "CLIENT", "REPLY", "maybe") == SYNTAX
        assert error_of(c, "CLIENT", "REPLY") == arity_error("client|reply")
    assert r.get("a") == b"1"


def test_client_pause_write(server, r):
    r.set("k", "v")
    with server.raw() as ctl, server.raw() as c:
        assert ctl.call("CLIENT", "PAUSE", "400", "WRITE") == b"OK"
        t = time.monotonic()
        assert c.call("GET", "k") == b"v"  # reads go on
        assert time.monotonic() - t < 0.2
        t = time.monotonic()
        assert c.call("SET", "k", "w") == b"OK"  # writes wait for the end
        assert time.monotonic() - t >= 0.25
    assert r.get("k") == b"w"


def test_client_pause_all_and_unpause(server, r):
    with server.raw() as ctl, server.raw() as c:
        assert ctl.call("CLIENT", "PAUSE", "300") == b"OK"
        t = time.monotonic()
        assert c.call("PING") == b"PONG"
        assert time.monotonic() - t >= 0.2
        assert ctl.call("CLIENT", "PAUSE", "20000", "WRITE") == b"OK"
        c.send("SET", "k", "1")
        time.sleep(0.2)
        assert ctl.call("CLIENT", "UNPAUSE") == b"OK"
        t = time.monotonic()
        assert c.read() == b"OK"
        assert time.monotonic() - t < 2


def test_client_pause_errors(raw):
    assert error_of(raw, "CLIENT", "PAUSE", "x") == \
        "ERR timeout is not an integer or out of range"
    assert error_of(raw, "CLIENT", "PAUSE", "-1") == "ERR timeout is negative"
    assert error_of(raw, "CLIENT", "PAUSE", "10", "FOO") == \
        "ERR CLIENT PAUSE mode must be WRITE or ALL"
    assert error_of(raw, "CLIENT", "PAUSE") == arity_error("client|pause")
    assert error_of(raw, "CLIENT", "UNPAUSE", "x") == arity_error("client|unpause")


def test_client_errors(raw):
    assert error_of(raw, "CLIENT") == arity_error("client")
    assert error_of(raw, "CLIENT", "FOO") == \
        "ERR unknown subcommand 'FOO'. Try CLIENT HELP."


# --------------------------------------------------------------------------
# CONFIG
# --------------------------------------------------------------------------

def config_dict(reply):
    if isinstance(reply, list) and reply.__class__.__name__ == "Map":
        return {k.decode(): v.decode() for k, v in reply}
    it = iter(reply)
    return {k.decode(): v.decode() for k, v in zip(it, it)}


@pytest.mark.kernel_only("bind and unixsocket are the kernel listeners'; data-plane servers "
                         "run with protected-mode no")
def test_config_get_defaults(server, raw):
    got = config_dict(raw.call(
        "CONFIG", "GET", "port", "bind", "timeout", "tcp-keepalive",
        "protected-mode", "requirepass", "databases",
        "proto-max-bulk-len", "client-query-buffer-limit",
        "client-output-buffer-limit", "maxmemory-policy", "unixsocket",
        "save"))
    assert got == {
        "port": str(server.port),
        "bind": "127.0.0.1",
        "timeout": "0",
        "tcp-keepalive": "300",
        "protected-mode": "yes",
        "requirepass": "",
        "databases": "16",
        "proto-max-bulk-len": "536870912",
        "client-query-buffer-limit": "1073741824",
        "client-output-buffer-limit":
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        "maxmemory-policy": "noeviction",
        "unixsocket": server.unixsocket,
        "save": "",
    }
    # maxclients is 10000 unless the fd limit cannot be raised that far, in
    # which case Redis lowers it (hard limit - 32 reserved descriptors).
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    mc = int(config_dict(raw.call("CONFIG", "GET", "maxclients"))["maxclients"])
    if hard == resource.RLIM_INFINITY or hard >= 10032:
        assert mc == 10000
    else:
        assert 0 < mc <= 10000


def test_config_get_patterns(server, raw):
    got = config_dict(raw.call("CONFIG", "GET", "*max-*-len*"))
    assert got == {"proto-max-bulk-len": "536870912"}
    got = config_dict(raw.call("CONFIG", "GET", "port"))
    assert got == {"port": str(server.port)}
    assert raw.call("CONFIG", "GET", "nosuchparam") == []
    assert raw.call_raw("CONFIG", "GET", "nosuchparam") == b"*0\r\n"
    got = config_dict(raw.call("CONFIG", "GET", "tcp-keep*", "port"))
    assert got == {"tcp-keepalive": "300", "port": str(server.port)}
    assert error_of(raw, "CONFIG", "GET") == arity_error("config|get")


def test_config_set_roundtrip(raw):
    try:
        assert raw.call("CONFIG", "SET", "timeout", "123") == b"OK"
        assert config_dict(raw.call("CONFIG", "GET", "timeout")) == \
            {"timeout": "123"}
        # Memory units are accepted and reported in bytes.
        assert raw.call("CONFIG", "SET", "proto-max-bulk-len", "2mb") == b"OK"
        assert config_dict(raw.call("CONFIG", "GET", "proto-max-bulk-len")) == \
            {"proto-max-bulk-len": "2097152"}
        assert raw.call("CONFIG", "SET", "client-output-buffer-limit",
                        "normal 1mb 512kb 10") == b"OK"
        assert config_dict(raw.call("CONFIG", "GET",
                                    "client-output-buffer-limit")) == {
            "client-output-buffer-limit":
                "normal 1048576 524288 10 slave 268435456 67108864 60 "
                "pubsub 33554432 8388608 60"}
        # Several parameters at once (Redis 7), names case-insensitive.
        assert raw.call("CONFIG", "SET", "TCP-KEEPALIVE", "60",
                        "maxclients", "500") == b"OK"
        assert config_dict(raw.call("CONFIG", "GET", "tcp-keepalive",
                                    "maxclients")) == \
            {"tcp-keepalive": "60", "maxclients": "500"}
    finally:
        raw.call("CONFIG", "SET", "timeout", "0", "proto-max-bulk-len", "512mb",
                 "client-output-buffer-limit", "normal 0 0 0",
                 "tcp-keepalive", "300", "maxclients", "10000")
    assert config_dict(raw.call("CONFIG", "GET", "timeout")) == {"timeout": "0"}


def test_config_set_errors(raw):
    def failed(param, why):
        return ("ERR CONFIG SET failed (possibly related to argument '%s') - %s"
                % (param, why))
    assert error_of(raw, "CONFIG", "SET", "nosuch", "1") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    assert error_of(raw, "CONFIG", "SET", "timeout", "abc") == \
        failed("timeout", "argument couldn't be parsed into an integer")
    assert error_of(raw, "CONFIG", "SET", "timeout", "-1") == failed(
        "timeout", "argument must be between 0 and 2147483647 inclusive")
    assert error_of(raw, "CONFIG", "SET", "maxclients", "0") == failed(
        "maxclients", "argument must be between 1 and 4294967295 inclusive")
    assert error_of(raw, "CONFIG", "SET", "proto-max-bulk-len", "100") == failed(
        "proto-max-bulk-len",
        "argument must be between 1048576 and 9223372036854775807 inclusive")
    assert error_of(raw, "CONFIG", "SET", "protected-mode", "maybe") == failed(
        "protected-mode", "argument must be 'yes' or 'no'")
    assert error_of(raw, "CONFIG", "SET", "maxmemory-policy", "foo") == failed(
        "maxmemory-policy",
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
        "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
        "allkeys-random, noeviction")
    assert error_of(raw, "CONFIG", "SET", "daemonize", "yes") == failed(
        "daemonize", "can't set immutable config")
    assert error_of(raw, "CONFIG", "SET", "port", "1", "port", "2") == failed(
        "port", "duplicate parameter")
    assert error_of(raw, "CONFIG", "SET", "timeout") == arity_error("config|set")
    assert error_of(raw, "CONFIG", "SET", "timeout", "1", "tcp-keepalive") == \
        SYNTAX
    # A failed multi-parameter SET changes nothing.
    assert error_of(raw, "CONFIG", "SET", "timeout", "77", "maxclients", "x") \
        .startswith("ERR CONFIG SET failed")
    assert config_dict(raw.call("CONFIG", "GET", "timeout")) == {"timeout": "0"}
    assert error_of(raw, "CONFIG", "FOO") == \
        "ERR unknown subcommand 'FOO'. Try CONFIG HELP."
    assert error_of(raw, "CONFIG") == arity_error("config")


def test_config_resetstat(r, raw):
    r.set("a", 1)
    r.get("a")
    raw.call("NOSUCH")
    assert raw.call("CONFIG", "RESETSTAT") == b"OK"
    s = info(raw, "stats")["stats"]
    assert s["keyspace_hits"] == "0"
    assert s["keyspace_misses"] == "0"
    assert s["total_error_replies"] == "0"
    assert s["expired_keys"] == "0"
    assert int(s["total_commands_processed"]) <= 2
    assert error_of(raw, "CONFIG", "RESETSTAT", "x") == \
        arity_error("config|resetstat")


def test_config_rewrite_without_file(raw):
    assert error_of(raw, "CONFIG", "REWRITE") == \
        "ERR The server is running without a config file"


def test_config_rewrite(server_factory):
    conf = ("# a comment the rewrite must keep\n"
            "timeout 5\n"
            "tcp-keepalive 100\n")
    srv = server_factory(config_text=conf)
    with srv.raw() as c:
        s = info(c, "server")["server"]
        assert os.path.realpath(s["config_file"]) == \
            os.path.realpath(srv.config_path)
        assert config_dict(c.call("CONFIG", "GET", "timeout")) == {"timeout": "5"}
        assert c.call("CONFIG", "SET", "timeout", "77",
                      "client-output-buffer-limit", "normal 4mb 2mb 30") == b"OK"
        assert c.call("CONFIG", "REWRITE") == b"OK"
        assert error_of(c, "CONFIG", "REWRITE", "x") == \
            arity_error("config|rewrite")
    text = open(srv.config_path).read()
    lines = text.splitlines()
    assert "# a comment the rewrite must keep" in lines
    assert "timeout 77" in lines
    assert "timeout 5" not in lines
    assert "tcp-keepalive 100" in lines
    assert "client-output-buffer-limit normal 4mb 2mb 30" in lines
    # The rewritten file is valid: a server started on it has the values.
    # Drop the rewritten `dir` (the old server's temp dir, about to go).
    saved = "".join(l for l in open(srv.config_path).readlines()
                    if not l.startswith("dir "))
    srv.stop()
    srv2 = server_factory(config_text=saved)
    with srv2.raw() as c:
        got = config_dict(c.call("CONFIG", "GET", "timeout", "tcp-keepalive",
                                 "client-output-buffer-limit"))
        assert got["timeout"] == "77"
        assert got["tcp-keepalive"] == "100"
        assert got["client-output-buffer-limit"].startswith(
            "normal 4194304 2097152 30 ")


# --------------------------------------------------------------------------
# COMMAND
# --------------------------------------------------------------------------

with open(os.path.join(HERE, "command_ref_7.0.15.json")) as f:
    COMMAND_REF = json.load(f)


def text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [text(x) for x in v]
    return v


@pytest.mark.parametrize("name", sorted(COMMAND_REF["info"]))
def test_command_info_matches_redis(raw, name):
    got = raw.call("COMMAND", "INFO", name)
    assert len(got) == 1 and got[0] is not None, "%s missing" % name
    entry = text(got[0])
    expected = COMMAND_REF["info"][name]
    if "|" not in name and len(entry) == 10 and entry[9]:
        # A container: compare its own fields; subcommands have their own
        # entries (and must be present among its subcommands).
        subs = {s[0] for s in entry[9]}
        wanted = {n for n in COMMAND_REF["info"] if n.startswith(name + "|")}
        assert wanted <= subs
        entry = entry[:9]
    if len(entry) > 8:
        entry[8] = [strip_prose(ks) for ks in entry[8]]
    assert entry == expected


@pytest.mark.parametrize("name", sorted(COMMAND_REF["docs"]))
def test_command_docs_matches_redis(raw, name):
    got = text(raw.call("COMMAND", "DOCS", name))
    assert got[0] == name
    d = got[1]
    if "subcommands" in d:
        d = d[:d.index("subcommands")]
    # the summary is ours (in our words), but it must be there
    assert d[0] == "summary" and len(d[1]) > 10
    assert strip_prose(d) == COMMAND_REF["docs"][name]


def test_command_info_several_and_unknown(raw):
    got = raw.call("COMMAND", "INFO", "get", "nosuchcmd", "SET")
    assert [g[0] if g else None for g in got] == [b"get", None, b"set"]
    # Redis 7.0: COMMAND INFO without names lists every command.
    assert len(raw.call("COMMAND", "INFO")) == raw.call("COMMAND", "COUNT")
    assert raw.call("COMMAND", "DOCS", "nosuchcmd") == []


def test_command_count_list_and_all(raw):
    count = raw.call("COMMAND", "COUNT")
    everything = raw.call("COMMAND")
    assert len(everything) == count
    names = {e[0] for e in everything}
    for n in COMMAND_REF["info"]:
        if "|" not in n:
            assert n.encode() in names
    listed = raw.call("COMMAND", "LIST")
    # COMMAND LIST includes subcommands as parent|sub.
    assert set(listed) >= names
    assert set(listed) >= {n.encode() for n in COMMAND_REF["info"]}
    assert len(listed) == len(set(listed))
    assert error_of(raw, "COMMAND", "COUNT", "x") == arity_error("command|count")


def test_command_list_filterby(raw):
    got = raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "getr*")
    assert got == [b"getrange"]
    got = set(raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "object|*"))
    assert got >= {b"object|encoding", b"object|freq", b"object|help",
                   b"object|idletime", b"object|refcount"}
    strings = set(raw.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"))
    assert {b"get", b"set", b"lcs", b"incrbyfloat", b"substr"} <= strings
    assert b"del" not in strings
    assert raw.call("COMMAND", "LIST", "FILTERBY", "MODULE", "nomod") == []
    assert error_of(raw, "COMMAND", "LIST", "FILTERBY", "FOO", "x") == SYNTAX
    assert error_of(raw, "COMMAND", "LIST", "FILTERBY") == SYNTAX
    assert error_of(raw, "COMMAND", "LIST", "x") == SYNTAX


@pytest.mark.parametrize("cmd,keys", [
    (["GET", "a"], [b"a"]),
    (["SET", "a", "b", "EX", "10"], [b"a"]),
    (["MSET", "a", "1", "b", "2"], [b"a", b"b"]),
    (["MGET", "a", "b", "c"], [b"a", b"b", b"c"]),
    (["LCS", "a", "b"], [b"a", b"b"]),
    (["COPY", "a", "b", "DB", "1"], [b"a", b"b"]),
    (["RENAME", "a", "b"], [b"a", b"b"]),
    (["DEL", "a", "b", "c"], [b"a", b"b", b"c"]),
    (["EXPIRE", "k", "10", "NX"], [b"k"]),
    (["OBJECT", "ENCODING", "k"], [b"k"]),
    (["MSETNX", "x", "1"], [b"x"]),
])
def test_command_getkeys(raw, cmd, keys):
    assert raw.call("COMMAND", "GETKEYS", *cmd) == keys


def test_command_getkeys_errors(raw):
    assert error_of(raw, "COMMAND", "GETKEYS", "PING", "x") == \
        "ERR The command has no key arguments"
    assert error_of(raw, "COMMAND", "GETKEYS", "OBJECT", "HELP") == \
        "ERR The command has no key arguments"
    assert error_of(raw, "COMMAND", "GETKEYS", "NOSUCH", "a") == \
        "ERR Invalid command specified"
    assert error_of(raw, "COMMAND", "GETKEYS", "GET", "a", "b") == \
        "ERR Invalid number of arguments specified for command"
    assert error_of(raw, "COMMAND", "GETKEYS", "MSET", "a") == \
        "ERR Invalid number of arguments specified for command"
    assert error_of(raw, "COMMAND", "GETKEYS", "GET") == \
        arity_error("command|getkeys")
    assert error_of(raw, "COMMAND", "FOO") == \
        "ERR unknown subcommand 'FOO'. Try COMMAND HELP."


# --------------------------------------------------------------------------
# AUTH, requirepass, HELLO
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def auth_server(module_server_factory):
    return module_server_factory(requirepass="s3cret")


def test_noauth_before_auth(auth_server):
    with auth_server.raw() as c:
        assert error_of(c, "PING") == NOAUTH
        assert error_of(c, "GET", "x") == NOAUTH
        assert error_of(c, "CLIENT", "ID") == NOAUTH
        assert error_of(c, "SELECT", "1") == NOAUTH
        # Unknown commands and arity errors are reported before auth.
        assert error_of(c, "NOSUCH") == \
            "ERR unknown command 'NOSUCH', with args beginning with: "
        assert error_of(c, "GET") == arity_error("get")


def test_auth_with_requirepass(auth_server):
    with auth_server.raw() as c:
        assert error_of(c, "AUTH", "wrong") == WRONGPASS
        assert error_of(c, "AUTH", "default", "wrong") == WRONGPASS
        assert error_of(c, "AUTH", "nouser", "s3cret") == WRONGPASS
        assert error_of(c, "PING") == NOAUTH
        assert c.call("AUTH", "s3cret") == b"OK"
        assert c.call("PING") == b"PONG"
        # A failed AUTH does not undo an earlier success.
        assert error_of(c, "AUTH", "wrong") == WRONGPASS
        assert c.call("PING") == b"PONG"
        assert error_of(c, "AUTH", "a", "b", "c") == SYNTAX
        assert error_of(c, "AUTH") == arity_error("auth")
    with auth_server.raw() as c:
        assert c.call("AUTH", "default", "s3cret") == b"OK"
        assert c.call("SET", "k", "v") == b"OK"
    r = auth_server.client(password="s3cret")
    assert r.get("k") == b"v"
    r.close()


def test_reset_deauthenticates(auth_server):
    with auth_server.raw() as c:
        assert c.call("AUTH", "s3cret") == b"OK"
        assert c.call("RESET") == b"RESET"
        assert error_of(c, "PING") == NOAUTH


def test_auth_via_inline_command(auth_server):
    with auth_server.raw() as c:
        c.send_raw(b"AUTH s3cret\r\nPING\r\n")
        assert c.read() == b"OK"
        assert c.read() == b"PONG"


def test_requirepass_set_at_runtime(server_factory):
    srv = server_factory()
    with srv.raw() as admin:
        assert admin.call("CONFIG", "SET", "requirepass", "pw") == b"OK"
        # The connection that set it stays authenticated.
        assert admin.call("PING") == b"PONG"
        with srv.raw() as c:
            assert error_of(c, "PING") == NOAUTH
            assert c.call("AUTH", "pw") == b"OK"
        assert admin.call("CONFIG", "SET", "requirepass", "") == b"OK"
        with srv.raw() as c:
            assert c.call("PING") == b"PONG"


def test_auth_without_requirepass(raw):
    assert error_of(raw, "AUTH", "pw") == (
        "ERR AUTH <password> called without any password configured for the "
        "default user. Are you sure your configuration is correct?")
    assert error_of(raw, "AUTH", "nouser", "pw") == WRONGPASS
    # The default user has no password: any password works for it.
    assert raw.call("AUTH", "default", "anything") == b"OK"


HELLO_NOAUTH = ("NOAUTH HELLO must be called with the client already "
                "authenticated, otherwise the HELLO AUTH <user> <pass> option "
                "can be used to authenticate the client and select the RESP "
                "protocol version at the same time")


def hello_fields(reply):
    if reply.__class__.__name__ == "Map":
        return {k.decode(): v for k, v in reply}
    it = iter(reply)
    return {k.decode(): v for k, v in zip(it, it)}


def test_hello_2_and_3(server, raw):
    rep = raw.call("HELLO")
    assert isinstance(rep, list) and rep.__class__.__name__ != "Map"
    f = hello_fields(rep)
    assert list(f) == ["server", "version", "proto", "id", "mode", "role",
                       "modules"]
    assert f["proto"] == 2
    assert f["id"] == raw.call("CLIENT", "ID")
    assert f["mode"] == b"standalone"
    assert f["role"] == b"master"
    assert f["modules"] == []
    assert re.fullmatch(rb"\d+\.\d+\.\d+", f["version"])
    with server.raw() as c:
        rep = c.call("HELLO", "3")
        assert rep.__class__.__name__ == "Map"
        f = hello_fields(rep)
        assert f["proto"] == 3
        assert c.call_raw("GET", "nokey") == b"_\r\n"
        f = hello_fields(c.call("HELLO", "2"))
        assert f["proto"] == 2
        assert c.call_raw("GET", "nokey") == b"$-1\r\n"


def test_hello_setname_and_auth(server, auth_server):
    with server.raw() as c:
        f = hello_fields(c.call("HELLO", "3", "SETNAME", "conn-a"))
        assert f["proto"] == 3
        assert c.call("CLIENT", "GETNAME") == b"conn-a"
        # Any password works for the passwordless default user.
        assert hello_fields(c.call("HELLO", "2", "AUTH", "default", "x"))[
            "proto"] == 2
    with auth_server.raw() as c:
        assert error_of(c, "HELLO") == HELLO_NOAUTH
        assert error_of(c, "HELLO", "3") == HELLO_NOAUTH
        assert error_of(c, "HELLO", "3", "SETNAME", "x") == HELLO_NOAUTH
        assert error_of(c, "HELLO", "3", "AUTH", "default", "bad") == WRONGPASS
        assert error_of(c, "PING") == NOAUTH
        f = hello_fields(c.call("HELLO", "3", "AUTH", "default", "s3cret",
                                "SETNAME", "authed"))
        assert f["proto"] == 3
        assert c.call("PING") == b"PONG"
        assert c.call("CLIENT", "GETNAME") == b"authed"


def test_hello_errors(raw):
    assert error_of(raw, "HELLO", "4") == "NOPROTO unsupported protocol version"
    assert error_of(raw, "HELLO", "1") == "NOPROTO unsupported protocol version"
    assert error_of(raw, "HELLO", "x") == \
        "ERR Protocol version is not an integer or out of range"
    assert error_of(raw, "HELLO", "3", "AUTH", "default") == \
        "ERR Syntax error in HELLO option 'AUTH'"
    assert error_of(raw, "HELLO", "3", "SETNAME") == \
        "ERR Syntax error in HELLO option 'SETNAME'"
    assert error_of(raw, "HELLO", "3", "FOO") == \
        "ERR Syntax error in HELLO option 'FOO'"
    assert error_of(raw, "HELLO", "3", "SETNAME", "a b") == \
        "ERR Client names cannot contain spaces, newlines or special characters."
    # A failed HELLO leaves the protocol alone.
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"


# --------------------------------------------------------------------------
# Listener settings: maxclients, timeout, protected-mode, unixsocket
# --------------------------------------------------------------------------

def test_maxclients(server_factory):
    srv = server_factory(maxclients=3)
    conns = [srv.raw() for _ in range(3)]
    for c in conns:
        assert c.call("PING") == b"PONG"
    extra = srv.raw()
    data = extra.read_until_closed(5)
    assert data == b"-ERR max number of clients reached\r\n"
    extra.close()
    s = info(conns[0], "stats")["stats"]
    assert s["rejected_connections"] == "1"
    conns[2].close()
    time.sleep(0.2)
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
    for c in conns[:2]:
        c.close()


def test_idle_timeout(server_factory):
    srv = server_factory(timeout=1)
    idle = srv.raw()
    busy = srv.raw()
    assert idle.call("PING") == b"PONG"
    t = time.monotonic()
    while time.monotonic() - t < 3.5:
        assert busy.call("PING") == b"PONG"
        time.sleep(0.2)
    assert idle.is_closed(1)
    assert busy.call("PING") == b"PONG"
    idle.close()
    busy.close()


@pytest.mark.kernel_only("loopback source addresses")
def test_protected_mode_denies_non_loopback_source(server_factory):
    # 127.0.0.2 is still loopback on the wire, but it is not 127.0.0.1/::1,
    # which is all protected mode lets in when no password is set.
    srv = server_factory(**{"protected-mode": "yes"})
    c = resp.Conn(srv.host, srv.port, source="127.0.0.2")
    data = c.read_until_closed(5)
    c.close()
    assert data.startswith(b"-DENIED Redis is running in protected mode")
    with srv.raw() as ok:
        assert ok.call("PING") == b"PONG"
    srv2 = server_factory(**{"protected-mode": "no"})
    with resp.Conn(srv2.host, srv2.port, source="127.0.0.2") as c:
        assert c.call("PING") == b"PONG"
    srv3 = server_factory(**{"protected-mode": "yes", "requirepass": "pw"})
    with resp.Conn(srv3.host, srv3.port, source="127.0.0.2") as c:
        assert error_of(c, "PING") == NOAUTH


@pytest.mark.kernel_only("the Unix socket")
def test_unixsocket(server_factory, tmp_path):
    path = str(tmp_path / "s.sock")
    srv = server_factory(unixsocket=path, unixsocketperm=700)
    c = redis.Redis(unix_socket_path=path)
    assert c.set("k", "over-unix") is True
    assert c.get("k") == b"over-unix"
    tcp = srv.client()
    assert tcp.get("k") == b"over-unix"  # same data on both transports
    with resp.Conn(unix=path) as u:
        f = client_fields(u.call("CLIENT", "INFO"))
        assert f["addr"] == path + ":0"
        assert f["laddr"] == path + ":0"
        assert u.call("CONFIG", "GET", "unixsocket") == [b"unixsocket",
                                                          path.encode()]
        assert (os.stat(path).st_mode & 0o777) == 0o700
    c.close()
    tcp.close()


# --------------------------------------------------------------------------
# SHUTDOWN and signals
# --------------------------------------------------------------------------

@pytest.mark.parametrize("args", [[], ["NOSAVE"], ["NOSAVE", "NOW", "FORCE"]])
def test_shutdown_exits(server_factory, args):
    srv = server_factory()
    c = srv.raw()
    c.send("SHUTDOWN", *args)
    data = c.read_until_closed(10)
    assert data == b""  # no reply: the connection just closes
    c.close()
    assert srv.wait_exit(10), "server still running after SHUTDOWN"
    assert srv.proc.returncode == 0


def test_shutdown_errors(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert error_of(c, "SHUTDOWN", "FOO") == SYNTAX
        assert error_of(c, "SHUTDOWN", "ABORT") == "ERR No shutdown in progress."
        assert error_of(c, "SHUTDOWN", "ABORT", "NOSAVE") == SYNTAX
        assert c.call("PING") == b"PONG"
    assert srv.alive()


def test_shutdown_requires_auth(server_factory):
    srv = server_factory(requirepass="pw")
    with srv.raw() as c:
        assert error_of(c, "SHUTDOWN") == NOAUTH
    assert srv.alive()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly(server_factory, sig):
    srv = server_factory()
    with srv.raw() as c:
        assert c.call("SET", "k", "v") == b"OK"
        srv.proc.send_signal(sig)
        assert srv.wait_exit(10), "server still running after %s" % sig
        assert c.is_closed(3)
    assert srv.proc.returncode == 0


# --------------------------------------------------------------------------
# DEBUG
# --------------------------------------------------------------------------

def test_debug_sleep(raw):
    t = time.monotonic()
    assert raw.call("DEBUG", "SLEEP", "0") == b"OK"
    assert time.monotonic() - t < 1
    t = time.monotonic()
    assert raw.call("DEBUG", "SLEEP", "0.3") == b"OK"
    assert time.monotonic() - t >= 0.28


def test_debug_set_active_expire(raw):
    assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"


def test_debug_errors(raw):
    assert error_of(raw, "DEBUG", "NOSUCHSUB") == (
        "ERR unknown subcommand or wrong number of arguments for "
        "'NOSUCHSUB'. Try DEBUG HELP.")
    assert error_of(raw, "DEBUG") == arity_error("debug")
