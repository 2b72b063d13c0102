/* The io trace for kernels without bpf_rdonly_cast (before 6.2): the same
 * programs (pl/io_impl.bpf.h), reading kernel structs with bpf_probe_read_kernel.
 * IoTrace loads this object only when the kernel refuses io.bpf.c. */
#define PL_KREAD_PORTABLE 1
#include "pl/io_impl.bpf.h"
