#!/usr/bin/python3
"""bench_streams.py — streams, Slipstream vs redis-server, in one run.

Debian's redis-server (--save '' --appendonly no) and Slipstream (kernel
sockets, --workers 1: its worker on the core redis-server gets, its control
thread, which mostly sleeps, beside the client) on the same core budget,
one server at a time, alternating each round, redis-benchmark pinned to
another core with identical parameters (issue 12):

  throughput  at -P 16 (and -P 1), 50 clients, median of --rounds rounds:
                XADD        XADD s * with 5 fields
                XRANGE      XRANGE r <random ID> + COUNT 10 over 100,000 entries
                XREADGROUP  XREADGROUP GROUP g c COUNT 10 STREAMS q > (the group
                            reads on through 2,000,000 entries)
                XACK        XACK q g <random ID> of the entries just read
              and the server's CPU time per request (utime + stime of its
              process from /proc/PID/stat, over the run, all threads), so a
              ratio holds on a machine where the client is the bottleneck
              too. Ratios: throughput slipstream/redis (>= 1.0 is the bar)
              and CPU per request redis/slipstream.
  memory      used_memory and RSS after 1,000,000 entries with 5 fields, in
              one stream and in 1,000 streams of ~1,000 (XADD * pipelined by
              redis-benchmark; the empty server's figures subtracted), and
              RSS again after MEMORY PURGE on both (the allocators' dirty
              pages handed back). Ratios slipstream/redis (<= 1.0 is the
              bar, on used_memory and the first RSS).

The streams for XRANGE and XREADGROUP are built once (on redis-server,
explicit IDs) and RESTOREd from the same DUMP payload into each server.

    pktgen-tests/bench_streams.py [--bin PATH] [--requests N] [--rounds R]
                                  [--only throughput|memory]

Figures from a shared machine are preliminary. Exit status 0 when every
case meets its bar, 1 otherwise.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import redis

from benchlib import ROOT, free_port, parse_csv, start, stop

FIVE = ['temp', '21.5', 'humidity', '40', 'pressure', '1013.25', 'status', 'ok',
        'device', 'sensor-000017']
CLK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid):
    """utime + stime of a process, every thread, in seconds."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def rss_bytes(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def benchmark(port, args, pipeline, requests, clients, client_cpu, keyspace):
    cmd = ['taskset', '-c', str(client_cpu), 'redis-benchmark', '-h', '127.0.0.1', '-p',
           str(port), '-c', str(clients), '-n', str(requests), '-P', str(pipeline),
           '-r', str(keyspace), '--csv'] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    rows = parse_csv(out)
    if not rows:
        raise RuntimeError('no output from ' + ' '.join(cmd))
    return rows[0]['rps']


def build_payloads(tmp):
    """DUMP payloads of the XRANGE stream (100,000 entries, IDs i-0) and of
    the XREADGROUP stream (2,000,000 entries, group g at 0), built once on
    a scratch redis-server."""
    port = free_port()
    p = start(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--save', '',
               '--appendonly', 'no', '--dir', tmp], port, tmp)
    try:
        r = redis.Redis(port=port, socket_timeout=120)
        out = {}
        for key, n in (('r', 100000), ('q', 2000000)):
            pl = r.pipeline(transaction=False)
            for i in range(1, n + 1):
                pl.execute_command('XADD', key, '%d-0' % i, *FIVE)
                if i % 5000 == 0:
                    pl.execute()
            pl.execute()
            if key == 'q':
                r.xgroup_create('q', 'g', '0')
            out[key] = r.dump(key)
        return out
    finally:
        stop(p)


def restore(port, payloads):
    r = redis.Redis(port=port, socket_timeout=300)
    r.flushall()
    for k, v in payloads.items():
        r.restore(k, 0, v)


CASES = [
    ('XADD', ['XADD', 's', '*'] + FIVE, 1),
    ('XRANGE', ['XRANGE', 'r', '__rand_int__', '+', 'COUNT', '10'], 100000),
    ('XREADGROUP', ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', 'q', '>'], 1),
    ('XACK', ['XACK', 'q', 'g', '__rand_int__'], None),  # keyspace: entries read so far
]


def throughput(a, servers, payloads):
    """{(case, pipeline): {server: (rps, cpu_us_per_request)}} medians."""
    runs = {}
    for rnd in range(a.rounds):
        for name, cmd in servers:
            port = free_port()
            cmd = [c.replace('@PORT@', str(port)) for c in cmd]
            tmp = tempfile.mkdtemp(prefix='ss-bench-streams-')
            srv = start(cmd, port, tmp)
            try:
                for pl in (16, 1):
                    restore(port, payloads)
                    for case, args, keyspace in CASES:
                        n = a.requests if pl == 16 else a.requests // 4
                        if case == 'XREADGROUP':
                            n = min(n, 150000)
                        if keyspace is None:  # XACK: IDs of entries read so far
                            keyspace = 10 * min(n, 150000)
                        c0 = cpu_seconds(srv.pid)
                        rps = benchmark(port, args, pl, n, a.clients, a.client_cpu, keyspace)
                        cpu = (cpu_seconds(srv.pid) - c0) / n * 1e6
                        runs.setdefault((case, pl, name), []).append((rps, cpu))
            finally:
                stop(srv)
                shutil.rmtree(tmp, ignore_errors=True)
    res = {}
    for (case, pl, name), v in runs.items():
        v = sorted(v)
        res.setdefault((case, pl), {})[name] = v[len(v) // 2]
    return res


def used_memory(r):
    return int(r.info('memory')['used_memory'])


def memory(a, servers):
    rows = []
    for shape, keys, args in (('1 stream', 1, ['XADD', 's', '*'] + FIVE),
                              ('1,000 streams', 1000, ['XADD', 's:__rand_int__', '*'] + FIVE)):
        res = {}
        for name, cmd in servers:
            port = free_port()
            cmd = [c.replace('@PORT@', str(port)) for c in cmd]
            tmp = tempfile.mkdtemp(prefix='ss-bench-streams-')
            srv = start(cmd, port, tmp)
            try:
                r = redis.Redis(port=port)
                time.sleep(0.5)
                base_used, base_rss = used_memory(r), rss_bytes(srv.pid)
                benchmark(port, args, 64, 1000000, 50, a.client_cpu, keys)
                time.sleep(0.5)
                n = sum(r.xlen(k) for k in r.scan_iter(count=1000))
                assert n == 1000000, n
                used, rss = used_memory(r) - base_used, rss_bytes(srv.pid) - base_rss
                # and once the allocators hand back their dirty pages
                r.execute_command('MEMORY', 'PURGE')
                time.sleep(0.3)
                res[name] = (used, rss, rss_bytes(srv.pid) - base_rss)
            finally:
                stop(srv)
                shutil.rmtree(tmp, ignore_errors=True)
        rows.append((shape, res))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'app', 'slipstream'))
    ap.add_argument('--requests', type=int, default=400000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--server-cpu', type=int, default=1)
    ap.add_argument('--client-cpu', type=int, default=0)
    ap.add_argument('--only', choices=['throughput', 'memory'])
    a = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        a.server_cpu = a.client_cpu = 0
    servers = [
        ('redis', ['taskset', '-c', str(a.server_cpu), 'redis-server', '--port', '@PORT@',
                   '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']),
        ('slipstream', [a.bin, '--port', '@PORT@', '--bind', '127.0.0.1', '--save', '',
                        '--appendonly', 'no', '--workers', '1']),
    ]
    ok = True
    if a.only in (None, 'throughput'):
        tmp = tempfile.mkdtemp(prefix='ss-bench-streams-')
        try:
            payloads = build_payloads(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        res = throughput(a, servers, payloads)
        print(f'{"command":<11}{"-P":>4}{"redis ops/s":>13}{"slip ops/s":>12}{"ratio":>8}'
              f'{"redis us/req":>14}{"slip us/req":>13}{"cpu ratio":>11}')
        for (case, pl), v in sorted(res.items(), key=lambda x: (-x[0][1], x[0][0])):
            (rr, rc), (sr, sc) = v['redis'], v['slipstream']
            if pl == 16:
                ok = ok and sr >= rr
            print(f'{case:<11}{pl:>4}{rr:>13.0f}{sr:>12.0f}{sr / rr:>7.2f}x{rc:>14.3f}'
                  f'{sc:>13.3f}{(rc / sc if sc else 0):>10.2f}x', flush=True)
    if a.only in (None, 'memory'):
        print(f'\n{"1,000,000 entries":<16}{"redis MB":>10}{"slip MB":>10}{"ratio":>7}'
              f'{"redis RSS":>11}{"slip RSS":>10}{"ratio":>7}'
              f'{"purged: redis":>15}{"slip":>7}{"ratio":>7}')
        for shape, res in memory(a, servers):
            (ru, rr, rp), (su, sr, sp) = res['redis'], res['slipstream']
            ok = ok and su <= ru and sr <= rr
            print(f'{shape:<16}{ru / 1e6:>10.2f}{su / 1e6:>10.2f}{su / ru:>7.3f}'
                  f'{rr / 1e6:>11.2f}{sr / 1e6:>10.2f}{sr / rr:>7.3f}'
                  f'{rp / 1e6:>15.2f}{sp / 1e6:>7.2f}{sp / rp:>7.3f}', flush=True)
    print('\nbars (throughput >= 1.0x at -P 16, memory <= 1.0x):', 'MET' if ok else 'NOT MET')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
