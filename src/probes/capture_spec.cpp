#include "probes/capture_spec.hpp"

#include <cctype>
#include <charconv>

#include "probes/spec.hpp"
#include "probes/spec_cursor.hpp"

namespace probelog::probes {
namespace {

constexpr size_t kMaxExprDepth = 32;  // nested parentheses and '*'

class CaptureParser : SpecCursor {
  public:
    CaptureParser(std::string_view text, size_t at) : SpecCursor(text, at) {}
    size_t position() const { return i_; }

    Result<std::vector<CaptureSpec>> run() {
        ++i_;  // '{'
        std::vector<CaptureSpec> out;
        skip_ws();
        if (peek() == '}')
            return fail("empty capture list: name what to capture, as in { req->path }");
        while (true) {
            if (out.size() == kMaxCaptures) {
                return fail(
                    fmt::format("too many captures: a probe captures at most {}", kMaxCaptures));
            }
            auto c = capture();
            if (!c) return c.error();
            for (const CaptureSpec& other : out) {
                if (other.name == c->name) {
                    return fail_at(c->column - 1,
                                   fmt::format("two captures are named '{}': name one (NAME = {})",
                                               c->name, c->expr));
                }
            }
            out.push_back(std::move(*c));
            skip_ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() == '}') {
                ++i_;
                return out;
            }
            return fail(fmt::format("expected ',' or '}}' after capture '{}', found {}",
                                    out.back().expr, found_text()));
        }
    }

    // One EXPR (no NAME =, no :FORMAT), named after itself.
    Result<CaptureSpec> expression() {
        skip_ws();
        CaptureSpec c;
        c.column = i_ + 1;
        size_t expr_start = i_;
        if (Status st = additive(c, 0); !st) return st.error();
        c.expr = text_since(expr_start);
        c.name = capture_field_name(c.expr);
        return c;
    }

  private:
    Result<CaptureSpec> capture() {
        skip_ws();
        CaptureSpec c;
        c.column = i_ + 1;
        // NAME '=' (not '==', which a condition may use one day).
        size_t start = i_;
        std::string_view name = identifier();
        skip_ws();
        if (!name.empty() && peek() == '=' && peek(1) != '=') {
            if (is_reserved_field(name)) {
                return fail_at(start, fmt::format("capture name '{}' is taken by a field every "
                                                  "probe record has; choose another name",
                                                  name));
            }
            c.name = std::string(name);
            c.named = true;
            ++i_;
            skip_ws();
        } else {
            i_ = start;
        }
        size_t expr_start = i_;
        if (Status st = additive(c, 0); !st) return st.error();
        c.expr = text_since(expr_start);
        skip_ws();
        if (peek() == ':') {
            ++i_;
            if (Status st = format(c); !st) return st.error();
        }
        if (!c.named) {
            c.name = capture_field_name(c.expr);
            if (is_reserved_field(c.name)) {
                return fail_at(c.column - 1,
                               fmt::format("the capture {} would be named '{}', a field every "
                                           "probe record has: name it (NAME = {})",
                                           c.expr, c.name, c.expr));
            }
        }
        return c;
    }

    Status format(CaptureSpec& c) {
        skip_ws();
        size_t at = i_;
        while (i_ < s_.size() && (ident_char(s_[i_]) || s_[i_] == '[' || s_[i_] == ']'))
            ++i_;
        std::string_view word = s_.substr(at, i_ - at);
        if (auto f = parse_bytes_format(word)) {
            c.format = *f;
            return {};
        }
        if (auto t = value_type_named(word); t && *t != ValueType::Buf) {
            c.type = *t;
            c.type_text = std::string(word);
            return {};
        }
        if (word == "string" || word == "[]byte") {  // Go's, at a byte offset
            c.type_text = std::string(word);
            return {};
        }
        i_ = at;
        return fail(fmt::format(
            "unknown type or format {} after capture {} (types: s8..s64, u8..u64, int, long, "
            "ptr, bool, char, str, and Go's string and []byte; formats: hex, text, base64, "
            "msgpack)",
            word.empty() ? found_text() : "'" + std::string(word) + "'", c.expr));
    }

    // EXPR := UNARY {'+' OFFSET}
    Status additive(CaptureSpec& c, size_t depth) {
        if (Status st = unary(c, depth); !st) return st;
        while (true) {
            skip_ws();
            if (peek() != '+') return {};
            size_t at = i_;
            ++i_;
            skip_ws();
            auto n = number();
            if (!n) {
                return fail(fmt::format("expected a byte offset after '+' (16 or 0x10), found {}",
                                        found_text()));
            }
            c.steps.push_back({ExprStep::Kind::Offset, {}, *n, at + 1});
        }
    }

    // UNARY := '*' UNARY | POSTFIX
    Status unary(CaptureSpec& c, size_t depth) {
        if (depth > kMaxExprDepth) return fail("expression nested too deeply");
        skip_ws();
        if (peek() == '*') {
            size_t at = i_;
            ++i_;
            if (Status st = unary(c, depth + 1); !st) return st;
            c.steps.push_back({ExprStep::Kind::Deref, {}, 0, at + 1});
            return {};
        }
        return postfix(c, depth);
    }

    // POSTFIX := PRIMARY {'->' FIELD | '.' FIELD | '[' N ']'}
    Status postfix(CaptureSpec& c, size_t depth) {
        skip_ws();
        if (peek() == '(') {
            ++i_;
            if (Status st = additive(c, depth + 1); !st) return st;
            skip_ws();
            if (peek() != ')') return fail(fmt::format("expected ')', found {}", found_text()));
            ++i_;
        } else {
            if (!c.root.empty()) {
                return fail(fmt::format("expected '(', found {}", found_text()));
            }
            std::string_view root = identifier();
            if (root.empty()) {
                return fail(fmt::format(
                    "expected a parameter's name, 'ret', '*' or '(' in a capture, found {}",
                    found_text()));
            }
            c.root = std::string(root);
        }
        while (true) {
            skip_ws();
            size_t at = i_;
            if (peek() == '-' && peek(1) == '>') {
                i_ += 2;
                if (Status st = field(c, ExprStep::Kind::Arrow, at); !st) return st;
            } else if (peek() == '.') {
                ++i_;
                if (Status st = field(c, ExprStep::Kind::Dot, at); !st) return st;
            } else if (peek() == '[') {
                ++i_;
                skip_ws();
                auto n = number();
                if (!n) {
                    return fail(fmt::format("expected an index (a number) after '[', found {}",
                                            found_text()));
                }
                skip_ws();
                if (peek() != ']') return fail(fmt::format("expected ']', found {}", found_text()));
                ++i_;
                c.steps.push_back({ExprStep::Kind::Index, {}, *n, at + 1});
            } else {
                return {};
            }
        }
    }

    Status field(CaptureSpec& c, ExprStep::Kind kind, size_t at) {
        skip_ws();
        std::string_view name = identifier();
        if (name.empty()) {
            return fail(fmt::format("expected a member name after '{}', found {}",
                                    kind == ExprStep::Kind::Arrow ? "->" : ".", found_text()));
        }
        c.steps.push_back({kind, std::string(name), 0, at + 1});
        return {};
    }
};

}  // namespace

Result<std::vector<CaptureSpec>> parse_captures(std::string_view text, size_t& at) {
    CaptureParser p(text, at);
    auto out = p.run();
    if (out) at = p.position();
    return out;
}

Result<CaptureSpec> parse_capture_expr(std::string_view text, size_t& at) {
    CaptureParser p(text, at);
    auto out = p.expression();
    if (out) at = p.position();
    return out;
}

std::string capture_field_name(std::string_view expr) {
    std::string out;
    for (char ch : expr) {
        if (ch == '*' || ch == '(' || ch == ')' || std::isspace(static_cast<unsigned char>(ch)))
            continue;
        bool sep = ch == '-' || ch == '>' || ch == '.' || ch == '[' || ch == ']' || ch == '+';
        if (sep) {
            if (!out.empty() && out.back() != '_') out += '_';
        } else {
            out += ch;
        }
    }
    while (!out.empty() && out.back() == '_')
        out.pop_back();
    return out;
}

}  // namespace probelog::probes
