/* A USDT probe in a shared library (issue 17): usdt_lib:lib_fire. */
#include <sys/sdt.h>

#include "usdt_values.h"

__attribute__((noinline)) void usdt_lib_fire(long r) {
    STAP_PROBE1(usdt_lib, lib_fire, UT_LIB(r));
}
