/* libprobelib.so: a shared library function for library probes. */
#define PROBED __attribute__((noipa, used, visibility("default")))

PROBED int pl_lib_mul(int a, int b) {
    return a * b;
}
