/* libfaultlib.so: a library that tests/testprogs/fault_call.c loads and unloads
 * while it is probed (only the fault tests use it: no other probe test's
 * machine-wide probe sees its calls). */
#define PROBED __attribute__((noipa, used, visibility("default")))

PROBED int fl_mul(int a, int b) {
    return a * b;
}
