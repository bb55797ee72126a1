"""RDB helpers for the persistence and DUMP/RESTORE tests.

- RefRedis: a stock redis-server 7.0.15 started beside the server under test
  (own temp dir, free port, stopped by PID), the side-by-side reference.
- Byte builders for what only old Redis versions wrote (ziplists, zipmaps,
  old sorted sets, EXPIRETIME in seconds, RDB versions before 10), so the
  loaders can be fed them: crc64(), rdb_len(), rdb_str(), ziplist(),
  zipmap(), intset(), payload() (a DUMP payload) and rdb_file().
Everything here is written from the format (see store/rdb.h and
store/rdb_legacy.h), not from Redis's code.
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import redis

REDIS_SERVER = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
CHECK_RDB = "/usr/bin/redis-check-rdb"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class RefRedis(object):
    """redis-server on a free port; `dir` is its working directory (a new
    temp dir by default, removed on stop unless given)."""

    def __init__(self, dir=None, **conf):
        self.own_dir = dir is None
        self.dir = dir or tempfile.mkdtemp(prefix="refredis-")
        self.host = "127.0.0.1"
        self.port = free_port()
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--appendonly", "no",
                "--enable-debug-command", "yes"]
        conf.setdefault("save", "")
        for k, v in conf.items():
            args += ["--" + k.replace("_", "-"), str(v)]
        self.args = args
        self.log_path = os.path.join(tempfile.gettempdir(),
                                     "refredis-%d.log" % self.port)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=self.dir, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        c = self.client()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited: %s" % self.log_tail())
            try:
                c.ping()
                break
            except redis.BusyLoadingError:
                pass
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def client(self, **kw):
        kw.setdefault("socket_timeout", 20)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def log_tail(self, n=3000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, nosave=True):
        if self.proc.poll() is None:
            if nosave:
                try:
                    self.client().shutdown(nosave=True)
                except redis.ConnectionError:
                    pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def check_rdb(path):
    """redis-check-rdb's verdict: (ok, output)."""
    p = subprocess.run([CHECK_RDB, path], capture_output=True, text=True,
                       timeout=120)
    out = p.stdout + p.stderr
    return p.returncode == 0 and "RDB looks OK" in out, out


# --- byte builders ----------------------------------------------------------

def _crc64_table():
    poly = 0x95ac9329ac4bc9b5  # 0xad93d23594c935a9 reflected
    t = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


_T = _crc64_table()


def crc64(data, crc=0):
    for b in data:
        crc = _T[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xff])
    if n <= 0xffffffff:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def rdb_str(s):
    """A plain length-prefixed string (no integer or LZF encoding)."""
    if isinstance(s, str):
        s = s.encode()
    return rdb_len(len(s)) + s


def payload(rdbtype, body, version=10):
    """A DUMP payload: type, body, version (LE16), CRC64 (LE64)."""
    p = bytes([rdbtype]) + body + struct.pack("<H", version)
    return p + struct.pack("<Q", crc64(p))


def _zl_entry(prevlen, v):
    pre = bytes([prevlen]) if prevlen < 254 else b"\xfe" + struct.pack("<I", prevlen)
    if isinstance(v, int):
        if 0 <= v <= 12:
            enc = bytes([0xf1 + v])
        elif -128 <= v <= 127:
            enc = b"\xfe" + struct.pack("<b", v)
        elif -32768 <= v <= 32767:
            enc = b"\xc0" + struct.pack("<h", v)
        elif -(1 << 23) <= v < (1 << 23):
            enc = b"\xf0" + struct.pack("<i", v)[:3]
        elif -(1 << 31) <= v < (1 << 31):
            enc = b"\xd0" + struct.pack("<i", v)
        else:
            enc = b"\xe0" + struct.pack("<q", v)
    else:
        if isinstance(v, str):
            v = v.encode()
        n = len(v)
        if n < 64:
            enc = bytes([n]) + v
        elif n < 16384:
            enc = bytes([0x40 | (n >> 8), n & 0xff]) + v
        else:
            enc = b"\x80" + struct.pack(">I", n) + v
    return pre + enc


def ziplist(items):
    """A ziplist of ints and strings, as Redis before 7.0 wrote them."""
    body = b""
    prev = 0
    tail = 10
    for v in items:
        e = _zl_entry(prev, v)
        tail = 10 + len(body)
        body += e
        prev = len(e)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, min(len(items), 0xffff)) + body + b"\xff"


def zipmap(pairs):
    """A zipmap {field: value} (Redis 2.4 hashes)."""
    def zlen(n):
        return bytes([n]) if n < 254 else b"\xfe" + struct.pack("<I", n)
    out = bytes([len(pairs) if len(pairs) < 254 else 254])
    for f, v in pairs:
        f = f.encode() if isinstance(f, str) else f
        v = v.encode() if isinstance(v, str) else v
        out += zlen(len(f)) + f + zlen(len(v)) + b"\x00" + v
    return out + b"\xff"


def intset(values):
    vals = sorted(set(values))
    if all(-32768 <= v <= 32767 for v in vals):
        w, f = 2, "<h"
    elif all(-(1 << 31) <= v < (1 << 31) for v in vals):
        w, f = 4, "<i"
    else:
        w, f = 8, "<q"
    return struct.pack("<II", w, len(vals)) + b"".join(struct.pack(f, v) for v in vals)


def rdb_file(version, body, checksum=True):
    """A whole RDB file: magic, the given records (bytes), EOF, and (from
    version 5) the CRC64 footer."""
    data = b"REDIS%04d" % version + body + b"\xff"
    if version >= 5:
        data += struct.pack("<Q", crc64(data) if checksum else 0)
    return data


def aux(k, v):
    return b"\xfa" + rdb_str(k) + rdb_str(v)


def key_record(rdbtype, key, body, expire_ms=None, expire_s=None):
    out = b""
    if expire_ms is not None:
        out += b"\xfc" + struct.pack("<q", expire_ms)
    if expire_s is not None:
        out += b"\xfd" + struct.pack("<i", expire_s)
    return out + bytes([rdbtype]) + rdb_str(key) + body
