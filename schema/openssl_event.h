/*
 * The openssl trace's event: one per call of SSL_do_handshake, SSL_read,
 * SSL_read_ex, SSL_write, SSL_write_ex or SSL_shutdown of a libssl, when it
 * returns (uprobe + uretprobe), with Fluent Bit's fields (ssl_ptr, latency_ns,
 * ret), the bytes moved, the socket the call used, and optionally the first
 * bytes of plaintext (--openssl-capture). Variable size: the captured bytes
 * follow the fixed part.
 */
#ifndef PROBELOG_SCHEMA_OPENSSL_EVENT_H
#define PROBELOG_SCHEMA_OPENSSL_EVENT_H

#include "event_header.h"
#include "net.h"

enum pl_tls_op {
    PL_TLS_HANDSHAKE = 0,
    PL_TLS_READ = 1,
    PL_TLS_WRITE = 2,
    PL_TLS_SHUTDOWN = 3,
    PL_TLS_OP_COUNT = 4,
};

enum pl_tls_flags {
    PL_TLS_F_EX = 1u << 0,            /* SSL_read_ex / SSL_write_ex */
    PL_TLS_F_CAPTURE_FAULT = 1u << 1, /* the plaintext could not be read */
    PL_TLS_F_HAS_FD = 1u << 2,        /* fd is the descriptor the call read or wrote */
    PL_TLS_F_HAS_PEER = 1u << 3,      /* fd is an IPv4/IPv6 socket: peer and local are set */
};

#define PL_TLS_CAPTURE_MAX 4096 /* bytes of plaintext per event at most (a power of two) */

struct pl_tls_event {
    struct pl_event_header hdr;
    __u64 ssl_ptr;    /* the SSL object */
    __s64 latency_ns; /* entry to return */
    __u64 bytes;      /* bytes read or written (read/write only) */
    __u64 requested;  /* the call's num argument (read/write only) */
    __s32 ret;        /* the function's return value */
    __s32 fd;         /* with PL_TLS_F_HAS_FD: the last fd the call read or wrote */
    __u8 op;          /* enum pl_tls_op */
    __u8 flags;       /* enum pl_tls_flags */
    __u16 captured;   /* bytes after the struct (<= PL_TLS_CAPTURE_MAX) */
    __u32 pad;
    struct pl_sockaddr peer;  /* with PL_TLS_F_HAS_PEER: the socket's remote end */
    struct pl_sockaddr local; /* ... and its local end */
    /* then `captured` bytes: the first bytes moved, as the application sees them */
};
PL_STATIC_ASSERT(sizeof(struct pl_tls_event) == 176, "pl_tls_event layout changed");

#endif
