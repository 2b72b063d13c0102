/* The bind trace's event: one per bind() of an AF_INET/AF_INET6 socket, when the call returns. */
#ifndef PROBELOG_SCHEMA_BIND_H
#define PROBELOG_SCHEMA_BIND_H

#include "event_header.h"
#include "net.h"

enum pl_bind_flags {
    PL_BIND_F_NO_SOCKET = 1u << 0,        /* fd was not a socket (protocol, type, dev unknown) */
    PL_BIND_F_ADDR_FAULT = 1u << 1,       /* the caller's sockaddr could not be read */
    PL_BIND_F_PORT_FROM_SOCKET = 1u << 2, /* port is what the kernel bound (port 0 asked) */
};

struct pl_bind_event {
    struct pl_event_header hdr;
    __s32 fd;
    __s32 error_raw;    /* 0 on success, else the positive errno */
    __u32 bound_dev_if; /* interface index the socket is bound to (SO_BINDTODEVICE), 0 if none */
    __u16 protocol;     /* the socket's IPPROTO_* */
    __u16 sock_type;    /* the socket's SOCK_* */
    __u32 flags;        /* enum pl_bind_flags */
    __u32 sock_family;  /* the socket's own family (the sockaddr may claim another) */
    struct pl_sockaddr addr; /* as passed by the caller (port: see PL_BIND_F_PORT_FROM_SOCKET) */
};
PL_STATIC_ASSERT(sizeof(struct pl_bind_event) == 128, "pl_bind_event layout changed");

#endif
