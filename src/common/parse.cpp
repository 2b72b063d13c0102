#include "common/parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace probelog {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<bool> parse_bool(std::string_view text) {
    std::string v = lower(text);
    if (v == "on" || v == "true" || v == "yes" || v == "1") return true;
    if (v == "off" || v == "false" || v == "no" || v == "0") return false;
    return std::nullopt;
}

Result<uint64_t> parse_uint(std::string_view text) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return make_error("'{}' is not a non-negative whole number", text);
    }
    return value;
}

Result<uint64_t> parse_size(std::string_view text) {
    std::string s = lower(text);
    for (std::string_view suffix : {"ib", "b"}) {
        if (s.size() > suffix.size() && s.ends_with(suffix) &&
            !std::isdigit(static_cast<unsigned char>(s[s.size() - suffix.size() - 1]))) {
            s.resize(s.size() - suffix.size());
            break;
        }
    }
    if (s.ends_with("b")) s.pop_back();
    uint64_t multiplier = 1;
    if (!s.empty()) {
        switch (s.back()) {
            case 'k':
                multiplier = 1ULL << 10;
                break;
            case 'm':
                multiplier = 1ULL << 20;
                break;
            case 'g':
                multiplier = 1ULL << 30;
                break;
            default:
                break;
        }
        if (multiplier != 1) s.pop_back();
    }
    auto number = parse_uint(s);
    if (!number) return make_error("'{}' is not a size (examples: 4096, 256K, 4M, 1G)", text);
    if (*number > UINT64_MAX / multiplier) return make_error("'{}' is too large", text);
    return *number * multiplier;
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    std::string s = lower(text);
    struct Unit {
        std::string_view suffix;
        double ns;
    };
    // Longest suffixes first so "ms" is not read as "s".
    constexpr Unit units[] = {{"ns", 1},  {"us", 1e3}, {"ms", 1e6},
                              {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    double scale = 1e9;  // a bare number is seconds
    for (const Unit& u : units) {
        if (s.size() > u.suffix.size() && s.ends_with(u.suffix)) {
            scale = u.ns;
            s.resize(s.size() - u.suffix.size());
            break;
        }
    }
    double number = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || number < 0 ||
        !std::isfinite(number)) {
        return make_error("'{}' is not a duration (examples: 500ms, 10s, 2m, 1h)", text);
    }
    double ns = number * scale;
    if (ns > 9.2e18) return make_error("'{}' is too long a duration", text);
    return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

std::string format_size(uint64_t bytes) {
    if (bytes >= (1ULL << 30) && bytes % (1ULL << 30) == 0)
        return fmt::format("{} GiB", bytes >> 30);
    if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0)
        return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= (1ULL << 10) && bytes % (1ULL << 10) == 0)
        return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} B", bytes);
}

}  // namespace probelog
