/* The tcp trace's events: listen, accept and connect on TCP sockets (one struct, three types). */
#ifndef PROBELOG_SCHEMA_TCP_H
#define PROBELOG_SCHEMA_TCP_H

#include "event_header.h"
#include "net.h"

enum pl_tcp_stage {
    PL_TCP_STAGE_EXIT = 0,      /* the syscall returned */
    PL_TCP_STAGE_HANDSHAKE = 1, /* a connect that returned EINPROGRESS/EINTR completed (or not) */
};

enum pl_tcp_syscall {
    PL_TCP_SYSCALL_LISTEN = 0,
    PL_TCP_SYSCALL_ACCEPT = 1,
    PL_TCP_SYSCALL_ACCEPT4 = 2,
    PL_TCP_SYSCALL_CONNECT = 3,
};

struct pl_tcp_event {
    struct pl_event_header hdr;
    __s32 fd;        /* the socket the call was made on */
    __s32 new_fd;    /* accept: the connection's fd, -1 on failure */
    __s32 backlog;   /* listen */
    __s32 error_raw; /* 0 on success, else the positive errno (handshake: the socket's error) */
    __u8 stage;      /* enum pl_tcp_stage */
    __u8 syscall;    /* enum pl_tcp_syscall */
    __u8 state;      /* handshake: the TCP state the socket moved to (TCP_ESTABLISHED = 1, ...) */
    __u8 pad0;
    __u32 flags;               /* accept4 flags */
    struct pl_sockaddr local;  /* the socket's own address */
    struct pl_sockaddr remote; /* accept: the peer; connect: the address connected to */
};
PL_STATIC_ASSERT(sizeof(struct pl_tcp_event) == 152, "pl_tcp_event layout changed");

#endif
