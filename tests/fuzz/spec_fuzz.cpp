// The --probe spec parser (probes/spec.hpp): the location, the parameter list,
// captures and their field expressions, and the clauses (if COND, log
// "TEXT {VALUE}", rate N/s).
#include "fuzz_input.hpp"
#include "probes/capture_spec.hpp"
#include "probes/clause_spec.hpp"
#include "probes/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace probelog;
    std::string_view text = fuzz::text(data, size);
    auto spec = probes::parse_probe_spec(text);
    if (!spec.ok()) {
        // The promise of spec.hpp: every error points at its column.
        fuzz::check(spec.error().message.starts_with("column "), "a spec error without a column",
                    spec.error().message);
        return 0;
    }
    size_t comparisons = 0;
    for (const probes::CondItem& item : spec->clauses.cond) {
        if (item.op != probes::CondOp::And && item.op != probes::CondOp::Or) ++comparisons;
    }
    fuzz::check(comparisons <= probes::kMaxCondComparisons, "too many comparisons accepted");
    fuzz::check(spec->captures.size() <= probes::kMaxCaptures, "too many captures accepted");
    for (const probes::CaptureSpec& capture : spec->captures)
        (void)probes::capture_field_name(capture.expr);
    return 0;
}
