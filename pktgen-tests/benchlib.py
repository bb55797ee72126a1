"""benchlib.py — what the benchmark scripts share: ports, starting and
stopping servers by PID, redis-benchmark's CSV output, running ssgen
(pktgen-tests/ssgen/, the load generator) with its CSV or JSON output, and
Slipstream on net_memif (MemifServer)."""
import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
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


def ssgen(args, core=0, ns=None, timeout=60, binary=None, check=True):
    """One ssgen run with `args` (its transport, load and workload options;
    --json is added), pinned to `core` (taskset and --core), in network
    namespace `ns` if given. Returns the JSON object of its last line plus
    'pid' and 'exit'. RuntimeError with ssgen's message when it printed no
    report (timeout, unreachable server, RST) or, with check, when it exited
    non-zero (wrong replies). Removes ssgen's EAL runtime directory if it
    could not (killed)."""
    cmd = ['taskset', '-c', str(core), binary or default_ssgen()] + [str(a) for a in args] + [
        '--core', str(core), '--json', '--timeout', str(timeout)]
    if ns:
        cmd = ['ip', 'netns', 'exec', ns] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    finally:
        shutil.rmtree('/var/run/dpdk/ssgen-%d' % p.pid, ignore_errors=True)
    lines = [ln for ln in out.splitlines() if ln.startswith('{')]
    if not lines or (check and p.returncode != 0):
        raise RuntimeError('ssgen %s failed (exit %s): %s'
                           % (' '.join(cmd[-30:]), p.returncode, err.strip()[-2000:]))
    row = json.loads(lines[-1])
    row['pid'] = p.pid
    row['exit'] = p.returncode
    row['stderr'] = err
    return row


def dpdk_runtime_dirs():
    """The EAL runtime directories now present (to check nothing was left)."""
    try:
        return set(os.listdir('/var/run/dpdk'))
    except OSError:
        return set()


class MemifServer(object):
    """Slipstream on net_memif, role=server, one worker (its lcore on core 1,
    the control thread on core 0), the data plane at 198.18.0.2/24. The memif
    socket is named after a fresh temporary directory; DPDK 22.11 puts it in
    the abstract namespace by default (socket-abstract=yes), so no file is
    left behind, and the name is unique to this server. ssgen reaches it
    with ssgen_args() (role=client on the same socket, as 198.18.0.3).
    Neither side needs hugepages (memif's rings and buffers are memfd shared
    memory; --no-huge on both)."""
    IP = '198.18.0.2'
    CLIENT_IP = '198.18.0.3'

    def __init__(self, binary, args=(), port=6390, workers=1):
        self.binary = binary
        self.args = [str(a) for a in args]
        self.port = port
        self.workers = workers
        self.proc = None
        self.tmp = None
        self.pid = None

    def start(self, timeout=30):
        self.tmp = tempfile.mkdtemp(prefix='ss-memif-')
        self.sock = os.path.join(self.tmp, 'memif.sock')
        self.log = os.path.join(self.tmp, 'server.log')
        cmd = [self.binary, '--port', str(self.port), '--workers', str(self.workers),
               '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
               '--maxclients', '20000',
               '--dataplane-port', 'net_memif0,role=server,socket=%s' % self.sock,
               '--dataplane-ip', self.IP + '/24'] + self.args
        with open(self.log, 'wb') as logf:
            self.proc = subprocess.Popen(cmd, cwd=self.tmp, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            if b'Ready to accept connections' in open(self.log, 'rb').read():
                return self
            time.sleep(0.05)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError('memif server did not start:\n' + tail)

    def log_tail(self, n=3000):
        try:
            with open(self.log, 'rb') as f:
                return f.read()[-n:].decode('utf-8', 'replace')
        except OSError:
            return ''

    def vdev(self):
        return 'net_memif0,role=client,socket=%s' % self.sock

    def ssgen_args(self):
        return ['--vdev', self.vdev(), '--ip', self.CLIENT_IP, '--server', self.IP,
                '--port', self.port]

    def counters(self, tries=10):
        """Every data-plane counter and gauge, by name (DPDK telemetry). The
        telemetry socket takes one client at a time and may refuse one on a
        busy machine: a few tries."""
        import dptopo
        for i in range(tries):
            try:
                d = dict(dptopo.telemetry(self.pid, '/slipstream/dataplane'))
                d.update(dptopo.telemetry(self.pid, '/slipstream/tcp'))
                return d
            except OSError:
                if i == tries - 1 or not self.alive():
                    raise
                time.sleep(0.2)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
        if self.pid:
            shutil.rmtree('/var/run/dpdk/slipstream-%d' % self.pid, ignore_errors=True)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()


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
