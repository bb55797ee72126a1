"""Stock Redis tools as clients: redis-cli and redis-benchmark."""

import os
import re
import subprocess

import pytest

REDIS_CLI = os.environ.get("REDIS_CLI", "/usr/bin/redis-cli")
REDIS_BENCHMARK = os.environ.get("REDIS_BENCHMARK", "/usr/bin/redis-benchmark")


def cli(server, *args, stdin=None, unix=False, timeout=30):
    if unix:
        base = [REDIS_CLI, "-s", server.unixsocket]
    else:
        base = [REDIS_CLI, "-h", server.host, "-p", str(server.port)]
    p = subprocess.run(base + list(args), input=stdin, capture_output=True,
                       timeout=timeout)
    return p


def out(server, *args, **kw):
    p = cli(server, *args, **kw)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode()


@pytest.mark.kernel_only("also over the Unix socket")
def test_cli_ping(server, r):
    assert out(server, "ping") == "PONG\n"
    assert out(server, "ping", unix=True) == "PONG\n"


def test_cli_set_get_raw(server, r):
    assert out(server, "set", "greeting", "hello world") == "OK\n"
    assert out(server, "get", "greeting") == "hello world\n"
    assert out(server, "--raw", "get", "greeting") == "hello world\n"
    assert r.get("greeting") == b"hello world"


def test_cli_no_raw_formatting(server, r):
    r.set("s", 'a"b')
    r.set("t", "x\ty\x01")
    assert out(server, "--no-raw", "get", "nokey") == "(nil)\n"
    assert out(server, "--no-raw", "get", "s") == '"a\\"b"\n'
    assert out(server, "--no-raw", "get", "t") == '"x\\ty\\x01"\n'
    assert out(server, "--no-raw", "incr", "n") == "(integer) 1\n"
    assert out(server, "--no-raw", "set", "n", "5") == "OK\n"
    assert out(server, "--no-raw", "mget", "s", "nokey") == \
        '1) "a\\"b"\n2) (nil)\n'
    assert out(server, "--no-raw", "incrbyfloat", "f", "1.5") == '"1.5"\n'
    assert out(server, "--no-raw", "nosuch") == \
        "(error) ERR unknown command 'nosuch', with args beginning with: \n"
    assert out(server, "--no-raw", "get") == \
        "(error) ERR wrong number of arguments for 'get' command\n"


def test_cli_nested_and_resp3_output(server, r):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert out(server, "--no-raw", "lcs", "a", "b", "idx", "minmatchlen",
               "4") == ('1) "matches"\n'
                        '2) 1) 1) 1) (integer) 4\n'
                        '         2) (integer) 7\n'
                        '      2) 1) (integer) 5\n'
                        '         2) (integer) 8\n'
                        '3) "len"\n'
                        '4) (integer) 6\n')
    got = out(server, "--no-raw", "-3", "config", "get", "port")
    assert got == '1# "port" => "%d"\n' % server.port
    assert out(server, "--no-raw", "-3", "get", "nokey") == "(nil)\n"


def test_cli_exit_code_on_error(server, r):
    p = cli(server, "-e", "nosuch")
    assert p.returncode == 1
    p = cli(server, "-e", "ping")
    assert p.returncode == 0


def test_cli_db_and_stdin(server, r):
    assert out(server, "-n", "3", "set", "d3", "x") == "OK\n"
    assert out(server, "-n", "3", "dbsize") == "1\n"
    assert out(server, "dbsize") == "0\n"
    assert out(server, "-x", "set", "fromstdin", stdin=b"stdin-value") == "OK\n"
    assert r.get("fromstdin") == b"stdin-value"


def test_cli_pipe_mass_insert(server, r):
    n = 10000
    data = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n"
                    % (len(k), k) for k in (b"mass:%d" % i for i in range(n)))
    data += b"SET inline:key 1\r\n"
    text = out(server, "--pipe", stdin=data, timeout=60)
    assert "All data transferred" in text
    assert "errors: 0, replies: %d" % (n + 1) in text
    assert r.dbsize() == n + 1


def test_cli_pipe_counts_errors(server, r):
    data = b"SET a 1\r\nINCR a\r\nNOSUCH\r\nGET\r\n"
    p = cli(server, "--pipe", stdin=data)
    assert b"errors: 2, replies: 4" in p.stdout


def test_cli_scan_and_keys(server, r):
    r.mset({"user:%d" % i: i for i in range(300)})
    r.mset({"other:%d" % i: i for i in range(10)})
    got = out(server, "--scan", "--pattern", "user:*").split()
    assert sorted(got) == sorted("user:%d" % i for i in range(300))
    assert sorted(out(server, "keys", "other:*").split()) == \
        sorted("other:%d" % i for i in range(10))


def test_cli_info_and_auth(server_factory):
    srv = server_factory(requirepass="pw")
    p = cli(srv, "ping")
    assert p.stdout.strip() == b"NOAUTH Authentication required."
    p = cli(srv, "--no-auth-warning", "-a", "pw", "ping")
    assert p.stdout == b"PONG\n"
    p = cli(srv, "--no-auth-warning", "-a", "pw", "info", "server")
    assert re.search(rb"^tcp_port:%d\r?$" % srv.port, p.stdout, re.M)
    p = cli(srv, "--no-auth-warning", "-a", "wrong", "ping")
    assert b"AUTH failed: WRONGPASS" in p.stderr + p.stdout


def parse_quiet(text):
    """'SET: 13966.48 requests per second, p50=0.479 msec' -> {SET: rps}"""
    found = {}
    for m in re.finditer(r"^\s*([A-Z_]+): ([0-9.]+) requests per second",
                         text, re.M):
        found[m.group(1)] = float(m.group(2))
    return found


@pytest.mark.parametrize("pipeline", [1, 16])
def test_benchmark_set_get(server, r, pipeline):
    p = subprocess.run([REDIS_BENCHMARK, "-h", server.host,
                        "-p", str(server.port), "-t", "set,get",
                        "-n", "20000", "-q", "-P", str(pipeline)],
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    # Progress lines end in \r; keep only the final per-test lines.
    text = p.stdout.decode().replace("\r", "\n")
    rps = parse_quiet(text)
    assert set(rps) == {"SET", "GET"}, text[-500:]
    assert rps["SET"] > 0 and rps["GET"] > 0
    # redis-benchmark really wrote: its key holds its 3-byte payload.
    assert len(r.get("key:__rand_int__")) == 3


@pytest.mark.kernel_only("the Unix socket")
def test_benchmark_over_unix_socket(server, r):
    p = subprocess.run([REDIS_BENCHMARK, "-s", server.unixsocket,
                        "-t", "set", "-n", "5000", "-q"],
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    rps = parse_quiet(p.stdout.decode().replace("\r", "\n"))
    assert rps.get("SET", 0) > 0
