"""Fixtures for the data-plane tests (see dptopo.py).

  topo        module-scoped Slipstream on the data plane, parametrised over
              "tap" (net_tap) and "veth" (net_af_packet on a veth pair)
  topo_factory  start a dedicated topology with extra server arguments:
                    t = topo_factory("veth", "--dataplane-fault-drop", "0.02")
                stopped at test end

Environment: SLIPSTREAM_BIN (server binary), SS_DP_MODES ("tap,veth": which
transports to run), SS_FAULT_SECONDS (length of the fault-injection run).
"""
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))

import dptopo  # noqa: E402

MODES = [m for m in os.environ.get("SS_DP_MODES", "tap,veth").split(",") if m]
_why_not = {}


def skip_reason(need_scapy=False):
    key = need_scapy
    if key not in _why_not:
        _why_not[key] = dptopo.missing_prerequisites(need_scapy)
    return _why_not[key]


def pytest_report_header(config):
    return "data-plane server: %s (modes %s)" % (dptopo.default_bin(), ",".join(MODES))


@pytest.fixture(scope="module", params=MODES)
def topo(request):
    why = skip_reason(getattr(request.module, "NEEDS_SCAPY", False))
    if why:
        pytest.skip(why)
    t = dptopo.Topology(request.param).start()
    yield t
    alive = t.alive()
    tail = t.log_tail()
    t.stop()
    if not alive:
        pytest.fail("server died during the module:\n" + tail)


@pytest.fixture
def topo_factory(request):
    started = []

    def make(mode, *args, **kw):
        why = skip_reason(getattr(request.module, "NEEDS_SCAPY", False))
        if why:
            pytest.skip(why)
        t = dptopo.Topology(mode, args, **kw)
        started.append(t)
        return t.start()

    yield make
    for t in started:
        t.stop()
