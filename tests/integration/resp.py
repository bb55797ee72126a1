"""A tiny raw-socket RESP2/RESP3 client for protocol-level tests.

redis-py 4.3.4 (Debian's python3-redis) speaks only RESP2 and hides the wire
format, so tests that care about exact bytes, RESP3 reply types, inline
commands, malformed input or connection closing use this instead.

Reply types after parsing (RESP3 type byte -> Python):
  +  Simple(bytes)        -  RespError (returned, never raised)
  :  int                  $  bytes, or None for $-1
  *  list, or None for *-1
  _  None                 ,  Double(float)
  #  bool                 (  BigNumber(int)
  =  Verbatim(bytes) with .format
  %  Map (a list of (key, value) pairs; .as_dict() when keys are hashable)
  ~  RSet(list)           >  Push(list)
  |  attributes are parsed and attached to the following reply when possible.
read_raw() returns the exact bytes of one reply, for byte-for-byte checks.
"""

import socket
import time


class Simple(bytes):
    """A RESP simple string (+OK)."""


class Verbatim(bytes):
    """A RESP3 verbatim string; .format is the 3-byte type, e.g. b'txt'."""

    format = b""


class Double(float):
    """A RESP3 double (,)."""


class BigNumber(int):
    """A RESP3 big number (()."""


class RSet(list):
    """A RESP3 set (~), order as sent."""


class Push(list):
    """A RESP3 push message (>)."""


class Map(list):
    """A RESP3 map (%): list of (key, value) pairs in wire order."""

    def as_dict(self):
        return {k: v for k, v in self}


class RespError(object):
    """A RESP error reply (- or !). Returned, not raised."""

    def __init__(self, message):
        self.message = message  # str, without the leading '-' and CRLF

    def __repr__(self):
        return "RespError(%r)" % self.message

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)


class Incomplete(Exception):
    pass


class ProtocolViolation(Exception):
    pass


def encode(*args):
    """Encode a command as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, float):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return buf[pos:end], end + 2


def parse(buf, pos=0):
    """Parse one reply from buf at pos. Returns (value, new_pos).

    Raises Incomplete if buf does not hold a whole reply yet.
    """
    if pos >= len(buf):
        raise Incomplete()
    t = buf[pos:pos + 1]
    line, pos = _line(buf, pos + 1)
    if t == b"+":
        return Simple(line), pos
    if t == b"-":
        return RespError(line.decode("utf-8", "replace")), pos
    if t == b":":
        return int(line), pos
    if t in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise Incomplete()
        data = bytes(buf[pos:pos + n])
        if buf[pos + n:pos + n + 2] != b"\r\n":
            raise ProtocolViolation("bulk not terminated by CRLF")
        pos += n + 2
        if t == b"=":
            v = Verbatim(data[4:])
            v.format = data[:3]
            return v, pos
        if t == b"!":
            return RespError(data.decode("utf-8", "replace")), pos
        return data, pos
    if t in (b"*", b"~", b">"):
        n = int(line)
        if n < 0:
            return None, pos
        items = []
        for _ in range(n):
            v, pos = parse(buf, pos)
            items.append(v)
        if t == b"~":
            return RSet(items), pos
        if t == b">":
            return Push(items), pos
        return items, pos
    if t in (b"%", b"|"):
        n = int(line)
        pairs = Map()
        for _ in range(n):
            k, pos = parse(buf, pos)
            v, pos = parse(buf, pos)
            pairs.append((k, v))
        if t == b"|":
            # Attribute: the real reply follows.
            v, pos = parse(buf, pos)
            try:
                v.attributes = pairs
            except AttributeError:
                pass
            return v, pos
        return pairs, pos
    if t == b"_":
        return None, pos
    if t == b",":
        return Double(float(line)), pos
    if t == b"#":
        if line == b"t":
            return True, pos
        if line == b"f":
            return False, pos
        raise ProtocolViolation("bad boolean %r" % line)
    if t == b"(":
        return BigNumber(int(line)), pos
    raise ProtocolViolation("unknown type byte %r" % t)


class Conn(object):
    """One raw connection. Not thread-safe; each test opens its own."""

    def __init__(self, host="127.0.0.1", port=6379, timeout=10.0, unix=None,
                 source=None):
        if unix is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            if source is not None:
                self.sock.bind((source, 0))
            self.sock.connect((host, port))
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def _take(self):
        while True:
            try:
                v, pos = parse(self.buf)
            except Incomplete:
                self._fill()
                continue
            raw = bytes(self.buf[:pos])
            del self.buf[:pos]
            return v, raw

    def read(self):
        """Read one parsed reply."""
        return self._take()[0]

    def read_raw(self):
        """Read one reply, return its exact bytes."""
        return self._take()[1]

    def call(self, *args):
        self.send(*args)
        return self.read()

    def call_raw(self, *args):
        self.send(*args)
        return self.read_raw()

    def read_until_closed(self, timeout=5.0):
        """Read everything until the server closes; returns the bytes read.

        Raises AssertionError if the server does not close within timeout.
        """
        deadline = time.monotonic() + timeout
        data = bytes(self.buf)
        self.buf = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("server did not close the connection; "
                                     "got %r" % data[:200])
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return data
            if not chunk:
                return data
            data += chunk

    def is_closed(self, timeout=2.0):
        """True if the server closed the connection within timeout."""
        try:
            self.read_until_closed(timeout)
            return True
        except AssertionError:
            return False
