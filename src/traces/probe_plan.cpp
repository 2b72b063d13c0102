#include "traces/probe_plan.hpp"

#include <fmt/format.h>

#include "probes/spec.hpp"
#include "probes/usdt_resolve.hpp"

namespace probelog {

Result<std::vector<ProbePlan>> plan_probe(const std::string& text, const probes::ResolveOptions& ro,
                                          const probes::CompileOptions& co, uint64_t default_rate) {
    auto spec = probes::parse_probe_spec(text);
    if (!spec) return spec.error();
    if (spec->clauses.rate_per_s == 0) spec->clauses.rate_per_s = default_rate;
    std::vector<probes::ResolvedProbe> sites;
    if (spec->usdt) {
        auto resolved = probes::resolve_usdt(*spec, ro);
        if (!resolved) return resolved.error();
        sites = std::move(*resolved);
    } else {
        auto resolved = probes::resolve_probe(*spec, ro);
        if (!resolved) return resolved.error();
        sites.push_back(std::move(*resolved));
    }
    std::vector<ProbePlan> out;
    out.reserve(sites.size());
    for (probes::ResolvedProbe& site : sites) {
        auto compiled = probes::compile_probe(site, co);
        if (!compiled) {
            if (!site.usdt) return compiled.error();
            return compiled.error().prefixed(
                fmt::format("USDT probe {} at 0x{:x}: ", site.function, site.vaddr));
        }
        out.push_back(ProbePlan{std::move(site), std::move(*compiled)});
    }
    return out;
}

std::vector<std::string> plan_notes(const ProbePlan& plan, bool verbose) {
    const probes::ResolvedProbe& r = plan.resolved;
    const probes::CompiledProbe& c = plan.compiled;
    std::vector<std::string> out;
    out.reserve(r.notes.size() + c.notes.size() + 2);
    for (const std::string& note : r.notes)
        out.push_back("note: " + note);
    for (const std::string& note : c.notes)
        out.push_back("note: " + note);
    if (r.go && r.spec.ret && !c.ret_probe_offsets.empty()) {
        out.push_back(fmt::format(
            "note: {} is a Go function: its return is read by uprobes on its {} RET "
            "instruction{}, not by a uretprobe (which would crash the program when the Go "
            "runtime moves the goroutine's stack)",
            r.function, c.ret_probe_offsets.size(), c.ret_probe_offsets.size() == 1 ? "" : "s"));
    }
    if (!verbose) return out;
    std::string how = c.attach_return ? ", with return" : "";
    if (r.go) {
        how = fmt::format(", Go function ({}; g.stack.hi at +{} from {}), entry probe at +{}",
                          r.go_version.empty() ? "version unknown" : r.go_version, r.g_stack_hi,
                          r.g_stack_hi_from, r.entry_skip);
        if (!c.ret_probe_offsets.empty()) {
            how += fmt::format(", return at {} RET instruction(s)", c.ret_probe_offsets.size());
        }
    }
    if (r.usdt) {
        std::string recipe;
        for (const probes::UsdtArg& a : r.usdt_args)
            recipe += (recipe.empty() ? "" : " ") + a.text;
        how = fmt::format(", USDT arguments '{}', semaphore {}", recipe,
                          r.ref_ctr_offset != 0
                              ? fmt::format("at file offset 0x{:x}", r.ref_ctr_offset)
                              : std::string("none"));
    }
    out.push_back(fmt::format("probe {}: {} at 0x{:x} (file offset 0x{:x}), values from {}{}",
                              r.name, r.binary, r.vaddr, r.file_offset, r.params_from, how));
    return out;
}

}  // namespace probelog
