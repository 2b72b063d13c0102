#pragma once
// Parsers for the values users type: sizes (256K, 4M), durations (500ms, 10s, 2m), numbers.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace probelog {

// "4096", "256K", "4M", "1G" (binary multiples, case-insensitive, optional trailing B/iB).
Result<uint64_t> parse_size(std::string_view text);

// "10" (seconds), "250ms", "10s", "2m", "1h", "1.5s", "100us".
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

// A decimal unsigned integer that fits in uint64_t.
Result<uint64_t> parse_uint(std::string_view text);

// on/off, true/false, yes/no, 1/0 in any case (Fluent Bit's booleans); nullopt
// for anything else, so that each caller says what the value was for.
std::optional<bool> parse_bool(std::string_view text);

// ASCII lower case: keys, schemes and keywords are matched case-insensitively.
std::string lower(std::string_view s);

// Human text for a byte count: "4 MiB", "512 KiB", "100 B".
std::string format_size(uint64_t bytes);

}  // namespace probelog
