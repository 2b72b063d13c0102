/* Sockets from the BPF side: the struct sock behind a file descriptor of the
 * current task, its addresses, and a caller's sockaddr. */
#ifndef PROBELOG_BPF_SOCK_BPF_H
#define PROBELOG_BPF_SOCK_BPF_H

#include <bpf/bpf_endian.h>

#include "pl/common.bpf.h"
#include "net.h"

#define PL_S_IFMT 00170000
#define PL_S_IFSOCK 0140000

/*
 * The socket's struct sock behind `fd` in the current task's fd table, or NULL
 * if fd is not an open socket. Reads only (the syscall being traced holds a
 * reference to the file while it runs, so the pointers stay valid until its exit).
 */
static __always_inline struct sock* pl_fd_sock(int fd) {
    if (fd < 0) return NULL;
    struct task_struct* task = bpf_get_current_task_btf();
    struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
    if (!fdt) return NULL;
    unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
    if ((unsigned int)fd >= max_fds) return NULL;
    struct file** fds = BPF_CORE_READ(fdt, fd);
    struct file* file = NULL;
    if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) != 0 || !file) return NULL;
    umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
    if ((mode & PL_S_IFMT) != PL_S_IFSOCK) return NULL;
    /* A socket file's private_data is its struct socket, which points back at the file. */
    struct socket* sock = BPF_CORE_READ(file, private_data);
    if (!sock || BPF_CORE_READ(sock, file) != file) return NULL;
    return BPF_CORE_READ(sock, sk);
}

static __always_inline __u16 pl_sock_family(struct sock* sk) {
    return BPF_CORE_READ(sk, __sk_common.skc_family);
}

static __always_inline bool pl_is_inet_family(__u16 family) {
    return family == PL_AF_INET || family == PL_AF_INET6;
}

/* An AF_INET/AF_INET6 stream socket of protocol TCP. */
static __always_inline bool pl_is_tcp_sock(struct sock* sk) {
    if (!sk || !pl_is_inet_family(pl_sock_family(sk))) return false;
    return BPF_CORE_READ(sk, sk_type) == PL_SOCK_STREAM &&
           BPF_CORE_READ(sk, sk_protocol) == PL_IPPROTO_TCP;
}

/* The socket's own (local) address. */
static __always_inline void pl_sock_local(struct sock* sk, struct pl_sockaddr* out) {
    __u16 family = pl_sock_family(sk);
    out->family = family;
    out->port = BPF_CORE_READ(sk, __sk_common.skc_num);
    out->scope_id = 0;
    if (family == PL_AF_INET) {
        __be32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        __builtin_memcpy(out->addr, &a, 4);
    } else if (family == PL_AF_INET6) {
        BPF_CORE_READ_INTO(&out->addr, sk, __sk_common.skc_v6_rcv_saddr);
    }
}

/* The socket's peer address (connected sockets). */
static __always_inline void pl_sock_peer(struct sock* sk, struct pl_sockaddr* out) {
    __u16 family = pl_sock_family(sk);
    out->family = family;
    out->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    out->scope_id = 0;
    if (family == PL_AF_INET) {
        __be32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
        __builtin_memcpy(out->addr, &a, 4);
    } else if (family == PL_AF_INET6) {
        BPF_CORE_READ_INTO(&out->addr, sk, __sk_common.skc_v6_daddr);
    }
}

/*
 * A caller's struct sockaddr (user memory) of `len` bytes. Only AF_INET and
 * AF_INET6 addresses are decoded; other families keep just the family.
 * Returns false if the memory could not be read.
 */
static __always_inline bool pl_read_user_sockaddr(const void* uaddr, int len,
                                                  struct pl_sockaddr* out) {
    __builtin_memset(out, 0, sizeof(*out));
    if (!uaddr || len < (int)sizeof(__u16)) return true;
    __u16 family = 0;
    if (bpf_probe_read_user(&family, sizeof(family), uaddr) != 0) return false;
    out->family = family;
    if (family == PL_AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
        struct sockaddr_in in4 = {};
        if (bpf_probe_read_user(&in4, sizeof(in4), uaddr) != 0) return false;
        out->port = bpf_ntohs(in4.sin_port);
        __builtin_memcpy(out->addr, &in4.sin_addr.s_addr, 4);
    } else if (family == PL_AF_INET6 && len >= 24 /* SIN6_LEN_RFC2133 */) {
        struct sockaddr_in6 in6 = {};
        __u32 n = len >= (int)sizeof(in6) ? sizeof(in6) : 24;
        if (bpf_probe_read_user(&in6, n, uaddr) != 0) return false;
        out->port = bpf_ntohs(in6.sin6_port);
        out->scope_id = in6.sin6_scope_id;
        __builtin_memcpy(out->addr, &in6.sin6_addr, 16);
    }
    return true;
}

#endif
