/* The requests probe_clauses passes to pc_handle, shared with the tests that
 * check which of them a condition keeps. pc_handle returns len * 2. */
#ifndef PROBE_CLAUSES_H
#define PROBE_CLAUSES_H

enum pc_kind { PC_GET = 1, PC_POST = 2, PC_PUT = 3 };

struct pc_req {
    int id;
    const char* method;
    const char* path;
    long len;
    unsigned flags;
    enum pc_kind kind;
};

/* clang-format off */
#define PC_REQUESTS {                                         \
    {0, "GET",   "/api/users", 999,  0, PC_GET},              \
    {1, "POST",  "/api/users", 1000, 4, PC_POST},             \
    {2, "POST",  "/api/users", 1001, 5, PC_POST},             \
    {3, "POST",  "/apix",      5000, 1, PC_POST},             \
    {4, "PUT",   "/ap",        -1,   0, PC_PUT},              \
    {5, "POSTX", "/",          1001, 4, PC_POST},             \
    {6, "",      "/api/",      0,    0, PC_GET},              \
    {7, 0,       0,            2000, 2, PC_GET},              \
}
/* clang-format on */
#define PC_REQUEST_COUNT 8

#endif
