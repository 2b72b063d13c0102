/*
 * bind: one event per bind() on an AF_INET or AF_INET6 socket, when the call
 * returns. The syscall tracepoints (no kprobes): at entry the caller's sockaddr
 * is read and the socket found through the fd table; at exit the result, the
 * port the kernel actually bound (for port 0) and SO_BINDTODEVICE are added.
 */
#include "pl/common.bpf.h"
#include "pl/sock.bpf.h"
#include "bind.h"

struct bind_call {
    __u64 sk; /* struct sock*, 0 if fd was not a socket */
    __s32 fd;
    __u32 flags;
    __u16 protocol;
    __u16 sock_type;
    __u32 sock_family;
    struct pl_sockaddr addr;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, __u32);
    __type(value, struct bind_call);
} bind_calls SEC(".maps");

SEC("tp/syscalls/sys_enter_bind")
int pl_bind_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    if (!pl_pass_filters()) return 0;
    struct bind_call c = {};
    c.fd = (__s32)ctx->args[0];
    if (!pl_read_user_sockaddr((const void*)ctx->args[1], (int)ctx->args[2], &c.addr))
        c.flags |= PL_BIND_F_ADDR_FAULT;
    struct sock* sk = pl_fd_sock(c.fd);
    if (sk) {
        c.sock_family = pl_sock_family(sk);
        if (!pl_is_inet_family(c.sock_family)) return 0; /* unix, netlink, packet...: not ours */
        c.sk = (__u64)sk;
        c.protocol = BPF_CORE_READ(sk, sk_protocol);
        c.sock_type = BPF_CORE_READ(sk, sk_type);
    } else {
        /* Not a socket (EBADF, ENOTSOCK): reported if it was meant as an inet bind. */
        if (!pl_is_inet_family(c.addr.family)) return 0;
        c.flags |= PL_BIND_F_NO_SOCKET;
    }
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    if (bpf_map_update_elem(&bind_calls, &tid, &c, BPF_ANY) != 0) pl_count_map_full(PL_TRACE_BIND);
    return 0;
}

SEC("tp/syscalls/sys_exit_bind")
int pl_bind_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct bind_call* c = bpf_map_lookup_elem(&bind_calls, &tid);
    if (!c) return 0;
    long ret = ctx->ret;
    struct pl_bind_event* e = pl_reserve(PL_EVENT_BIND, PL_TRACE_BIND, sizeof(*e));
    if (e) {
        struct sock* sk = (struct sock*)c->sk;
        e->fd = c->fd;
        e->error_raw = ret < 0 ? -ret : 0;
        e->protocol = c->protocol;
        e->sock_type = c->sock_type;
        e->sock_family = c->sock_family;
        e->flags = c->flags;
        e->addr = c->addr;
        e->bound_dev_if = sk ? BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if) : 0;
        if (ret == 0 && sk && c->addr.port == 0) {
            e->addr.port = BPF_CORE_READ(sk, __sk_common.skc_num);
            e->flags |= PL_BIND_F_PORT_FROM_SOCKET;
        }
        pl_submit(e);
    }
    bpf_map_delete_elem(&bind_calls, &tid);
    return 0;
}
