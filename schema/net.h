/* A socket address as the bind and tcp traces report it. */
#ifndef PROBELOG_SCHEMA_NET_H
#define PROBELOG_SCHEMA_NET_H

#include "pl_types.h"

/* Address families and socket constants (vmlinux.h has no macros). */
#define PL_AF_UNSPEC 0
#define PL_AF_UNIX 1
#define PL_AF_INET 2
#define PL_AF_INET6 10
#define PL_SOCK_STREAM 1
#define PL_IPPROTO_TCP 6

struct pl_sockaddr {
    __u16 family;   /* PL_AF_*; 0 when unknown */
    __u16 port;     /* host byte order */
    __u32 scope_id; /* IPv6 scope (interface index of a link-local address), else 0 */
    __u8 addr[16];  /* network byte order: IPv4 in the first 4 bytes, IPv6 all 16 */
};
PL_STATIC_ASSERT(sizeof(struct pl_sockaddr) == 24, "pl_sockaddr layout changed");

#endif
