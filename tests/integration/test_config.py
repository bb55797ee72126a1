"""Drop-in configuration: a Redis user's redis.conf works unchanged, and
CONFIG answers as Redis 7.0.15 does.

Most tests run Debian's redis-server 7.0.15 beside the server under test
(reference_factory) and compare: the names CONFIG GET * lists and every
default, the reply to CONFIG SET of a sample of values of every type (errors
word for word, accepted values as CONFIG GET then shows them), start-up
errors, rename-command, include and CONFIG REWRITE. Then: starting on
Debian's own /etc/redis/redis.conf, and on a configuration using every
directive of Redis's Tcl suite configuration (tests/assets/default.conf).
"""

import os
import re
import subprocess

import pytest

import resp
from conftest import IS_REDIS, REDIS_BIN, SERVER_BIN
from util import error_of

pytestmark = pytest.mark.kernel_only(
    "starts servers with exact command lines on loopback, beside redis-server")

# Parameters Slipstream has and Redis does not (docs/configuration.md).
SLIPSTREAM_ONLY = set() if IS_REDIS else {
    "workers", "shards", "busy-poll", "dpdk-args", "dataplane-port", "dataplane-ip",
    "dataplane-gateway", "dataplane-mtu", "dataplane-mac", "dataplane-fault-drop",
    "dataplane-fault-dup", "dataplane-fault-reorder", "dataplane-fault-delay",
    "dataplane-fault-corrupt", "dataplane-fault-delay-us", "dataplane-fault-seed"}

# Redis 7.0's hidden parameters: CONFIG GET answers them by exact name only
# (the last one is Debian's, from its security fixes to 7.0.15).
HIDDEN = ["use-exit-on-panic", "rdb-key-save-delay", "key-load-delay", "watchdog-period",
          "loading-process-events-interval-bytes", "lua-enable-deprecated-api"]

# Values that depend on the process, not on the implementation.
PER_PROCESS = {"port", "dir", "pidfile", "logfile"}


def config_all(conn, pattern="*"):
    reply = conn.call("CONFIG", "GET", pattern)
    if isinstance(reply, resp.Map):
        pairs = list(reply)
    else:
        it = iter(reply)
        pairs = list(zip(it, it))
    return {k.decode(): v.decode() for k, v in pairs}


def text(v):
    if isinstance(v, resp.RespError):
        return "-" + v.message
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [text(x) for x in v]
    return v


# --------------------------------------------------------------------------
# CONFIG GET
# --------------------------------------------------------------------------

def test_config_get_star_has_every_redis_parameter(server_factory, reference_factory):
    ours, ref = server_factory(), reference_factory()
    with ours.raw() as a, ref.raw() as b:
        got, want = config_all(a), config_all(b)
        assert len(want) == 192  # Redis 7.0.15 as Debian builds it (with TLS)
        assert set(got) - SLIPSTREAM_ONLY == set(want)
        # every default is Redis's (both got the same command line)
        for name in sorted(set(want) - PER_PROCESS - {"maxclients"}):
            assert got[name] == want[name], name
        # hidden ones answer by exact name only, with Redis's defaults
        for name in HIDDEN:
            assert name not in got
            assert config_all(a, name) == config_all(b, name) != {}
        # patterns, aliases and case as Redis matches them
        for pat in ("*max*", "slave-*", "*ZIPLIST*", "[st]*", "tls-*-file", "maxmemory?*"):
            ours_only = {k: v for k, v in config_all(a, pat).items() if k not in SLIPSTREAM_ONLY}
            assert ours_only == config_all(b, pat), pat
        # an exact name is answered as typed
        assert config_all(a, "Slave-Read-Only") == config_all(b, "Slave-Read-Only") == \
            {"Slave-Read-Only": "yes"}


# --------------------------------------------------------------------------
# CONFIG SET: the same reply as Redis for a sample of every type
# --------------------------------------------------------------------------

# A sample of values: malformed and well-formed numbers, units, percents,
# booleans, enum names, multi-argument forms, strings.
PROBES = [
    "", "abc", "-1", "0", "1", "2", "8", "300", "777", "0777", "007", "+1", " 1", "1.5",
    "0x10", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
    "-9223372036854775808", "18446744073709551615", "99999999999999999999",
    "yes", "no", "YES", "maybe", "100%", "50%", "101%", "-5%", "1%", "1k", "1kb", "1mb",
    "1gb", "5GB", "3t", "everysec", "always", "local", "allkeys-lfu", "volatile-ttl",
    "relative", "absolute", "clients", "swapdb", "panic", "optional", "hostname",
    "save", "save nosave", "now force", "nosave now", "default", "KEA", "Ex", "gz$",
    "normal 1mb 2mb 3", "replica 1 1 1", "pubsub 1 1 -1", "master 0 0 0", "slave 1gb 0 0",
    "normal 1 2", "60 1 300 10", "0 1", "60 -1", "60  1", "1 2 3", "0 200 800",
    "-3000 0 0", "1 2", "50 99.9", "101", "50 abc", "{title}", "{port}", "{nope}",
    "{{x}", "{listen-addr} x", "host-name.x", "bad_host", "a/b", "x.rdb", "no one",
    "localhost 99999",
]

# Parameters whose values change how the servers listen or authenticate;
# they are not applied live the same way on purpose (docs/configuration.md:
# bind and port are start-up only in Slipstream).
SKIP = {"port", "bind", "requirepass"}

# Values that would make redis-server act on the test's own connection or
# the machine (client eviction of the test client, raising the fd limit to
# billions); those parameters get only these probes.
PROBES_FOR = {
    "maxmemory-clients": ["", "abc", "-1", "0", "101%", "-5%", "50%", "1gb", "5GB",
                          "18446744073709551615", "99999999999999999999", "1.5"],
    "maxclients": ["", "abc", "-1", "0", "1.5", "4294967296", "18446744073709551615",
                   "500", "10000"],
}

# Redis applies these with TLS, which Slipstream does not have: Redis's
# reply is this error, Slipstream accepts the value.
TLS_APPLY_ERROR = "-ERR CONFIG SET failed (possibly related to argument '%s') - " \
                  "Unable to update TLS configuration. Check server logs."


def test_config_set_replies_match_redis(server_factory, reference_factory):
    ours, ref = server_factory(), reference_factory()
    with ours.raw() as a, ref.raw() as b:
        orig_a, orig_b = config_all(a), config_all(b)
        names = sorted(set(orig_b) | set(HIDDEN))
        for name in HIDDEN:
            orig_a.update(config_all(a, name))
            orig_b.update(config_all(b, name))
        compared = 0
        for name in names:
            if name in SKIP:
                continue
            for value in PROBES_FOR.get(name, PROBES):
                ra = text(a.call("CONFIG", "SET", name, value))
                rb = text(b.call("CONFIG", "SET", name, value))
                where = "CONFIG SET %s %r" % (name, value)
                if rb == TLS_APPLY_ERROR % name and not IS_REDIS:
                    assert ra == "OK", where
                else:
                    assert ra == rb, where
                    if ra == "OK":
                        assert config_all(a, name) == config_all(b, name), where
                if ra == "OK":
                    assert a.call("CONFIG", "SET", name, orig_a[name]) == b"OK", where
                if rb == "OK":
                    assert b.call("CONFIG", "SET", name, orig_b[name]) == b"OK", where
                compared += 1
        assert compared > 15000
        # everything is back as it was
        assert config_all(a) == {k: v for k, v in orig_a.items() if k not in HIDDEN}


def test_config_set_several_all_or_nothing(server_factory, reference_factory):
    ours, ref = server_factory(), reference_factory()
    cases = [
        # the first unknown name wins, unless a refused one came before it
        ("timeout", "5", "nosuch", "1", "maxclients", "x"),
        ("daemonize", "yes", "nosuch", "1"),
        ("nosuch", "1", "daemonize", "yes"),
        ("timeout", "5", "TIMEOUT", "6"),                  # duplicate, as typed
        ("hash-max-ziplist-entries", "100", "hash-max-listpack-entries", "200"),
        ("hash-max-listpack-entries", "100", "hash-max-listpack-entries", "200"),
        ("dbfilename", "x.rdb", "timeout", "5"),           # protected
        ("timeout", "77", "maxmemory", "1x", "hz", "20"),  # a bad value: nothing changes
        ("timeout", "77", "save", "1 2 3"),
        ("timeout", "77", "lua-time-limit", "-1"),
        ("timeout", "77", "maxmemory-policy", "allkeys-lru", "hz", "20"),
        ("timeout",),
        ("timeout", "1", "tcp-keepalive"),
    ]
    watched = ("timeout", "maxmemory", "hz", "save", "maxmemory-policy",
               "hash-max-listpack-entries", "busy-reply-threshold", "dbfilename")
    with ours.raw() as a, ref.raw() as b:
        for args in cases:
            assert text(a.call("CONFIG", "SET", *args)) == \
                text(b.call("CONFIG", "SET", *args)), args
            for w in watched:
                assert config_all(a, w) == config_all(b, w), (args, w)


# --------------------------------------------------------------------------
# the command line: more lines after the file's
# --------------------------------------------------------------------------

@pytest.mark.parametrize("conf,args", [
    ("save 900 1\n", ["--save", "60", "1", "--save", "300 10"]),   # save lines add up
    ("save 900 1\n", ["--save"]),                                # last and empty: save ""
    ("", ["--save", "--timeout", "7"]),                          # empty, then an option
    ("", ["--maxmemory 2mb", "--hz", "50"]),                     # name and value in one
    ("timeout 1\n", ["--timeout", "2"]),                         # the last one wins
    ("", ["--client-output-buffer-limit", "normal 1mb 1mb 1 pubsub 2mb 2mb 2"]),
    ("", ["--notify-keyspace-events", "Kx", "--slave-read-only", "no"]),
    ("", ["--oom-score-adj-values", "1 2 3", "--latency-tracking-info-percentiles", "9"]),
])
def test_command_line_as_redis(server_factory, reference_factory, conf, args):
    names = ("save", "timeout", "maxmemory", "hz", "client-output-buffer-limit",
             "notify-keyspace-events", "replica-read-only", "oom-score-adj-values",
             "latency-tracking-info-percentiles")
    ours = server_factory(config_text=conf, plain=True, bind="127.0.0.1", extra_args=args)
    ref = reference_factory(config_text=conf, plain=True, bind="127.0.0.1", extra_args=args)
    with ours.raw() as a, ref.raw() as b:
        for n in names:
            assert config_all(a, n) == config_all(b, n), n


# --------------------------------------------------------------------------
# start-up errors: Redis's text, on standard error, exit status 1
# --------------------------------------------------------------------------

def run_to_exit(binary, args, cwd):
    p = subprocess.run([binary] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stderr.decode()


@pytest.mark.parametrize("conf,args", [
    ("port 7000\nfoo bar\n", []),
    ("# c\n\nmaxmemory abc\n", []),
    ("port 1 2\n", []),
    ("save 0 1\n", []),
    ('requirepass "unbalanced\n', []),
    ("rename-command nosuchcmd x\n", []),
    ("rename-command get set\n", []),
    ("hz 10\n", ["--maxmemory", "1x"]),
    ("hz 10\n", ["--nosuch", "1"]),
    ("", ["--port", "1", "2"]),
    ("", ["--client-output-buffer-limit", "normal 1mb 1mb 1", "pubsub 2mb 2mb 2"]),
    ("", ["--save", "60"]),
    ("client-output-buffer-limit normal 1 2\n", []),
    ("loglevel nothing\n", []),
    ("appendfilename a/b\n", []),
    ("logfile /nonexistent-dir/x.log\n", []),
    ("include nested.conf\n", []),
    ("dir /nonexistent-dir\n", []),
    ("notify-keyspace-events\n", []),
    ("sentinel monitor m 127.0.0.1 6379 2\n", []),
])
def test_start_up_errors_match_redis(tmp_path, conf, args):
    (tmp_path / "nested.conf").write_text("timeout 1\nmaxclients 0\n")
    (tmp_path / "s.conf").write_text(conf)
    got = run_to_exit(SERVER_BIN, [str(tmp_path / "s.conf")] + args, tmp_path)
    want = run_to_exit(REDIS_BIN, [str(tmp_path / "s.conf")] + args, tmp_path)
    assert want[0] == 1 and got == want


def test_start_up_missing_file(tmp_path):
    # (Redis logs this one to standard output)
    p = subprocess.run([SERVER_BIN, "nope.conf"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    assert p.returncode == 1
    assert "Fatal error, can't open config file '%s': No such file or directory" \
        % (tmp_path / "nope.conf") in p.stdout.decode()


# --------------------------------------------------------------------------
# starting on real configurations
# --------------------------------------------------------------------------

DEBIAN_CONF = "/etc/redis/redis.conf"


@pytest.mark.skipif(not os.path.exists(DEBIAN_CONF), reason="no " + DEBIAN_CONF)
def test_starts_on_debian_redis_conf(server_factory, reference_factory, tmp_path):
    def overrides(tag):
        d = tmp_path / tag
        d.mkdir()
        return dict(dir=str(d), logfile=str(d / "log"), daemonize="no",
                    pidfile=str(d / "pid"))
    ours = server_factory(plain=True, config_path=DEBIAN_CONF, **overrides("ours"))
    ref = reference_factory(plain=True, config_path=DEBIAN_CONF, **overrides("ref"))
    with ours.raw() as a, ref.raw() as b:
        assert a.call("SET", "k", "v") == b"OK" and a.call("GET", "k") == b"v"
        got, want = config_all(a), config_all(b)
        assert set(got) - SLIPSTREAM_ONLY == set(want)
        for name in sorted(set(want) - PER_PROCESS - {"maxclients"}):
            assert got[name] == want[name], name
        assert got["dir"] == str(tmp_path / "ours")
        assert got["daemonize"] == "no" and got["logfile"] == str(tmp_path / "ours" / "log")
    log = (tmp_path / "ours" / "log").read_text()
    assert "Ready to accept connections" in log
    assert (tmp_path / "ours" / "pid").read_text().strip() == str(ours.pid)


# Every directive (and value) of Redis's tests/assets/default.conf, the
# configuration its Tcl suite starts servers on, written out here in our own
# arrangement; pidfile and port are overridden on the command line.
TCL_SUITE_CONF = """\
# the directives Redis's Tcl suite starts its servers with
port 6379
bind 127.0.0.1
timeout 0
daemonize no
pidfile /var/run/redis.pid
databases 16
dir ./
logfile ''
loglevel verbose
always-show-logo yes

# persistence
save 900 1
dbfilename dump.rdb
rdbcompression yes
appendonly no
appendfsync everysec
no-appendfsync-on-rewrite no

# replication and propagation (an alias among them)
slave-serve-stale-data yes
repl-diskless-sync-delay 0
propagation-error-behavior panic

# monitoring and notifications
latency-monitor-threshold 1
notify-keyspace-events KEA
activerehashing yes

enable-protected-configs yes
enable-debug-command yes
enable-module-command yes
"""


def test_starts_on_tcl_suite_directives(server_factory, reference_factory, tmp_path):
    ours = server_factory(config_text=TCL_SUITE_CONF, plain=True,
                          pidfile=str(tmp_path / "ours.pid"))
    ref = reference_factory(config_text=TCL_SUITE_CONF, plain=True,
                            pidfile=str(tmp_path / "ref.pid"))
    with ours.raw() as a, ref.raw() as b:
        got, want = config_all(a), config_all(b)
        assert set(got) - SLIPSTREAM_ONLY == set(want)
        for name in sorted(set(want) - PER_PROCESS - {"maxclients"}):
            assert got[name] == want[name], name
        assert got["notify-keyspace-events"] == "AKE"
        assert got["save"] == "900 1" and got["slave-serve-stale-data"] == "yes"
        assert got["propagation-error-behavior"] == "panic"
        assert got["enable-module-command"] == "yes"
        assert os.path.realpath(got["dir"]) == os.path.realpath(ours.dir)
        assert a.call("DEBUG", "SLEEP", "0") == b"OK"  # enable-debug-command yes
        # enable-protected-configs yes
        assert a.call("CONFIG", "SET", "dbfilename", "other.rdb") == b"OK"
    assert (tmp_path / "ours.pid").read_text().strip() == str(ours.pid)


@pytest.mark.skipif(IS_REDIS, reason="Slipstream's start-up log")
def test_not_yet_effective_parameters_are_logged_once(server_factory):
    srv = server_factory(replica_priority="50", masterauth="secret", activerehashing="no")
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
    log = srv.log_tail(100000)
    assert log.count("Config 'replica-priority' is set to '50'") == 1
    assert "Config 'activerehashing' is set to 'no'" in log
    assert "Config 'masterauth' is set to '(hidden)'" in log and "secret" not in log
    # effective parameters and defaults are not reported
    assert "Config 'save'" not in log  # effective: the harness's save "" is not inert
    assert "'timeout'" not in log and "'appendonly'" not in log


# --------------------------------------------------------------------------
# include
# --------------------------------------------------------------------------

def test_include_nested_relative_and_glob(server_factory, reference_factory, tmp_path):
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (tmp_path / "empty.d").mkdir()
    # a relative include is relative to the working directory, which `dir`
    # changes at once (here inside an included file)
    (tmp_path / "a.conf").write_text("timeout 11\ndir %s\ninclude b.conf\n" % tmp_path)
    (tmp_path / "b.conf").write_text("tcp-keepalive 22\nmaxmemory 3mb\n")
    (conf_d / "1.conf").write_text("hz 33\n")
    (conf_d / "2.conf").write_text("hz 34\nslowlog-max-len 44\n")
    main = ("# main\n"
            "include %s/a.conf\n"
            "include conf.d/*.conf\n"
            "include empty.d/*.conf\n"
            "timeout 12\n" % tmp_path)
    ours = server_factory(config_text=main)
    ref = reference_factory(config_text=main)
    names = ("timeout", "tcp-keepalive", "maxmemory", "hz", "slowlog-max-len", "dir")
    with ours.raw() as a, ref.raw() as b:
        for n in names:
            assert config_all(a, n) == config_all(b, n), n
        assert config_all(a, "timeout") == {"timeout": "12"}
        assert config_all(a, "hz") == {"hz": "34"}
        assert config_all(a, "tcp-keepalive") == {"tcp-keepalive": "22"}


def test_include_error_names_the_included_line(tmp_path):
    (tmp_path / "inc.conf").write_text("# inc\ntimeout 1\nmaxmemory lots\n")
    (tmp_path / "s.conf").write_text("hz 10\ninclude inc.conf\n")
    got = run_to_exit(SERVER_BIN, [str(tmp_path / "s.conf")], tmp_path)
    want = run_to_exit(REDIS_BIN, [str(tmp_path / "s.conf")], tmp_path)
    assert want[0] == 1 and got == want
    assert ">>> 'maxmemory lots'" in got[1] and "at line 3" in got[1]


# --------------------------------------------------------------------------
# rename-command
# --------------------------------------------------------------------------

RENAMES = ("rename-command config zzconfig\n"
           "rename-command flushall \"\"\n"
           "rename-command GET Fetch\n"
           "rename-command fetch get2\n")


def test_rename_command_as_redis(server_factory, reference_factory, raw):
    ours = server_factory(config_text=RENAMES)
    ref = reference_factory(config_text=RENAMES)
    def norm(v):
        # Redis lists a container's subcommands in its dict's order
        if isinstance(v, list) and len(v) == 10 and isinstance(v[9], list):
            return v[:9] + [sorted(v[9])]
        return [norm(x) for x in v] if isinstance(v, list) else v

    with ours.raw() as a, ref.raw() as b:
        def same(*args):
            ra, rb = norm(text(a.call(*args))), norm(text(b.call(*args)))
            assert ra == rb, args
            return ra
        assert same("SET", "k", "v") == "OK"
        assert same("GET2", "k") == "v"
        same("GET", "k")
        same("FETCH", "k")
        same("get2")                      # arity error names 'get'
        same("FLUSHALL")
        same("CONFIG", "GET", "port")
        same("ZZCONFIG", "GET", "hz")
        same("zzconfig", "nosuch")        # unknown subcommand: "Try ZZCONFIG HELP."
        same("ZZCONFIG", "SET", "hz", "15")
        same("COMMAND", "INFO", "get2", "get", "zzconfig", "config", "flushall",
             "zzconfig|get", "config|get")
        # (Slipstream's summaries are its own: compare the names)
        da, db = text(a.call("COMMAND", "DOCS", "get2", "get", "flushall")), \
            text(b.call("COMMAND", "DOCS", "get2", "get", "flushall"))
        assert da[::2] == db[::2] == ["get"]
        same("COMMAND", "GETKEYS", "get2", "x")
        same("COMMAND", "GETKEYS", "get", "x")
        # listings: by the commands' own names, the removed one left out
        la = set(text(a.call("COMMAND", "LIST")))
        lb = set(text(b.call("COMMAND", "LIST")))
        for n in ("get", "config", "config|get", "flushall", "get2", "zzconfig"):
            assert (n in la) == (n in lb), n
        assert "flushall" not in la and "get" in la
        names_a = {e[0] for e in text(a.call("COMMAND"))}
        assert "flushall" not in names_a and "get" in names_a and "config" in names_a
        docs_a = a.call("COMMAND", "DOCS")
        docs_a = dict(docs_a) if isinstance(docs_a, resp.Map) else \
            dict(zip(docs_a[::2], docs_a[1::2]))
        assert b"flushall" not in docs_a and b"get" in docs_a
        # one name fewer: flushall is gone, the others only moved
        full = raw.call("COMMAND", "COUNT")
        assert a.call("COMMAND", "COUNT") == full - 1
        assert a.call("COMMAND", "COUNT") == len(names_a) == len(docs_a)
        assert b.call("COMMAND", "COUNT") == len({e[0] for e in text(b.call("COMMAND"))})


# --------------------------------------------------------------------------
# CONFIG REWRITE
# --------------------------------------------------------------------------

REWRITE_CONF = """\
# top comment, kept
   # an indented comment (Redis trims it)
bind 127.0.0.1
save ""
slave-read-only yes
timeout 5
timeout 6
hz 10
logfile ""
rename-command flushdb ""


# another comment after blank lines
unixsocket ""
maxmemory-policy allkeys-lru
client-output-buffer-limit pubsub 32mb 8mb 60
enable-debug-command yes
"""


def rewrite_of(srv, sets):
    with srv.raw() as c:
        for s in sets:
            assert c.call("CONFIG", "SET", *s) == b"OK", s
        assert c.call("CONFIG", "REWRITE") == b"OK"
    return open(srv.config_path).read()


def split_rewrite(content, srv):
    """(lines before the signature, set of lines after it), with the
    process-specific port and dir lines taken out."""
    lines = [l for l in content.split("\n")
             if not l.startswith("port ") and not l.startswith("dir ")]
    sig = "# Generated by CONFIG REWRITE"
    if sig not in lines:
        return lines, set()
    i = lines.index(sig)
    return lines[:i], set(lines[i + 1:]) - {""}


def test_config_rewrite_as_redis(server_factory, reference_factory):
    sets = [("timeout", "0"), ("maxmemory", "1gb"), ("notify-keyspace-events", "KEA"),
            ("client-output-buffer-limit", "normal 4mb 2mb 30 pubsub 32mb 8mb 60"),
            ("slave-read-only", "no"), ("maxmemory-policy", "noeviction"),
            ("appendfsync", "always"), ("maxmemory-clients", "10%"),
            ("save", "900 1 300 10"), ("proc-title-template", "{title} x"),
            ("masterauth", "pa ss\"word"), ("hash-max-ziplist-entries", "100")]
    ours = server_factory(config_text=REWRITE_CONF, plain=True)
    ref = reference_factory(config_text=REWRITE_CONF, plain=True)
    got = rewrite_of(ours, sets)
    want = rewrite_of(ref, sets)
    g_head, g_tail = split_rewrite(got, ours)
    w_head, w_tail = split_rewrite(want, ref)
    assert g_head == w_head
    assert g_tail == w_tail
    assert 'masterauth "pa ss\\"word"' in g_tail
    assert "# top comment, kept" in got and "rename-command flushdb \"\"" in got
    assert "replica-read-only no" in got and "unixsocket" not in got
    # a second rewrite: the file's final newline is one more (blank) line,
    # in Redis too
    got2, want2 = rewrite_of(ours, []), rewrite_of(ref, [])
    assert split_rewrite(got2, ours) == split_rewrite(want2, ref)
    assert got2 == got + "\n" and rewrite_of(ours, []) == got2

    # the rewritten file starts a server with those values
    text_ = "".join(l + "\n" for l in got.split("\n")
                    if not l.startswith("port ") and not l.startswith("dir "))
    again = server_factory(config_text=text_, plain=True)
    with again.raw() as c, ours.raw() as o:
        before, after = config_all(o), config_all(c)
        for name in before:
            if name not in PER_PROCESS:
                assert after[name] == before[name], name
        assert text(c.call("FLUSHDB")).startswith("-ERR unknown command 'FLUSHDB'")


def test_config_rewrite_force_all_as_redis(server_factory, reference_factory):
    """DEBUG CONFIG-REWRITE-FORCE-ALL writes every parameter: the same lines
    as Redis's, and a server started on them has the same configuration."""
    conf = "# forced\ntimeout 9\nslave-priority 7\n"
    ours = server_factory(config_text=conf)
    ref = reference_factory(config_text=conf)
    for srv in (ours, ref):
        with srv.raw() as c:
            assert c.call("CONFIG", "SET", "maxmemory-clients", "5%", "save", "60 1") == b"OK"
            assert c.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL") == b"OK"

    def lines(srv):
        head, tail = split_rewrite(open(srv.config_path).read(), srv)
        drop = tuple(n + " " for n in SLIPSTREAM_ONLY) + ("maxclients ",)
        return head, {l for l in tail if not l.startswith(drop)}
    got, want = lines(ours), lines(ref)
    assert got == want
    assert len(got[1]) > 150  # every parameter but the unset strings
    content = open(ours.config_path).read()
    again = server_factory(plain=True, config_text="".join(
        l + "\n" for l in content.split("\n")
        if not l.startswith("port ") and not l.startswith("dir ")))
    with again.raw() as c, ours.raw() as o:
        before, after = config_all(o), config_all(c)
        assert {k: v for k, v in after.items() if k not in PER_PROCESS} == \
            {k: v for k, v in before.items() if k not in PER_PROCESS}


def test_config_rewrite_keeps_unknown_lines_as_comments(server_factory, reference_factory):
    conf = "timeout 3\n"
    ours = server_factory(config_text=conf)
    ref = reference_factory(config_text=conf)
    for srv in (ours, ref):
        with open(srv.config_path, "a") as f:
            # edited after start: a directive that does not exist and an
            # unbalanced line are kept, commented, by the rewrite
            f.write("nosuchdirective 1\nrequirepass \"open\n")
    got, want = rewrite_of(ours, []), rewrite_of(ref, [])
    assert split_rewrite(got, ours) == split_rewrite(want, ref)
    assert "# ??? nosuchdirective 1" in got.split("\n")
    assert "# ??? requirepass \"open" in got.split("\n")


# --------------------------------------------------------------------------
# user lines (no ACLs yet: only the default user with every permission)
# --------------------------------------------------------------------------

@pytest.mark.skipif(IS_REDIS, reason="Slipstream's limits")
def test_user_lines(server_factory, tmp_path):
    srv = server_factory(config_text="user default on nopass ~* &* +@all\n")
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
    srv = server_factory(config_text="user default on >s3cret ~* &* +@all\n")
    with srv.raw() as c:
        assert c.call("PING").message.startswith("NOAUTH")
        assert c.call("AUTH", "s3cret") == b"OK"
    (tmp_path / "u.conf").write_text("user alice on >pw ~* +@all\n")
    code, err = run_to_exit(SERVER_BIN, [str(tmp_path / "u.conf")], tmp_path)
    assert code == 1
    assert re.search(r"at line 1\n>>> 'user alice on >pw ~\* \+@all'\n"
                     r"Error in user declaration 'alice': ", err)


# --------------------------------------------------------------------------
# CONFIG RESETSTAT
# --------------------------------------------------------------------------

def info_stats(conn):
    body = conn.call("INFO", "stats").decode()
    return dict(l.split(":", 1) for l in body.split("\r\n") if ":" in l)


def test_config_resetstat_as_redis(server_factory, reference_factory):
    import time
    ours, ref = server_factory(), reference_factory()
    with ours.raw() as a, ref.raw() as b:
        for c in (a, b):
            c.call("SET", "k", "v")
            c.call("GET", "nokey")
            c.call("NOSUCH")
            for _ in range(300):
                c.call("GET", "k")
        time.sleep(0.5)  # the instantaneous rates have samples now
        assert int(info_stats(a)["instantaneous_ops_per_sec"]) > 0
        assert a.call("CONFIG", "RESETSTAT") == b.call("CONFIG", "RESETSTAT") == b"OK"
        got, want = info_stats(a), info_stats(b)
        # what the RESETSTAT and INFO calls themselves count
        own = {"total_commands_processed", "total_net_input_bytes", "total_net_output_bytes",
               "total_reads_processed", "total_writes_processed"}
        zeroed = [f for f, v in want.items() if v in ("0", "0.00") and f not in own]
        assert "keyspace_hits" in zeroed and "instantaneous_ops_per_sec" in zeroed
        for f in zeroed:
            if f in got:
                assert got[f] in ("0", "0.00"), f
