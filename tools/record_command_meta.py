#!/usr/bin/python3
"""record_command_meta.py — record Redis 7.0.15's COMMAND INFO / COMMAND DOCS
metadata for the commands of app/commands.def into app/commands.meta.json.

Redis's command metadata (key specs, tips, doc flags, history, argument
trees) is data about the interface we follow, and clients read it (redis-cli
builds its hints from COMMAND DOCS). Rather than re-typing it, we record it
from a stock redis-server 7.0.15 and tools/gencmd.py serializes it back into
the pre-built COMMAND INFO / DOCS replies, in RESP2 and RESP3, byte for byte
as Redis sends them.

Usage: start redis-server 7.0.15 (e.g. `redis-server --port 7401 --save ''`),
then
    /usr/bin/python3 tools/record_command_meta.py app/commands.def \
        app/commands.meta.json [port]
Rerun when commands.def gains commands; commit the JSON.

The JSON maps each command name ("get", "config|get") to
    {"arity", "flags", "first", "last", "step", "acl", "tips", "key_specs",
     "docs"}
with RESP3 maps as JSON objects (key order kept) and sets and arrays as
lists; gencmd.py knows which lists are sets (Redis 7.0's reply shapes).
Commands Redis does not know are left out (gencmd.py derives theirs).
"""
import json
import re
import socket
import sys


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port))
        self.buf = b''

    def _line(self):
        while b'\r\n' not in self.buf:
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError
            self.buf += d
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError
            self.buf += d
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b'+', b'$'):
            return self._exact(int(rest)).decode() if t == b'$' else rest.decode()
        if t == b':':
            return int(rest)
        if t == b'_':
            return None
        if t == b'-':
            raise RuntimeError(rest.decode())
        if t in (b'*', b'~'):
            return [self.read() for _ in range(int(rest))]
        if t == b'%':
            d = {}
            for _ in range(int(rest)):
                k = self.read()
                d[k] = self.read()
            return d
        raise ValueError('unexpected RESP type %r' % line)

    def call(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = a.encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.s.sendall(out)
        return self.read()


def names_of(defpath):
    names = []
    for raw in open(defpath, encoding='utf-8'):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        names.append(re.split(r'\s\|\s', line)[0].strip())
    return names


# Redis's prose is Redis's text, not interface: never recorded. Summaries
# come from commands.def, in our own words.
PROSE_DOCS = ('summary', 'complexity', 'history', 'replaced_by')


def strip_prose(docs):
    for k in PROSE_DOCS:
        docs.pop(k, None)
    return docs


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    defpath, out = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) == 4 else 6379
    c = Conn(port)
    hello = c.call('HELLO', '3')
    if hello.get('version') != '7.0.15':
        sys.exit('expected redis 7.0.15, got %s' % hello.get('version'))
    meta = {}
    for name in names_of(defpath):
        info = c.call('COMMAND', 'INFO', name)[0]
        if info is None:
            continue
        docs = c.call('COMMAND', 'DOCS', name).get(name, {})
        docs.pop('subcommands', None)
        strip_prose(docs)
        meta[name] = {
            'arity': info[1], 'flags': info[2], 'first': info[3], 'last': info[4],
            'step': info[5], 'acl': info[6], 'tips': info[7],
            'key_specs': [{k: v for k, v in ks.items() if k != 'notes'} for ks in info[8]],
            'docs': docs,
        }
    with open(out, 'w', encoding='utf-8') as f:
        f.write(json.dumps(meta, indent=1, ensure_ascii=False))
        f.write('\n')
    print('%s: %d commands' % (out, len(meta)))


if __name__ == '__main__':
    main()
