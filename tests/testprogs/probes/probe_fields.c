/* probe_fields [N]: a C program whose functions take structs that tests read
 * through field expressions: nested structs, pointers to pointers, bitfields,
 * a union, an enum, arrays (one of two dimensions), a NULL pointer on the way,
 * dangling pointers (into a page unmapped before the call), a 10-node list
 * and a struct defined in another compilation unit. Runs N rounds (default 1);
 * each calls pf_handle_request, pf_handle_null, pf_handle_dangling, pf_walk
 * and pf_handle_opaque once, in that order, with the values of
 * probe_fields_values.h, and prints nothing. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe_fields.h"
#include "probe_fields_values.h"

/* noipa: no inlining, cloning or signature changes: the ABI is what the source says. */
#define PROBED __attribute__((noipa, used))

_Static_assert(offsetof(struct pf_request, method) == 0, "layout");
_Static_assert(offsetof(struct pf_request, path) == 8, "layout");
_Static_assert(offsetof(struct pf_request, hdr) == 16, "layout");
_Static_assert(offsetof(struct pf_request, hdr.content_length) == 16, "layout");
_Static_assert(offsetof(struct pf_request, hdr.flags) == 20, "layout");
_Static_assert(offsetof(struct pf_request, hdr.host) == 22, "layout");
_Static_assert(offsetof(struct pf_request, conn) == 56, "layout");
_Static_assert(offsetof(struct pf_request, u) == 72, "layout");
_Static_assert(offsetof(struct pf_request, ratio) == 80, "layout");
_Static_assert(offsetof(struct pf_request, weight) == 88, "layout");
_Static_assert(offsetof(struct pf_request, samples) == 92, "layout");
_Static_assert(offsetof(struct pf_request, neg) == 104, "layout");
_Static_assert(offsetof(struct pf_request, grid) == 112, "layout");
_Static_assert(sizeof(struct pf_request) == 120, "layout");
_Static_assert(sizeof(enum pf_method) == 4, "layout");
_Static_assert(offsetof(struct pf_conn, peer) == 8, "layout");
_Static_assert(offsetof(struct pf_peer, port) == 16, "layout");
_Static_assert(offsetof(struct pf_node, next) == 8, "layout");

PROBED long pf_handle_request(struct pf_request* req) {
    return (long)req->hdr.content_length + req->conn->peer->port + req->kind;
}

PROBED long pf_handle_null(struct pf_request* req) {
    return req->conn == NULL ? -1 : req->conn->fd;
}

/* req->conn and req->path point into a page that is no longer mapped. */
PROBED long pf_handle_dangling(struct pf_request* req) {
    return req->conn != NULL;
}

PROBED int pf_walk(struct pf_node* n) {
    int len = 0;
    for (; n != NULL; n = n->next)
        ++len;
    return len;
}

/* Only the declaration of struct pf_opaque is visible here. */
PROBED int pf_handle_opaque(struct pf_opaque* o) {
    return o != NULL;
}

static void fill_request(struct pf_request* req, struct pf_conn* conn) {
    memset(req, 0, sizeof(*req));
    req->method = PF_METHOD;
    req->path = PF_PATH;
    req->hdr.content_length = PF_CONTENT_LENGTH;
    req->hdr.flags = PF_FLAGS;
    strcpy(req->hdr.host, PF_HOST);
    req->conn = conn;
    req->urgent = PF_URGENT;
    req->retries = PF_RETRIES;
    req->kind = PF_KIND;
    req->u.id = PF_ID;
    req->ratio = PF_RATIO;
    req->weight = PF_WEIGHT;
    const int16_t samples[4] = {PF_SAMPLE0, PF_SAMPLE1, PF_SAMPLE2, PF_SAMPLE3};
    memcpy(req->samples, samples, sizeof(samples));
    req->neg = PF_NEG;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            req->grid[i][j] = (uint8_t)PF_GRID(i, j);
}

int main(int argc, char** argv) {
    long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 1;

    static struct pf_peer peer = {PF_PEER_NAME, PF_PEER_PORT};
    static struct pf_conn conn = {PF_CONN_FD, &peer};
    static struct pf_request req;
    static struct pf_request null_req;
    fill_request(&req, &conn);
    fill_request(&null_req, NULL);
    null_req.path = PF_NULL_PATH;

    /* A page mapped, then unmapped: pointers into it dangle. */
    long page = sysconf(_SC_PAGESIZE);
    char* gone =
        mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (gone == MAP_FAILED || munmap(gone, (size_t)page) != 0) return 1;
    static struct pf_request dangling_req;
    fill_request(&dangling_req, (struct pf_conn*)(gone + 64));
    dangling_req.path = gone + 128;

    static struct pf_node nodes[PF_LIST_LEN];
    for (int i = 0; i < PF_LIST_LEN; ++i) {
        nodes[i].value = PF_NODE_VALUE(i);
        nodes[i].next = i + 1 < PF_LIST_LEN ? &nodes[i + 1] : NULL;
    }

    long total = 0;
    for (long r = 0; r < rounds; ++r) {
        total += pf_handle_request(&req);
        total += pf_handle_null(&null_req);
        total += pf_handle_dangling(&dangling_req);
        total += pf_walk(&nodes[0]);
        total += pf_handle_opaque(pf_opaque_new());
    }
    return total == 42 ? 3 : 0; /* keeps every result live; prints nothing */
}
