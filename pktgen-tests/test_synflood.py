"""A SYN flood from spoofed addresses (frames built with scapy, sent on a
packet socket) while ordinary kernel clients keep being served.

The spoofed sources use a MAC no host has, so the SYN-ACKs go nowhere and
every half-open connection stays until its SYN-ACK retries run out: the
SYN-RECEIVED table (tcp-backlog) fills and the stack answers with SYN
cookies (RFC 4987), which the real clients' handshakes then complete.
"""
import os
import socket
import struct
import threading
import time

import pytest

NEEDS_SCAPY = True
scapy_peer = pytest.importorskip("scapy_peer", reason="scapy is not installed (python3-scapy)")

import dptopo  # noqa: E402
import resp  # noqa: E402
from scapy_peer import IP, TCP, Ether, checksum16  # noqa: E402

FLOOD_SECONDS = float(os.environ.get("SS_SYNFLOOD_SECONDS", "6"))
FLOOD_PPS = int(os.environ.get("SS_SYNFLOOD_PPS", "30000"))
FLOOD_MAX_FRAMES = 1000000
SPOOF_MAC = "02:00:5e:66:66:66"


def flood_frames(topo, dp_mac, n=4096):
    """n distinct SYNs: sources 198.18.0.100-227, ports 10000+, checksums
    patched by hand (scapy builds the template)."""
    tmpl = bytearray(bytes(Ether(src=SPOOF_MAC, dst=dp_mac) /
                           IP(src="198.18.0.100", dst=topo.ip, id=1) /
                           TCP(sport=10000, dport=topo.port, flags="S", seq=1, window=64240,
                               options=[("MSS", 1460), ("WScale", 7)])))
    frames = []
    for i in range(n):
        f = bytearray(tmpl)
        src = bytes([198, 18, 0, 100 + i % 128])
        f[26:30] = src
        f[24:26] = b"\0\0"
        f[24:26] = struct.pack("!H", checksum16(bytes(f[14:34])))
        f[34:36] = struct.pack("!H", 10000 + i // 128)
        f[38:42] = struct.pack("!I", (i * 2654435761) & 0xFFFFFFFF)
        f[50:52] = b"\0\0"
        tcp = bytes(f[34:])
        pseudo = bytes(f[26:34]) + struct.pack("!BBH", 0, 6, len(tcp))
        f[50:52] = struct.pack("!H", checksum16(pseudo + tcp))
        frames.append(bytes(f))
    return frames


def test_syn_flood_while_clients_are_served(topo):
    dp_mac = dptopo.telemetry(topo.pid, "/slipstream/dataplane")["dataplane_mac"].lower()
    frames = flood_frames(topo, dp_mac)
    with dptopo.netns(topo.cli_ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((topo.cli_if, 0))
    before = topo.counters()
    stop = threading.Event()
    sent = [0]

    def flood():
        # paced: bursts of FLOOD_PPS/100 frames every 10 ms, bounded in time
        # and count
        start = time.monotonic()
        end = start + FLOOD_SECONDS
        burst = max(1, FLOOD_PPS // 100)
        i = 0
        while not stop.is_set() and time.monotonic() < end and i < FLOOD_MAX_FRAMES:
            for _ in range(burst):
                try:
                    s.send(frames[i % len(frames)])
                    i += 1
                except OSError:
                    break  # device queue full: wait for the next tick
            ahead = start + i / FLOOD_PPS - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        sent[0] = i

    th = threading.Thread(target=flood, daemon=True)
    th.start()
    served = 0
    slowest = 0.0
    try:
        time.sleep(0.3)  # let the flood fill the SYN-RECEIVED table
        k = 0
        while th.is_alive():
            t0 = time.monotonic()
            with dptopo.netns(topo.cli_ns):
                c = resp.Conn(topo.ip, topo.port, timeout=10)
            try:
                assert c.call("SET", "flood:%d" % k, "v%d" % k) == b"OK"
                assert c.call("GET", "flood:%d" % k) == ("v%d" % k).encode()
            finally:
                c.close()
            slowest = max(slowest, time.monotonic() - t0)
            served += 1
            k += 1
    finally:
        stop.set()
        th.join(30)
        s.close()
    after = topo.counters()
    print("flood: %d SYNs in %.0f s; %d client connections served, slowest %.3f s; "
          "syncookies_sent %d, syncookies_ok %d, tcp_syn_received %d"
          % (sent[0], FLOOD_SECONDS, served, slowest,
             after["syncookies_sent"] - before["syncookies_sent"],
             after["syncookies_ok"] - before["syncookies_ok"], after["tcp_syn_received"]))
    assert sent[0] >= FLOOD_PPS * FLOOD_SECONDS / 4
    assert served >= 10
    assert after["syncookies_sent"] > before["syncookies_sent"]
    # the server still answers normally once the flood is over
    assert topo.cli("SET", "flood:after", "ok") == "OK"
