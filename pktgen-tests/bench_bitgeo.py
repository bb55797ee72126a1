#!/usr/bin/python3
"""bench_bitgeo.py — bitmaps, HyperLogLog and geo: Slipstream vs redis-server.

Starts Debian's redis-server (--save '' --appendonly no) and Slipstream
(kernel sockets, --workers 1, --save ''), both pinned to the same core, and
the load on another core, in the same run (issue 12):

  SETBIT    SETBIT bm <random bit> 1 on a 1 MB bitmap
  BITCOUNT  BITCOUNT bm (the whole 1 MB bitmap)
  BITOP     BITOP XOR dst bm bm2 (two 1 MB bitmaps)
  PFADD     PFADD hll el:<random> (dense after the first thousands)
  PFCOUNT   PFCOUNT hll (cached), PFCOUNT hll hll2 (merged every time)
  GEOADD    GEOADD geo <random lon> <random lat> m:<random>
  GEOSEARCH GEOSEARCH pts FROMLONLAT <random> BYRADIUS 1 km over 100,000
            points in a 1 x 1 degree square (about 30 results each)

each at -P 16 with 50 connections, median of --rounds rounds. For every
case it prints both servers' throughput and the server CPU time per request
(utime + stime of the whole process from /proc/PID/stat, every thread
counted), and their ratios. redis-benchmark drives every case but SETBIT
(its __rand_int__ is zero-padded, which no bit offset parser takes); SETBIT
uses the pipelined client below, which may be the bottleneck: its CPU per
request is the figure to read then. Bars: throughput >= 1.0x, CPU per
request <= 1.0x.

    pktgen-tests/bench_bitgeo.py [--bin PATH] [--requests N] [--rounds R]

On a shared machine the figures are preliminary.
"""
import argparse
import os
import random
import selectors
import shutil
import socket
import sys
import tempfile
import time

import redis

from benchlib import ROOT, free_port, run_benchmark, start, stop

TICK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def resp(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)


def pipelined(port, batches, requests, clients, pipeline, reply_len):
    """Send `requests` commands over `clients` connections, `pipeline` at a
    time per connection, from precomputed batches; every reply has
    reply_len bytes (integer replies). Returns requests per second."""
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(clients):
        s = socket.create_connection(('127.0.0.1', port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        st = {'s': s, 'pending': 0, 'buf': 0, 'next': i}
        conns.append(st)
        sel.register(s, selectors.EVENT_READ, st)
    sent = done = 0
    t0 = time.time()

    def fire(st):
        nonlocal sent
        b = batches[st['next'] % len(batches)]
        st['next'] += 1
        st['s'].sendall(b)
        st['pending'] = pipeline
        sent += pipeline

    for st in conns:
        if sent < requests:
            fire(st)
    while done < requests:
        for key, _ in sel.select(5):
            st = key.data
            data = st['s'].recv(1 << 16)
            if not data:
                raise RuntimeError('server closed a connection')
            st['buf'] += len(data)
            got = st['buf'] // reply_len
            st['buf'] -= got * reply_len
            st['pending'] -= got
            done += got
            if st['pending'] == 0 and sent < requests:
                fire(st)
    dt = time.time() - t0
    for st in conns:
        st['s'].close()
    return requests / dt


def setbit_batches(pipeline, nbits):
    rnd = random.Random(1)
    return [b''.join(resp('SETBIT', 'bm', rnd.randrange(nbits), 1) for _ in range(pipeline))
            for _ in range(2000)]


CASES = [
    ('SETBIT', None),
    ('BITCOUNT', ['BITCOUNT', 'bm']),
    ('BITOP', ['BITOP', 'XOR', 'dst', 'bm', 'bm2']),
    ('PFADD', ['PFADD', 'hll', 'el:__rand_int__']),
    ('PFCOUNT', ['PFCOUNT', 'hll']),
    ('PFCOUNT2', ['PFCOUNT', 'hll', 'hll2']),
    ('GEOADD', ['GEOADD', 'geo', '__rand_int__e-5', '__rand_int__e-5', 'm:__rand_int__']),
    ('GEOSEARCH', ['GEOSEARCH', 'pts', 'FROMLONLAT', '__rand_int__e-5', '__rand_int__e-5',
                   'BYRADIUS', '1', 'km']),
]

# requests per case, relative to --requests (the heavy ones do fewer)
SCALE = {'BITCOUNT': 0.02, 'BITOP': 0.01, 'PFCOUNT2': 0.05, 'GEOSEARCH': 0.2}


def prepare(port):
    r = redis.Redis(port=port)
    r.flushall()
    rnd = random.Random(2)
    r.set('bm', bytes(rnd.getrandbits(8) for _ in range(1 << 20)))
    r.set('bm2', bytes(rnd.getrandbits(8) for _ in range(1 << 20)))
    r.pfadd('hll2', *['x%d' % i for i in range(50000)])
    p = r.pipeline(transaction=False)
    for base in range(0, 100000, 1000):
        args = []
        for i in range(base, base + 1000):
            args += [rnd.random(), rnd.random(), 'p%d' % i]
        p.execute_command('GEOADD', 'pts', *args)
    p.execute()
    r.close()


def run_case(name, args, port, pid, a, batches):
    n = max(1000, int(a.requests * SCALE.get(name, 1.0)))
    c0 = cpu_seconds(pid)
    if args is None:
        rps = pipelined(port, batches, n, a.clients, a.pipeline, 4)
    else:
        rps = run_benchmark(port, args, a.pipeline, n, a.clients, a.client_cpu,
                            keyspace=100000)['rps']
    cpu = (cpu_seconds(pid) - c0) / n * 1e6  # us per request
    return rps, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'app', 'slipstream'))
    ap.add_argument('--requests', type=int, default=400000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--pipeline', type=int, default=16)
    ap.add_argument('--server-cpu', type=int, default=1)
    ap.add_argument('--client-cpu', type=int, default=0)
    ap.add_argument('--only', help='comma-separated case names')
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)  # the servers run in a temp dir
    if (os.cpu_count() or 1) < 2:
        a.server_cpu = a.client_cpu = 0
    os.sched_setaffinity(0, {a.client_cpu})  # the SETBIT client too

    tmp = tempfile.mkdtemp(prefix='ss-bench-bitgeo-')
    rport, sport = free_port(), free_port()
    rsrv = start(['taskset', '-c', str(a.server_cpu), 'redis-server', '--port', str(rport),
                  '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
                 rport, tmp)
    ssrv = start(['taskset', '-c', str(a.server_cpu), a.bin, '--port', str(sport), '--bind',
                  '127.0.0.1', '--save', '', '--workers', '1'], sport, tmp)
    servers = (('redis', rport, rsrv.pid), ('slipstream', sport, ssrv.pid))
    batches = setbit_batches(a.pipeline, 1 << 23)
    only = set(a.only.split(',')) if a.only else None
    ok = True
    try:
        for _, port, _ in servers:
            prepare(port)
        print(f'{"case":<10}{"redis ops/s":>13}{"slip ops/s":>13}{"ratio":>8}'
              f'{"redis us/op":>13}{"slip us/op":>12}{"ratio":>8}')
        for name, args in CASES:
            if only and name not in only:
                continue
            runs = {'redis': [], 'slipstream': []}
            for _ in range(a.rounds):
                for srv, port, pid in servers:
                    runs[srv].append(run_case(name, args, port, pid, a, batches))
            med = {}
            for srv, v in runs.items():
                med[srv] = (sorted(x[0] for x in v)[len(v) // 2],
                            sorted(x[1] for x in v)[len(v) // 2])
            (rr, rc), (sr, sc) = med['redis'], med['slipstream']
            tput, cpu = sr / rr, (sc / rc if rc else float('inf'))
            ok = ok and tput >= 1.0 and cpu <= 1.0
            print(f'{name:<10}{rr:>13.0f}{sr:>13.0f}{tput:>7.2f}x{rc:>13.2f}{sc:>12.2f}'
                  f'{cpu:>7.2f}x', flush=True)
    finally:
        stop(rsrv)
        stop(ssrv)
        shutil.rmtree(tmp, ignore_errors=True)
    print('\nbars (throughput >= 1.0x redis, CPU per request <= 1.0x):',
          'MET' if ok else 'NOT MET')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
