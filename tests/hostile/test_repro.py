"""The six reproductions of issue 9 (repros.py), a few repetitions each on a
fresh server per case (so one crash does not cascade); --full runs 100.
repro.py runs them a thousand times for the record.
"""

import pytest

import repros
from conftest import scaled
from test_close_after_reply import FORCED_KERNEL_ONLY


def run_repro(server_factory, number, reps, **kw):
    r = repros.REPROS[number]
    srv = server_factory(password=r.password, **r.config)
    if r.setup:
        r.setup(srv)
    srv.baseline()
    for i in range(reps):
        problems = srv.crash_problems()
        assert not problems, "died before repetition %d:\n%s" % (i, "\n".join(problems))
        r.run(srv, **kw)
    return srv


def test_repro1_reset_with_output_queued(server_factory):
    """Bug class: the connection freed by the write callback, then used by
    the read callback of the same event (RST sets both)."""
    run_repro(server_factory, 1, scaled(10, 100))


def test_repro2_reset_with_output_queued_unauthenticated(server_factory):
    """Bug class: as 1, reached without authenticating."""
    run_repro(server_factory, 2, scaled(10, 100))


@pytest.mark.parametrize("kind", ["quit", "protoerr", "kill"])
def test_repro3_close_after_reply_trickling(server_factory, kind):
    """Bug class: a session closed after its last reply from the write
    callback while input is pending: the reported recipe (natural timing)."""
    run_repro(server_factory, 3, scaled(5, 50, dataplane=2), kind=kind)


@FORCED_KERNEL_ONLY
@pytest.mark.parametrize("kind", ["quit", "protoerr", "kill"])
def test_repro3_close_after_reply_forced(server_factory, kind):
    """As above, with the worker held in DEBUG SLEEP while the client drains
    and sends: the last write and the input land in one event, every time."""
    run_repro(server_factory, 3, scaled(2, 20), kind=kind, forced=True)


def test_repro4_unauthenticated_unread_output(server_factory):
    """Bug class: unbounded output memory for a client that has not
    authenticated (Debian's CVE-2025-21605 fix closes it past 1024 bytes)."""
    run_repro(server_factory, 4, scaled(2, 10))


def test_repro5_idle_timeout_counts_writes(server_factory):
    """Bug class: the idle timeout closing a client that is reading a reply."""
    run_repro(server_factory, 5, 1, size=scaled(8, 16) * (1 << 20))


def test_repro6_nul_inline_and_lpos_llong_min(server_factory):
    """Bug class: parser and argument edges answered unlike Redis 7.0.15."""
    run_repro(server_factory, 6, scaled(1, 10))
