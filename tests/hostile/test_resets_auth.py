"""Resets and half-closes with requirepass: after AUTH (the test_resets.py
cases again), and without it, where the large reply is a flood of -NOAUTH
answers to PINGs the client never reads.

Bug classes: as test_resets.py, on the paths an authenticated and an
unauthenticated session take; unbounded output memory for an
unauthenticated client (Debian's Redis 7.0.15 closes one past 1024 bytes of
output: CVE-2025-21605).
"""

import time

import pytest

import hostile
from hserver import UNAUTH_BUDGET
from test_resets import CLOSES, POINTS, leave, load_value, run_reset_case

PASSWORD = "hostile-pw"
SHARED_CONFIG = {"requirepass": PASSWORD}


@pytest.fixture
def loaded(shared):
    if shared.call("EXISTS", "rk") == 0:
        load_value(shared)
    return shared


@pytest.mark.parametrize("close", ["rst", "half-close"])
@pytest.mark.parametrize("point", POINTS)
def test_leave_mid_reply_authenticated(loaded, point, close):
    run_reset_case(loaded, point, close, "queued", password=PASSWORD)


UNAUTH_POINTS = ["sent", "first-byte", "after-50ms"]


@pytest.mark.parametrize("close", CLOSES)
@pytest.mark.parametrize("point", UNAUTH_POINTS)
def test_leave_unauthenticated_flood(shared, point, close):
    """200,000 PINGs without AUTH from a 4 KiB receive buffer, then leave at
    a point; meanwhile the server may hold no more than UNAUTH_BUDGET."""
    s = shared.connect(rcvbuf=4096)
    try:
        hostile.send_quiet(s, b"PING\r\n" * 200000 + b"*2\r\n$4\r\nAUTH\r\n$3\r\nab")
        if point == "first-byte":
            hostile.wait_first_byte(s, timeout=5)
        elif point == "after-50ms":
            time.sleep(0.05)
        held = shared.peak_held(0.3)
        assert held <= UNAUTH_BUDGET, "an unauthenticated flood made the server hold %s" % (
            hostile.mib(held))
    except BaseException:
        hostile.reset(s)
        raise
    leave(s, close)
    assert shared.call("PING") == b"PONG"
