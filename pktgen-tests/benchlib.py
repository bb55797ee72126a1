"""benchlib.py — what the benchmark scripts share: ports, starting and
stopping servers by PID, redis-benchmark's CSV output, and running ssgen
(pktgen-tests/ssgen.c, the DPDK load generator) from a network namespace."""
import csv
import io
import os
import shutil
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


def default_ssgen():
    """The ssgen binary: $SSGEN_BIN, else pktgen-tests/ssgen in the build tree
    of $SLIPSTREAM_BIN, else build/pktgen-tests/ssgen."""
    if os.environ.get('SSGEN_BIN'):
        return os.environ['SSGEN_BIN']
    srv = os.environ.get('SLIPSTREAM_BIN')
    if srv:
        tree = os.path.dirname(os.path.dirname(os.path.abspath(srv)))
        cand = os.path.join(tree, 'pktgen-tests', 'ssgen')
        if os.path.exists(cand):
            return cand
    return os.path.join(ROOT, 'build', 'pktgen-tests', 'ssgen')


def run_ssgen(ns, iface, server, port, test, clients, requests, pipeline=1, keyspace=100000,
              size=16, core=0, ip='198.18.0.3', timeout=60, binary=None, mac=None):
    """One ssgen run in network namespace `ns`, on net_af_packet over `iface`
    (qdisc_bypass=1), pinned to `core` (taskset and EAL -l), as `ip` (an
    address the kernel does not own there) and, with `mac`, a MAC of its own
    (the kernel there then drops the replies at the Ethernet layer). Its CSV row as a dict of floats
    (rps, *_latency_ms) plus 'pid'; RuntimeError with ssgen's message when it
    fails (timeout, unreachable server, RST, error replies)."""
    vdev = 'net_af_packet0,iface=%s,qpairs=1,qdisc_bypass=1' % iface
    cmd = ['ip', 'netns', 'exec', ns, 'taskset', '-c', str(core), binary or default_ssgen(),
           '--vdev', vdev, '--ip', ip, '--server', server, '--port', str(port),
           '--core', str(core), '-c', str(clients), '-n', str(requests), '-P', str(pipeline),
           '-t', test, '-d', str(size), '--timeout', str(timeout), '--csv']
    if keyspace:
        cmd += ['-r', str(keyspace)]
    if mac:
        cmd += ['--mac', mac]
    # ip netns exec and taskset exec: the PID is ssgen's
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    finally:
        # ssgen removes its EAL runtime directory itself; not when killed
        shutil.rmtree('/var/run/dpdk/ssgen-%d' % p.pid, ignore_errors=True)
    rows = parse_csv(out) if p.returncode == 0 else []
    if not rows:
        raise RuntimeError('ssgen %s -c %d failed (exit %s): %s'
                           % (test, clients, p.returncode, err.strip()[-2000:]))
    row = rows[0]
    row['pid'] = p.pid
    return row
