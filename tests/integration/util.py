"""Small helpers shared by the integration tests."""

import time


def wait_for(pred, timeout=5.0, interval=0.02):
    """Poll pred() until it returns a true value or timeout passes.

    Returns the last value of pred(), so callers assert on it.
    """
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def info_field(client, section, field):
    """INFO <section> parsed by redis-py, one field."""
    return client.info(section)[field]


def error_of(conn, *args):
    """Send a command on a raw resp.Conn and return the exact error text.

    Fails the test if the reply is not an error. The text includes the
    error code prefix (e.g. 'ERR syntax error', 'WRONGTYPE Operation ...'),
    which redis-py would strip.
    """
    import resp
    v = conn.call(*args)
    assert isinstance(v, resp.RespError), \
        "expected an error reply to %r, got %r" % (args, v)
    return v.message


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"


def arity_error(cmd):
    return "ERR wrong number of arguments for '%s' command" % cmd


def make_nonstring(client, key):
    """Create `key` holding a non-string value and return its TYPE name.

    Uses the first of RPUSH / SADD / HSET / ZADD the server knows. A server
    with only strings (early Slipstream) cannot produce WRONGTYPE at all, so
    the calling test is skipped there; against Redis it never skips.
    """
    import pytest
    import redis
    for cmd, typ in ((("RPUSH", key, "a"), b"list"),
                     (("SADD", key, "a"), b"set"),
                     (("HSET", key, "f", "v"), b"hash"),
                     (("ZADD", key, "1", "a"), b"zset")):
        try:
            client.execute_command(*cmd)
            return typ
        except redis.ResponseError as e:
            if "unknown command" in str(e):
                continue
            raise
    pytest.skip("server implements no non-string type yet (needed for "
                "WRONGTYPE/TYPE checks)")


# Redis's prose (summaries, complexity notes, history, key-spec notes) is
# Redis's own text: we record and compare only the interface (arity, flags,
# key specs, argument trees), and Slipstream's summaries are its own.
PROSE_FIELDS = ("summary", "complexity", "history", "replaced_by", "notes")


def strip_prose(flat):
    """A flat RESP2 map (key, value, ...) without Redis's prose fields."""
    out = []
    for i in range(0, len(flat) - 1, 2):
        if flat[i] not in PROSE_FIELDS:
            out += [flat[i], flat[i + 1]]
    return out


def worker_of(c):
    """The worker serving redis-py client c (Slipstream's CLIENT INFO
    worker= field; 0 on a server without it)."""
    info = c.execute_command("CLIENT", "INFO").decode()
    for f in info.split():
        if f.startswith("worker="):
            return int(f[7:])
    return 0
