/*
 * xdp: counts every received frame by source address and drops the frames of
 * blocked sources.
 *
 *  - IPv4 and IPv6 sources: packets and bytes, passed and dropped separately,
 *    in xdp_sources (an LRU hash, per-cpu values: no atomics on the hot path);
 *  - other frames: by ethertype in xdp_ethertypes; one or two VLAN tags are
 *    looked through (the frame counts by its inner ethertype);
 *  - the blocklist is an LPM trie of IPv6 prefixes, IPv4 ones IPv4-mapped;
 *  - a blocked source's first dropped frame becomes one PL_EVENT_XDP event in
 *    the shared ring buffer (remembered in xdp_reported; at most
 *    xdp_drop_records_per_sec per cpu, the rest counted as suppressed).
 *
 * The section is xdp.frags so that it also attaches to interfaces whose MTU
 * needs multi-buffer frames; only the headers (first buffer) are read.
 */
#include "pl/common.bpf.h"
#include <bpf/bpf_endian.h>

#include "xdp.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define PL_IPPROTO_TCP 6
#define PL_IPPROTO_UDP 17

/* Set by user space before load. */
const volatile __u32 xdp_drop_records_per_sec = 100;
const volatile __u64 xdp_drop_rate_window_ns = 1000000000ULL; /* tests lengthen it */
const volatile __u32 xdp_ifindex = 0;
const volatile char xdp_ifname[PL_XDP_IFNAME_LEN] __attribute__((aligned(8))) = {};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
    __uint(max_entries, 16384); /* --xdp-max-sources */
    __type(key, struct pl_xdp_addr);
    __type(value, struct pl_xdp_counters);
} xdp_sources SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, PL_XDP_BLOCKLIST_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct pl_xdp_lpm_key);
    __type(value, struct pl_xdp_rule);
} xdp_blocklist SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, PL_XDP_REPORTED_MAX);
    __type(key, struct pl_xdp_addr);
    __type(value, __u64); /* boot ns of the reported drop */
} xdp_reported SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, PL_XDP_ETHERTYPES_MAX);
    __type(key, __u32); /* ethertype, host order */
    __type(value, struct pl_xdp_counters);
} xdp_ethertypes SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_xdp_totals);
} xdp_totals SEC(".maps");

struct drop_rate {
    __u64 window_start;
    __u64 count;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct drop_rate);
} xdp_drop_rate SEC(".maps");

struct pl_vlan_hdr {
    __be16 tci;
    __be16 proto;
};

/* What the parser found in the headers. */
struct frame {
    struct pl_xdp_addr src;
    struct pl_xdp_addr dst;
    __u16 ethertype; /* host order, after VLAN tags */
    __u16 sport;
    __u16 dport;
    __u8 family; /* 0: not IP */
    __u8 proto;
};

static __always_inline void set_v4_mapped(struct pl_xdp_addr* a, __be32 v4) {
    __builtin_memset(a, 0, sizeof(*a));
    a->addr[10] = 0xff;
    a->addr[11] = 0xff;
    __builtin_memcpy(&a->addr[12], &v4, 4);
}

static __always_inline void read_ports(struct frame* f, void* l4, void* end) {
    if (f->proto != PL_IPPROTO_TCP && f->proto != PL_IPPROTO_UDP) return;
    __be16* ports = l4;
    if ((void*)(ports + 2) > end) return;
    f->sport = bpf_ntohs(ports[0]);
    f->dport = bpf_ntohs(ports[1]);
}

/* Returns false if the headers are shorter than they claim. */
static __always_inline bool parse(struct xdp_md* ctx, struct frame* f, bool* vlan) {
    void* data = (void*)(long)ctx->data;
    void* end = (void*)(long)ctx->data_end;
    struct ethhdr* eth = data;
    if ((void*)(eth + 1) > end) return false;
    __u16 proto = bpf_ntohs(eth->h_proto);
    void* l3 = eth + 1;
#pragma unroll
    for (int i = 0; i < 2; i++) {
        if (proto != ETH_P_8021Q && proto != ETH_P_8021AD) break;
        struct pl_vlan_hdr* v = l3;
        if ((void*)(v + 1) > end) return false;
        proto = bpf_ntohs(v->proto);
        l3 = v + 1;
        *vlan = true;
    }
    f->ethertype = proto;
    if (proto == ETH_P_IP) {
        struct iphdr* ip = l3;
        if ((void*)(ip + 1) > end) return false;
        f->family = PL_XDP_IPV4;
        f->proto = ip->protocol;
        set_v4_mapped(&f->src, ip->saddr);
        set_v4_mapped(&f->dst, ip->daddr);
        __u32 ihl = ip->ihl * 4;
        /* Ports only in the first fragment, and only if the header is sane. */
        if (ihl >= sizeof(*ip) && (bpf_ntohs(ip->frag_off) & 0x1fff) == 0)
            read_ports(f, l3 + (ihl & 0x3c), end);
    } else if (proto == ETH_P_IPV6) {
        struct ipv6hdr* ip6 = l3;
        if ((void*)(ip6 + 1) > end) return false;
        f->family = PL_XDP_IPV6;
        f->proto = ip6->nexthdr;
        __builtin_memcpy(f->src.addr, &ip6->saddr, 16);
        __builtin_memcpy(f->dst.addr, &ip6->daddr, 16);
        read_ports(f, ip6 + 1, end);
    }
    return true;
}

static __always_inline void add(struct pl_xdp_counters* c, bool drop, __u64 len) {
    if (drop) {
        c->drop_packets++;
        c->drop_bytes += len;
    } else {
        c->pass_packets++;
        c->pass_bytes += len;
    }
}

static __always_inline void count_source(const struct pl_xdp_addr* src, bool drop, __u64 len,
                                         struct pl_xdp_totals* t) {
    struct pl_xdp_counters* c = bpf_map_lookup_elem(&xdp_sources, src);
    if (!c) {
        struct pl_xdp_counters zero = {};
        /* EEXIST when another cpu added it first: the lookup below finds it. */
        bpf_map_update_elem(&xdp_sources, src, &zero, BPF_NOEXIST);
        c = bpf_map_lookup_elem(&xdp_sources, src);
        if (!c) {
            t->source_untracked++;
            return;
        }
    }
    add(c, drop, len);
}

static __always_inline void count_ethertype(__u32 ethertype, __u64 len, struct pl_xdp_totals* t) {
    struct pl_xdp_counters* c = bpf_map_lookup_elem(&xdp_ethertypes, &ethertype);
    if (!c) {
        struct pl_xdp_counters zero = {};
        bpf_map_update_elem(&xdp_ethertypes, &ethertype, &zero, BPF_NOEXIST);
        c = bpf_map_lookup_elem(&xdp_ethertypes, &ethertype);
        if (!c) {
            t->ethertype_untracked++;
            return;
        }
    }
    add(c, false, len);
}

/* At most xdp_drop_records_per_sec reports per second (per window) on this cpu. */
static __always_inline bool take_report_token(__u64 now) {
    __u32 zero = 0;
    struct drop_rate* r = bpf_map_lookup_elem(&xdp_drop_rate, &zero);
    if (!r) return false;
    if (r->window_start == 0 || now - r->window_start >= xdp_drop_rate_window_ns) {
        r->window_start = now;
        r->count = 0;
    }
    if (r->count >= xdp_drop_records_per_sec) return false;
    r->count++;
    return true;
}

static __always_inline void report_first_drop(const struct frame* f, __u32 rule_prefixlen,
                                              __u64 len, struct pl_xdp_totals* t) {
    if (bpf_map_lookup_elem(&xdp_reported, &f->src)) return;
    __u64 now = bpf_ktime_get_boot_ns();
    if (!take_report_token(now)) {
        t->drop_records_suppressed++;
        return;
    }
    /* Exactly one cpu wins the insert for a source: that one reports. */
    if (bpf_map_update_elem(&xdp_reported, &f->src, &now, BPF_NOEXIST) != 0) return;
    t->drop_records++;
    struct pl_xdp_drop_event* e =
        pl_reserve_notask(PL_EVENT_XDP, PL_TRACE_XDP, sizeof(struct pl_xdp_drop_event));
    if (!e) return; /* counted as lost */
    __builtin_memcpy(e->src, f->src.addr, 16);
    __builtin_memcpy(e->dst, f->dst.addr, 16);
    e->ifindex = xdp_ifindex;
    e->frame_len = len;
    e->rule_prefixlen = rule_prefixlen;
    e->sport = f->sport;
    e->dport = f->dport;
    e->family = f->family;
    e->proto = f->proto;
    e->ethertype = f->ethertype;
    e->pad0 = 0;
    /* Read through volatile: a plain copy would be folded to the initial zeros. */
    const volatile __u64* name = (const volatile __u64*)xdp_ifname;
    __u64* out = (__u64*)e->ifname;
    out[0] = name[0];
    out[1] = name[1];
    pl_submit(e);
}

SEC("xdp.frags")
int pl_xdp(struct xdp_md* ctx) {
    PL_FLOOR_GATE(XDP_PASS);
    __u32 zero = 0;
    struct pl_xdp_totals* t = bpf_map_lookup_elem(&xdp_totals, &zero);
    if (!t) return XDP_PASS;
    __u64 len = bpf_xdp_get_buff_len(ctx);
    t->packets++;
    t->bytes += len;

    struct frame f = {};
    bool vlan = false;
    bool parsed = parse(ctx, &f, &vlan);
    if (vlan) t->vlan_packets++;
    if (!parsed) {
        t->unparsed_packets++;
        t->pass_packets++;
        t->pass_bytes += len;
        return XDP_PASS;
    }
    if (f.family == 0) {
        t->other_packets++;
        t->pass_packets++;
        t->pass_bytes += len;
        count_ethertype(f.ethertype, len, t);
        return XDP_PASS;
    }
    if (f.family == PL_XDP_IPV4)
        t->ipv4_packets++;
    else
        t->ipv6_packets++;

    struct pl_xdp_lpm_key key = {.prefixlen = 128};
    __builtin_memcpy(key.addr, f.src.addr, 16);
    struct pl_xdp_rule* rule = bpf_map_lookup_elem(&xdp_blocklist, &key);
    bool drop = rule != NULL;
    count_source(&f.src, drop, len, t);
    if (!drop) {
        t->pass_packets++;
        t->pass_bytes += len;
        return XDP_PASS;
    }
    t->drop_packets++;
    t->drop_bytes += len;
    report_first_drop(&f, rule->prefixlen, len, t);
    return XDP_DROP;
}
