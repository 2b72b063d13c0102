#pragma once
// A cursor over a --probe spec's text, shared by its parsers (spec.cpp, the
// parameters; capture_spec.cpp, the captures): peeking, blanks, identifiers,
// and errors that name their 1-based column in the whole spec.

#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace probelog::probes {

inline bool ident_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
inline bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class SpecCursor {
  protected:
    explicit SpecCursor(std::string_view text, size_t at = 0) : s_(text), i_(at) {}

    char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
    size_t column() const { return i_ + 1; }
    void skip_ws() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
            ++i_;
    }
    Error fail(std::string_view what) const { return fail_at(i_, what); }
    Error fail_at(size_t at, std::string_view what) const {
        return make_error("column {}: {}", at + 1, what);
    }
    // The token at the cursor, for messages.
    std::string word_here() const {
        if (i_ >= s_.size()) return "end of spec";
        size_t end = i_;
        while (end < s_.size() && ident_char(s_[end]))
            ++end;
        if (end == i_) end = i_ + 1;
        return std::string(s_.substr(i_, end - i_));
    }
    std::string found_text() const {
        if (i_ >= s_.size()) return "the end of the spec";
        return fmt::format("'{}'", word_here());
    }
    std::string_view identifier() {
        size_t start = i_;
        if (!ident_start(peek())) return {};
        while (i_ < s_.size() && ident_char(s_[i_]))
            ++i_;
        return s_.substr(start, i_ - start);
    }
    // A decimal or 0x-hex number that fits 64 bits; on anything else the
    // cursor stays where it was. The caller checks what may follow it.
    std::optional<uint64_t> number() {
        size_t start = i_;
        int base = 10;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
            i_ += 2;
            base = 16;
        }
        size_t digits = i_;
        while (i_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[i_])))
            ++i_;
        uint64_t v = 0;
        auto r = std::from_chars(s_.data() + digits, s_.data() + i_, v, base);
        if (digits == i_ || r.ec != std::errc() || r.ptr != s_.data() + i_) {
            i_ = start;
            return std::nullopt;
        }
        return v;
    }
    // The text from `start` to the cursor without trailing blanks: an
    // expression as the user wrote it.
    std::string text_since(size_t start) const {
        size_t end = i_;
        while (end > start && std::isspace(static_cast<unsigned char>(s_[end - 1])))
            --end;
        return std::string(s_.substr(start, end - start));
    }

    std::string_view s_;
    size_t i_ = 0;
};

}  // namespace probelog::probes
