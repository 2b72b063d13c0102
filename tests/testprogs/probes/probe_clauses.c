/* probe_clauses MODE [N]: calls the functions that the clause tests
 * (conditions, messages, rate limits: docs/PROBES.md) probe, with the values
 * of probe_clauses.h, and prints nothing.
 *   requests  pc_handle once per entry of pc_requests, in order
 *   flood N   pc_tick(i) for i = 0 .. N-1, as fast as it can */
#include <stdlib.h>
#include <string.h>

#include "probe_clauses.h"

/* noipa: no inlining, cloning or signature changes: the ABI is what the source says. */
#define PROBED __attribute__((noipa, used))

PROBED long pc_handle(struct pc_req* req) {
    return req->len * 2;
}

PROBED unsigned long pc_tick(unsigned long i) {
    return i;
}

int main(int argc, char** argv) {
    if (argc >= 2 && strcmp(argv[1], "requests") == 0) {
        struct pc_req reqs[] = PC_REQUESTS;
        for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); ++i)
            pc_handle(&reqs[i]);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "flood") == 0) {
        unsigned long n = strtoul(argv[2], NULL, 10);
        unsigned long sum = 0;
        for (unsigned long i = 0; i < n; ++i)
            sum += pc_tick(i);
        return sum == (n * (n - 1)) / 2 ? 0 : 1;
    }
    return 2;
}
