/*
 * The xdp trace: per-source packet counters and a blocklist (BPF maps read and
 * written by user space), and one event per newly blocked source's first drop.
 *
 * Addresses are 16 bytes everywhere: IPv6 as is, IPv4 as an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d), so one map and one LPM trie serve both families.
 */
#ifndef PROBELOG_SCHEMA_XDP_H
#define PROBELOG_SCHEMA_XDP_H

#include "event_header.h"

#define PL_XDP_IFNAME_LEN 16
#define PL_XDP_BLOCKLIST_MAX 65536 /* entries of the LPM trie */
#define PL_XDP_REPORTED_MAX 8192   /* blocked sources remembered as already reported */
#define PL_XDP_ETHERTYPES_MAX 64   /* distinct non-IP ethertypes counted */
#define PL_XDP_V4_MAPPED_BITS 96   /* an IPv4 /n prefix is a /(96 + n) in the trie */

/* Key of xdp_sources and xdp_reported. */
struct pl_xdp_addr {
    __u8 addr[16];
};
PL_STATIC_ASSERT(sizeof(struct pl_xdp_addr) == 16, "pl_xdp_addr layout changed");

/* Value of xdp_sources (per cpu) and xdp_ethertypes (per cpu). Frame bytes
 * (Ethernet header included, as the driver hands them to XDP). */
struct pl_xdp_counters {
    __u64 pass_packets;
    __u64 pass_bytes;
    __u64 drop_packets;
    __u64 drop_bytes;
};
PL_STATIC_ASSERT(sizeof(struct pl_xdp_counters) == 32, "pl_xdp_counters layout changed");

/* Key of the xdp_blocklist LPM trie: prefixlen counts bits of addr (IPv4: 96 + n). */
struct pl_xdp_lpm_key {
    __u32 prefixlen;
    __u8 addr[16];
};
PL_STATIC_ASSERT(sizeof(struct pl_xdp_lpm_key) == 20, "pl_xdp_lpm_key layout changed");

/* Value of the xdp_blocklist trie: the entry's own prefix length (a lookup
 * returns only the value, and a drop record names the rule that matched). */
struct pl_xdp_rule {
    __u32 prefixlen;
    __u32 flags; /* reserved, 0 */
};
PL_STATIC_ASSERT(sizeof(struct pl_xdp_rule) == 8, "pl_xdp_rule layout changed");

/* Totals over every received frame (per cpu, one entry of xdp_totals). */
struct pl_xdp_totals {
    __u64 packets;
    __u64 bytes;
    __u64 pass_packets;
    __u64 pass_bytes;
    __u64 drop_packets;
    __u64 drop_bytes;
    __u64 ipv4_packets;
    __u64 ipv6_packets;
    __u64 other_packets;       /* neither IPv4 nor IPv6 (counted by ethertype) */
    __u64 unparsed_packets;    /* headers shorter than they claim: passed, not counted by source */
    __u64 vlan_packets;        /* had one or two VLAN tags (counted by the inner ethertype) */
    __u64 source_untracked;    /* the source table refused an entry (counted only here) */
    __u64 ethertype_untracked; /* more distinct ethertypes than PL_XDP_ETHERTYPES_MAX */
    __u64 drop_records;        /* xdp_drop events generated */
    __u64 drop_records_suppressed; /* first drops not reported because of the rate limit */
    __u64 reserved;
};
PL_STATIC_ASSERT(sizeof(struct pl_xdp_totals) == 128, "pl_xdp_totals layout changed");

enum pl_xdp_family {
    PL_XDP_IPV4 = 4,
    PL_XDP_IPV6 = 6,
};

/* PL_EVENT_XDP: the first dropped packet of a blocked source. The header's task
 * fields (pid, tid, ppid, uid, gid, cgroup_id, comm) are 0: XDP runs in no task. */
struct pl_xdp_drop_event {
    struct pl_event_header hdr;
    __u8 src[16]; /* IPv4-mapped for IPv4 */
    __u8 dst[16];
    __u32 ifindex;
    __u32 frame_len;      /* bytes of the whole frame */
    __u32 rule_prefixlen; /* of the blocklist entry that matched (IPv4: 96 + n) */
    __u16 sport;          /* TCP/UDP only, host order; else 0 */
    __u16 dport;
    __u8 family;     /* enum pl_xdp_family */
    __u8 proto;      /* IP protocol (IPv6: the first next header) */
    __u16 ethertype; /* of the IP header (host order) */
    __u32 pad0;
    char ifname[PL_XDP_IFNAME_LEN];
};
PL_STATIC_ASSERT(sizeof(struct pl_xdp_drop_event) == 80 + 72, "pl_xdp_drop_event layout changed");

#endif
