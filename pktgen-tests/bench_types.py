#!/usr/bin/python3
"""bench_types.py — data-type memory and throughput, Slipstream vs redis-server.

Starts Debian's redis-server (--save '' --appendonly no) and Slipstream
(kernel sockets, --workers 1, --save ''), each pinned to the same core, in
the same run, and measures (issue 4):

  memory      used_memory (INFO memory) after loading 1,000,000 elements
              into each server, per type and shape:
                small  10,000 keys x 100 elements  (listpack / intset)
                large  10 keys x 100,000 elements  (hashtable / skiplist)
              for hash fields, set members (small: integers -> intset;
              large: strings -> hashtable) and sorted-set members. Each
              case starts from FLUSHALL; the baseline used_memory of the
              empty server is subtracted, and both the data delta and the
              total are printed with Slipstream/Redis ratios (lower is
              better; the bar is <= 1.0).
  throughput  redis-benchmark (pinned to another core) with identical
              parameters against each server: HSET, LPUSH, LPOP, SADD,
              ZADD and ZRANGE (custom-command form for those -t lacks),
              -P 1 and -P 16, median of --rounds rounds; the bar is >= 1.0x.

    pktgen-tests/bench_types.py [--bin PATH] [--requests N] [--rounds R]
                                [--only memory|throughput]

Exit status 0 when every case meets both bars, 1 otherwise.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import redis

from benchlib import ROOT, free_port, run_benchmark, start, stop


# ---- memory -----------------------------------------------------------------

def used_memory(r):
    return int(r.info('memory')['used_memory'])


def load(r, kind, nkeys, per_key):
    """Load nkeys x per_key elements of a type, in pipelined batches of
    multi-element commands (<= 1000 elements per command)."""
    chunk = min(per_key, 1000)
    p = r.pipeline(transaction=False)
    queued = 0
    for k in range(nkeys):
        key = f'{kind}:{k}'
        for base in range(0, per_key, chunk):
            ids = range(base, min(base + chunk, per_key))
            if kind == 'hash':
                args = []
                for i in ids:
                    args += [f'field:{i}', f'v{i}']
                p.execute_command('HSET', key, *args)
            elif kind == 'set':
                if per_key <= 512:
                    p.execute_command('SADD', key, *[str(i * 7) for i in ids])
                else:
                    p.execute_command('SADD', key, *[f'member:{i}' for i in ids])
            else:
                args = []
                for i in ids:
                    args += [str(i), f'member:{i}']
                p.execute_command('ZADD', key, *args)
            queued += 1
            if queued >= 200:
                p.execute()
                queued = 0
    p.execute()


def encoding_of(r, kind):
    return r.object('encoding', f'{kind}:0').decode()


def memory_cases(rport, sport):
    rr = redis.Redis(port=rport)
    sr = redis.Redis(port=sport)
    rows = []
    for kind in ('hash', 'set', 'zset'):
        for shape, nkeys, per in (('small', 10000, 100), ('large', 10, 100000)):
            res = {}
            for name, r in (('redis', rr), ('slipstream', sr)):
                r.flushall()
                time.sleep(0.2)
                base = used_memory(r)
                load(r, kind, nkeys, per)
                time.sleep(0.2)
                total = used_memory(r)
                res[name] = (total - base, total, encoding_of(r, kind))
                r.flushall()
            rows.append((kind, shape, res))
    return rows


# ---- throughput -------------------------------------------------------------

CASES = [
    ('HSET', ['HSET', 'h:__rand_int__', 'f:__rand_int__', 'v']),
    ('LPUSH', ['-t', 'lpush']),
    ('LPOP', ['-t', 'lpop']),
    ('SADD', ['SADD', 's:__rand_int__', '__rand_int__']),
    ('ZADD', ['ZADD', 'z:__rand_int__', '__rand_int__', 'm:__rand_int__']),
    ('ZRANGE', ['ZRANGE', 'bench:zset', '0', '9', 'WITHSCORES']),
]


def bench(port, args, pipeline, requests, clients, client_cpu):
    return run_benchmark(port, args, pipeline, requests, clients, client_cpu, keyspace=1000)['rps']


def throughput_cases(rport, sport, a):
    for port in (rport, sport):
        r = redis.Redis(port=port)
        r.flushall()
        r.zadd('bench:zset', {f'member:{i}': i for i in range(100)})
    rows = []
    for name, args in CASES:
        for pl in (1, 16):
            runs = {'redis': [], 'slipstream': []}
            for _ in range(a.rounds):
                for srv, port in (('redis', rport), ('slipstream', sport)):
                    if name == 'LPOP':  # keep the list non-empty
                        bench(port, ['-t', 'lpush'], pl, a.requests, a.clients, a.client_cpu)
                    runs[srv].append(bench(port, args, pl, a.requests, a.clients,
                                           a.client_cpu))
            med = {k: sorted(v)[len(v) // 2] for k, v in runs.items()}
            rows.append((name, pl, med['redis'], med['slipstream']))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'app', 'slipstream'))
    ap.add_argument('--requests', type=int, default=200000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--server-cpu', type=int, default=1)
    ap.add_argument('--client-cpu', type=int, default=0)
    ap.add_argument('--only', choices=['memory', 'throughput'])
    a = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        a.server_cpu = a.client_cpu = 0

    tmp = tempfile.mkdtemp(prefix='ss-bench-types-')
    rport, sport = free_port(), free_port()
    rsrv = start(['taskset', '-c', str(a.server_cpu), 'redis-server', '--port', str(rport),
                  '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
                 rport, tmp)
    ssrv = start([a.bin, '--port', str(sport), '--bind', '127.0.0.1', '--save', '',
                  '--workers', '1'], sport, tmp)
    ok = True
    try:
        if a.only in (None, 'memory'):
            print(f'{"type":<6}{"shape":<7}{"encoding (redis/slip)":<24}{"redis MB":>10}'
                  f'{"slip MB":>10}{"ratio":>7}{"redis tot":>11}{"slip tot":>10}{"ratio":>7}')
            for kind, shape, res in memory_cases(rport, sport):
                (rd, rt, renc), (sd, st, senc) = res['redis'], res['slipstream']
                ratio, tratio = sd / rd, st / rt
                ok = ok and tratio <= 1.0
                print(f'{kind:<6}{shape:<7}{renc + "/" + senc:<24}{rd / 1e6:>10.2f}'
                      f'{sd / 1e6:>10.2f}{ratio:>7.2f}{rt / 1e6:>11.2f}{st / 1e6:>10.2f}'
                      f'{tratio:>7.2f}', flush=True)
        if a.only in (None, 'throughput'):
            print(f'\n{"command":<8}{"-P":>4}{"redis ops/s":>14}{"slip ops/s":>14}{"ratio":>8}')
            for name, pl, r, s in throughput_cases(rport, sport, a):
                ok = ok and s >= r
                print(f'{name:<8}{pl:>4}{r:>14.0f}{s:>14.0f}{s / r:>7.2f}x', flush=True)
    finally:
        stop(rsrv)
        stop(ssrv)
        shutil.rmtree(tmp, ignore_errors=True)
    print('\nbars (memory <= 1.0x redis, throughput >= 1.0x):', 'MET' if ok else 'NOT MET')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
