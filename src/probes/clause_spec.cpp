#include "probes/clause_spec.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "probes/spec_cursor.hpp"

namespace probelog::probes {
namespace {

constexpr size_t kMaxCondDepth = 16;  // nested parentheses

bool keyword_at(std::string_view s, size_t at, std::string_view word) {
    if (s.substr(at, word.size()) != word) return false;
    size_t end = at + word.size();
    return end >= s.size() || !ident_char(s[end]);
}

class ClauseParser : SpecCursor {
  public:
    ClauseParser(std::string_view text, size_t at) : SpecCursor(text, at) {}

    Result<ProbeClauses> run() {
        ProbeClauses out;
        bool seen_if = false;
        bool seen_log = false;
        bool seen_rate = false;
        while (true) {
            skip_ws();
            if (i_ >= s_.size()) return out;
            size_t at = i_;
            if (keyword_at(s_, i_, "if")) {
                if (seen_if) return fail("a second 'if': combine conditions with && or ||");
                if (seen_log || seen_rate) return fail("'if' comes before 'log' and 'rate'");
                seen_if = true;
                i_ += 2;
                if (Status st = condition(out); !st) return st.error();
                out.cond_text = trimmed(at + 2, i_);
            } else if (keyword_at(s_, i_, "log")) {
                if (seen_log) return fail("a second 'log': one message per probe");
                if (seen_rate) return fail("'log' comes before 'rate'");
                seen_log = true;
                i_ += 3;
                if (Status st = message(out); !st) return st.error();
            } else if (keyword_at(s_, i_, "rate")) {
                if (seen_rate) return fail("a second 'rate': one rate limit per probe");
                seen_rate = true;
                i_ += 4;
                if (Status st = rate(out); !st) return st.error();
                out.rate_text = trimmed(at, i_);
            } else {
                return fail(
                    fmt::format("unexpected {} (expected if COND, log \"TEXT\", rate N/s "
                                "or the end of the spec)",
                                found_text()));
            }
        }
    }

  private:
    std::string trimmed(size_t from, size_t to) const {
        std::string_view t = s_.substr(from, to - from);
        while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front())))
            t.remove_prefix(1);
        while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
            t.remove_suffix(1);
        return std::string(t);
    }

    Status condition(ProbeClauses& out) {
        skip_ws();
        if (i_ >= s_.size() || keyword_at(s_, i_, "log") || keyword_at(s_, i_, "rate")) {
            return fail("expected a condition after 'if', as in: if size >= 4096");
        }
        if (Status st = disjunction(out.cond, 0); !st) return st;
        size_t comparisons = 0;
        for (const CondItem& c : out.cond)
            comparisons += c.op != CondOp::And && c.op != CondOp::Or ? 1 : 0;
        if (comparisons > kMaxCondComparisons) {
            return fail(fmt::format("too many comparisons: a condition has at most {}",
                                    kMaxCondComparisons));
        }
        return {};
    }

    // COND := AND {'||' AND}
    Status disjunction(std::vector<CondItem>& out, size_t depth) {
        if (Status st = conjunction(out, depth); !st) return st;
        while (true) {
            skip_ws();
            if (!(peek() == '|' && peek(1) == '|')) return {};
            size_t at = i_;
            i_ += 2;
            if (Status st = conjunction(out, depth); !st) return st;
            out.push_back({CondOp::Or, {}, {}, at + 1});
        }
    }

    // AND := ATOM {'&&' ATOM}
    Status conjunction(std::vector<CondItem>& out, size_t depth) {
        if (Status st = atom(out, depth); !st) return st;
        while (true) {
            skip_ws();
            if (!(peek() == '&' && peek(1) == '&')) return {};
            size_t at = i_;
            i_ += 2;
            if (Status st = atom(out, depth); !st) return st;
            out.push_back({CondOp::And, {}, {}, at + 1});
        }
    }

    // A '(' that opens a condition, not an expression such as (p+8)->len: the
    // matching ')' is followed by && or || or the end of the condition.
    bool paren_opens_condition() const {
        size_t depth = 0;
        for (size_t k = i_; k < s_.size(); ++k) {
            if (s_[k] == '(') ++depth;
            if (s_[k] == ')' && --depth == 0) {
                size_t j = k + 1;
                while (j < s_.size() && std::isspace(static_cast<unsigned char>(s_[j])))
                    ++j;
                return j >= s_.size() || s_.substr(j, 2) == "&&" || s_.substr(j, 2) == "||" ||
                       s_[j] == ')' || keyword_at(s_, j, "log") || keyword_at(s_, j, "rate");
            }
        }
        return true;  // unbalanced: say so as a condition
    }

    Status atom(std::vector<CondItem>& out, size_t depth) {
        if (depth > kMaxCondDepth) return fail("condition nested too deeply");
        skip_ws();
        if (peek() == '(' && paren_opens_condition()) {
            ++i_;
            if (Status st = disjunction(out, depth + 1); !st) return st;
            skip_ws();
            if (peek() != ')') return fail(fmt::format("expected ')', found {}", found_text()));
            ++i_;
            return {};
        }
        CondItem item;
        auto operand = parse_capture_expr(s_, i_);
        if (!operand) return operand.error();
        item.operand = std::move(*operand);
        skip_ws();
        item.column = i_ + 1;
        auto op = comparison();
        if (!op) return op.error();
        item.op = *op;
        skip_ws();
        auto literal = this->literal(item);
        if (!literal) return literal.error();
        item.literal = std::move(*literal);
        out.push_back(std::move(item));
        return {};
    }

    Result<CondOp> comparison() {
        struct Spelling {
            std::string_view text;
            CondOp op;
        };
        static constexpr Spelling kOps[] = {
            {"==", CondOp::Eq}, {"!=", CondOp::Ne}, {"<=", CondOp::Le},
            {">=", CondOp::Ge}, {"<", CondOp::Lt},  {">", CondOp::Gt},
        };
        for (const Spelling& o : kOps) {
            if (s_.substr(i_, o.text.size()) == o.text) {
                i_ += o.text.size();
                return o.op;
            }
        }
        if (peek() == '&' && peek(1) != '&') {
            ++i_;
            return CondOp::Flags;
        }
        if (keyword_at(s_, i_, "startswith")) {
            i_ += 10;
            return CondOp::StartsWith;
        }
        if (i_ >= s_.size() || peek() == '&' || peek() == '|' || peek() == ')') {
            return fail(fmt::format(
                "expected a comparison after the value, found {} (a condition compares a value: "
                "size >= 4096, path == \"/\", flags & 4, path startswith \"/api/\")",
                found_text()));
        }
        if (ident_char(s_[i_]) || s_[i_] == '"') {
            return fail(fmt::format(
                "expected an operator (== != < <= > >= & startswith) after the value, found {}",
                found_text()));
        }
        size_t end = i_;
        while (end < s_.size() && !std::isspace(static_cast<unsigned char>(s_[end])) &&
               !ident_char(s_[end]) && s_[end] != '"' && s_[end] != '-')
            ++end;
        return fail(fmt::format("unknown operator '{}' (operators: == != < <= > >= & startswith)",
                                s_.substr(i_, end - i_)));
    }

    Result<CondLiteral> literal(const CondItem& item) {
        CondLiteral lit;
        if (peek() == '"') {
            auto text = quoted("string");
            if (!text) return text.error();
            lit.kind = CondLiteral::Kind::Str;
            lit.text = std::move(*text);
            return lit;
        }
        size_t start = i_;
        if (peek() == '-') {
            lit.negative = true;
            ++i_;
        }
        if (std::isdigit(static_cast<unsigned char>(peek()))) {
            std::optional<uint64_t> n = number();
            if (n) lit.value = *n;
            if (!n || (i_ < s_.size() && ident_char(s_[i_]))) {
                i_ = start;
                return fail(
                    fmt::format("'{}' is not a number that fits 64 bits", word_until_space()));
            }
            lit.kind = CondLiteral::Kind::Int;
            lit.text = std::string(s_.substr(start, i_ - start));
            return lit;
        }
        i_ = start;
        std::string_view word = identifier();
        if (!word.empty()) {
            if (word == "true" || word == "false") {
                lit.kind = CondLiteral::Kind::Int;
                lit.value = word == "true" ? 1 : 0;
            } else {
                lit.kind = CondLiteral::Kind::Name;  // an enumerator, checked with the type
            }
            lit.text = std::string(word);
            return lit;
        }
        return fail(fmt::format("expected a number or a \"string\" after {} {}, found {}",
                                item.operand.expr, cond_op_text(item.op), found_text()));
    }

    std::string word_until_space() const {
        size_t end = i_;
        while (end < s_.size() && !std::isspace(static_cast<unsigned char>(s_[end])) &&
               s_[end] != ')')
            ++end;
        return std::string(s_.substr(i_, end - i_));
    }

    // A "..." string with \" \\ \n \t \xNN escapes; i_ is at the opening quote.
    Result<std::string> quoted(std::string_view what) {
        size_t open = i_;
        ++i_;
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_];
            if (c != '\\') {
                out += c;
                ++i_;
                continue;
            }
            auto esc = escape();
            if (!esc) return esc.error();
            out += *esc;
        }
        if (i_ >= s_.size()) {
            return fail_at(open, fmt::format("the {} opened here has no closing '\"'", what));
        }
        ++i_;
        return out;
    }

    // A backslash escape at i_: \" \\ \n \t \{ \} \xNN.
    Result<char> escape() {
        char n = peek(1);
        i_ += 2;
        switch (n) {
            case '"':
            case '\\':
            case '{':
            case '}':
                return n;
            case 'n':
                return '\n';
            case 't':
                return '\t';
            case 'x': {
                unsigned v = 0;
                auto r =
                    std::from_chars(s_.data() + i_, s_.data() + std::min(i_ + 2, s_.size()), v, 16);
                if (r.ptr != s_.data() + i_ + 2) {
                    return fail("expected two hex digits after \\x");
                }
                i_ += 2;
                return static_cast<char>(v);
            }
            default:
                i_ -= 2;
                return fail("unknown escape (escapes: \\\" \\\\ \\n \\t \\xNN, \\{ \\})");
        }
    }

    // log "TEXT {VALUE} TEXT"
    Status message(ProbeClauses& out) {
        skip_ws();
        if (peek() != '"') {
            return fail(
                fmt::format("expected a quoted message after 'log', as in log \"slow "
                            "{{path}}\", found {}",
                            found_text()));
        }
        size_t open = i_;
        ++i_;
        out.has_log = true;
        LogPart literal;
        auto flush = [&] {
            if (!literal.text.empty()) out.log.push_back(std::move(literal));
            literal = LogPart{};
        };
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_];
            if (c == '\\') {
                auto esc = escape();
                if (!esc) return esc.error();
                literal.text += *esc;
            } else if ((c == '{' && peek(1) == '{') || (c == '}' && peek(1) == '}')) {
                literal.text += c;
                i_ += 2;
            } else if (c == '{') {
                flush();
                ++i_;
                skip_ws();
                LogPart ref;
                ref.is_ref = true;
                ref.column = i_ + 1;
                auto expr = parse_capture_expr(s_, i_);
                if (!expr) return expr.error();
                skip_ws();
                if (peek() != '}') {
                    return fail(fmt::format("expected '}}' after {{{} in the message, found {}",
                                            expr->expr, found_text()));
                }
                ++i_;
                ref.text = expr->expr;
                ref.ref = std::move(*expr);
                out.log.push_back(std::move(ref));
            } else if (c == '}') {
                return fail("a lone '}' in the message: write }} for a brace");
            } else {
                literal.text += c;
                ++i_;
            }
        }
        if (i_ >= s_.size()) return fail_at(open, "the message opened here has no closing '\"'");
        ++i_;
        flush();
        if (out.log.empty()) return fail_at(open, "empty message: log \"...\" needs some text");
        return {};
    }

    // rate N/s
    Status rate(ProbeClauses& out) {
        skip_ws();
        size_t start = i_;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
            ++i_;
        uint64_t n = 0;
        auto r = std::from_chars(s_.data() + start, s_.data() + i_, n);
        if (start == i_ || r.ec != std::errc()) {
            i_ = start;
            return fail(fmt::format("expected a rate after 'rate', as in rate 100/s, found {}",
                                    found_text()));
        }
        if (s_.substr(i_, 2) != "/s") {
            return fail(fmt::format("expected '/s' after rate {} (records per second), found {}", n,
                                    found_text()));
        }
        i_ += 2;
        if (n == 0) {
            return fail_at(start,
                           "rate 0/s would drop every record: give at least 1/s, or leave the "
                           "rate out");
        }
        if (n > 1000000000) {
            return fail_at(start, "rate above 1000000000/s: leave the rate out for no limit");
        }
        out.rate_per_s = n;
        return {};
    }
};

}  // namespace

std::string_view cond_op_text(CondOp op) {
    switch (op) {
        case CondOp::Eq:
            return "==";
        case CondOp::Ne:
            return "!=";
        case CondOp::Lt:
            return "<";
        case CondOp::Le:
            return "<=";
        case CondOp::Gt:
            return ">";
        case CondOp::Ge:
            return ">=";
        case CondOp::Flags:
            return "&";
        case CondOp::StartsWith:
            return "startswith";
        case CondOp::And:
            return "&&";
        case CondOp::Or:
            return "||";
    }
    return "?";
}

bool clause_starts(std::string_view text, size_t at) {
    return keyword_at(text, at, "if") || keyword_at(text, at, "log") ||
           keyword_at(text, at, "rate");
}

Result<ProbeClauses> parse_clauses(std::string_view text, size_t at) {
    return ClauseParser(text, at).run();
}

}  // namespace probelog::probes
