"""Differential checks: the same commands against Slipstream and a
redis-server 7.0.15 started for the test, replies compared byte for byte.

    pair = Pair(server, transport)      # server: a conftest Server
    pair.same("SETBIT", "k", 7, 1)      # asserts equal raw replies
    pair.same3("GEOPOS", "g", "m")      # the same over RESP3 connections
    pair.run("SET", "k", v)             # both, replies not compared
    pair.close()

The reference runs on loopback beside the server under test (in the client
namespace on the data plane), with persistence off.
"""

import resp
from rdbtool import RefRedis


class Pair(object):
    def __init__(self, server, transport="tcp", **ref_conf):
        self.ref = RefRedis(**ref_conf)
        self.ss = server
        self.a = server.raw(transport)
        self.b = resp.Conn("127.0.0.1", self.ref.port)
        self.a3 = server.raw(transport)
        self.b3 = resp.Conn("127.0.0.1", self.ref.port)
        for c in (self.a3, self.b3):
            c.call("HELLO", "3")
        self.run("FLUSHALL")

    def close(self):
        for c in (self.a, self.b, self.a3, self.b3):
            c.close()
        self.ref.stop()

    def run(self, *cmd):
        return self.a.call_raw(*cmd), self.b.call_raw(*cmd)

    def same(self, *cmd):
        ra, rb = self.run(*cmd)
        assert ra == rb, "%r:\n slipstream %r\n redis      %r" % (cmd, ra[:400], rb[:400])
        return ra

    def same3(self, *cmd):
        ra, rb = self.a3.call_raw(*cmd), self.b3.call_raw(*cmd)
        assert ra == rb, "%r (RESP3):\n slipstream %r\n redis      %r" % (cmd, ra[:400], rb[:400])
        return ra

    def value(self, *cmd):
        """Parsed reply of Slipstream (after checking both agree)."""
        self.same(*cmd)
        return self.a.call(*cmd)

    def info_field(self, field):
        """A field of INFO on both, as a pair of strings."""
        out = []
        for c in (self.a, self.b):
            text = c.call("INFO").decode()
            for line in text.split("\r\n"):
                if line.startswith(field + ":"):
                    out.append(line.split(":", 1)[1])
        return tuple(out)
