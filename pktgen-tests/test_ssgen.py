"""ssgen (pktgen-tests/ssgen.c), the DPDK load generator behind
bench_dataplane.py --client dpdk: its own TCP client on net_af_packet over the
client end of the veth, against Slipstream on net_af_packet over the server
end. 20,000 SETs then 20,000 GETs on 10 connections; every request answered,
the keys are there afterwards (redis-cli DBSIZE from the client namespace),
the server dropped no frame for a bad checksum (ssgen computes them in
software) and ssgen removed its EAL runtime directory.
"""
import os

import pytest

import benchlib
import conftest

KEYS = 1000


@pytest.fixture
def veth_topo(topo_factory):
    if "veth" not in conftest.MODES:
        pytest.skip("veth not in SS_DP_MODES")
    if not os.access(benchlib.default_ssgen(), os.X_OK):
        pytest.skip("ssgen not built: %s" % benchlib.default_ssgen())
    return topo_factory("veth", "--workers", "1")


def test_ssgen_set_then_get(veth_topo):
    t = veth_topo
    assert t.cli("DBSIZE") == "0"
    for test in ("set", "get"):
        row = benchlib.run_ssgen(t.cli_ns, t.cli_if, t.ip, t.port, test, clients=10,
                                 requests=20000, keyspace=KEYS, core=0, ip="198.18.0.3",
                                 timeout=30)
        assert row["test"] == test.upper()
        assert row["rps"] > 0
        assert 0 < row["min_latency_ms"] <= row["p50_latency_ms"] <= row["max_latency_ms"]
        assert not os.path.exists("/var/run/dpdk/ssgen-%d" % row["pid"])
    assert 0 < int(t.cli("DBSIZE")) <= KEYS
    assert t.cli("GET", "key:%012d" % 0) in ("", "x" * 16)
    c = t.counters()
    assert c["drop_tcp_cksum"] == 0 and c["drop_ip_cksum"] == 0
