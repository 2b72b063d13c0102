#include "probes/spec.hpp"

#include "probes/spec_cursor.hpp"

#include "symbols/go_types.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

extern "C" {
#include "probe.h"
}

namespace probelog::probes {
namespace {

struct TypeWord {
    std::string_view word;
    ValueType type;
};

constexpr TypeWord kTypes[] = {
    {"s8", ValueType::S8},
    {"s16", ValueType::S16},
    {"s32", ValueType::S32},
    {"s64", ValueType::S64},
    {"u8", ValueType::U8},
    {"u16", ValueType::U16},
    {"u32", ValueType::U32},
    {"u64", ValueType::U64},
    {"int", ValueType::S32},
    {"long", ValueType::S64},
    {"ptr", ValueType::Ptr},
    {"bool", ValueType::Bool},
    {"char", ValueType::Char},
    {"str", ValueType::Str},
    {"buf", ValueType::Buf},
    // Aliases people type.
    {"i8", ValueType::S8},
    {"i16", ValueType::S16},
    {"i32", ValueType::S32},
    {"i64", ValueType::S64},
    {"uint", ValueType::U32},
    {"ulong", ValueType::U64},
    {"size_t", ValueType::U64},
    {"ssize_t", ValueType::S64},
};

constexpr std::string_view kTypeList = "s8..s64, u8..u64, int, long, ptr, bool, char, str, buf";

constexpr std::array<std::string_view, PL_REG_COUNT> kRegisterNames = {
    "r15", "r14", "r13", "r12", "rbp",      "rbx", "r11", "r10",    "r9",  "r8", "rax",
    "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",  "eflags", "rsp", "ss"};

constexpr std::string_view kReservedFields[] = {
    "time",       "event_type", "pid",           "tid",       "ppid",  "uid",   "gid",
    "cgroup_id",  "comm",       "cpu",           "seq",       "probe", "stage", "ret",
    "latency_ns", "message",    "usdt_provider", "usdt_name", "policy"};

std::optional<uint64_t> parse_number(std::string_view s) {
    uint64_t v = 0;
    int base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) {
        s.remove_prefix(2);
        base = 16;
    }
    if (s.empty()) return std::nullopt;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

class Parser : SpecCursor {
  public:
    explicit Parser(std::string_view text) : SpecCursor(text) {}

    Result<ProbeSpec> run() {
        ProbeSpec spec;
        spec.text = std::string(s_);
        skip_ws();
        if (usdt_prefix()) {
            i_ += kUsdtPrefix.size();
            spec.usdt = true;
            if (Status st = target(spec); !st) return st.error();
            if (Status st = usdt_location(spec); !st) return st.error();
        } else {
            if (Status st = target(spec); !st) return st.error();
            if (Status st = location(spec); !st) return st.error();
        }
        skip_ws();
        if (peek() == '(') {
            if (Status st = params(spec); !st) return st.error();
            skip_ws();
        }
        if (s_.substr(i_).starts_with("ret")) {
            if (Status st = ret(spec); !st) return st.error();
            skip_ws();
        }
        if (peek() == '{') {
            auto captures = parse_captures(s_, i_);
            if (!captures) return captures.error();
            spec.captures = std::move(*captures);
            skip_ws();
        }
        if (i_ < s_.size() && clause_starts(s_, i_)) {
            auto clauses = parse_clauses(s_, i_);
            if (!clauses) return clauses.error();
            spec.clauses = std::move(*clauses);
            i_ = s_.size();
        }
        if (i_ < s_.size()) {
            if (peek() == '(') return fail("a second parameter list");
            return fail(
                fmt::format("unexpected '{}' (expected a parameter list, ret:TYPE, captures "
                            "{{ ... }}, if COND, log \"TEXT\", rate N/s or the end of the spec)",
                            word_here()));
        }
        return spec;
    }

  private:
    static constexpr std::string_view kUsdtPrefix = "usdt:";

    // "usdt:TARGET:..." with a ':' after the target; "usdt:main" stays a
    // function in a file named usdt.
    bool usdt_prefix() const {
        std::string_view rest = s_.substr(i_);
        if (!rest.starts_with(kUsdtPrefix)) return false;
        rest.remove_prefix(kUsdtPrefix.size());
        size_t colon = rest.find(':');
        return colon != std::string_view::npos && rest.find_first_of("({") > colon;
    }

    // [PROVIDER ':'] (NAME | '*')
    Status usdt_location(ProbeSpec& spec) {
        skip_ws();
        spec.location_column = column();
        auto word = [&]() -> std::string_view {
            if (peek() == '*') return s_.substr(i_++, 1);
            return identifier();
        };
        size_t start = i_;
        std::string_view first = word();
        if (first.empty()) {
            return fail(fmt::format(
                "expected a USDT probe name (usdt:TARGET:PROVIDER:NAME or usdt:TARGET:NAME), "
                "found {}",
                found_text()));
        }
        if (peek() != ':') {
            if (first == "*") {
                return fail_at(start,
                               "'*' needs a provider: usdt:TARGET:PROVIDER:* (--probe-list "
                               "TARGET shows the providers)");
            }
            spec.usdt_name = std::string(first);
            spec.symbol = spec.usdt_name;
            return {};
        }
        ++i_;
        if (first == "*") return fail_at(start, "the provider cannot be '*': name it");
        std::string_view second = word();
        if (second.empty()) {
            return fail(fmt::format("expected a USDT probe name or '*' after '{}:', found {}",
                                    first, found_text()));
        }
        spec.usdt_provider = std::string(first);
        spec.usdt_name = std::string(second);
        spec.symbol = spec.usdt_provider + ":" + spec.usdt_name;
        return {};
    }

    Status target(ProbeSpec& spec) {
        // The file ends at the first ':' that is not part of a C++ "::".
        size_t start = i_;
        size_t colon = std::string_view::npos;
        for (size_t k = i_; k < s_.size(); ++k) {
            if (s_[k] == '\'' || s_[k] == '(') break;
            if (s_[k] != ':') continue;
            if (k + 1 < s_.size() && s_[k + 1] == ':') {
                ++k;
                continue;
            }
            colon = k;
            break;
        }
        if (colon == std::string_view::npos) {
            i_ = s_.size();
            return fail(
                "expected ':' between the file and the function (as in /usr/bin/app:main or "
                "libc:malloc)");
        }
        std::string_view file = s_.substr(start, colon - start);
        while (!file.empty() && std::isspace(static_cast<unsigned char>(file.back())))
            file.remove_suffix(1);
        if (file.empty()) return fail_at(start, "expected a file before ':'");
        spec.target = std::string(file);
        i_ = colon + 1;
        return {};
    }

    Status offset(ProbeSpec& spec) {
        skip_ws();
        if (peek() != '+') return {};
        ++i_;
        skip_ws();
        size_t start = i_;
        while (i_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[i_])))
            ++i_;
        auto n = parse_number(s_.substr(start, i_ - start));
        if (!n) {
            i_ = start;
            return fail(
                fmt::format("expected an offset after '+' (0x10 or 16), found {}", found_text()));
        }
        spec.offset = *n;
        spec.has_offset = true;
        return {};
    }

    Status location(ProbeSpec& spec) {
        skip_ws();
        spec.location_column = column();
        if (peek() == '\'') {
            size_t start = i_;
            size_t close = s_.find('\'', i_ + 1);
            if (close == std::string_view::npos) return fail_at(start, "unterminated quote");
            spec.symbol = std::string(s_.substr(i_ + 1, close - i_ - 1));
            if (spec.symbol.empty()) return fail_at(start, "empty function name");
            i_ = close + 1;
            return offset(spec);
        }
        if (std::isdigit(static_cast<unsigned char>(peek()))) {
            size_t start = i_;
            while (i_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[i_])))
                ++i_;
            std::string_view text = s_.substr(start, i_ - start);
            auto n = parse_number(text);
            if (!n || !(text.starts_with("0x") || text.starts_with("0X"))) {
                i_ = start;
                return fail(
                    fmt::format("'{}' is not an address (write addresses in hex: 0x1a2b)", text));
            }
            spec.is_address = true;
            spec.address = *n;
            return {};
        }
        size_t start = i_;
        while (i_ < s_.size()) {
            char c = s_[i_];
            // A Go method's receiver is part of its name: main.(*T).m
            if (c == '(' && i_ > start && s_[i_ - 1] == '.') {
                size_t close = s_.find(')', i_);
                if (close != std::string_view::npos) {
                    i_ = close + 1;
                    continue;
                }
            }
            if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == '+' || c == '\'' ||
                c == '{')
                break;
            ++i_;
        }
        if (i_ == start) {
            return fail(fmt::format(
                "expected a function name, an address (0x...) or a quoted C++ name, found {}",
                found_text()));
        }
        spec.symbol = std::string(s_.substr(start, i_ - start));
        return offset(spec);
    }

    // A type as written: a word, or a Go type expression ([]byte, *main.T,
    // map[string]int, net/http.Header, interface{}).
    bool go_type_text(int depth = 0) {
        if (depth > 8) return false;
        std::string_view rest = s_.substr(i_);
        if (rest.starts_with("[]")) {
            i_ += 2;
            return go_type_text(depth + 1);
        }
        if (rest.starts_with("*")) {
            ++i_;
            return go_type_text(depth + 1);
        }
        if (rest.starts_with("map[")) {
            i_ += 4;
            if (!go_type_text(depth + 1) || peek() != ']') return false;
            ++i_;
            return go_type_text(depth + 1);
        }
        if (rest.starts_with("interface{}")) {
            i_ += 11;
            return true;
        }
        if (!ident_start(peek())) return false;
        while (i_ < s_.size() && (ident_char(s_[i_]) || s_[i_] == '.' || s_[i_] == '/'))
            ++i_;
        return true;
    }

    struct TypeRead {
        ValueType type = ValueType::U64;
        std::string text;
        bool go_only = false;
    };

    Result<TypeRead> type_word(bool for_ret) {
        size_t start = i_;
        if (!go_type_text()) {
            i_ = start;
            return fail(fmt::format("expected a type ({}), found {}", kTypeList, found_text()));
        }
        std::string_view word = s_.substr(start, i_ - start);
        TypeRead out;
        out.text = std::string(word);
        for (const TypeWord& t : kTypes) {
            if (t.word == word) {
                out.type = t.type;
                return out;
            }
        }
        auto go = symbols::go_type_named(word);
        bool is_float =
            word == "float" || word == "double" || word == "f32" || word == "f64" ||
            (go && (go->kind == symbols::GoKind::Float || go->kind == symbols::GoKind::Complex));
        i_ = start;
        if (is_float) {
            return fail(fmt::format(
                "{} values travel in SSE registers (Go: X0-X14, C: xmm0-xmm7), which a uprobe "
                "cannot read{}",
                word,
                for_ret ? "; drop ret:" + std::string(word) + " (the latency is still recorded)"
                        : "; leave the parameter out (integer parameters keep their registers)"));
        }
        if (!go) {
            return fail(
                fmt::format("unknown type '{}' (types: {}; in Go programs also Go's: int8..int64, "
                            "uint8..uint64, uintptr, string, []byte, *T, error)",
                            word, kTypeList));
        }
        i_ = start + word.size();
        switch (go->kind) {
            case symbols::GoKind::Bool:
                out.type = ValueType::Bool;
                break;
            case symbols::GoKind::Int:
                out.type = go->size == 1   ? ValueType::S8
                           : go->size == 2 ? ValueType::S16
                           : go->size == 4 ? ValueType::S32
                                           : ValueType::S64;
                break;
            case symbols::GoKind::Uint:
                out.type = go->size == 1   ? ValueType::U8
                           : go->size == 2 ? ValueType::U16
                           : go->size == 4 ? ValueType::U32
                                           : ValueType::U64;
                break;
            case symbols::GoKind::Pointer:
                out.type = ValueType::Ptr;
                break;
            default:  // string, slices, interfaces: two or three words
                out.type = ValueType::Ptr;
                out.go_only = true;
                break;
        }
        return out;
    }

    Result<LenRef> length() {
        skip_ws();
        LenRef len;
        size_t start = i_;
        if (std::isdigit(static_cast<unsigned char>(peek()))) {
            while (i_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[i_])))
                ++i_;
            auto n = parse_number(s_.substr(start, i_ - start));
            if (!n) {
                i_ = start;
                return fail("expected a length: a parameter's name, argN or a number");
            }
            len.kind = LenRef::Kind::Fixed;
            len.fixed = *n;
            return len;
        }
        std::string_view word = identifier();
        if (word.empty()) {
            return fail(fmt::format(
                "expected a length: a parameter's name, argN or a number, found {}", found_text()));
        }
        if (word.size() > 3 && word.starts_with("arg") &&
            std::all_of(word.begin() + 3, word.end(), [](char c) { return std::isdigit(c); })) {
            len.kind = LenRef::Kind::Arg;
            len.arg = static_cast<uint32_t>(*parse_number(word.substr(3)));
            len.param = std::string(word);  // a parameter may also be called argN
            return len;
        }
        len.kind = LenRef::Kind::Param;
        len.param = std::string(word);
        return len;
    }

    Status reg_suffix(ParamSpec& p) {
        skip_ws();
        if (peek() != '@') return {};
        ++i_;
        skip_ws();
        size_t start = i_;
        std::string_view word = identifier();
        auto reg = register_by_name(word);
        if (!reg) {
            i_ = start;
            return fail(
                fmt::format("unknown register '{}' (x86-64 names: rdi, rsi, rdx, rcx, r8, "
                            "r9, rax, rbx, rbp, rsp, r10..r15)",
                            word));
        }
        p.reg = *reg;
        return {};
    }

    // ':FORMAT' after a parameter: how its bytes are shown.
    Status format_suffix(ParamSpec& p) {
        skip_ws();
        if (peek() != ':') return {};
        ++i_;
        skip_ws();
        size_t at = i_;
        std::string_view word = identifier();
        auto format = parse_bytes_format(word);
        if (!format) {
            i_ = at;
            return fail(
                fmt::format("unknown format {} for {} (formats: hex, text, base64, msgpack)",
                            word.empty() ? found_text() : "'" + std::string(word) + "'", p.name));
        }
        bool bytes = p.type == ValueType::Str || p.type == ValueType::Buf ||
                     p.type_text == "string" || p.type_text == "[]byte";
        if (!bytes) {
            return fail_at(at, fmt::format("a format applies to str, buf, and Go's string and "
                                           "[]byte, and {} is a {}: drop ':{}'",
                                           p.name, p.type_text, word));
        }
        p.format = *format;
        return {};
    }

    Status param(ProbeSpec& spec, std::vector<ParamSpec>& out) {
        skip_ws();
        ParamSpec p;
        p.column = column();
        if (out.size() == kMaxParams) {
            return fail(
                fmt::format("too many parameters: a probe captures at most {}", kMaxParams));
        }
        auto type = type_word(false);
        if (!type) return type.error();
        p.type = type->type;
        p.type_text = type->text;
        p.go_only = type->go_only;
        skip_ws();
        size_t name_at = i_;
        std::string_view name = identifier();
        if (p.type == ValueType::Buf) {
            if (name.empty()) {
                return fail(fmt::format("expected a name after buf (buf NAME[LEN]), found {}",
                                        found_text()));
            }
            skip_ws();
            if (peek() != '[') {
                return fail(fmt::format("expected '[' after buf {} (buf NAME[LEN]), found {}", name,
                                        found_text()));
            }
            ++i_;
            auto len = length();
            if (!len) return len.error();
            p.len = *len;
            skip_ws();
            if (peek() != ']') {
                return fail(fmt::format("expected ']' after the length of buf {}, found {}", name,
                                        found_text()));
            }
            ++i_;
        }
        if (name.empty()) {
            p.name = fmt::format("arg{}", out.size());
        } else {
            p.name = std::string(name);
            if (is_reserved_field(name)) {
                return fail_at(name_at, fmt::format("parameter name '{}' is taken by a field every "
                                                    "probe record has; choose another name",
                                                    name));
            }
        }
        for (const ParamSpec& other : out) {
            if (other.name == p.name) {
                return fail_at(name_at, fmt::format("parameter name '{}' is used twice", p.name));
            }
        }
        if (Status st = format_suffix(p); !st) return st;
        if (Status st = reg_suffix(p); !st) return st;
        (void)spec;
        out.push_back(std::move(p));
        return {};
    }

    Status params(ProbeSpec& spec) {
        ++i_;  // '('
        std::vector<ParamSpec> list;
        skip_ws();
        if (peek() == ')') {
            ++i_;
            spec.params = std::move(list);
            return {};
        }
        while (true) {
            if (Status st = param(spec, list); !st) return st;
            skip_ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() == ')') {
                ++i_;
                break;
            }
            return fail(fmt::format("expected ',' or ')' after parameter '{}', found {}",
                                    list.back().name, found_text()));
        }
        // Buffer lengths name parameters that exist, and integers.
        for (ParamSpec& p : list) {
            if (p.type != ValueType::Buf || p.len.kind == LenRef::Kind::Fixed) continue;
            auto it = std::find_if(list.begin(), list.end(),
                                   [&](const ParamSpec& o) { return o.name == p.len.param; });
            if (it != list.end()) {
                p.len.kind = LenRef::Kind::Param;
                if (it->type == ValueType::Str || it->type == ValueType::Buf ||
                    it->type == ValueType::Ptr) {
                    return fail_at(p.column - 1,
                                   fmt::format("the length of buf {} is '{}', a {}: it must be an "
                                               "integer parameter",
                                               p.name, it->name, type_name(it->type)));
                }
            } else if (p.len.kind == LenRef::Kind::Param) {
                std::string names;
                for (const ParamSpec& o : list) {
                    names += names.empty() ? "" : ", ";
                    names += o.name;
                }
                return fail_at(p.column - 1,
                               fmt::format("the length of buf {} is '{}', which is not a "
                                           "parameter ({}); use a parameter, argN or a number",
                                           p.name, p.len.param, names));
            }
        }
        spec.params = std::move(list);
        return {};
    }

    Status ret(ProbeSpec& spec) {
        size_t start = i_;
        i_ += 3;
        skip_ws();
        if (peek() != ':') {
            i_ = start;
            return fail(fmt::format("unexpected '{}' (expected ret:TYPE)", word_here()));
        }
        ++i_;
        skip_ws();
        size_t type_at = i_;
        auto type = type_word(true);
        if (!type) return type.error();
        if (type->type == ValueType::Buf) {
            return fail_at(type_at, "ret:buf has no length to read: use ret:ptr or ret:str");
        }
        spec.ret = type->type;
        spec.ret_text = type->text;
        spec.ret_go_only = type->go_only;
        return {};
    }
};

}  // namespace

std::string_view type_name(ValueType type) {
    switch (type) {
        case ValueType::S8:
            return "s8";
        case ValueType::S16:
            return "s16";
        case ValueType::S32:
            return "s32";
        case ValueType::S64:
            return "s64";
        case ValueType::U8:
            return "u8";
        case ValueType::U16:
            return "u16";
        case ValueType::U32:
            return "u32";
        case ValueType::U64:
            return "u64";
        case ValueType::Ptr:
            return "ptr";
        case ValueType::Bool:
            return "bool";
        case ValueType::Char:
            return "char";
        case ValueType::Str:
            return "str";
        case ValueType::Buf:
            return "buf";
    }
    return "?";
}

uint32_t type_size(ValueType type) {
    switch (type) {
        case ValueType::S8:
        case ValueType::U8:
        case ValueType::Bool:
        case ValueType::Char:
            return 1;
        case ValueType::S16:
        case ValueType::U16:
            return 2;
        case ValueType::S32:
        case ValueType::U32:
            return 4;
        default:
            return 8;
    }
}

std::optional<ValueType> value_type_named(std::string_view word) {
    for (const TypeWord& t : kTypes) {
        if (t.word == word) return t.type;
    }
    auto go = symbols::go_type_named(word);
    if (!go || go->size == 0 || go->size > 8) return std::nullopt;
    bool sign = go->kind == symbols::GoKind::Int;
    if (go->kind != symbols::GoKind::Int && go->kind != symbols::GoKind::Uint) {
        if (go->kind == symbols::GoKind::Bool) return ValueType::Bool;
        return std::nullopt;
    }
    switch (go->size) {
        case 1:
            return sign ? ValueType::S8 : ValueType::U8;
        case 2:
            return sign ? ValueType::S16 : ValueType::U16;
        case 4:
            return sign ? ValueType::S32 : ValueType::U32;
        default:
            return sign ? ValueType::S64 : ValueType::U64;
    }
}

Result<ProbeSpec> parse_probe_spec(std::string_view text) {
    return Parser(text).run();
}

std::optional<uint8_t> register_by_name(std::string_view name) {
    if (name == "sp") name = "rsp";
    for (size_t i = 0; i < kRegisterNames.size(); ++i) {
        if (kRegisterNames[i] == name && i != PL_REG_ORIG_RAX && i != PL_REG_CS && i != PL_REG_SS &&
            i != PL_REG_EFLAGS) {
            return static_cast<uint8_t>(i);
        }
    }
    return std::nullopt;
}

std::string_view register_name(uint8_t reg) {
    return reg < kRegisterNames.size() ? kRegisterNames[reg] : std::string_view("?");
}

bool is_reserved_field(std::string_view name) {
    return std::find(std::begin(kReservedFields), std::end(kReservedFields), name) !=
           std::end(kReservedFields);
}

}  // namespace probelog::probes
