/*
 * dns: DNS messages of every process, read from the buffers of its socket
 * system calls. A message sent on a UDP or TCP socket to a DNS port (the
 * connected peer's, or sendto/sendmsg's address) is a query; a message
 * received on a socket connected to a DNS port, or on a UDP socket that sent a
 * query, is a response. The fd is resolved to its struct sock here, so that a
 * send or receive that is not DNS (a file read, a pipe, an HTTP socket) costs
 * a few loads and no event. A response pairs with its query by socket and
 * txid (dns_queries), which gives latency_ns from kernel clocks.
 *
 * The kernel copies at most PL_DNS_CAPTURE_MAX bytes of each message and
 * parses nothing but the header's id and QR bit; names and answers are
 * parsed in user space, with every length checked.
 */
#include "pl/common.bpf.h"
#include "pl/kread.bpf.h"
#include "pl/sock.bpf.h"
#include "dns_event.h"

#define PL_IPPROTO_UDP 17
#define DNS_HEADER_LEN 12

/* --dns-ports: the server ports (0: unused slot). */
const volatile __u16 dns_ports[PL_DNS_PORTS_MAX] = {53};

struct dns_query_key {
    __u64 sk;
    __u16 txid;
    __u8 pad[6];
};

/* Queries waiting for their response: when they were sent. LRU: a query never
 * answered is forgotten when the map needs room. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, struct dns_query_key);
    __type(value, __u64);
} dns_queries SEC(".maps");

struct dns_sock_state {
    struct pl_sockaddr server; /* where its last query went */
    __u32 tcp_body_len;        /* TCP: a read took just the length prefix; the body is next */
    __u32 pad;
};

/* Sockets that sent a query: an unconnected UDP socket's datagrams are
 * responses only because of this; a TCP socket keeps its read state here. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, __u64);
    __type(value, struct dns_sock_state);
} dns_socks SEC(".maps");

/* A receive in flight on a DNS socket, from its entry to its exit. */
struct dns_recv_call {
    __u64 sk;
    __u64 arg;   /* recvfrom/read: the buffer; recvmsg: the msghdr; readv: the iovecs;
                    recvmmsg: the mmsghdr vector */
    __u32 count; /* readv: iovecs; recvmmsg: vlen */
    __u8 syscall;
    __u8 tcp;
    __u8 active; /* between a DNS socket's receive entry and its exit */
    __u8 pad;
    struct pl_sockaddr server;
};

/* Task storage, not a hash by tid: every receive's exit on the machine looks
 * here, and a task without storage answers with one load. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct dns_recv_call);
} dns_recv_calls SEC(".maps");

/* The event is built here: the fixed part, then the message. Room beyond
 * PL_DNS_CAPTURE_MAX so that each copy's bound alone keeps it inside. */
struct dns_scratch {
    __u8 raw[sizeof(struct pl_dns_event) + 4 * PL_DNS_CAPTURE_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct dns_scratch);
} dns_scratch SEC(".maps");

/* Up to two buffers of one message (an iovec's first two: TCP clients write
 * the length prefix and the message as two). */
struct dns_segs {
    __u64 base[2];
    __u64 len[2];
};

struct dns_msg {
    struct dns_segs segs;
    __u64 sk;
    __u64 total; /* bytes the call moved for this message */
    struct pl_sockaddr server;
    __u8 syscall;
    __u8 tcp;
    __u8 response;
    __u8 unconnected; /* a UDP send whose destination came with the call */
};

static __always_inline bool dns_port(__u16 port) {
    if (port == 0) return false;
#pragma unroll
    for (int i = 0; i < PL_DNS_PORTS_MAX; i++) {
        if (dns_ports[i] == port) return true;
    }
    return false;
}

/* The first two buffers of an iovec array of `count`, and no more than `bytes` in all. */
static __always_inline void dns_read_iov(struct dns_segs* segs, const struct iovec* iov,
                                         __u64 count, __u64 bytes) {
    __builtin_memset(segs, 0, sizeof(*segs));
#pragma unroll
    for (int i = 0; i < 2; i++) {
        if ((__u64)i >= count || bytes == 0) break;
        struct iovec v = {};
        if (bpf_probe_read_user(&v, sizeof(v), &iov[i]) != 0) break;
        __u64 n = v.iov_len < bytes ? v.iov_len : bytes;
        segs->base[i] = (__u64)v.iov_base;
        segs->len[i] = n;
        bytes -= n;
    }
}

/*
 * Copies a message's first bytes, emits its event, and pairs a query with its
 * response. A TCP message starts with its 2-byte length unless `tcp_body_len`
 * says a read took that already. A global function: the verifier checks it
 * once, whatever its callers know of `m` (as a static one, it was checked
 * again for every call site and every path into it: seconds of loading).
 */
__noinline int dns_message(struct dns_msg* m, __u32 tcp_body_len) {
    if (!m) return 0;
    __u32 zero = 0;
    struct dns_scratch* s = bpf_map_lookup_elem(&dns_scratch, &zero);
    if (!s) return 0;
    struct pl_dns_event* e = (struct pl_dns_event*)s->raw;
    bool prefixed = m->tcp && tcp_body_len == 0;
    /* The length prefix lands in the last two bytes of the fixed part, which
     * are filled after it is read. */
    __u32 off = prefixed ? sizeof(*e) - 2 : sizeof(*e);
    __u32 want = PL_DNS_CAPTURE_MAX + (prefixed ? 2 : 0);
    __u32 got = 0;
    bool fault = false;
    for (int i = 0; i < 2; i++) {
        if (got >= want) break;
        __u64 n = m->segs.len[i];
        if (n > want - got) n = want - got;
        n &= 2 * PL_DNS_CAPTURE_MAX - 1;
        if (n == 0) continue;
        if (bpf_probe_read_user(s->raw + off + got, n, (const void*)m->segs.base[i]) != 0) {
            fault = true;
            break;
        }
        got += n;
    }
    __u32 msg_len = m->total;
    __u32 data = got;
    if (prefixed) {
        if (got < 2 && !fault) return 0; /* no message starts here */
        if (got >= 2) {
            const __u8* p = s->raw + sizeof(*e) - 2;
            msg_len = ((__u32)p[0] << 8) | p[1];
            data = got - 2;
        }
    } else if (m->tcp) {
        msg_len = tcp_body_len;
    }
    __u32 captured = data < msg_len ? data : msg_len;
    if (captured > PL_DNS_CAPTURE_MAX) captured = PL_DNS_CAPTURE_MAX;
    const __u8* msg = s->raw + sizeof(*e);
    __u16 txid = captured >= 2 ? ((__u16)msg[0] << 8) | msg[1] : 0;
    bool qr = captured >= 3 && (msg[2] & 0x80) != 0;

    __u64 now = bpf_ktime_get_ns();
    struct dns_query_key key = {.sk = m->sk, .txid = txid};
    __s64 latency = 0;
    bool paired = false;
    if (m->response) {
        __u64* sent = qr ? bpf_map_lookup_elem(&dns_queries, &key) : NULL;
        if (sent) {
            latency = (__s64)(now - *sent);
            paired = true;
            bpf_map_delete_elem(&dns_queries, &key);
        }
        /* A TCP read that pairs with nothing is the middle of a stream. */
        if (m->tcp && !paired) return 0;
    } else {
        if (captured >= DNS_HEADER_LEN && !qr)
            bpf_map_update_elem(&dns_queries, &key, &now, BPF_ANY);
        /* Only an unconnected socket needs remembering: its responses come
         * from no DNS peer. (An LRU update costs a few hundred ns.) */
        if (m->unconnected) {
            struct dns_sock_state st = {.server = m->server};
            bpf_map_update_elem(&dns_socks, &m->sk, &st, BPF_ANY);
        }
    }

    __builtin_memset(e, 0, sizeof(*e));
    __u64 size = sizeof(*e) + captured;
    pl_fill_header(&e->hdr, PL_EVENT_DNS, PL_TRACE_DNS, size, 0);
    e->sock = m->sk;
    e->latency_ns = latency;
    e->msg_len = msg_len;
    e->captured = captured;
    e->txid = txid;
    e->syscall = m->syscall;
    e->flags = (m->response ? PL_DNS_F_RESPONSE : 0) | (m->tcp ? PL_DNS_F_TCP : 0) |
               (paired ? PL_DNS_F_PAIRED : 0) | (fault ? PL_DNS_F_FAULT : 0);
    e->server = m->server;
    if (size > sizeof(*e) + PL_DNS_CAPTURE_MAX) return 0;
    pl_output(&e->hdr, PL_TRACE_DNS, size);
    return 0;
}

/*
 * The socket behind fd if it is an IPv4/IPv6 UDP or TCP one (its protocol in
 * `proto`, its peer in `server`), else NULL. Every send and receive on the
 * machine comes here, so the walk uses direct loads (pl/kread.bpf.h), not
 * pl_fd_sock's helper calls: a file that is no socket costs ~10 loads.
 */
static __always_inline struct sock* dns_sock(int fd, __u8* proto, struct pl_sockaddr* server) {
    struct file* file = pl_fd_file(fd);
    if (!file) return NULL;
    struct inode* inode = KREAD(file, f_inode);
    if (!inode || (KREAD(inode, i_mode) & PL_S_IFMT) != PL_S_IFSOCK) return NULL;
    /* A socket file's private_data is its struct socket, which points back at the file. */
    struct socket* sock = KCAST(KREAD(file, private_data), struct socket);
    if (!sock || KREAD(sock, file) != file) return NULL;
    struct sock* sk = KREAD(sock, sk);
    if (!sk) return NULL;
    __u16 family = KREAD(sk, __sk_common.skc_family);
    if (!pl_is_inet_family(family)) return NULL;
    __u16 protocol = KREAD(sk, sk_protocol);
    if (protocol != PL_IPPROTO_UDP && protocol != PL_IPPROTO_TCP) return NULL;
    *proto = (__u8)protocol;
    server->family = family;
    server->port = bpf_ntohs(KREAD(sk, __sk_common.skc_dport));
    server->scope_id = 0;
    if (family == PL_AF_INET) {
        __be32 a = KREAD(sk, __sk_common.skc_daddr);
        __builtin_memcpy(server->addr, &a, 4);
    } else {
        struct in6_addr a6 = KREAD(sk, __sk_common.skc_v6_daddr);
        __builtin_memcpy(server->addr, &a6, 16);
    }
    return sk;
}

/*
 * The socket of a send that may be DNS, its peer in `peer`: one connected to
 * a DNS port, or an unconnected UDP one (its destination comes with the
 * call), from a task the filters pass. Checked before any of the caller's
 * memory is read.
 */
static __always_inline struct sock* dns_send_sock(int fd, __u8* proto, struct pl_sockaddr* peer) {
    if (!pl_pass_filters()) return NULL;
    struct sock* sk = dns_sock(fd, proto, peer);
    if (!sk) return NULL;
    if (dns_port(peer->port) || (*proto == PL_IPPROTO_UDP && peer->port == 0)) return sk;
    return NULL;
}

static __always_inline __u64 dns_iov_total(const struct dns_segs* segs) {
    return segs->len[0] + segs->len[1];
}

/* A send on sk (m->server holds its peer): a query if it goes to a DNS port,
 * the address given to a UDP socket, else the peer's. A sendmsg's buffers
 * (`h`) are read only then: a server's replies from port 53 stop before. */
static __always_inline int dns_send(__u64 sk, __u8 proto, const void* uaddr, int addrlen,
                                    const struct user_msghdr* h, struct dns_msg* m) {
    m->unconnected = m->server.port == 0;
    if (uaddr && addrlen > 0 && proto == PL_IPPROTO_UDP) {
        if (!pl_read_user_sockaddr(uaddr, addrlen, &m->server)) return 0;
    }
    if (!dns_port(m->server.port)) return 0;
    if (h) {
        dns_read_iov(&m->segs, h->msg_iov, h->msg_iovlen, ~0ULL);
        m->total = dns_iov_total(&m->segs);
    }
    m->sk = sk;
    m->tcp = proto == PL_IPPROTO_TCP;
    m->response = 0;
    return dns_message(m, 0);
}

static __always_inline int dns_send_buf(int fd, const void* buf, __u64 len, const void* uaddr,
                                        int addrlen, __u8 syscall) {
    PL_FLOOR_GATE(0);
    struct dns_msg m = {};
    __u8 proto = 0;
    struct sock* sk = dns_send_sock(fd, &proto, &m.server);
    if (!sk) return 0;
    m.segs.base[0] = (__u64)buf;
    m.segs.len[0] = len;
    m.total = len;
    m.syscall = syscall;
    return dns_send((__u64)sk, proto, uaddr, addrlen, NULL, &m);
}

/* A struct user_msghdr's buffers (`bytes` at most) and its address. */
static __always_inline bool dns_read_msghdr(const struct user_msghdr* umsg, __u64 bytes,
                                            struct dns_segs* segs, struct user_msghdr* out) {
    if (bpf_probe_read_user(out, sizeof(*out), umsg) != 0) return false;
    dns_read_iov(segs, out->msg_iov, out->msg_iovlen, bytes);
    return true;
}

SEC("tp/syscalls/sys_enter_sendto")
int pl_dns_sendto(struct trace_event_raw_sys_enter* ctx) {
    return dns_send_buf(ctx->args[0], (const void*)ctx->args[1], ctx->args[2],
                        (const void*)ctx->args[4], ctx->args[5], PL_DNS_SYS_SENDTO);
}

SEC("tp/syscalls/sys_enter_write")
int pl_dns_write(struct trace_event_raw_sys_enter* ctx) {
    return dns_send_buf(ctx->args[0], (const void*)ctx->args[1], ctx->args[2], NULL, 0,
                        PL_DNS_SYS_WRITE);
}

SEC("tp/syscalls/sys_enter_writev")
int pl_dns_writev(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    struct dns_msg m = {};
    __u8 proto = 0;
    struct sock* sk = dns_send_sock(ctx->args[0], &proto, &m.server);
    if (!sk) return 0;
    dns_read_iov(&m.segs, (const struct iovec*)ctx->args[1], ctx->args[2], ~0ULL);
    m.total = dns_iov_total(&m.segs);
    m.syscall = PL_DNS_SYS_WRITEV;
    return dns_send((__u64)sk, proto, NULL, 0, NULL, &m);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int pl_dns_sendmsg(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    struct dns_msg m = {};
    __u8 proto = 0;
    struct sock* sk = dns_send_sock(ctx->args[0], &proto, &m.server);
    if (!sk) return 0;
    struct user_msghdr h = {};
    if (bpf_probe_read_user(&h, sizeof(h), (const void*)ctx->args[1]) != 0) return 0;
    m.syscall = PL_DNS_SYS_SENDMSG;
    return dns_send((__u64)sk, proto, h.msg_name, h.msg_namelen, &h, &m);
}

/* sendmmsg and recvmmsg: the call's messages, one bpf_loop step each (the
 * verifier checks a step once, not once per message). */
struct dns_mmsg {
    const struct mmsghdr* vec;
    __u32 vlen; /* messages to read */
    __u8 proto;
    struct pl_sockaddr peer;
    struct dns_recv_call call; /* recvmmsg */
    __u64 sk;
};

static long dns_sendmmsg_step(__u32 i, void* arg) {
    struct dns_mmsg* x = arg;
    if (i >= x->vlen) return 1;
    struct dns_msg m = {.server = x->peer};
    struct user_msghdr h = {};
    if (bpf_probe_read_user(&h, sizeof(h), &x->vec[i].msg_hdr) != 0) return 1;
    m.syscall = PL_DNS_SYS_SENDMMSG;
    dns_send(x->sk, x->proto, h.msg_name, h.msg_namelen, &h, &m);
    return 0;
}

SEC("tp/syscalls/sys_enter_sendmmsg")
int pl_dns_sendmmsg(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    struct dns_mmsg x = {};
    struct sock* sk = dns_send_sock(ctx->args[0], &x.proto, &x.peer);
    if (!sk) return 0;
    x.sk = (__u64)sk;
    x.vec = (const struct mmsghdr*)ctx->args[1];
    x.vlen = ctx->args[2];
    bpf_loop(PL_DNS_MMSG_MAX, dns_sendmmsg_step, &x, 0);
    return 0;
}

/* A receive's entry: note it if the socket is a DNS one (connected to a DNS
 * port, or a UDP socket that sent a query). */
static __always_inline int dns_recv_enter(int fd, __u64 arg, __u32 count, __u8 syscall) {
    PL_FLOOR_GATE(0);
    if (!pl_pass_filters()) return 0;
    struct pl_sockaddr server = {};
    __u8 proto = 0;
    struct sock* sk = dns_sock(fd, &proto, &server);
    if (!sk) return 0;
    __u64 key = (__u64)sk;
    if (!dns_port(server.port)) {
        /* Not connected to a DNS port: only an unconnected UDP socket that sent a query. */
        if (proto != PL_IPPROTO_UDP || server.port != 0) return 0;
        struct dns_sock_state* st = bpf_map_lookup_elem(&dns_socks, &key);
        if (!st) return 0;
        server = st->server;
    }
    struct dns_recv_call* c = bpf_task_storage_get(&dns_recv_calls, bpf_get_current_task_btf(), 0,
                                                   BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!c) {
        pl_count_map_full(PL_TRACE_DNS);
        return 0;
    }
    c->sk = key;
    c->server = server;
    c->arg = arg;
    c->count = count;
    c->syscall = syscall;
    c->tcp = proto == PL_IPPROTO_TCP;
    c->active = 1;
    return 0;
}

/* A receive's exit: the call noted at its entry, if it was one of `syscall`. */
static __always_inline bool dns_recv_call_of(__u8 syscall, struct dns_recv_call* out) {
    struct dns_recv_call* c =
        bpf_task_storage_get(&dns_recv_calls, bpf_get_current_task_btf(), 0, 0);
    if (!c || !c->active) return false;
    *out = *c;
    c->active = 0;
    return out->syscall == syscall;
}

/* One received message. A TCP read of just the 2-byte length prefix (glibc
 * reads the length, then the body) is kept for the next read. */
static __always_inline int dns_received(const struct dns_recv_call* c, struct dns_msg* m) {
    m->sk = c->sk;
    m->server = c->server;
    m->syscall = c->syscall;
    m->tcp = c->tcp;
    m->response = 1;
    __u32 body = 0;
    if (c->tcp) {
        struct dns_sock_state* st = bpf_map_lookup_elem(&dns_socks, &c->sk);
        if (st && st->tcp_body_len) {
            body = st->tcp_body_len;
            st->tcp_body_len = 0;
        } else if (m->total == 2 && m->segs.len[0] == 2) {
            __u8 len[2] = {};
            if (bpf_probe_read_user(len, 2, (const void*)m->segs.base[0]) != 0) return 0;
            struct dns_sock_state fresh = {.server = c->server};
            fresh.tcp_body_len = ((__u32)len[0] << 8) | len[1];
            bpf_map_update_elem(&dns_socks, &c->sk, &fresh, BPF_ANY);
            return 0;
        }
    }
    return dns_message(m, body);
}

SEC("tp/syscalls/sys_enter_recvfrom")
int pl_dns_recvfrom_enter(struct trace_event_raw_sys_enter* ctx) {
    return dns_recv_enter(ctx->args[0], ctx->args[1], 0, PL_DNS_SYS_RECVFROM);
}
SEC("tp/syscalls/sys_enter_read")
int pl_dns_read_enter(struct trace_event_raw_sys_enter* ctx) {
    return dns_recv_enter(ctx->args[0], ctx->args[1], 0, PL_DNS_SYS_READ);
}
SEC("tp/syscalls/sys_enter_readv")
int pl_dns_readv_enter(struct trace_event_raw_sys_enter* ctx) {
    return dns_recv_enter(ctx->args[0], ctx->args[1], ctx->args[2], PL_DNS_SYS_READV);
}
SEC("tp/syscalls/sys_enter_recvmsg")
int pl_dns_recvmsg_enter(struct trace_event_raw_sys_enter* ctx) {
    return dns_recv_enter(ctx->args[0], ctx->args[1], 0, PL_DNS_SYS_RECVMSG);
}
SEC("tp/syscalls/sys_enter_recvmmsg")
int pl_dns_recvmmsg_enter(struct trace_event_raw_sys_enter* ctx) {
    return dns_recv_enter(ctx->args[0], ctx->args[1], ctx->args[2], PL_DNS_SYS_RECVMMSG);
}

/* recvfrom and read: `ret` bytes in the buffer. */
static __always_inline int dns_recv_buf_exit(long ret, __u8 syscall) {
    PL_FLOOR_GATE(0);
    struct dns_recv_call c;
    if (!dns_recv_call_of(syscall, &c) || ret <= 0) return 0;
    struct dns_msg m = {};
    m.segs.base[0] = c.arg;
    m.segs.len[0] = ret;
    m.total = ret;
    return dns_received(&c, &m);
}

SEC("tp/syscalls/sys_exit_recvfrom")
int pl_dns_recvfrom_exit(struct trace_event_raw_sys_exit* ctx) {
    return dns_recv_buf_exit(ctx->ret, PL_DNS_SYS_RECVFROM);
}
SEC("tp/syscalls/sys_exit_read")
int pl_dns_read_exit(struct trace_event_raw_sys_exit* ctx) {
    return dns_recv_buf_exit(ctx->ret, PL_DNS_SYS_READ);
}

SEC("tp/syscalls/sys_exit_readv")
int pl_dns_readv_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    struct dns_recv_call c;
    long ret = ctx->ret;
    if (!dns_recv_call_of(PL_DNS_SYS_READV, &c) || ret <= 0) return 0;
    struct dns_msg m = {};
    dns_read_iov(&m.segs, (const struct iovec*)c.arg, c.count, ret);
    m.total = ret;
    return dns_received(&c, &m);
}

SEC("tp/syscalls/sys_exit_recvmsg")
int pl_dns_recvmsg_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    struct dns_recv_call c;
    long ret = ctx->ret;
    if (!dns_recv_call_of(PL_DNS_SYS_RECVMSG, &c) || ret <= 0) return 0;
    struct dns_msg m = {};
    struct user_msghdr h = {};
    if (!dns_read_msghdr((const struct user_msghdr*)c.arg, ret, &m.segs, &h)) return 0;
    m.total = ret;
    return dns_received(&c, &m);
}

static long dns_recvmmsg_step(__u32 i, void* arg) {
    struct dns_mmsg* x = arg;
    if (i >= x->vlen) return 1;
    struct mmsghdr mm = {};
    if (bpf_probe_read_user(&mm, sizeof(mm), &x->vec[i]) != 0) return 1;
    struct dns_msg m = {};
    dns_read_iov(&m.segs, mm.msg_hdr.msg_iov, mm.msg_hdr.msg_iovlen, mm.msg_len);
    m.total = mm.msg_len;
    dns_received(&x->call, &m);
    return 0;
}

SEC("tp/syscalls/sys_exit_recvmmsg")
int pl_dns_recvmmsg_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    struct dns_mmsg x = {};
    long ret = ctx->ret;
    if (!dns_recv_call_of(PL_DNS_SYS_RECVMMSG, &x.call) || ret <= 0) return 0;
    x.vec = (const struct mmsghdr*)x.call.arg;
    x.vlen = (__u64)ret < x.call.count ? (__u32)ret : x.call.count;
    bpf_loop(PL_DNS_MMSG_MAX, dns_recvmmsg_step, &x, 0);
    return 0;
}
