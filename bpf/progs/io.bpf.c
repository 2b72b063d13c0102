/* The io trace (see pl/io_impl.bpf.h): kernel structs read with direct loads
 * through bpf_rdonly_cast (kernel 6.2 and later). */
#include "pl/io_impl.bpf.h"
