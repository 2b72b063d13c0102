/*
 * openssl: SSL_do_handshake, SSL_read(_ex), SSL_write(_ex) and SSL_shutdown of
 * the libssl files user space attaches to (every process that maps one of
 * them, started before or after probelog), one event per call at its return.
 *
 * A call in flight is kept in its thread's local storage, one slot per
 * operation: a handshake OpenSSL runs inside SSL_read or SSL_write (the first
 * read of a connection does) is a call of its own, not a clobbered read.
 * While a call is in flight, the thread's read/write/recvfrom/sendto system
 * calls note their fd: the socket the call used, whose addresses the event
 * carries. Plaintext (--openssl-capture N) is read from the caller's buffer at
 * the return: what SSL_read filled, what SSL_write took.
 */
#include "pl/common.bpf.h"
#include "pl/sock.bpf.h"
#include "openssl_event.h"

const volatile __u32 openssl_capture = 0; /* bytes of plaintext per event (<= PL_TLS_CAPTURE_MAX) */

struct tls_call {
    __u64 start_ns; /* 0: no call in flight */
    __u64 ssl;
    __u64 buf;
    __u64 num;
    __u64 out_len; /* _ex: where the call stores the bytes moved */
    __s32 fd;
    __u8 ex;
    __u8 has_fd;
    __u8 pad[2];
};

struct tls_calls {
    struct tls_call op[PL_TLS_OP_COUNT];
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct tls_calls);
} tls_calls SEC(".maps");

/* The event is built here (it may be larger than the stack). */
struct tls_scratch {
    __u8 raw[sizeof(struct pl_tls_event) + PL_TLS_CAPTURE_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct tls_scratch);
} tls_scratch SEC(".maps");

static __always_inline struct tls_calls* calls_of_current(bool create) {
    return bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0,
                                create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline int call_enter(__u32 op, __u64 ssl, __u64 buf, __u64 num, __u64 out_len,
                                      bool ex) {
    PL_FLOOR_GATE(0);
    if (!pl_pass_filters()) return 0;
    struct tls_calls* calls = calls_of_current(true);
    if (!calls) {
        pl_count_map_full(PL_TRACE_OPENSSL);
        return 0;
    }
    if (op >= PL_TLS_OP_COUNT) return 0;
    struct tls_call* c = &calls->op[op];
    c->ssl = ssl;
    c->buf = buf;
    c->num = num;
    c->out_len = out_len;
    c->ex = ex;
    c->has_fd = 0;
    c->fd = -1;
    c->start_ns = bpf_ktime_get_ns();
    return 0;
}

static __always_inline int call_return(__u32 op, __s64 ret) {
    struct tls_calls* calls = calls_of_current(false);
    if (!calls || op >= PL_TLS_OP_COUNT) return 0;
    struct tls_call* c = &calls->op[op];
    if (c->start_ns == 0) return 0;
    __u32 zero = 0;
    struct tls_scratch* s = bpf_map_lookup_elem(&tls_scratch, &zero);
    if (!s) {
        c->start_ns = 0;
        return 0;
    }
    struct pl_tls_event* e = (struct pl_tls_event*)s->raw;
    __builtin_memset(e, 0, sizeof(*e));
    pl_fill_header(&e->hdr, PL_EVENT_TLS_HANDSHAKE + op, PL_TRACE_OPENSSL, 0, 0);
    e->ssl_ptr = c->ssl;
    e->latency_ns = (__s64)(bpf_ktime_get_ns() - c->start_ns);
    e->ret = (__s32)ret;
    e->op = op;
    e->flags = c->ex ? PL_TLS_F_EX : 0;
    __u64 moved = 0;
    if (op == PL_TLS_READ || op == PL_TLS_WRITE) {
        e->requested = c->num;
        if (c->ex) {
            if (ret == 1 && c->out_len)
                bpf_probe_read_user(&moved, sizeof(moved), (const void*)c->out_len);
        } else if (ret > 0) {
            moved = (__u64)ret;
        }
        e->bytes = moved;
    }
    if (c->has_fd) {
        e->fd = c->fd;
        e->flags |= PL_TLS_F_HAS_FD;
        struct sock* sk = pl_fd_sock(c->fd);
        if (sk && pl_is_inet_family(pl_sock_family(sk))) {
            pl_sock_peer(sk, &e->peer);
            pl_sock_local(sk, &e->local);
            e->flags |= PL_TLS_F_HAS_PEER;
        }
    }
    __u32 n = 0;
    if (openssl_capture && moved && c->buf) {
        n = moved < openssl_capture ? (__u32)moved : openssl_capture;
        n &= PL_TLS_CAPTURE_MAX * 2 - 1;
        if (n > PL_TLS_CAPTURE_MAX) n = PL_TLS_CAPTURE_MAX;
        if (n && bpf_probe_read_user(s->raw + sizeof(struct pl_tls_event), n,
                                     (const void*)c->buf) != 0) {
            e->flags |= PL_TLS_F_CAPTURE_FAULT;
            n = 0;
        }
    }
    e->captured = n;
    c->start_ns = 0;
    __u64 size = sizeof(struct pl_tls_event) + n;
    e->hdr.size = size;
    if (size > sizeof(struct tls_scratch)) return 0;
    pl_output(&e->hdr, PL_TRACE_OPENSSL, size);
    return 0;
}

/* While a read or write is in flight on this thread, note the fd its system
 * calls use. Cheap for every other thread: one storage lookup. */
static __always_inline int note_fd(__s64 fd) {
    struct tls_calls* calls = calls_of_current(false);
    if (!calls) return 0;
#pragma unroll
    for (int op = 0; op < PL_TLS_OP_COUNT; op++) {
        struct tls_call* c = &calls->op[op];
        if (c->start_ns) {
            c->fd = (__s32)fd;
            c->has_fd = 1;
        }
    }
    return 0;
}

SEC("tp/syscalls/sys_enter_read")
int pl_tls_sys_read(struct trace_event_raw_sys_enter* ctx) {
    return note_fd(ctx->args[0]);
}
SEC("tp/syscalls/sys_enter_write")
int pl_tls_sys_write(struct trace_event_raw_sys_enter* ctx) {
    return note_fd(ctx->args[0]);
}
SEC("tp/syscalls/sys_enter_recvfrom")
int pl_tls_sys_recvfrom(struct trace_event_raw_sys_enter* ctx) {
    return note_fd(ctx->args[0]);
}
SEC("tp/syscalls/sys_enter_sendto")
int pl_tls_sys_sendto(struct trace_event_raw_sys_enter* ctx) {
    return note_fd(ctx->args[0]);
}

SEC("uprobe")
int BPF_KPROBE(pl_ssl_handshake_enter, void* ssl) {
    return call_enter(PL_TLS_HANDSHAKE, (__u64)ssl, 0, 0, 0, false);
}
SEC("uretprobe")
int BPF_KRETPROBE(pl_ssl_handshake_return, int ret) {
    return call_return(PL_TLS_HANDSHAKE, ret);
}

SEC("uprobe")
int BPF_KPROBE(pl_ssl_read_enter, void* ssl, void* buf, int num) {
    return call_enter(PL_TLS_READ, (__u64)ssl, (__u64)buf, num > 0 ? num : 0, 0, false);
}
SEC("uprobe")
int BPF_KPROBE(pl_ssl_read_ex_enter, void* ssl, void* buf, __u64 num, __u64* readbytes) {
    return call_enter(PL_TLS_READ, (__u64)ssl, (__u64)buf, num, (__u64)readbytes, true);
}
SEC("uretprobe")
int BPF_KRETPROBE(pl_ssl_read_return, int ret) {
    return call_return(PL_TLS_READ, ret);
}

SEC("uprobe")
int BPF_KPROBE(pl_ssl_write_enter, void* ssl, const void* buf, int num) {
    return call_enter(PL_TLS_WRITE, (__u64)ssl, (__u64)buf, num > 0 ? num : 0, 0, false);
}
SEC("uprobe")
int BPF_KPROBE(pl_ssl_write_ex_enter, void* ssl, const void* buf, __u64 num, __u64* written) {
    return call_enter(PL_TLS_WRITE, (__u64)ssl, (__u64)buf, num, (__u64)written, true);
}
SEC("uretprobe")
int BPF_KRETPROBE(pl_ssl_write_return, int ret) {
    return call_return(PL_TLS_WRITE, ret);
}

SEC("uprobe")
int BPF_KPROBE(pl_ssl_shutdown_enter, void* ssl) {
    return call_enter(PL_TLS_SHUTDOWN, (__u64)ssl, 0, 0, 0, false);
}
SEC("uretprobe")
int BPF_KRETPROBE(pl_ssl_shutdown_return, int ret) {
    return call_return(PL_TLS_SHUTDOWN, ret);
}
