/* The values probe_fields (C) and probe_fields_cpp (C++) pass to their probed
 * functions, shared with the tests that read them back through field
 * expressions (`req->hdr.content_length`, `this->user`). The layouts are in
 * probe_fields.h; the programs _Static_assert every byte offset the tests use. */
#ifndef PROBELOG_TESTPROGS_PROBE_FIELDS_VALUES_H
#define PROBELOG_TESTPROGS_PROBE_FIELDS_VALUES_H

/* pf_handle_request(req): every member set. */
#define PF_METHOD PF_POST /* enum pf_method: PF_GET = 1, PF_POST = 2 */
#define PF_METHOD_VALUE 2
#define PF_PATH "/api/items"
#define PF_CONTENT_LENGTH 1234
#define PF_FLAGS 0x00a5
#define PF_HOST "example.org"
#define PF_CONN_FD 7
#define PF_PEER_NAME "peer-7"
#define PF_PEER_PORT 8080
#define PF_URGENT 1                 /* unsigned urgent:1  (bit 0 of the word at offset 64) */
#define PF_RETRIES 5                /* unsigned retries:3 (bits 1-3) */
#define PF_KIND 9                   /* unsigned kind:4    (bits 4-7) */
#define PF_ID 0x1122334455667788ULL /* u.id; u.score is the same 8 bytes */
#define PF_RATIO 0.25
#define PF_WEIGHT 1.5f
#define PF_SAMPLE0 1
#define PF_SAMPLE1 (-2)
#define PF_SAMPLE2 3
#define PF_SAMPLE3 (-4)
#define PF_NEG (-42)
#define PF_GRID(i, j) (10 * (i) + (j)) /* uint8_t grid[2][3] */

/* pf_handle_null(req): the same request but conn is NULL and path is
 * PF_NULL_PATH: `req->conn->fd` must fail to read, not crash anything. */
#define PF_NULL_PATH "/null-conn"

/* pf_handle_dangling(req): the request of pf_handle_request, but conn and
 * path point into a page unmapped before the call (conn at +64, path at
 * +128): reading through them must fail and say so, not give a value. */

/* pf_walk(n): a list of PF_LIST_LEN nodes; node i (0 = the argument) holds
 * value PF_NODE_VALUE(i); the last node's next is NULL. So
 * n->next->next->...->value (k times next) is PF_NODE_VALUE(k) for k <= 9. */
#define PF_LIST_LEN 10
#define PF_NODE_VALUE(i) (100 + (i))

/* pf_handle_opaque(o): struct pf_opaque is only declared in probe_fields.c
 * and defined in probe_fields_opaque.c (another compilation unit). */
#define PF_OPAQUE_SECRET 31337
#define PF_OPAQUE_LABEL "opaque-label"

/* probe_fields_cpp: PfSession::serve(int n) with n = PFX_SERVE_N on a
 * session whose members are these. */
#define PFX_BASE_ID 77
#define PFX_USER "alice"   /* 5 chars: in the SSO buffer */
#define PFX_TAG "blue-tag" /* std::string_view over a literal */
#define PFX_IDS \
    { 10, 20, 30 } /* std::vector<int> */
#define PFX_IDS_LEN 3
#define PFX_LONG_USER "a-user-name-longer-than-fifteen" /* 31 chars: on the heap */
#define PFX_COUNT 3
#define PFX_SERVE_N 5

#endif
