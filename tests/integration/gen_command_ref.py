#!/usr/bin/python3
"""Record COMMAND INFO / COMMAND DOCS of Redis 7.0.15 for the commands in
issue 2's scope into command_ref_7.0.15.json, which test_server.py compares
Slipstream's command table against.

Usage: start a stock redis-server 7.0.15, then
    /usr/bin/python3 gen_command_ref.py [port]
The JSON is committed; rerun only when the scope grows.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resp  # noqa: E402
from util import strip_prose

# Commands in scope (issue 2, "Commands"). Container commands are listed with
# the subcommands in scope; their other subcommands are not compared.
COMMANDS = [
    # strings
    "get", "set", "setnx", "setex", "psetex", "getex", "getdel", "getset",
    "mget", "mset", "msetnx", "append", "strlen", "getrange", "substr",
    "setrange", "incr", "decr", "incrby", "decrby", "incrbyfloat", "lcs",
    # keys
    "del", "unlink", "exists", "type", "rename", "renamenx", "copy", "move",
    "keys", "scan", "randomkey", "touch", "expire", "pexpire", "expireat",
    "pexpireat", "ttl", "pttl", "expiretime", "pexpiretime", "persist",
    # databases
    "select", "swapdb", "flushdb", "flushall", "dbsize",
    # server / connection
    "ping", "echo", "quit", "reset", "time", "info", "shutdown", "auth",
    "hello", "debug",
]
CONTAINERS = {
    "object": ["encoding", "refcount", "idletime", "freq", "help"],
    "client": ["id", "setname", "getname", "list", "info", "kill", "pause",
               "unpause", "reply"],
    "config": ["get", "set", "resetstat", "rewrite"],
    "command": ["count", "info", "docs", "getkeys", "list"],
}


def text(v):
    """bytes -> str recursively, so the reference is readable JSON."""
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [text(x) for x in v]
    return v


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    c = resp.Conn("127.0.0.1", port)
    ver = c.call("INFO", "server").decode()
    assert "redis_version:7.0.15" in ver, "need redis-server 7.0.15"
    ref = {"info": {}, "docs": {}}
    names = list(COMMANDS)
    for parent, subs in CONTAINERS.items():
        names.append(parent)
        names += ["%s|%s" % (parent, s) for s in subs]
    for name in names:
        info = c.call("COMMAND", "INFO", name)[0]
        assert info is not None, name
        info = text(info)
        if name in CONTAINERS:
            info = info[:9]  # subcommands compared one by one
        if len(info) > 8:
            info[8] = [strip_prose(ks) for ks in info[8]]
        ref["info"][name] = info
        docs = text(c.call("COMMAND", "DOCS", name))
        assert docs[0] == name, name
        d = docs[1]
        if name in CONTAINERS:
            i = d.index("subcommands") if "subcommands" in d else len(d)
            d = d[:i]
        ref["docs"][name] = strip_prose(d)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "command_ref_7.0.15.json")
    with open(out, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s (%d commands)" % (out, len(names)))


if __name__ == "__main__":
    main()
