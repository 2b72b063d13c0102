/*
 * tcp: listen, accept/accept4 and connect on TCP sockets only, one event each
 * when the call returns (syscall tracepoints: no kprobes). Whether the fd is a
 * TCP socket (AF_INET/AF_INET6, SOCK_STREAM, IPPROTO_TCP) is decided here, at
 * syscall entry, from the task's fd table: UDP, unix and other sockets cost one
 * lookup and produce nothing.
 *
 * A connect that returns EINPROGRESS (non-blocking) or is interrupted leaves
 * the handshake running: the socket is remembered and sock:inet_sock_set_state
 * reports how it ended (ESTABLISHED, or CLOSE with the socket's error) as a
 * second connect event with stage "handshake".
 */
#include "pl/common.bpf.h"
#include "pl/sock.bpf.h"
#include "tcp.h"

#define PL_EAGAIN 11
#define PL_EINTR 4
#define PL_EINPROGRESS 115
#define PL_ERESTARTSYS 512
#define PL_TCP_ESTABLISHED 1
#define PL_TCP_SYN_SENT 2

/* A call between its entry and exit (per thread). */
struct tcp_call {
    __u64 sk; /* the fd's struct sock* (a TCP socket) */
    __s32 fd;
    __s32 backlog;
    __u32 flags;
    __u8 syscall;
    __u8 pad[3];
    struct pl_sockaddr remote; /* connect: the caller's address */
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, __u32);
    __type(value, struct tcp_call);
} tcp_calls SEC(".maps");

/* Connects whose handshake outlived the syscall, by struct sock*: the event as
 * the syscall reported it (its header names the connecting task). */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 8192);
    __type(key, __u64);
    __type(value, struct pl_tcp_event);
} tcp_handshakes SEC(".maps");

static __always_inline void remember(struct tcp_call* c) {
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    if (bpf_map_update_elem(&tcp_calls, &tid, c, BPF_ANY) != 0) pl_count_map_full(PL_TRACE_TCP);
}

static __always_inline struct tcp_call* recall(__u32* tid) {
    *tid = (__u32)bpf_get_current_pid_tgid();
    return bpf_map_lookup_elem(&tcp_calls, tid);
}

static __always_inline void fill_call(struct pl_tcp_event* e, const struct tcp_call* c, long ret) {
    e->fd = c->fd;
    e->new_fd = -1;
    e->backlog = 0;
    e->error_raw = ret < 0 ? -ret : 0;
    e->stage = PL_TCP_STAGE_EXIT;
    e->syscall = c->syscall;
    e->state = 0;
    e->pad0 = 0;
    e->flags = c->flags;
}

/* ---- listen ---- */

SEC("tp/syscalls/sys_enter_listen")
int pl_listen_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    if (!pl_pass_filters()) return 0;
    struct sock* sk = pl_fd_sock((int)ctx->args[0]);
    if (!pl_is_tcp_sock(sk)) return 0;
    struct tcp_call c = {.sk = (__u64)sk,
                         .fd = (__s32)ctx->args[0],
                         .backlog = (__s32)ctx->args[1],
                         .syscall = PL_TCP_SYSCALL_LISTEN};
    remember(&c);
    return 0;
}

SEC("tp/syscalls/sys_exit_listen")
int pl_listen_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    __u32 tid;
    struct tcp_call* c = recall(&tid);
    if (!c) return 0;
    struct pl_tcp_event* e = pl_reserve(PL_EVENT_LISTEN, PL_TRACE_TCP, sizeof(*e));
    if (e) {
        fill_call(e, c, ctx->ret);
        e->backlog = c->backlog;
        pl_sock_local((struct sock*)c->sk, &e->local);
        __builtin_memset(&e->remote, 0, sizeof(e->remote));
        pl_submit(e);
    }
    bpf_map_delete_elem(&tcp_calls, &tid);
    return 0;
}

/* ---- accept, accept4 ---- */

static __always_inline int on_accept_enter(struct trace_event_raw_sys_enter* ctx, __u8 syscall,
                                           __u32 flags) {
    if (!pl_pass_filters()) return 0;
    struct sock* sk = pl_fd_sock((int)ctx->args[0]);
    if (!pl_is_tcp_sock(sk)) return 0;
    struct tcp_call c = {
        .sk = (__u64)sk, .fd = (__s32)ctx->args[0], .flags = flags, .syscall = syscall};
    remember(&c);
    return 0;
}

static __always_inline int on_accept_exit(long ret) {
    __u32 tid;
    struct tcp_call* c = recall(&tid);
    if (!c) return 0;
    /* EAGAIN: nothing was waiting on a non-blocking listener; not a connection. */
    if (ret != -PL_EAGAIN) {
        struct pl_tcp_event* e = pl_reserve(PL_EVENT_ACCEPT, PL_TRACE_TCP, sizeof(*e));
        if (e) {
            fill_call(e, c, ret);
            struct sock* nsk = ret >= 0 ? pl_fd_sock((int)ret) : NULL;
            if (nsk) {
                e->new_fd = (__s32)ret;
                pl_sock_local(nsk, &e->local);
                pl_sock_peer(nsk, &e->remote);
            } else {
                e->new_fd = ret >= 0 ? (__s32)ret : -1;
                pl_sock_local((struct sock*)c->sk, &e->local);
                __builtin_memset(&e->remote, 0, sizeof(e->remote));
            }
            pl_submit(e);
        }
    }
    bpf_map_delete_elem(&tcp_calls, &tid);
    return 0;
}

SEC("tp/syscalls/sys_enter_accept")
int pl_accept_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_accept_enter(ctx, PL_TCP_SYSCALL_ACCEPT, 0);
}

SEC("tp/syscalls/sys_enter_accept4")
int pl_accept4_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_accept_enter(ctx, PL_TCP_SYSCALL_ACCEPT4, (__u32)ctx->args[3]);
}

SEC("tp/syscalls/sys_exit_accept")
int pl_accept_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept4")
int pl_accept4_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_accept_exit(ctx->ret);
}

/* ---- connect ---- */

SEC("tp/syscalls/sys_enter_connect")
int pl_connect_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    if (!pl_pass_filters()) return 0;
    struct sock* sk = pl_fd_sock((int)ctx->args[0]);
    if (!pl_is_tcp_sock(sk)) return 0;
    struct tcp_call c = {
        .sk = (__u64)sk, .fd = (__s32)ctx->args[0], .syscall = PL_TCP_SYSCALL_CONNECT};
    pl_read_user_sockaddr((const void*)ctx->args[1], (int)ctx->args[2], &c.remote);
    remember(&c);
    return 0;
}

/*
 * Emits the handshake's outcome for `sk` if its entry is still there: whoever
 * deletes the entry (the state change, or the syscall exit that finds the
 * handshake already over) reports it, exactly once.
 */
static __always_inline void finish_handshake(struct sock* sk, __u64 key, int new_state) {
    struct pl_tcp_event* saved = bpf_map_lookup_elem(&tcp_handshakes, &key);
    if (!saved) return;
    struct pl_tcp_event copy = *saved;
    if (bpf_map_delete_elem(&tcp_handshakes, &key) != 0) return; /* someone else reported it */
    struct pl_tcp_event* e = pl_reserve(PL_EVENT_CONNECT, PL_TRACE_TCP, sizeof(*e));
    if (!e) return;
    /* Keep this event's sequence, cpu and time; the connecting task's identity. */
    struct pl_event_header now = e->hdr;
    *e = copy;
    e->hdr.seq = now.seq;
    e->hdr.cpu = now.cpu;
    e->hdr.boot_ns = now.boot_ns;
    e->stage = PL_TCP_STAGE_HANDSHAKE;
    e->state = (__u8)new_state;
    e->error_raw = new_state == PL_TCP_ESTABLISHED ? 0 : BPF_CORE_READ(sk, sk_err);
    pl_sock_local(sk, &e->local);
    pl_submit(e);
}

SEC("tp/syscalls/sys_exit_connect")
int pl_connect_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    __u32 tid;
    struct tcp_call* c = recall(&tid);
    if (!c) return 0;
    long ret = ctx->ret;
    struct sock* sk = (struct sock*)c->sk;
    __u64 key = c->sk;
    bool pending = ret == -PL_EINPROGRESS || ret == -PL_EINTR || ret == -PL_ERESTARTSYS;
    struct pl_tcp_event* e = pl_reserve(PL_EVENT_CONNECT, PL_TRACE_TCP, sizeof(*e));
    if (e) {
        fill_call(e, c, ret);
        pl_sock_local(sk, &e->local);
        e->remote = c->remote;
        if (pending && bpf_map_update_elem(&tcp_handshakes, &key, e, BPF_ANY) != 0) {
            pl_count_map_full(PL_TRACE_TCP);
            pending = false;
        }
        pl_submit(e);
    } else {
        pending = false;
    }
    bpf_map_delete_elem(&tcp_calls, &tid);
    if (pending) {
        /* On loopback the handshake is over before the syscall returns. */
        int state = BPF_CORE_READ(sk, __sk_common.skc_state);
        if (state != PL_TCP_SYN_SENT) finish_handshake(sk, key, state);
    }
    return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pl_tcp_state, struct sock* sk, int oldstate, int newstate) {
    PL_FLOOR_GATE(0);
    if (oldstate != PL_TCP_SYN_SENT) return 0;
    finish_handshake(sk, (__u64)sk, newstate);
    return 0;
}
