#!/usr/bin/python3
"""Repeat one of issue 9's reproductions (repros.py) and count how many
repetitions the server survived. Not part of CI: it is how "1,000
repetitions each on both transports" is shown.

    tests/hostile/repro.py --case 1 --reps 1000 --transport sockets
    tests/hostile/repro.py --case all --reps 1000 --transport tap     (root)

A repetition fails when the client sees the wrong thing, or the server
crashes, hangs (no PONG on a fresh connection within 3 s) or prints a
sanitizer report; a failed server is replaced by a fresh one and the count
goes on. Every --check-every repetitions, and at the end, the full health
check runs (clients and memory back at the baseline, README.md).

Case 3 cycles through QUIT, a protocol error and CLIENT KILL of itself, and
on sockets alternates the reported timing with the forced one (--mode
natural|forced|both; the forcing needs the kernel's socket buffers, so the
data plane gets the reported timing). Case 5 takes ~6 s a repetition; --parallel runs that many slow
readers at once on the same server.

The server is $SLIPSTREAM_BIN (default build/app/slipstream; --bin sets it),
or Debian's redis-server with --target redis. Output ends with one line:
    case N: R repetitions, S survived, F failed
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", required=True, help="1-6, or all")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--transport", default="sockets", choices=["sockets", "tap", "veth"])
    ap.add_argument("--bin", help="server binary (default $SLIPSTREAM_BIN or build/app/slipstream)")
    ap.add_argument("--target", default="slipstream", choices=["slipstream", "redis"])
    ap.add_argument("--sanitized", action="store_true",
                    help="the binary is an ASan build: check only used_memory, not RSS")
    ap.add_argument("--mode", default="auto", choices=["auto", "both", "natural", "forced"],
                    help="case 3: the reported timing, the forced one, or alternate (auto: "
                    "alternate on sockets, natural on the data plane)")
    ap.add_argument("--parallel", type=int, default=10, help="case 5: slow readers at once")
    ap.add_argument("--check-every", type=int, default=100)
    ap.add_argument("--stop-on-failure", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    return ap.parse_args()


def main():
    args = parse_args()
    # hserver reads these at import (through the integration conftest)
    os.environ["SLIPSTREAM_TRANSPORT"] = "kernel" if args.transport == "sockets" else args.transport
    os.environ["SLIPSTREAM_TARGET"] = args.target
    if args.bin:
        os.environ["SLIPSTREAM_BIN"] = os.path.abspath(args.bin)
    if args.sanitized:
        os.environ["SLIPSTREAM_SANITIZED"] = "1"
    if args.mode == "auto":
        args.mode = "both" if args.transport == "sockets" else "natural"
    sys.path.insert(0, str(HERE))
    import hserver
    import repros

    why = hserver.prerequisites_missing()
    if why:
        print("cannot run on %s: %s" % (args.transport, why))
        return 2
    cases = sorted(repros.REPROS) if args.case == "all" else [int(args.case)]
    worst = 0
    with hserver.ClientNamespace():
        for n in cases:
            failed = run_case(hserver, repros, repros.REPROS[n], args)
            worst = max(worst, 1 if failed else 0)
    return worst


def variant(r, i, args):
    """Keyword arguments of repetition i of case r."""
    if r.number != 3:
        return {}
    kinds = ["quit", "protoerr", "kill"]
    forced = {"natural": False, "forced": True}.get(args.mode, (i // 3) % 2 == 1)
    return {"kind": kinds[i % 3], "forced": forced}


def run_case(hserver, repros, r, args):
    print("case %d: %s, %d repetitions on %s (%s)" % (
        r.number, r.title, args.reps, args.transport, hserver.it.SERVER_BIN))
    srv = None
    survived = failed = 0
    t0 = time.monotonic()

    def fresh():
        s = hserver.HostileServer(r.config, password=r.password).start()
        if r.setup:
            r.setup(s)
        s.baseline()
        return s

    def fail(i, what):
        nonlocal srv, failed
        failed += 1
        print("  repetition %d failed: %s" % (i, what.strip()[:3000]))
        srv.stop()
        srv = None

    try:
        i = 0
        while i < args.reps:
            if srv is None:
                srv = fresh()
            batch = min(args.parallel, args.reps - i) if r.number == 5 else 1
            errors = run_batch(r, srv, i, batch, args)
            srv.settle(0.2 if not errors else 3.0)
            crash = srv.crash_problems(probe=True)
            if crash or errors:
                for k in range(batch):
                    if errors.get(k) or crash:
                        fail(i + k, (errors.get(k) or "") + "\n" + "\n".join(crash))
                        if srv is None:
                            srv = fresh()
                    else:
                        survived += 1
                if args.stop_on_failure:
                    break
            else:
                survived += batch
            i += batch
            if srv is not None and (i % args.check_every < batch or i >= args.reps):
                problems = srv.health_problems()
                if problems:
                    print("  health check after %d repetitions:\n    %s" % (
                        i, "\n    ".join(p[:2000] for p in problems)))
                    failed += 1
                    survived = max(0, survived - 1)
                    srv.stop()
                    srv = None
                    if args.stop_on_failure:
                        break
            if args.verbose or i % 100 < batch:
                print("  %d/%d: %d survived, %d failed (%.0f s)" % (
                    i, args.reps, survived, failed, time.monotonic() - t0))
    finally:
        if srv is not None:
            for p in srv.stop():
                print("  at exit: %s" % p[:2000])
                failed += 1
    print("case %d: %d repetitions, %d survived, %d failed" % (
        r.number, survived + failed, survived, failed))
    return failed


def run_batch(r, srv, first, batch, args):
    """Run repetitions first..first+batch-1 (in threads when batch > 1);
    returns {index in batch: error text} for those that failed."""
    errors = {}

    def one(k):
        try:
            r.run(srv, **variant(r, first + k, args))
        except Exception as e:  # noqa: BLE001 - any failure counts
            errors[k] = "%s: %s" % (type(e).__name__, e)

    if batch == 1:
        one(0)
        return errors
    threads = [threading.Thread(target=one, args=(k,)) for k in range(batch)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return errors


if __name__ == "__main__":
    sys.exit(main())
