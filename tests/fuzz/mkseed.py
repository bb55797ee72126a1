#!/usr/bin/env python3
"""mkseed.py — write fuzz_session inputs from a readable script.

    tests/fuzz/mkseed.py tests/fuzz/session_seeds.txt tests/fuzz/corpus/session

The script holds several seeds; each starts with a line "== name" and is
followed by one operation a line (the format is fuzz_session.c's header
comment; '#' starts a comment):

    open SLOT [dp] [remote] [unix]   accept a conn (data-plane style, a peer
                                     that is not local, a Unix socket)
    send SLOT "text"                 bytes for SLOT to receive; Python escapes
                                     (\\r\\n, \\x00); one segment per line
    cmd SLOT "CLIENT KILL ID 4"      an entry of fuzz_session.c's cmds[] table
    repeat SLOT K "pattern"          the pattern (K+1)*16 times
    eof|reset|senderr|drop SLOT
    room SLOT N                      0 full, 255 unlimited, else N*64 bytes
    chunk SLOT N                     recv() at most N bytes a call (0: any)
    event SLOT [in] [out] [hup]
    poll | mail | timeouts | unpause | kills | cron | expire | reap | iter
    tick N                           the clock advances N*N ms

"iter" is one whole worker-loop iteration (what the server does between
two polls); most seeds use it rather than the single steps.
"""
import ast
import os
import re
import sys

OPS = ['open', 'data', 'data2', 'repeat', 'cmd', 'eof', 'reset', 'senderr', 'room', 'chunk',
       'event', 'drop', 'poll', 'mail', 'timeouts', 'unpause', 'kills', 'cron', 'tick', 'expire',
       'reap', 'iter']
HERE = os.path.dirname(os.path.abspath(__file__))


def cmd_table():
    """cmds[] as fuzz_session.c lists it (one C string a line)."""
    src = open(os.path.join(HERE, 'fuzz_session.c')).read()
    body = src[src.index('static const char *const cmds[] = {'):]
    body = body[:body.index('};')]
    return [ast.literal_eval(m) for m in re.findall(r'^\s*("(?:[^"\\]|\\.)*"),', body, re.M)]


def op(name, slot=0):
    return bytes([OPS.index(name) << 2 | slot])


def assemble(lines, cmds):
    out = bytearray()
    for raw in lines:
        line = raw.split('#', 1)[0].strip() if not re.search(r'"', raw) else raw.strip()
        if not line or line.startswith('#'):
            continue
        words = line.split(None, 2)
        name = words[0]
        if name in ('poll', 'mail', 'timeouts', 'unpause', 'kills', 'cron', 'expire', 'reap',
                    'iter'):
            out += op(name)
            continue
        if name == 'tick':
            out += op('tick') + bytes([int(words[1])])
            continue
        slot = int(words[1])
        rest = words[2] if len(words) > 2 else ''
        if name == 'open':
            f = (1 if 'dp' in rest.split() else 0) | (2 if 'remote' in rest.split() else 0) | \
                (4 if 'unix' in rest.split() else 0)
            out += op('open', slot) + bytes([f])
        elif name == 'send':
            data = ast.literal_eval(rest).encode('latin-1')
            if len(data) <= 255:
                out += op('data', slot) + bytes([len(data)]) + data
            else:
                out += op('data2', slot) + len(data).to_bytes(2, 'little') + data
        elif name == 'cmd':
            text = ast.literal_eval(rest)
            if text not in cmds:
                raise SystemExit('not in fuzz_session.c cmds[]: ' + text)
            out += op('cmd', slot) + bytes([cmds.index(text)])
        elif name == 'repeat':
            k, pat = rest.split(None, 1)
            data = ast.literal_eval(pat).encode('latin-1')
            out += op('repeat', slot) + bytes([int(k), len(data)]) + data
        elif name in ('eof', 'reset', 'senderr', 'drop'):
            out += op(name, slot)
        elif name in ('room', 'chunk'):
            out += op(name, slot) + bytes([int(rest)])
        elif name == 'event':
            m = sum(v for w, v in (('in', 1), ('out', 2), ('hup', 4)) if w in rest.split())
            out += op('event', slot) + bytes([m])
        else:
            raise SystemExit('unknown operation: ' + raw)
    return bytes(out)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    cmds = cmd_table()
    os.makedirs(sys.argv[2], exist_ok=True)
    seeds, name = {}, None
    for raw in open(sys.argv[1]):
        if raw.startswith('=='):
            name = raw[2:].strip()
            seeds[name] = []
        elif name is not None:
            seeds[name].append(raw.rstrip('\n'))
    for name, lines in seeds.items():
        with open(os.path.join(sys.argv[2], name), 'wb') as f:
            f.write(assemble(lines, cmds))
    print('%d seeds written to %s' % (len(seeds), sys.argv[2]))


if __name__ == '__main__':
    main()
