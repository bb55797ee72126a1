#!/usr/bin/python3
"""gencmd.py — generate the command table from app/commands.def.

app/commands.def is the one declarative source for every command: name,
arity, flags, key spec, ACL categories, group, version and docs. This script
turns it into:

  cmdtable.c        the C table: dispatch (handler pointers), key extraction
                    specs, and the COMMAND INFO / COMMAND DOCS replies
                    pre-serialized in RESP2 and RESP3
  docs/commands.md  the compatibility table (with --docs)

Line format (fields separated by ' | ' with spaces, blank lines and # comments ignored):

  name | arity | flags | keys | acl | group | since | summary | usage

  name    lowercase; a subcommand is written parent|sub (the parent must be
          declared first, with the flag 'container')
  arity   Redis convention: N exact, -N at least N (counting the name)
  flags   space separated Redis command flags (write readonly denyoom ...)
  keys    '-' none; 'F,L,S' first/last/step (L=-1: to the end, -2: all but
          last); 'keynum:I,F,S' the count is at argument I and keys start at
          F arguments after it, step S; 'custom:NAME' a handler
          keys_NAME(argc, argv, out) finds them
  acl     ACL categories without '@' (the dispatcher adds the flags' ones)
  usage   Redis-style syntax of the arguments, e.g.
          key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]
          turned into COMMAND DOCS 'arguments' so redis-cli can show hints
  status  (optional 10th field) 'partial' or a short note for the docs table

Redis's own metadata for the commands it has (key specs, tips, doc flags,
history, argument trees) is recorded from redis-server 7.0.15 into
commands.meta.json beside commands.def (tools/record_command_meta.py). When a
command has an entry there, its COMMAND INFO / DOCS replies are serialized
from it, in Redis 7.0's exact reply shapes; commands.def still drives
dispatch, arity checks and key extraction, and `--check` (a meson test)
reports any disagreement between the two. Commands Redis lacks get replies
derived from their commands.def line.
"""
import json
import os
import re
import sys

FLAG_ACL = {
    'write': 'write', 'readonly': 'read', 'admin': 'admin', 'pubsub': 'pubsub',
    'fast': 'fast', 'blocking': 'blocking',
}


def parse(path):
    cmds = []
    for lineno, raw in enumerate(open(path, encoding='utf-8'), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        # fields are separated by ' | ' (with spaces): a bare '|' belongs to
        # names (parent|sub) and usage alternatives (NX|XX)
        parts = [p.strip() for p in re.split(r'\s\|\s', line)]
        if len(parts) < 9:
            sys.exit(f'{path}:{lineno}: expected 9 fields, got {len(parts)}')
        name, arity, flags, keys, acl, group, since, summary, usage = parts[:9]
        note = parts[9] if len(parts) > 9 else ''
        c = dict(name=name, arity=int(arity), flags=flags.split() if flags != '-' else [],
                 keys=keys, acl=acl.split() if acl != '-' else [], group=group,
                 since=since, summary=summary, usage=usage if usage != '-' else '',
                 note=note, subs=[], parent=None, lineno=lineno)
        if '|' in name:
            pname, sub = name.split('|', 1)
            parent = next((p for p in cmds if p['name'] == pname), None)
            if parent is None:
                sys.exit(f'{path}:{lineno}: parent {pname} not declared')
            c['parent'] = parent
            c['sub'] = sub
            parent['subs'].append(c)
        cmds.append(c)
    return cmds


# --- usage strings -> COMMAND DOCS argument trees -------------------------

def tokenize(s):
    toks = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isspace():
            i += 1
        elif ch in '[]|':
            toks.append(ch)
            i += 1
        elif s.startswith('...', i):
            toks.append('...')
            i += 3
        else:
            j = i
            while j < len(s) and not s[j].isspace() and s[j] not in '[]|' and not s.startswith('...', j):
                j += 1
            toks.append(s[i:j])
            i = j
    return toks


def parse_usage(usage):
    toks = tokenize(usage)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        t = toks[pos[0]]
        pos[0] += 1
        return t

    def seq(end):
        # a sequence of items until `end` or '|' ; returns list of args
        items = []
        while peek() is not None and peek() != end and peek() != '|':
            it = item()
            # "a b [a b ...]" is one repeated block, as Redis documents it
            sub = it.get('args') or []
            k = len(sub)
            if it['type'] == 'block' and 'multiple' in it.get('flags', []) and k and \
                    [x['name'] for x in items[-k:]] == [x['name'] for x in sub]:
                del items[-k:]
                it['flags'] = ['multiple']
            items.append(it)
        return items

    def alternatives(end):
        alts = [seq(end)]
        while peek() == '|':
            take()
            alts.append(seq(end))
        return alts

    def group_of(alts, optional):
        if len(alts) == 1:
            items = alts[0]
            if len(items) == 1:
                a = dict(items[0])
                if optional:
                    a['flags'] = a.get('flags', []) + ['optional']
                return a
            a = dict(name=derive_name(items), type='block', args=items)
        else:
            args = [x[0] if len(x) == 1 else dict(name=derive_name(x), type='block', args=x)
                    for x in alts]
            a = dict(name=derive_name([args[0]]) if False else oneof_name(args), type='oneof',
                     args=args)
        if optional:
            a['flags'] = a.get('flags', []) + ['optional']
        return a

    def item():
        t = take()
        if t == '[':
            alts = alternatives(']')
            if peek() != ']':
                raise ValueError(f'unbalanced [ in {usage!r}')
            take()
            # "[a b ...]": the repetition belongs to the whole group
            last = alts[-1][-1] if alts[-1] else None
            rep = len(alts) == 1 and len(alts[0]) > 1 and last is not None and \
                'multiple' in last.get('flags', [])
            if rep:
                last['flags'] = [f for f in last['flags'] if f != 'multiple']
            a = group_of(alts, True)
            if rep:
                a['flags'] = a.get('flags', []) + ['multiple']
        elif t.isupper() or (t[0].isupper() and not t.islower()):
            # a literal token, possibly followed by its value(s)
            a = dict(name=t.lower(), type='pure-token', token=t)
        else:
            a = dict(name=t, type=arg_type(t))
        if peek() == '...':
            take()
            a['flags'] = a.get('flags', []) + ['multiple']
        return a

    out = []
    while peek() is not None:
        alts = alternatives(None)
        if len(alts) > 1:
            out.append(group_of(alts, False))
        else:
            out.extend(alts[0])
    return merge_token_values(out)


def merge_token_values(args):
    """Turn [TOKEN value] blocks into one argument with a token, as Redis's
    docs do (e.g. EX seconds -> {name: seconds, token: EX, type: integer})."""
    res = []
    for a in args:
        if a.get('args'):
            a['args'] = merge_token_values(a['args'])
            if a['type'] == 'block' and len(a['args']) == 2 and \
                    a['args'][0]['type'] == 'pure-token' and a['args'][1]['type'] != 'pure-token' \
                    and not a['args'][1].get('args'):
                v = dict(a['args'][1])
                v['token'] = a['args'][0]['token']
                v['flags'] = sorted(set(a.get('flags', []) + v.get('flags', [])))
                a = v
        res.append(a)
    return res


def arg_type(name):
    n = name.lower()
    if n in ('key', 'source', 'destination', 'newkey') or n.endswith('key'):
        return 'key'
    if n in ('seconds', 'milliseconds', 'count', 'offset', 'start', 'end', 'increment',
             'decrement', 'index', 'timeout', 'numkeys', 'db', 'cursor', 'unix-time-seconds',
             'unix-time-milliseconds', 'port', 'protover', 'len', 'value-integer', 'limit',
             'id', 'destination-db', 'index1', 'index2', 'numsamples', 'integer'):
        return 'integer'
    if n in ('pattern',):
        return 'pattern'
    if n in ('score', 'float', 'min', 'max', 'increment-float'):
        return 'double'
    return 'string'


def derive_name(items):
    for x in items:
        if x['type'] != 'pure-token':
            return x['name']
    return items[0]['name']


def oneof_name(args):
    return 'condition' if all(a['type'] == 'pure-token' for a in args) else args[0]['name']


# --- RESP serialization ----------------------------------------------------

class R:
    def __init__(self, proto):
        self.proto = proto
        self.out = []

    def arr(self, n):
        self.out.append(f'*{n}\r\n')

    def map(self, n):
        self.out.append(f'%{n}\r\n' if self.proto == 3 else f'*{2 * n}\r\n')

    def set(self, n):
        self.out.append(f'~{n}\r\n' if self.proto == 3 else f'*{n}\r\n')

    def bulk(self, s):
        b = s.encode()
        self.out.append(f'${len(b)}\r\n{s}\r\n')

    def simple(self, s):
        self.out.append(f'+{s}\r\n')

    def int(self, n):
        self.out.append(f':{n}\r\n')

    def text(self):
        return ''.join(self.out)


def keyspec_of(c):
    k = c['keys']
    if k == '-':
        return None
    if k.startswith('keynum:'):
        i, f, s = (int(x) for x in k[7:].split(','))
        return ('keynum', i, f, s)
    if k.startswith('custom:'):
        return ('custom', k[7:])
    f, l, s = (int(x) for x in k.split(','))
    return ('range', f, l, s)


def legacy_range(c):
    ks = keyspec_of(c)
    if ks is None or ks[0] == 'custom' and ks[1] == 'none':
        return (0, 0, 0)
    if ks[0] == 'range':
        return ks[1:]
    return (0, 0, 0)


# Flags that steer our dispatcher but that COMMAND INFO does not show (Redis
# keeps protected/sentinel internal too).
HIDDEN_FLAGS = {'container', 'allshards', 'sentinel', 'only_sentinel', 'protected',
                'no_propagate'}


def cmd_flags(c):
    fl = [f for f in c['flags'] if f not in HIDDEN_FLAGS]
    ks = keyspec_of(c)
    if ks and ks[0] in ('keynum', 'custom'):
        fl.append('movablekeys')
    return fl


def acl_cats(c):
    cats = list(c['acl'])
    for f in c['flags']:
        a = FLAG_ACL.get(f)
        if a and a not in cats:
            cats.insert(0, a)
    if 'fast' not in c['flags'] and 'slow' not in cats:
        cats.append('slow')
    return ['@' + x for x in cats]


def derived_key_flags(c):
    return ['RW', 'update'] if 'write' in c['flags'] else ['RO', 'access']


def acl_of(c):
    """ACL categories as COMMAND INFO shows them ('@string' ...)."""
    m = c.get('meta')
    return m['acl'] if m else acl_cats(c)


def keyflags_of(c):
    """The key specs' flags for COMMAND GETKEYSANDFLAGS, by the arguments
    each spec covers: "1,1:RW access delete|2,2:OW update" (first,last; last
    -1 = open-ended), '*' for a spec found by keyword or by the command's own
    code ("1,1:RO access|*:RO access|*:OW update" for SORT). cmd_command.c: a
    key takes the last numbered spec covering it, else the last '*' spec,
    else the first spec."""
    m = c.get('meta')
    if m is not None:
        parts = []
        for ks in m['key_specs']:
            bs, fk = ks['begin_search'], ks['find_keys']
            if bs['type'] == 'index':
                start = bs['spec']['index']
                last = fk['spec'].get('lastkey', -1) if fk['type'] == 'range' else -1
                cover = '%d,%d' % (start, start + last if last >= 0 else -1)
            else:
                cover = '*'
            parts.append('%s:%s' % (cover, ' '.join(ks['flags'])))
        return '|'.join(parts)
    ks = keyspec_of(c)
    if ks is None or ks[0] == 'custom':
        return ''
    return '%d,-1:%s' % (ks[1], ' '.join(derived_key_flags(c)))


def key_specs(r, c):
    ks = keyspec_of(c)
    if ks is None or ks[0] == 'custom':
        r.set(0)
        return
    flags = derived_key_flags(c)
    r.set(1)
    r.map(3)
    r.bulk('flags')
    r.set(len(flags))
    for f in flags:
        r.simple(f)
    r.bulk('begin_search')
    r.map(2)
    r.bulk('type')
    r.bulk('index')
    r.bulk('spec')
    r.map(1)
    r.bulk('index')
    r.int(ks[1])
    r.bulk('find_keys')
    r.map(2)
    if ks[0] == 'range':
        _, f, l, s = ks
        r.bulk('type')
        r.bulk('range')
        r.bulk('spec')
        r.map(3)
        r.bulk('lastkey')
        r.int(l - f if l >= 0 else l)
        r.bulk('keystep')
        r.int(s)
        r.bulk('limit')
        r.int(0)
    else:
        _, i, f, s = ks
        r.bulk('type')
        r.bulk('keynum')
        r.bulk('spec')
        r.map(3)
        r.bulk('keynumidx')
        r.int(0)
        r.bulk('firstkey')
        r.int(f)
        r.bulk('keystep')
        r.int(s)


# --- Redis's recorded metadata (commands.meta.json) ------------------------
#
# Reply shapes of Redis 7.0 (server.c addReplyCommandInfo / addReplyCommandDocs):
#   INFO  *10: name, arity, ~flags(+), first, last, step, ~acl(+), ~tips($),
#         ~key_specs(%), subcommands (*n of INFO entries, or ~0 when none)
#   key spec %: notes $, flags ~(+), begin_search %{type $, spec %{...}},
#         find_keys %{type $, spec %{...}}  (spec values: int : / string $)
#   DOCS  %: summary since group complexity deprecated_since replaced_by $,
#         doc_flags ~(+), history ~ of *2 [$version, $text], arguments * of
#         argument maps, subcommands % name -> DOCS
#   argument %: name type token summary since deprecated_since $,
#         key_spec_index :, flags ~(+), arguments * of argument maps

def meta_value(r, v):
    """A key-spec value: maps, sets of status strings, integers, strings."""
    if isinstance(v, dict):
        r.map(len(v))
        for k, x in v.items():
            r.bulk(k)
            meta_value(r, x)
    elif isinstance(v, list):
        r.set(len(v))
        for x in v:
            r.simple(x)
    elif isinstance(v, int):
        r.int(v)
    else:
        r.bulk(v)


def meta_info_reply(r, c, m):
    r.arr(10)
    r.bulk(c['name'])
    r.int(m['arity'])
    r.set(len(m['flags']))
    for f in m['flags']:
        r.simple(f)
    r.int(m['first'])
    r.int(m['last'])
    r.int(m['step'])
    r.set(len(m['acl']))
    for a in m['acl']:
        r.simple(a)
    r.set(len(m['tips']))
    for t in m['tips']:
        r.bulk(t)
    r.set(len(m['key_specs']))
    for ks in m['key_specs']:
        meta_value(r, ks)


def meta_arg(r, a):
    r.map(len(a))
    for k, v in a.items():
        r.bulk(k)
        if k == 'key_spec_index':
            r.int(v)
        elif k == 'flags':
            r.set(len(v))
            for f in v:
                r.simple(f)
        elif k == 'arguments':
            r.arr(len(v))
            for x in v:
                meta_arg(r, x)
        else:
            r.bulk(v)


def meta_docs_reply(r, c, d):
    # Redis's prose (summary, complexity, history) is never recorded: the
    # summary is ours, from commands.def, in the place Redis puts it.
    d = dict([('summary', c['summary'])] + [(k, v) for k, v in d.items() if k != 'summary'])
    n = len(d) + (1 if c['subs'] else 0)
    r.map(n)
    for k, v in d.items():
        r.bulk(k)
        if k == 'doc_flags':
            r.set(len(v))
            for f in v:
                r.simple(f)
        elif k == 'history':
            r.set(len(v))
            for ver, text in v:
                r.arr(2)
                r.bulk(ver)
                r.bulk(text)
        elif k == 'arguments':
            r.arr(len(v))
            for a in v:
                meta_arg(r, a)
        else:
            r.bulk(v)


def subcommands_info(r, c):
    # Redis: an array of the subcommands' entries, or an empty set if none
    if not c['subs']:
        r.set(0)
        return
    r.arr(len(c['subs']))
    for s in c['subs']:
        info_reply(r, s)


def info_reply(r, c):
    m = c.get('meta')
    if m:
        meta_info_reply(r, c, m)
        subcommands_info(r, c)
        return
    lf, ll, ls = legacy_range(c)
    r.arr(10)
    r.bulk(c['name'])
    r.int(c['arity'])
    fl = cmd_flags(c)
    r.set(len(fl))
    for f in fl:
        r.simple(f)
    r.int(lf)
    r.int(ll)
    r.int(ls)
    cats = acl_cats(c)
    r.set(len(cats))
    for a in cats:
        r.simple(a)
    r.set(0)  # tips
    key_specs(r, c)
    subcommands_info(r, c)


def doc_arg(r, a):
    fields = [('name', a['name']), ('type', a['type'])]
    if a.get('token'):
        fields.append(('token', a['token']))
    n = len(fields) + (1 if a.get('flags') else 0) + (1 if a.get('args') else 0)
    if a['type'] == 'key':
        n += 1
    r.map(n)
    for k, v in fields:
        r.bulk(k)
        r.bulk(v)
    if a['type'] == 'key':
        r.bulk('key_spec_index')
        r.int(0)
    if a.get('flags'):
        r.bulk('flags')
        r.set(len(a['flags']))
        for f in a['flags']:
            r.simple(f)
    if a.get('args'):
        r.bulk('arguments')
        r.arr(len(a['args']))
        for x in a['args']:
            doc_arg(r, x)


def docs_reply(r, c):
    m = c.get('meta')
    if m:
        meta_docs_reply(r, c, m['docs'])
        if c['subs']:
            r.bulk('subcommands')
            r.map(len(c['subs']))
            for s in c['subs']:
                r.bulk(s['name'])
                docs_reply(r, s)
        return
    args = parse_usage(c['usage']) if c['usage'] else []
    n = 3 + (1 if args else 0) + (1 if c['subs'] else 0)
    r.map(n)
    r.bulk('summary')
    r.bulk(c['summary'])
    r.bulk('since')
    r.bulk(c['since'])
    r.bulk('group')
    r.bulk(c['group'])
    if args:
        r.bulk('arguments')
        r.arr(len(args))
        for a in args:
            doc_arg(r, a)
    if c['subs']:
        r.bulk('subcommands')
        r.map(len(c['subs']))
        for s in c['subs']:
            r.bulk(s['name'])
            docs_reply(r, s)


def cstr(s):
    out = []
    for o in s.encode('utf-8'):
        ch = chr(o)
        if ch == '\\':
            out.append('\\\\')
        elif ch == '"':
            out.append('\\"')
        elif ch == '\r':
            out.append('\\r')
        elif ch == '\n':
            out.append('\\n')
        elif o < 32 or o > 126:
            out.append('\\%03o' % o)
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'


FLAG_BITS = ['write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking',
             'loading', 'stale', 'skip_monitor', 'skip_slowlog', 'fast', 'no_auth',
             'may_replicate', 'no_mandatory_keys', 'protected', 'no_multi', 'allow_busy',
             'container', 'allshards', 'no_propagate', 'sentinel', 'only_sentinel',
             'no_async_loading']


def handler_name(c):
    return 'cmd_' + re.sub(r'[^a-z0-9]', '_', c['name'])


def gen_c(cmds, out):
    w = out.write
    w('/* Generated by tools/gencmd.py from app/commands.def. Do not edit. */\n')
    w('#include "cmdtable.h"\n\n')
    handlers = sorted({handler_name(c) for c in cmds if 'container' not in c['flags']})
    customs = sorted({keyspec_of(c)[1] for c in cmds
                      if keyspec_of(c) and keyspec_of(c)[0] == 'custom'})
    for h in handlers:
        w(f'void {h}(struct cmdctx *c);\n')
    # Weak placeholders let the tree link while a command is being written;
    # the 'commands-implemented' test fails if any is left in the binary.
    w('\n#define PLACEHOLDER(fn) \\\n'
      '    __attribute__((weak)) void fn(struct cmdctx *c) \\\n'
      '    { reply_error(c->r, "ERR command not implemented"); }\n')
    for h in handlers:
        w(f'PLACEHOLDER({h})\n')
    for k in customs:
        w(f'int keys_{k}(int argc, const struct sarg *argv, int *out, int max);\n')
    w('\n')

    def entry(c, idx_subs):
        ks = keyspec_of(c)
        kind, a1, a2, a3, kfn = 'KS_NONE', 0, 0, 0, 'NULL'
        if ks:
            if ks[0] == 'range':
                kind, a1, a2, a3 = 'KS_RANGE', ks[1], ks[2], ks[3]
            elif ks[0] == 'keynum':
                kind, a1, a2, a3 = 'KS_KEYNUM', ks[1], ks[2], ks[3]
            else:
                kind, kfn = 'KS_CUSTOM', 'keys_' + ks[1]
        flags = ' | '.join('CMD_' + f.upper() for f in c['flags']) or '0'
        for f in c['flags']:
            if f not in FLAG_BITS:
                sys.exit(f'commands.def:{c["lineno"]}: unknown flag {f}')
        r2, r3, d2, d3 = R(2), R(3), R(2), R(3)
        info_reply(r2, c)
        info_reply(r3, c)
        docs_reply(d2, c)
        docs_reply(d3, c)
        h = 'NULL' if 'container' in c['flags'] else handler_name(c)
        subs = f'{idx_subs}' if c['subs'] else 'NULL'
        nsubs = len(c['subs'])
        fullname = c['name']
        shortname = c.get('sub', c['name'])
        return (f'    {{ {cstr(fullname)}, {cstr(shortname)}, {c["arity"]}, {flags}, '
                f'{{ {kind}, {a1}, {a2}, {a3}, {kfn} }}, {h}, {subs}, {nsubs}, '
                f'{cstr(c["group"])},\n      {cstr(r2.text())},\n      {cstr(r3.text())},\n'
                f'      {cstr(d2.text())},\n      {cstr(d3.text())},\n'
                f'      {cstr(" ".join(acl_of(c)))}, {cstr(keyflags_of(c))} }},\n')

    tops = [c for c in cmds if c['parent'] is None]
    for c in tops:
        if c['subs']:
            arr = 'sub_' + handler_name(c)[4:]
            w(f'static struct cmd {arr}[] = {{\n')
            for s in c['subs']:
                w(entry(s, None))
            w('};\n')
    w('\nstruct cmd cmd_table[] = {\n')
    for c in tops:
        arr = 'sub_' + handler_name(c)[4:] if c['subs'] else None
        w(entry(c, arr))
    w('};\n')
    w(f'const int cmd_table_len = {len(tops)};\n')


def gen_md(cmds, out):
    w = out.write
    w('# Command compatibility\n\n')
    w('Generated by `tools/gencmd.py --docs` from `app/commands.def` (the same source as the\n')
    w('command table, COMMAND INFO and COMMAND DOCS). Every command listed is implemented;\n')
    w('a note says where behaviour differs from Redis 7.0.\n\n')
    groups = {}
    for c in cmds:
        if 'container' in c['flags']:
            continue
        groups.setdefault(c['group'], []).append(c)
    for g in sorted(groups):
        w(f'## {g}\n\n| command | arity | flags | since | summary | notes |\n')
        w('| --- | --- | --- | --- | --- | --- |\n')
        for c in sorted(groups[g], key=lambda x: x['name']):
            nm = c['name'].upper().replace('|', ' ')
            d = c
            w(f'| `{nm}` | {c["arity"]} | {" ".join(c["flags"])} | {d["since"]} | '
              f'{d["summary"]} | {c["note"]} |\n')
        w('\n')


def load(defpath):
    """commands.def, with each command's recorded Redis metadata attached."""
    cmds = parse(defpath)
    mpath = os.path.join(os.path.dirname(os.path.abspath(defpath)), 'commands.meta.json')
    if os.path.exists(mpath):
        with open(mpath, encoding='utf-8') as f:
            meta = json.load(f)
        for c in cmds:
            c['meta'] = meta.get(c['name'])
    return cmds


def check(cmds):
    """Disagreements between commands.def and Redis's recorded metadata."""
    problems = []
    for c in cmds:
        m = c.get('meta')
        if not m:
            continue
        where = f'commands.def:{c["lineno"]}: {c["name"]}'
        if m['arity'] != c['arity']:
            problems.append(f'{where}: arity {c["arity"]}, Redis {m["arity"]}')
        ours = set(cmd_flags(c))
        if ours != set(m['flags']):
            problems.append(f'{where}: flags {sorted(ours)}, Redis {sorted(m["flags"])}')
        if set(acl_cats(c)) != set(m['acl']):
            problems.append(f'{where}: acl {sorted(acl_cats(c))}, Redis {sorted(m["acl"])}')
        if c['group'] != m['docs'].get('group'):
            problems.append(f'{where}: group {c["group"]}, Redis {m["docs"].get("group")}')
    return problems


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == '--docs':
        with open(args[2], 'w', encoding='utf-8') as f:
            gen_md(load(args[1]), f)
        return
    if len(args) == 2 and args[0] == '--check':
        problems = check(load(args[1]))
        for p in problems:
            print(p)
        sys.exit(1 if problems else 0)
    if len(args) != 2:
        sys.exit('usage: gencmd.py commands.def cmdtable.c | --docs commands.def commands.md'
                 ' | --check commands.def')
    cmds = load(args[0])
    with open(args[1], 'w', encoding='utf-8') as f:
        gen_c(cmds, f)


if __name__ == '__main__':
    main()
