"""scapy_peer.py — a hand-driven TCP/IP peer on the kernel side of the
data-plane topology, for conformance tests.

Frames are built with scapy and sent/received on an AF_PACKET socket bound
to the client-side interface (the tap, or the client end of the veth pair).
The peer uses an address the kernel does not own (198.18.0.9) and a locally
administered MAC the kernel does not have, so the kernel neither answers
for it nor resets its connections; Slipstream's replies are addressed to
that MAC and reach only this socket.
"""
import socket
import struct
import time

from scapy.all import ARP, ICMP, IP, TCP, Ether, Raw, conf, raw  # noqa: F401

import dptopo

conf.verb = 0
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PEER_IP = "198.18.0.9"
PEER_MAC = "02:00:5e:12:00:09"


class Wire(object):
    """Raw frames on one interface of a namespace."""

    def __init__(self, topo):
        self.topo = topo
        with dptopo.netns(topo.cli_ns):
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.s.bind((topo.cli_if, 0))
        self.s.settimeout(0.05)
        self.dp_mac = dptopo.telemetry(topo.pid, "/slipstream/dataplane")["dataplane_mac"].lower()

    def close(self):
        self.s.close()

    def send(self, pkt):
        self.s.send(raw(pkt) if not isinstance(pkt, (bytes, bytearray)) else pkt)

    def eth(self):
        return Ether(src=PEER_MAC, dst=self.dp_mac)

    def ip(self, **kw):
        return self.eth() / IP(src=PEER_IP, dst=self.topo.ip, **kw)

    def frames(self, timeout):
        """Frames Slipstream sends (not our own) for `timeout` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                data, addr = self.s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] == PACKET_OUTGOING:
                continue
            p = Ether(data)
            # answer Slipstream's ARP requests for the peer address
            if ARP in p and p[ARP].op == 1 and p[ARP].pdst == PEER_IP:
                self.send(Ether(src=PEER_MAC, dst=p[ARP].hwsrc) /
                          ARP(op=2, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst=p[ARP].hwsrc,
                              pdst=p[ARP].psrc))
                continue
            yield p

    def expect(self, match, timeout=2.0):
        """The first frame for which match(frame) is true, or None."""
        for p in self.frames(timeout):
            if match(p):
                return p
        return None

    def announce(self):
        """Make Slipstream learn the peer's MAC (an ARP request to it)."""
        self.send(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
                  ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=self.topo.ip))
        return self.expect(lambda p: ARP in p and p[ARP].op == 2, 2.0)


def tcp_from_server(sport):
    """Matcher: a TCP segment from Slipstream to the peer's port `sport`."""
    return lambda p: TCP in p and p[IP].dst == PEER_IP and p[TCP].dport == sport


class Conn(object):
    """One TCP connection driven segment by segment.

    seq: our next sequence number; rcv: the server's next (what we ACK)."""

    def __init__(self, wire, sport, dport=None, iss=1000000):
        self.w = wire
        self.sport = sport
        self.dport = dport or wire.topo.port
        self.seq = iss
        self.rcv = None
        self.match = tcp_from_server(sport)

    def seg(self, flags, seq=None, ack=None, payload=b"", window=65535, options=None, **kw):
        t = TCP(sport=self.sport, dport=self.dport, flags=flags,
                seq=self.seq if seq is None else seq,
                ack=(self.rcv or 0) if ack is None else ack, window=window,
                options=options or [], **kw)
        p = self.w.ip() / t
        if payload:
            p = p / Raw(payload)
        return p

    def send(self, flags, payload=b"", **kw):
        self.w.send(self.seg(flags, payload=payload, **kw))
        if "seq" not in kw:
            self.seq += len(payload) + (1 if "S" in flags else 0) + (1 if "F" in flags else 0)

    def expect(self, timeout=2.0, match=None):
        return self.w.expect(lambda p: self.match(p) and (match is None or match(p)), timeout)

    def open(self, options=(("MSS", 1460), ("WScale", 7)), window=65535):
        """Three-way handshake; returns the SYN-ACK."""
        self.send("S", options=list(options), window=window)
        sa = self.expect(match=lambda p: p[TCP].flags == "SA")
        assert sa is not None, "no SYN-ACK"
        assert sa[TCP].ack == self.seq
        self.rcv = sa[TCP].seq + 1
        self.send("A", window=window)
        return sa

    def request(self, data, window=65535):
        """Send data; collect reply bytes until `data`'s reply is complete
        (a RESP reply is complete when it ends with CRLF and nothing more
        arrives for a moment), ACKing as a Linux peer would."""
        self.send("PA", payload=data, window=window)
        return self.read(window=window)

    def read(self, window=65535, quiet=0.3, timeout=5.0):
        got = b""
        end = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < end and (not got or time.monotonic() - last < quiet):
            p = self.expect(timeout=0.1)
            if p is None:
                continue
            n = len(p[TCP].payload)
            if n and p[TCP].seq == self.rcv:
                got += bytes(p[TCP].payload)
                self.rcv += n
                last = time.monotonic()
            if "F" in p[TCP].flags and p[TCP].seq + n == self.rcv:
                self.rcv += 1
                self.fin = True
            if n or "F" in p[TCP].flags:
                self.send("A", window=window)
        return got

    def reset(self):
        self.send("R")


def checksum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF
