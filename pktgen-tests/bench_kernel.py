#!/usr/bin/python3
"""bench_kernel.py — Slipstream vs redis-server on loopback, same run.

Runs Debian's redis-server and Slipstream (kernel-socket transport,
`--workers 1`) in turn, with persistence off, each server pinned to the
same core, and redis-benchmark (pinned to another core) against each with
identical parameters: SET and GET, 50 clients, -P 1 and -P 16. Each round
starts one server at a time and the rounds alternate; the median round is
reported. Prints
throughput and p50/p99 latency for both and Slipstream's ratio.

    pktgen-tests/bench_kernel.py [--requests N] [--rounds R] [--bin PATH]

Exit status 0 when every case meets issue 2's bar (>= 1.1x throughput and
no worse p99 at -P 1 and -P 16), 1 otherwise (the figures are printed
either way).
"""
import argparse
import os
import shutil
import sys
import tempfile

from benchlib import ROOT, free_port, run_benchmark, start, stop


def bench(port, test, pipeline, requests, clients, client_cpu):
    r = run_benchmark(port, ['-t', test], pipeline, requests, clients, client_cpu)
    return dict(rps=r['rps'], p50=r['p50_latency_ms'], p99=r['p99_latency_ms'],
                avg=r['avg_latency_ms'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--requests', type=int, default=400000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'app', 'slipstream'))
    ap.add_argument('--server-cpu', type=int, default=1)
    ap.add_argument('--client-cpu', type=int, default=0)
    ap.add_argument('--extra', default='', help='extra slipstream arguments')
    args = ap.parse_args()

    ncpu = os.cpu_count() or 1
    if ncpu < 2:
        print('note: one CPU only; server and client share it', file=sys.stderr)
        args.server_cpu = args.client_cpu = 0

    tmp = tempfile.mkdtemp(prefix='ss-bench-')
    port = free_port()
    commands = {
        'redis': ['taskset', '-c', str(args.server_cpu), 'redis-server', '--port', str(port),
                  '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
        # Slipstream's worker lcore runs on core 1 (its control thread, which
        # mostly sleeps, on core 0): the same single core redis-server uses.
        'slipstream': [args.bin, '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                       '--workers', '1'] + args.extra.split(),
    }
    cases = [(t, p) for p in (1, 16) for t in ('set', 'get')]
    runs = {(t, p, name): [] for t, p in cases for name in commands}
    try:
        # One server at a time, alternating each round, so neither one (a
        # busy-polling worker, say) takes CPU from the other's measurement.
        for _ in range(args.rounds):
            for name, cmd in commands.items():
                srv = start(cmd, port, tmp)
                try:
                    for t, p in cases:
                        runs[(t, p, name)].append(bench(port, t, p, args.requests,
                                                        args.clients, args.client_cpu))
                finally:
                    stop(srv)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results = {}
    for key, rs in runs.items():
        rs = sorted(rs, key=lambda x: x['rps'])
        results[key] = rs[len(rs) // 2]

    ok = True
    print(f'\n{"test":<6}{"-P":>4}  {"server":<11}{"ops/s":>12}{"p50 ms":>9}{"p99 ms":>9}'
          f'{"ratio":>8}{"p99 ok":>8}')
    for t, p in [(t, p) for p in (1, 16) for t in ('set', 'get')]:
        r, s = results[(t, p, 'redis')], results[(t, p, 'slipstream')]
        ratio = s['rps'] / r['rps']
        p99ok = s['p99'] <= r['p99']
        ok = ok and ratio >= 1.1 and p99ok
        print(f'{t:<6}{p:>4}  {"redis":<11}{r["rps"]:>12.0f}{r["p50"]:>9.3f}{r["p99"]:>9.3f}')
        print(f'{"":<6}{"":>4}  {"slipstream":<11}{s["rps"]:>12.0f}{s["p50"]:>9.3f}'
              f'{s["p99"]:>9.3f}{ratio:>7.2f}x{"yes" if p99ok else "NO":>8}')
    print('\nbar: >= 1.10x throughput with no worse p99 ->', 'MET' if ok else 'NOT MET')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
