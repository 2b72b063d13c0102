#pragma once
// The captures of a --probe spec: `{ CAPTURE, ... }` after the parameters,
// each a field expression over a parameter or `ret` (docs/PROBES.md):
//
//   CAPTURE := [NAME '='] EXPR [':' FORMAT]
//   EXPR    := UNARY {'+' OFFSET}
//   UNARY   := '*' UNARY | POSTFIX
//   POSTFIX := PRIMARY {'->' FIELD | '.' FIELD | '[' N ']'}
//   PRIMARY := PARAM | 'ret' | '(' EXPR ')'
//   FORMAT  := TYPE | hex | text | base64 | msgpack
//
// Pure: parsing only; capture_compile.hpp gives the steps their offsets.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes_format.hpp"
#include "common/result.hpp"

namespace probelog::probes {

enum class ValueType : uint8_t;

// Captures per probe.
constexpr size_t kMaxCaptures = 16;

struct ExprStep {
    enum class Kind : uint8_t {
        Arrow,   // '->' FIELD: the member of what the pointer points to
        Dot,     // '.' FIELD: the member (of what a pointer points to: auto-dereference)
        Index,   // '[' N ']': the N-th element (array, pointer, Go slice, std::vector)
        Offset,  // '+' N: the memory N bytes further (byte offsets, with or without DWARF)
        Deref,   // '*': what the pointer points to
    };
    Kind kind = Kind::Dot;
    std::string field;  // Arrow, Dot
    uint64_t n = 0;     // Index, Offset
    size_t column = 0;  // 1-based, in the whole spec
};

struct CaptureSpec {
    std::string name;  // given (NAME =) or made from the expression (ins->p->name: ins_p_name)
    bool named = false;
    std::string expr;               // the expression as written
    std::string root;               // a parameter's name or "ret"
    std::vector<ExprStep> steps;    // in the order they apply
    std::optional<ValueType> type;  // ':TYPE'
    std::string type_text;
    BytesFormat format = BytesFormat::Default;  // ':hex' ...
    size_t column = 0;
    // Read for a condition only (clause_compile.hpp): in the event, not in records.
    bool hidden = false;
};

// Parses `{ CAPTURE, ... }` starting at text[at] == '{'. On success `at` is
// just past the '}'. Errors start with "column N: " (1-based, in `text`).
Result<std::vector<CaptureSpec>> parse_captures(std::string_view text, size_t& at);

// One field expression starting at text[at] (a condition's operand, a log
// message's reference): on success `at` is just past it, and the capture is
// named after the expression.
Result<CaptureSpec> parse_capture_expr(std::string_view text, size_t& at);

// The field name of a capture without NAME =: `->`, `.`, `[`, `]`, `+` become
// '_', '*', '(', ')' and blanks go, runs of '_' become one: ins->p->name is
// ins_p_name, *(p+8) is p_8, v[2] is v_2.
std::string capture_field_name(std::string_view expr);

}  // namespace probelog::probes
