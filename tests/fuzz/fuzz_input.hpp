#pragma once
// What every fuzz target shares: the input as text or bytes, and a check that
// stops the run (a finding) when a property the target asserts does not hold.
// libFuzzer's entry point is LLVMFuzzerTestOneInput; replay_main.cpp provides
// a main() for builds without libFuzzer (the regression replay tests).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace probelog::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

inline std::span<const uint8_t> bytes(const uint8_t* data, size_t size) {
    return {data, size};
}

// A property the parser promises: abort (the fuzzer saves the input) if not,
// saying which and, if given, what broke it (an error message).
inline void check(bool ok, const char* what, std::string_view detail = {}) {
    if (ok) return;
    std::fprintf(stderr, "fuzz check failed: %s: [", what);
    std::fwrite(detail.data(), 1, detail.size(), stderr);
    std::fputs("]\n", stderr);
    std::abort();
}

}  // namespace probelog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
