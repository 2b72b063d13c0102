/* usdt_target's probe guarded by a semaphore (its own file: <sys/sdt.h>
 * gives every probe of a file with _SDT_HAS_SEMAPHORES one). */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include "usdt_values.h"

/* What <sys/sdt.h> reads as PROVIDER_NAME_semaphore, in .probes; the kernel
 * counts it up while a uprobe with its ref_ctr_offset is attached. */
__extension__ unsigned short usdt_test_guarded_semaphore __attribute__((unused))
__attribute__((section(".probes")));

__attribute__((noinline)) void fire_guarded(long r) {
    if (usdt_test_guarded_semaphore) STAP_PROBE1(usdt_test, guarded, UT_GUARDED(r));
}
