"""benchlib.py — what the benchmark scripts share: ports, starting and
stopping servers by PID, and redis-benchmark's CSV output."""
import csv
import io
import os
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_ping(port, timeout=20, host='127.0.0.1'):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                s.sendall(b'PING\r\n')
                if s.recv(16).startswith(b'+PONG'):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f'server on port {port} did not answer PING')


def start(cmd, port, cwd):
    """Start a server in its own session and wait until it answers PING."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        wait_ping(port)
    except RuntimeError:
        stop(p)
        raise
    return p


def stop(p):
    """SIGTERM, then SIGKILL after 10 s: only the process we started."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def parse_csv(out):
    """redis-benchmark --csv rows as dicts of floats (rps, *_latency_ms)."""
    rows = []
    for r in csv.DictReader(io.StringIO(out)):
        rows.append({k: (float(v) if k != 'test' else v) for k, v in r.items()})
    return rows


def run_benchmark(port, args, pipeline, requests, clients, client_cpu, keyspace=100000):
    """One redis-benchmark run pinned to client_cpu; its CSV row (rps,
    avg/p50/p99 latency in ms). args: ['-t', 'set'] or a custom command."""
    cmd = ['taskset', '-c', str(client_cpu), 'redis-benchmark', '-h', '127.0.0.1', '-p',
           str(port), '-c', str(clients), '-n', str(requests), '-P', str(pipeline),
           '-r', str(keyspace), '-d', '16', '--csv'] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rows = parse_csv(out)
    if not rows:
        raise RuntimeError(f'no output from {" ".join(cmd)}')
    return rows[0]
