/* The types of probe_fields, whose members tests reach through field
 * expressions. Plain C that C++ also compiles: the unit tests include it and
 * compare the DWARF's offsets with offsetof. probe_fields.c asserts the
 * offsets below, so that a change of layout is a change of this file. */
#ifndef PROBELOG_TESTPROGS_PROBE_FIELDS_H
#define PROBELOG_TESTPROGS_PROBE_FIELDS_H

#include <stdint.h>

enum pf_method { PF_GET = 1, PF_POST = 2 };

struct pf_header {
    uint32_t content_length; /* offset 0 */
    uint16_t flags;          /* 4 */
    char host[32];           /* 6 */
};                           /* size 40 */

struct pf_peer {
    char name[16]; /* 0 */
    uint16_t port; /* 16 */
};                 /* size 18 */

struct pf_conn {
    int fd;               /* 0 */
    struct pf_peer* peer; /* 8 */
};

struct pf_request {
    enum pf_method method; /* 0 (4 bytes, unsigned) */
    const char* path;      /* 8 */
    struct pf_header hdr;  /* 16: hdr.content_length 16, hdr.flags 20, hdr.host 22 */
    struct pf_conn* conn;  /* 56 */
    /* One 4-byte storage unit at 64: urgent bit 0, retries bits 1-3, kind bits 4-7. */
    unsigned int urgent : 1, retries : 3, kind : 4;
    union {
        uint64_t id;
        double score;
    } u;                /* 72 */
    double ratio;       /* 80 */
    float weight;       /* 88 */
    int16_t samples[4]; /* 92 */
    int64_t neg;        /* 104 */
    uint8_t grid[2][3]; /* 112: grid[i][j] = PF_GRID(i, j) */
};                      /* size 120 */

struct pf_node {
    int value;            /* 0 */
    struct pf_node* next; /* 8 */
};

/* Declared only: defined in probe_fields_opaque.c, another compilation unit. */
struct pf_opaque;
struct pf_opaque* pf_opaque_new(void);

#endif
