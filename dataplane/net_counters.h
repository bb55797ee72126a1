/* net_counters.h — the one table of data-plane counters.
 *
 * Every packet the stack discards increments exactly one named counter here,
 * and every event INFO shows comes from this list: INFO "dataplane" and "tcp",
 * the DPDK telemetry commands and the unit tests all iterate NET_COUNTERS, so a
 * counter added here appears everywhere without a second table.
 *
 * X(section, name, description): section is DP (INFO dataplane) or TCP
 * (INFO tcp). Counters are per worker (struct net_worker.ctr, one cache-line
 * aligned array per worker) and written only by their worker; readers on other
 * threads (INFO, telemetry) load them relaxed and sum.
 */
#ifndef SS_NET_COUNTERS_H
#define SS_NET_COUNTERS_H

#define NET_COUNTERS(X)                                                                     \
    /* Ethernet / port */                                                                   \
    X(DP, rx_frames, "frames received from the port or a peer worker")                      \
    X(DP, tx_frames, "frames handed to the port")                                           \
    X(DP, tx_dropped, "frames the port refused (TX queue full)")                            \
    X(DP, tx_nombuf, "replies not built: mbuf pool empty")                                  \
    X(DP, drop_eth_short, "frame shorter than an Ethernet header")                          \
    X(DP, drop_eth_type, "EtherType neither IPv4 nor ARP")                                  \
    X(DP, drop_eth_dst, "destination MAC neither ours nor broadcast")                       \
    X(DP, fwd_out, "packets handed to the worker owning their flow")                        \
    X(DP, fwd_in, "packets received from another worker")                                   \
    X(DP, drop_fwd_full, "packets dropped: owner worker's ring full")                       \
    /* ARP (RFC 826) */                                                                     \
    X(DP, arp_requests_in, "ARP requests for our address")                                  \
    X(DP, arp_replies_out, "ARP replies sent")                                              \
    X(DP, arp_learned, "ARP entries learned or refreshed")                                  \
    X(DP, arp_requests_out, "ARP requests sent (resolution, gratuitous)")                   \
    X(DP, drop_arp_bad, "malformed ARP (length, hardware or protocol type)")                \
    X(DP, drop_arp_other, "ARP not for our address")                                        \
    X(DP, drop_arp_pending_full, "packets dropped: ARP pending queue full")                 \
    X(DP, drop_arp_timeout, "packets dropped: next hop never resolved")                     \
    /* IPv4 (RFC 791) */                                                                    \
    X(DP, drop_ip_short, "IPv4 header truncated")                                           \
    X(DP, drop_ip_version, "IP version not 4")                                              \
    X(DP, drop_ip_hlen, "IPv4 header length below 20 bytes")                                \
    X(DP, drop_ip_len, "IPv4 total length inconsistent with the frame")                     \
    X(DP, drop_ip_cksum, "IPv4 header checksum wrong")                                      \
    X(DP, drop_ip_frag, "IPv4 fragments (not reassembled)")                                 \
    X(DP, drop_ip_dst, "IPv4 destination not our address")                                  \
    X(DP, drop_ip_proto, "IPv4 protocol neither TCP nor ICMP")                              \
    X(DP, drop_ip_src, "IPv4 source broadcast, multicast or ours")                          \
    /* ICMP (RFC 792) */                                                                    \
    X(DP, icmp_echo_in, "ICMP echo requests")                                               \
    X(DP, icmp_echo_out, "ICMP echo replies sent")                                          \
    X(DP, drop_icmp_short, "ICMP message truncated")                                        \
    X(DP, drop_icmp_cksum, "ICMP checksum wrong")                                           \
    X(DP, drop_icmp_type, "ICMP types other than echo request")                             \
    X(DP, drop_icmp_ratelimit, "ICMP echo requests over the rate limit")                    \
    /* Fault injection (tests only, off by default) */                                      \
    X(DP, fault_drop, "frames dropped by fault injection")                                  \
    X(DP, fault_dup, "frames duplicated by fault injection")                                \
    X(DP, fault_reorder, "frames reordered by fault injection")                             \
    X(DP, fault_delay, "frames delayed by fault injection")                                 \
    X(DP, fault_corrupt, "frames corrupted by fault injection")                             \
    /* TCP (RFC 9293 and friends) */                                                        \
    X(TCP, segs_in, "TCP segments received")                                                \
    X(TCP, segs_out, "TCP segments sent")                                                   \
    X(TCP, passive_opens, "connections accepted (SYN-RECEIVED -> ESTABLISHED)")             \
    X(TCP, active_closes, "connections the server closed first")                            \
    X(TCP, passive_closes, "connections the peer closed first")                             \
    X(TCP, resets_in, "connections reset by the peer")                                      \
    X(TCP, resets_out, "RST segments sent")                                                 \
    X(TCP, aborts, "connections aborted (timeouts, app refused, data after close)")         \
    X(TCP, retransmits, "segments retransmitted")                                           \
    X(TCP, rto_expired, "retransmission timeouts (RFC 6298)")                               \
    X(TCP, fast_retransmits, "fast retransmits (RFC 5681 3.2)")                             \
    X(TCP, recoveries_exited, "NewReno recoveries completed (RFC 6582)")                    \
    X(TCP, partial_acks, "NewReno partial ACKs")                                            \
    X(TCP, dup_acks_in, "duplicate ACKs received")                                          \
    X(TCP, dup_acks_out, "immediate duplicate ACKs sent (out of order data)")               \
    X(TCP, delayed_acks, "ACKs sent by the delayed-ACK timer")                              \
    X(TCP, ooo_segs, "out-of-order segments queued")                                        \
    X(TCP, ooo_bytes, "out-of-order bytes queued")                                          \
    X(TCP, challenge_acks, "challenge ACKs sent (RFC 5961)")                                \
    X(TCP, challenge_acks_limited, "challenge ACKs suppressed by the per-connection limit") \
    X(TCP, syncookies_sent, "SYN cookies sent (backlog full, RFC 4987)")                    \
    X(TCP, syncookies_ok, "connections established from a valid SYN cookie")                \
    X(TCP, syncookies_failed, "ACKs carrying an invalid SYN cookie")                        \
    X(TCP, synack_retransmits, "SYN-ACKs retransmitted")                                    \
    X(TCP, persist_probes, "zero-window probes sent (persist timer)")                       \
    X(TCP, keepalive_probes, "keepalive probes sent")                                       \
    X(TCP, keepalive_drops, "connections dropped after unanswered keepalives")              \
    X(TCP, fin_wait2_timeouts, "FIN-WAIT-2 connections timed out")                          \
    X(TCP, time_wait_entered, "connections entering TIME-WAIT")                             \
    X(TCP, time_wait_reused, "TIME-WAIT tuples reused by a new SYN (RFC 6191)")             \
    X(TCP, time_wait_recycled, "TIME-WAIT entries recycled for lack of TCBs")               \
    X(TCP, rx_in_place, "in-order segments the application read in place (no copy)")        \
    X(TCP, rx_buffered, "in-order segments copied into the receive buffer")                 \
    X(TCP, window_updates, "window updates sent after the application read")                \
    X(TCP, drop_tcp_short, "TCP header truncated or data offset invalid")                   \
    X(TCP, drop_tcp_cksum, "TCP checksum wrong")                                            \
    X(TCP, drop_tcp_closed_port, "segments to a port nobody listens on")                    \
    X(TCP, drop_tcp_rst_nomatch, "RST for no connection (never answered)")                  \
    X(TCP, drop_tcp_rst_outside, "RST outside the receive window (RFC 5961 3.2)")           \
    X(TCP, drop_tcp_listen_bad, "segments to a listener that are neither SYN nor ACK")      \
    X(TCP, drop_tcp_rst_ratelimit, "RST replies suppressed by the rate limit")              \
    X(TCP, drop_tcp_unacceptable, "segments outside the window (answered with an ACK)")     \
    X(TCP, drop_tcp_noack, "segments without ACK in a synchronized state")                  \
    X(TCP, drop_tcp_ack_unsent, "ACKs for data never sent (answered with an ACK)")          \
    X(TCP, drop_tcp_ack_old, "ACKs older than the send window allows (RFC 5961 5.2)")       \
    X(TCP, drop_tcp_syn_sync, "SYNs in a synchronized state (challenge ACK)")               \
    X(TCP, drop_tcp_ooo_full, "out-of-order segments over the queue bound")                 \
    X(TCP, drop_tcp_rcvbuf, "bytes beyond the receive buffer")                              \
    X(TCP, drop_tcp_after_close, "data after the application closed (connection reset)")    \
    X(TCP, drop_tcp_no_tcb, "SYNs dropped: connection table full")                          \
    X(TCP, drop_tcp_state, "segments ignored in the current state (e.g. data after FIN)")   \
    X(TCP, drop_tcp_synack_bad_ack, "SYN-RECEIVED ACKs with a wrong number (RST sent)")

enum net_ctr {
#define NET_CTR_ENUM(sec, name, desc) NET_CTR_##name,
    NET_COUNTERS(NET_CTR_ENUM)
#undef NET_CTR_ENUM
        NET_CTR__COUNT
};

enum net_ctr_section { NET_SEC_DP = 0, NET_SEC_TCP = 1 };

struct net_ctr_desc {
    const char *name;
    const char *desc;
    int section; /* enum net_ctr_section */
};

/* Indexed by enum net_ctr; defined in net_eth.c. */
extern const struct net_ctr_desc net_ctr_table[NET_CTR__COUNT];

#endif
