/* The definition of struct pf_opaque, in a compilation unit of its own: the
 * probed pf_handle_opaque sees only a declaration, as code that keeps its
 * structs private to one file does (Fluent Bit). */
#include "probe_fields.h"
#include "probe_fields_values.h"

struct pf_opaque {
    long pad;          /* 0 */
    int secret;        /* 8 */
    const char* label; /* 16 */
};

struct pf_opaque* pf_opaque_new(void) {
    static struct pf_opaque o = {0, PF_OPAQUE_SECRET, PF_OPAQUE_LABEL};
    return &o;
}
