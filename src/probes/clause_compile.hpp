#pragma once
// The clauses of a compiled probe (clause_spec.hpp): the condition as steps of
// the BPF program's postfix evaluator (struct pl_probe_cond_op), the rate limit
// as a token bucket's interval and burst, the message as a template over the
// record's fields.
//
// A condition may read values the record does not carry (`if req->len > 1000`
// with only req->path captured): those are compiled as hidden captures, read
// into the event for the kernel's test and left out of records.

#include <vector>

#include "common/result.hpp"
#include "probes/compile.hpp"
#include "probes/spec.hpp"

namespace probelog::probes {

// The condition's operands that are not values of the compiled probe
// (`info`): hidden captures to add to the spec before compiling it again.
std::vector<CaptureSpec> condition_captures(const ProbeSpec& spec, const decode::ProbeInfo& info);

// Fills out.config's condition and rate limit and out.info's message. Errors
// name the clause and the fix.
Status compile_clauses(const ProbeSpec& spec, CompiledProbe& out);

}  // namespace probelog::probes
