#pragma once
// The clauses that end a --probe spec (docs/PROBES.md, "Conditions, messages
// and rate limits"):
//
//   CLAUSES := [ 'if' COND ] [ 'log' '"' TEMPLATE '"' ] [ 'rate' N '/s' ]
//   COND    := AND {'||' AND}
//   AND     := ATOM {'&&' ATOM}
//   ATOM    := '(' COND ')' | OPERAND CMP LITERAL | OPERAND '&' NUMBER
//            | OPERAND 'startswith' STRING
//   OPERAND := a capture's name, a parameter, ret, or a field expression
//   CMP     := '==' | '!=' | '<' | '<=' | '>' | '>='
//   LITERAL := NUMBER (decimal or 0x, may be negative) | STRING | true | false
//            | an enumerator's name
//   TEMPLATE: text with {VALUE} references ({{ and }} for braces)
//
// Pure: parsing only; clause_compile.hpp turns a condition into the steps the
// BPF program runs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "probes/capture_spec.hpp"

namespace probelog::probes {

enum class CondOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, Flags, StartsWith, And, Or };

std::string_view cond_op_text(CondOp op);

struct CondLiteral {
    enum class Kind : uint8_t { Int, Str, Name };
    Kind kind = Kind::Int;
    uint64_t value = 0;     // Int: the magnitude
    bool negative = false;  // Int: written with '-'
    std::string text;       // Str: the bytes (escapes applied); Name: the word; Int: as written
};

// One step of the condition in postfix order: a comparison (operand and
// literal) or And/Or of the two results before it.
struct CondItem {
    CondOp op = CondOp::Eq;
    CaptureSpec operand;  // comparisons only
    CondLiteral literal;  // comparisons only
    size_t column = 0;    // 1-based, of the operator
};

struct LogPart {
    std::string text;  // literal text, or the reference's expression
    bool is_ref = false;
    CaptureSpec ref;  // is_ref: the value named between braces
    size_t column = 0;
};

struct ProbeClauses {
    std::vector<CondItem> cond;  // empty: no condition
    std::string cond_text;       // as written, for messages
    bool has_log = false;
    std::vector<LogPart> log;
    uint64_t rate_per_s = 0;  // 0: no limit
    std::string rate_text;
};

// Most comparisons in one condition (each is one step, And/Or one more).
constexpr size_t kMaxCondComparisons = 8;

// Parses the clauses starting at text[at] (a keyword: if, log or rate) to the
// end of the text. Errors start with "column N: " (1-based, in `text`).
Result<ProbeClauses> parse_clauses(std::string_view text, size_t at);

// True if the word at text[at] starts a clause.
bool clause_starts(std::string_view text, size_t at);

}  // namespace probelog::probes
