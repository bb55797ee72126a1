"""Raw-socket tools for the hostile-client suite: connections with tiny
receive buffers, resets (RST) and half-closes, slow readers, bounded reads.

No client library stands between these and the server: every byte sent is
the test's, and every wait is bounded (a socket timeout and a deadline).
"""

import socket
import struct
import time

# SO_LINGER {on, 0 s}: close() sends RST instead of FIN and discards
# whatever is queued in either direction.
LINGER_RST = struct.pack("ii", 1, 0)

DEFAULT_TIMEOUT = 10.0


def cmd(*args):
    """One RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def connect(host, port, rcvbuf=None, sndbuf=None, timeout=DEFAULT_TIMEOUT):
    """A TCP connection; rcvbuf/sndbuf are set before connect() so the
    advertised window (and its scaling) follows them."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if rcvbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if sndbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        s.settimeout(timeout)
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


def reset(s):
    """Close with RST (SO_LINGER {1, 0})."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    except OSError:
        pass
    s.close()


def half_close(s):
    """shutdown(SHUT_WR): a FIN from us, the read side stays open."""
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def send_quiet(s, data):
    """sendall that treats a reset or closed peer as 'stop sending';
    returns the bytes that went out."""
    view = memoryview(data)
    sent = 0
    try:
        while sent < len(view):
            n = s.send(view[sent:sent + (1 << 20)])
            if n <= 0:
                break
            sent += n
    except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
        pass
    return sent


def wait_first_byte(s, timeout=DEFAULT_TIMEOUT):
    """Block until the peer has sent at least one byte (left unread:
    MSG_PEEK). True if it arrived, False on EOF, reset or timeout."""
    s.settimeout(timeout)
    try:
        return len(s.recv(1, socket.MSG_PEEK)) == 1
    except (OSError, socket.timeout):
        return False


def read_some(s, n, timeout=DEFAULT_TIMEOUT):
    """One recv of at most n bytes; b'' on EOF or reset, None on timeout."""
    s.settimeout(timeout)
    try:
        return s.recv(n)
    except socket.timeout:
        return None
    except (ConnectionResetError, OSError):
        return b""


def drain(s, timeout=DEFAULT_TIMEOUT, limit=None, keep=256):
    """Read until the peer closes, `limit` bytes arrived, or `timeout`.

    Returns (nbytes, closed, head): closed is True when the peer closed
    (EOF or reset), head the first `keep` bytes."""
    deadline = time.monotonic() + timeout
    total = 0
    head = b""
    while limit is None or total < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return total, False, head
        s.settimeout(left)
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            return total, False, head
        except (ConnectionResetError, OSError):
            return total, True, head
        if not chunk:
            return total, True, head
        if len(head) < keep:
            head += chunk[:keep - len(head)]
        total += len(chunk)
    return total, False, head


def read_exact(s, n, timeout=DEFAULT_TIMEOUT):
    """Exactly n bytes, or fewer if the peer closed or timeout passed."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            chunk = s.recv(min(n - len(buf), 1 << 20))
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def read_line(s, timeout=DEFAULT_TIMEOUT, limit=65536):
    """Bytes up to and including the first CRLF (or what came before the
    peer closed / the limit / the timeout)."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while not buf.endswith(b"\r\n") and len(buf) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            chunk = s.recv(1)
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def closed_by_peer(s, timeout=DEFAULT_TIMEOUT):
    """True if the peer closes within timeout (whatever it sends first)."""
    return drain(s, timeout)[1]


def slow_read(s, total, chunk, interval, timeout):
    """Read `total` bytes `chunk` at a time, sleeping `interval` between
    reads. Returns the bytes read (fewer if the peer closed or timeout)."""
    deadline = time.monotonic() + timeout
    got = 0
    while got < total and time.monotonic() < deadline:
        data = read_some(s, min(chunk, total - got), timeout=max(0.1, deadline - time.monotonic()))
        if not data:
            break
        got += len(data)
        time.sleep(interval)
    return got


def rss_bytes(pid):
    """The process's resident set size (VmRSS), or None if it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def mib(n):
    return "%.1f MiB" % (n / 1048576.0)
