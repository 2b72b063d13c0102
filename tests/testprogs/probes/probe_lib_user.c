/* Calls libprobelib's pl_lib_mul(A, PT_LIB_B) once a line arrives on stdin
 * (so that a test can attach with the process already running), then exits
 * without printing anything. */
#include <stdio.h>
#include <stdlib.h>

#include "probe_values.h"

int pl_lib_mul(int a, int b);

int main(int argc, char** argv) {
    int a = argc > 1 ? atoi(argv[1]) : 1;
    char line[16];
    if (fgets(line, sizeof(line), stdin) == NULL) return 1;
    return pl_lib_mul(a, PT_LIB_B) == 42 ? 3 : 0; /* prints nothing */
}
