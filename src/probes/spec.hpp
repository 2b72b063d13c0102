#pragma once
// The --probe spec: what to probe and what to capture, as typed by a user.
//
//   TARGET ':' LOCATION [ '(' [PARAM {',' PARAM}] ')' ] [ 'ret:' TYPE ] [ '{' CAPTURES '}' ]
//            [ 'if' COND ] [ 'log' '"' TEMPLATE '"' ] [ 'rate' N '/s' ]   (clause_spec.hpp)
//   'usdt:' TARGET ':' [PROVIDER ':'] (NAME | '*') [ '(' PARAMS ')' ] [ '{' ... (the same)
//            a USDT probe (issue 17): PARAMs name and type its arguments by position
//   TARGET   a path, a library short name (libc) or a program name
//   LOCATION SYMBOL ['+' OFFSET] | ''' C++ NAME ''' ['+' OFFSET] | ADDRESS (0x...)
//   PARAM    TYPE [NAME] [':' FORMAT] ['@' REG] | 'buf' NAME '[' LEN ']' [':' FORMAT] ['@' REG]
//   FORMAT   hex | text | base64 | msgpack (for str, buf, Go string and []byte)
//   TYPE     probelog's words (s32, u64, ptr, str...) or, for Go programs, Go's
//            (int64, string, []byte, *T, error...)
//   LEN      a parameter's NAME | 'arg'N | a number
//   CAPTURES field expressions over the parameters and ret (capture_spec.hpp)
//
// Pure: parsing only; resolve.hpp finds the file and the function.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes_format.hpp"
#include "common/result.hpp"
#include "probes/capture_spec.hpp"
#include "probes/clause_spec.hpp"

namespace probelog::probes {

// Parameters per probe (the rest of the value slots hold return values).
constexpr size_t kMaxParams = 12;

enum class ValueType : uint8_t { S8, S16, S32, S64, U8, U16, U32, U64, Ptr, Bool, Char, Str, Buf };

// The spec spelling ("s32", "str", ...).
std::string_view type_name(ValueType type);
// Bytes of an integer type (8 for ptr, 1 for bool and char); 8 for str and buf (pointers).
uint32_t type_size(ValueType type);

struct LenRef {
    enum class Kind : uint8_t { None, Param, Arg, Fixed };
    Kind kind = Kind::None;
    std::string param;   // Param: another parameter's name
    uint32_t arg = 0;    // Arg: argN, the N-th (0-based) integer argument of the ABI
    uint64_t fixed = 0;  // Fixed: a byte count
};

struct ParamSpec {
    ValueType type = ValueType::U64;  // as a C type; Go probes use type_text
    std::string type_text;            // the type as written ("int", "[]byte", "*main.T")
    bool go_only = false;  // a Go type with no C meaning (string, []T, error): Go functions only
    std::string name;      // never empty after parsing ("argN" if not given)
    LenRef len;            // Buf only
    BytesFormat format = BytesFormat::Default;  // ':FORMAT' (str, buf, Go string and []byte)
    std::optional<uint8_t> reg;  // '@REG': read this register (enum pl_probe_reg) instead
    int abi_index = -1;  // integer argument position; -1: the parameter's position in the list
    size_t column = 0;   // 1-based, for messages
};

struct ProbeSpec {
    std::string text;
    std::string target;
    bool is_address = false;
    std::string symbol;    // !is_address: plain, mangled or demangled C++ name
    uint64_t address = 0;  // is_address: link-time address as nm/objdump show it
    uint64_t offset = 0;   // symbol '+' OFFSET
    bool has_offset = false;
    std::optional<std::vector<ParamSpec>> params;  // nullopt: no list (DWARF or raw args)
    std::optional<ValueType> ret;
    std::string ret_text;  // ret's type as written
    bool ret_go_only = false;
    size_t location_column = 0;
    std::vector<CaptureSpec> captures;  // '{ ... }': what records carry besides ret
    ProbeClauses clauses;               // if COND, log "TEXT", rate N/s
    // usdt:TARGET:PROVIDER:NAME (issue 17): a USDT probe instead of a function.
    bool usdt = false;
    std::string usdt_provider;  // empty: usdt:TARGET:NAME, any provider
    std::string usdt_name;      // "*": every probe of the provider
};

// Errors start with "column N: ..." (1-based, in `text`).
Result<ProbeSpec> parse_probe_spec(std::string_view text);

// The spec reads values through field expressions (captures, or a condition's
// values), which need the binary's types when it has them.
inline bool reads_fields(const ProbeSpec& spec) {
    return !spec.captures.empty() || !spec.clauses.cond.empty();
}

// A type word a spec may write (s32, u64, ptr, str, int, size_t... and Go's
// integer names), nullopt for others.
std::optional<ValueType> value_type_named(std::string_view word);

// "rdi" -> PL_REG_RDI (also "di", "edi"... are not accepted: 64-bit names only).
std::optional<uint8_t> register_by_name(std::string_view name);
std::string_view register_name(uint8_t reg);

// Names that every probe record already has (parameters may not use them).
bool is_reserved_field(std::string_view name);

}  // namespace probelog::probes
