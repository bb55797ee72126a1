"""Conformance: scapy-built frames from the kernel side of the tap (and of
the veth pair) and the exact response each must get from Slipstream's
stack, or the named drop counter it must increment (telemetry, the same
figures as INFO dataplane / INFO tcp).

Bad checksums, bad lengths, garbage options, RST in and out of the window,
SYN to a closed port, zero window, SYN on a TIME-WAIT tuple, ICMP echo, ARP.
"""
import time

import pytest

NEEDS_SCAPY = True

scapy_peer = pytest.importorskip("scapy_peer", reason="scapy is not installed (python3-scapy)")
from scapy_peer import ARP, ICMP, IP, PEER_IP, PEER_MAC, TCP, Conn, Ether, Raw, Wire  # noqa: E402

QUIET = 0.5  # how long "no response" is waited for


@pytest.fixture(scope="module")
def wire(topo):
    w = Wire(topo)
    assert w.announce() is not None, "no ARP reply from the data plane"
    yield w
    w.close()


class Delta(object):
    """Counter changes across a block: with Delta(topo) as d: ...; d["x"]."""

    def __init__(self, topo):
        self.topo = topo

    def __enter__(self):
        self.before = self.topo.counters()
        return self

    def __exit__(self, *a):
        self.after = self.topo.counters()

    def __getitem__(self, name):
        now = getattr(self, "after", None) or self.topo.counters()
        return now[name] - self.before[name]

    def wait(self, name, n=1, timeout=2.0):
        """Wait until counter `name` moved by n since the block began."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.topo.counters()[name] - self.before[name] >= n:
                return True
            time.sleep(0.02)
        return False


_port = [20000]


def sport():
    _port[0] += 1
    return _port[0]


# ---- ARP (RFC 826) ----

def test_arp_request_for_our_address_is_answered(topo, wire):
    wire.send(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
              ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=topo.ip))
    p = wire.expect(lambda p: ARP in p and p[ARP].op == 2)
    assert p is not None
    assert p[Ether].dst == PEER_MAC and p[Ether].src == wire.dp_mac
    assert p[ARP].hwsrc == wire.dp_mac and p[ARP].psrc == topo.ip
    assert p[ARP].hwdst == PEER_MAC and p[ARP].pdst == PEER_IP


def test_arp_request_for_another_address_is_ignored(topo, wire):
    with Delta(topo) as d:
        wire.send(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
                  ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst="198.18.0.77"))
        assert wire.expect(lambda p: ARP in p and p[ARP].op == 2, QUIET) is None
        assert d.wait("drop_arp_other")
    assert d["arp_replies_out"] == 0


# ---- ICMP echo (RFC 792) ----

def test_icmp_echo_request_gets_exact_reply(topo, wire):
    payload = bytes(range(256)) * 2
    with Delta(topo) as d:
        wire.send(wire.ip() / ICMP(type=8, id=0x4242, seq=7) / Raw(payload))
        p = wire.expect(lambda p: ICMP in p and p[IP].dst == PEER_IP)
    assert p is not None
    assert p[ICMP].type == 0 and p[ICMP].code == 0
    assert p[ICMP].id == 0x4242 and p[ICMP].seq == 7
    assert bytes(p[ICMP].payload) == payload
    assert p[IP].src == topo.ip and p[IP].ttl == 64
    # scapy recomputes both checksums: they must match what was sent
    q = p.copy()
    del q[IP].chksum, q[ICMP].chksum
    q = Ether(bytes(q))
    assert q[IP].chksum == p[IP].chksum and q[ICMP].chksum == p[ICMP].chksum
    assert d["icmp_echo_in"] == 1 and d["icmp_echo_out"] == 1


def test_icmp_bad_checksum_is_dropped(topo, wire):
    with Delta(topo) as d:
        wire.send(wire.ip() / ICMP(type=8, id=1, seq=1, chksum=0x1234) / Raw(b"x" * 32))
        assert wire.expect(lambda p: ICMP in p, QUIET) is None
        assert d.wait("drop_icmp_cksum")
    assert d["icmp_echo_out"] == 0


# ---- checksums and lengths (RFC 791, RFC 1122 §3.2.1, RFC 9293 §3.1) ----

def test_bad_ip_checksum_is_dropped(topo, wire):
    sp = sport()
    with Delta(topo) as d:
        wire.send(wire.ip(chksum=0xBEEF) / TCP(sport=sp, dport=topo.port, flags="S", seq=1))
        assert wire.expect(lambda p: TCP in p and p[TCP].dport == sp, QUIET) is None
        assert d.wait("drop_ip_cksum")


def test_bad_tcp_checksum_is_dropped(topo, wire):
    sp = sport()
    with Delta(topo) as d:
        wire.send(wire.ip() / TCP(sport=sp, dport=topo.port, flags="S", seq=1, chksum=0xBEEF))
        assert wire.expect(lambda p: TCP in p and p[TCP].dport == sp, QUIET) is None
        assert d.wait("drop_tcp_cksum")
    assert d["tcp_syn_received"] == 0


def test_ip_total_length_past_the_frame_is_dropped(topo, wire):
    sp = sport()
    with Delta(topo) as d:
        wire.send(wire.ip(len=400) / TCP(sport=sp, dport=topo.port, flags="S", seq=1))
        assert wire.expect(lambda p: TCP in p and p[TCP].dport == sp, QUIET) is None
        assert d.wait("drop_ip_len")


def test_ip_header_length_below_20_is_dropped(topo, wire):
    sp = sport()
    with Delta(topo) as d:
        wire.send(wire.ip(ihl=4) / TCP(sport=sp, dport=topo.port, flags="S", seq=1))
        assert wire.expect(lambda p: TCP in p and p[TCP].dport == sp, QUIET) is None
        assert d.wait("drop_ip_hlen")


def test_tcp_data_offset_past_the_segment_is_dropped(topo, wire):
    sp = sport()
    with Delta(topo) as d:
        wire.send(wire.ip() / TCP(sport=sp, dport=topo.port, flags="S", seq=1, dataofs=15))
        assert wire.expect(lambda p: TCP in p and p[TCP].dport == sp, QUIET) is None
        assert d.wait("drop_tcp_short")


def test_ethernet_padding_is_not_payload(topo, wire):
    """A 60-byte minimum frame carries padding after a tiny segment: the
    stack must take the length from IP, not from the frame (RFC 894)."""
    c = Conn(wire, sport())
    c.open()
    frame = bytes(c.seg("A")) + b"\xAA" * 6  # ACK, padded with junk
    with Delta(topo) as d:
        wire.send(frame)
        time.sleep(0.2)
    assert d["drop_tcp_cksum"] == 0 and d["drop_ip_len"] == 0
    assert c.request(b"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n") == b"$-1\r\n"
    c.reset()


# ---- options (RFC 9293 §3.1, §3.7.1; RFC 7323) ----

def _synack_options(p):
    return dict((k, v) for k, v in p[TCP].options if k not in ("NOP", "EOL"))


def test_syn_options_honoured_and_sack_timestamps_declined(topo, wire):
    c = Conn(wire, sport())
    sa = c.open(options=[("MSS", 1200), ("SAckOK", b""), ("Timestamp", (1, 0)),
                         ("WScale", 7)])
    o = _synack_options(sa)
    assert o.get("MSS") == 1460  # MTU 1500 - 40
    assert o.get("WScale") == 7
    assert "SAckOK" not in o and "Timestamp" not in o
    c.reset()


def test_syn_with_unknown_options_is_answered(topo, wire):
    c = Conn(wire, sport())
    sa = c.open(options=[(99, b"\x01\x02\x03\x04"), ("NOP", None), ("MSS", 1000),
                         ("WScale", 3)])
    o = _synack_options(sa)
    assert o.get("MSS") == 1460 and o.get("WScale") == 7
    c.reset()


def test_syn_with_malformed_option_stops_parsing(topo, wire):
    """An option whose length is < 2 ends parsing (as Linux does): the WS
    option after it is not seen, so the SYN-ACK carries no WS."""
    c = Conn(wire, sport())
    # kind 30 with length 1 (malformed), then WS 7: the header (dataofs 7)
    # holds these 8 bytes as its options
    raw_opts = b"\x1e\x01" + b"\x01\x03\x03\x07" + b"\x00\x00"
    wire.send(wire.ip() / TCP(sport=c.sport, dport=topo.port, flags="S", seq=c.seq,
                              window=65535, dataofs=7) / Raw(raw_opts))
    c.seq += 1
    sa = c.expect(match=lambda p: p[TCP].flags == "SA")
    assert sa is not None
    o = _synack_options(sa)
    assert o.get("MSS") == 1460
    assert "WScale" not in o
    c.rcv = sa[TCP].seq + 1
    c.reset()


# ---- RST (RFC 9293 §3.10.7.4, RFC 5961 §3) ----

def test_rst_in_window_but_not_exact_gets_challenge_ack(topo, wire):
    c = Conn(wire, sport())
    c.open()
    with Delta(topo) as d:
        c.send("R", seq=c.seq + 100)
        p = c.expect()
    assert p is not None and p[TCP].flags == "A"
    assert p[TCP].ack == c.seq  # the challenge ACK acknowledges what it expects
    assert d["challenge_acks"] == 1 and d["resets_in"] == 0
    # the connection is still there
    assert c.request(b"*2\r\n$3\r\nGET\r\n$2\r\nzz\r\n") == b"$-1\r\n"
    c.reset()


def test_rst_outside_window_is_dropped(topo, wire):
    c = Conn(wire, sport())
    c.open()
    with Delta(topo) as d:
        c.send("R", seq=c.seq - 200000)
        assert c.expect(timeout=QUIET) is None
        assert d.wait("drop_tcp_rst_outside")
    assert c.request(b"*2\r\n$3\r\nGET\r\n$2\r\nzz\r\n") == b"$-1\r\n"
    c.reset()


def test_rst_exact_closes_and_later_data_is_reset(topo, wire):
    c = Conn(wire, sport())
    c.open()
    with Delta(topo) as d:
        c.send("R")
        assert d.wait("resets_in")
    # the TCB is gone: data now gets a RST with SEQ = SEG.ACK (§3.10.7.1)
    c.send("PA", payload=b"PING\r\n")
    p = c.expect()
    assert p is not None and "R" in p[TCP].flags
    assert p[TCP].seq == c.rcv


# ---- closed port (RFC 9293 §3.10.7.1) ----

def test_syn_to_closed_port_gets_rst_ack(topo, wire):
    sp = sport()
    c = Conn(wire, sp, dport=topo.port + 1, iss=555)
    with Delta(topo) as d:
        c.send("S", options=[("MSS", 1460)])
        p = c.expect()
    assert p is not None
    assert p[TCP].flags == "RA"
    assert p[TCP].seq == 0 and p[TCP].ack == 556
    assert d["drop_tcp_closed_port"] == 1


def test_ack_to_closed_port_gets_rst_with_its_ack_as_seq(topo, wire):
    c = Conn(wire, sport(), dport=topo.port + 1, iss=777)
    c.send("A", ack=123456)
    p = c.expect()
    assert p is not None and p[TCP].flags == "R" and p[TCP].seq == 123456


# ---- zero window (RFC 9293 §3.8.6.1) ----

def test_zero_window_reply_waits_for_the_window_and_probes(topo, wire):
    value = b"z" * 3000
    assert topo.cli("SET", "zw", value.decode()) == "OK"
    c = Conn(wire, sport())
    c.open(window=65535)
    req = b"*2\r\n$3\r\nGET\r\n$2\r\nzw\r\n"
    with Delta(topo) as d:
        # the request itself says: our window is 0
        c.send("PA", payload=req, window=0)
        seen = []
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            p = c.expect(timeout=0.1)
            if p is None:
                continue
            seen.append(p)
            if len(p[TCP].payload):
                # a probe: refuse its byte, window still 0
                c.send("A", window=0)
        assert d.wait("persist_probes", 1, timeout=1.0)
    assert all(len(p[TCP].payload) <= 1 for p in seen), "data beyond a zero window"
    # open the window: the whole reply arrives
    c.send("A", window=65535)
    got = c.read()
    assert got == b"$3000\r\n" + value + b"\r\n"
    c.reset()


# ---- TIME-WAIT (RFC 9293 §3.6, RFC 1122 §4.2.2.13, RFC 6191) ----

def _server_closes(topo, wire, c):
    """Make the server close first (a protocol error: Redis replies and
    closes), finish the close, and return the server's TIME-WAIT tuple."""
    c.open()
    got = c.request(b"*abc\r\n")
    assert got.startswith(b"-ERR Protocol error"), got
    assert getattr(c, "fin", False), "no FIN after the protocol error"
    c.send("FA")
    p = c.expect(match=lambda p: p[TCP].flags == "A")
    assert p is not None and p[TCP].ack == c.seq


def test_syn_on_time_wait_tuple(topo, wire):
    c = Conn(wire, sport(), iss=5000000)
    with Delta(topo) as d:
        _server_closes(topo, wire, c)
        assert d.wait("time_wait_entered")
    assert topo.counters()["tcp_time_wait"] >= 1
    # an old SYN (sequence number below what was received) is answered with
    # the TIME-WAIT ACK, not a new connection
    old = Conn(wire, c.sport, iss=c.seq - 1000)
    old.rcv = c.rcv
    old.send("S", options=[("MSS", 1460)])
    p = old.expect()
    assert p is not None and p[TCP].flags == "A" and p[TCP].ack == c.seq
    # a SYN above RCV.NXT reopens the tuple (time_wait_reused)
    new = Conn(wire, c.sport, iss=c.seq + 100000)
    with Delta(topo) as d:
        sa = new.open()
        assert d["time_wait_reused"] == 1
    assert sa[TCP].ack == c.seq + 100001
    assert new.request(b"*2\r\n$3\r\nGET\r\n$2\r\nzz\r\n") == b"$-1\r\n"
    new.reset()


def test_retransmitted_fin_in_time_wait_is_reacked(topo, wire):
    c = Conn(wire, sport(), iss=7000000)
    _server_closes(topo, wire, c)
    # our FIN again (its ACK "was lost"): TIME-WAIT ACKs it again
    c.send("FA", seq=c.seq - 1)
    p = c.expect(match=lambda p: p[TCP].flags == "A")
    assert p is not None and p[TCP].ack == c.seq
