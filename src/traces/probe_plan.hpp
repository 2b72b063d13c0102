#pragma once
// From a probe spec to what the generic uprobe object needs: the spec is
// parsed, its file and function (or USDT sites) resolved and each site's
// config compiled. Nothing touches the kernel.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "probes/compile.hpp"
#include "probes/resolve.hpp"

namespace probelog {

struct ProbePlan {
    probes::ResolvedProbe resolved;
    probes::CompiledProbe compiled;
};

// A spec's plans: one, or one per site of its USDT probes (each site has its
// own argument recipe, so its own config). `default_rate`: the `rate N/s` of a
// spec without one (--max-rate probe=N/s).
Result<std::vector<ProbePlan>> plan_probe(const std::string& text, const probes::ResolveOptions& ro,
                                          const probes::CompileOptions& co, uint64_t default_rate);

// The notes a plan has for the user (and with `verbose` where each site is
// and how it is read), one line each, for "probelog: --probe 'SPEC': ...".
std::vector<std::string> plan_notes(const ProbePlan& plan, bool verbose);

}  // namespace probelog
