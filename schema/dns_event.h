/*
 * The dns trace's event: one per DNS message a process sends to a DNS port
 * (a query) or receives on a socket that sent one or is connected to a DNS
 * port (a response), over UDP or TCP, from its system call's buffer. A
 * response pairs with its query by socket and txid in the kernel, which
 * measures latency_ns. Variable size: the first bytes of the message (the TCP
 * length prefix removed) follow the fixed part; user space parses them.
 */
#ifndef PROBELOG_SCHEMA_DNS_EVENT_H
#define PROBELOG_SCHEMA_DNS_EVENT_H

#include "event_header.h"
#include "net.h"

/* The system calls the trace reads messages from: X(ENUM, name). */
#define PL_DNS_SYSCALLS(X)           \
    X(PL_DNS_SYS_SENDTO, sendto)     \
    X(PL_DNS_SYS_SENDMSG, sendmsg)   \
    X(PL_DNS_SYS_SENDMMSG, sendmmsg) \
    X(PL_DNS_SYS_WRITE, write)       \
    X(PL_DNS_SYS_WRITEV, writev)     \
    X(PL_DNS_SYS_RECVFROM, recvfrom) \
    X(PL_DNS_SYS_RECVMSG, recvmsg)   \
    X(PL_DNS_SYS_RECVMMSG, recvmmsg) \
    X(PL_DNS_SYS_READ, read)         \
    X(PL_DNS_SYS_READV, readv)

enum pl_dns_syscall {
#define PL_DNS_SYSCALL_ENUM(ENUM, name) ENUM,
    PL_DNS_SYSCALLS(PL_DNS_SYSCALL_ENUM)
#undef PL_DNS_SYSCALL_ENUM
        PL_DNS_SYS_COUNT,
};

enum pl_dns_flags {
    PL_DNS_F_RESPONSE = 1u << 0, /* received (a response); else sent (a query) */
    PL_DNS_F_TCP = 1u << 1, /* over TCP (the stream's 2-byte length prefix is not in the bytes) */
    PL_DNS_F_PAIRED = 1u << 2, /* a response to a query this socket sent: latency_ns is set */
    PL_DNS_F_FAULT = 1u << 3,  /* the caller's buffer could not be read: no bytes */
};

#define PL_DNS_CAPTURE_MAX 512 /* bytes of a message per event at most (a power of two) */
#define PL_DNS_PORTS_MAX 8     /* --dns-ports: ports at most */
#define PL_DNS_MMSG_MAX 4      /* sendmmsg/recvmmsg: messages per call read at most */

struct pl_dns_event {
    struct pl_event_header hdr;
    __u64 sock;       /* the kernel's struct sock: a query and its response share it */
    __s64 latency_ns; /* PL_DNS_F_PAIRED: the query's send to this receive */
    __u32 msg_len;    /* the message's length (TCP: its length prefix; else the bytes moved) */
    __u16 captured;   /* bytes after the struct (<= PL_DNS_CAPTURE_MAX, <= msg_len) */
    __u16 txid;       /* the message's id (0 if fewer than 2 bytes were read) */
    __u8 syscall;     /* enum pl_dns_syscall */
    __u8 flags;       /* enum pl_dns_flags */
    __u8 pad[6];
    struct pl_sockaddr server; /* the DNS server's end: where the query went / came from */
    /* then `captured` bytes: the start of the DNS message */
};
PL_STATIC_ASSERT(sizeof(struct pl_dns_event) == 136, "pl_dns_event layout changed");

#endif
