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
    __u32 active; /* between an entry and its exit */
    __u32 pad;
};

/* Task-local storage, not a tid-keyed hash map: ~30 ns for a get and a clear
 * against ~230 ns for an insert and a delete (bench/kcost); it goes with its thread. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
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
    struct bind_call* slot = bpf_task_storage_get(&bind_calls, bpf_get_current_task_btf(), 0,
                                                  BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!slot) {
        pl_count_map_full(PL_TRACE_BIND);
        return 0;
    }
    c.active = 1;
    *slot = c;
    return 0;
}

SEC("tp/syscalls/sys_exit_bind")
int pl_bind_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    struct bind_call* c = bpf_task_storage_get(&bind_calls, bpf_get_current_task_btf(), 0, 0);
    if (!c || !c->active) return 0;
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
    c->active = 0;
    return 0;
}
