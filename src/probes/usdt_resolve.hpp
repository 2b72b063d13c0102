#pragma once
// From a usdt:TARGET:PROVIDER:NAME spec to its sites (issue 17): finds the
// file, its USDT notes, the probes the spec names (a provider's '*' names them
// all), and for every site the locations of its arguments and its semaphore.
// Each site is a ResolvedProbe of its own: it gets its own config (its own
// argument recipe) and its own attachment.

#include <vector>

#include "common/result.hpp"
#include "probes/resolve.hpp"
#include "symbols/usdt_notes.hpp"

namespace probelog::probes {

// Errors are one line: no notes in the file, an unknown provider or name
// (with the closest ones), more parameters than the probe has arguments, an
// argument recipe probelog cannot read.
Result<std::vector<ResolvedProbe>> resolve_usdt(const ProbeSpec& spec,
                                                const ResolveOptions& options);

// The sites of `notes` that the spec names (no file access: unit-testable).
Result<std::vector<ResolvedProbe>> usdt_sites(const ProbeSpec& spec,
                                              const std::vector<symbols::UsdtNote>& notes,
                                              const std::string& binary);

}  // namespace probelog::probes
