// The --probe spec parser: every form of the grammar, and the exact error
// (with its column) for malformed specs.
#include <gtest/gtest.h>

#include "probes/spec.hpp"
#include "support/error_text.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::probes {
namespace {

ProbeSpec parse_ok(std::string_view text) {
    auto r = parse_probe_spec(text);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : ProbeSpec{};
}

std::string error_of(std::string_view text) {
    return error_text(parse_probe_spec(text));
}

TEST(ProbeSpec, TheSpecExamples) {
    ProbeSpec a = parse_ok("/usr/bin/app:AddNum(int a, int b) ret:int");
    EXPECT_EQ(a.target, "/usr/bin/app");
    EXPECT_EQ(a.symbol, "AddNum");
    EXPECT_FALSE(a.is_address);
    ASSERT_TRUE(a.params.has_value());
    ASSERT_EQ(a.params->size(), 2u);
    EXPECT_EQ((*a.params)[0].name, "a");
    EXPECT_EQ((*a.params)[0].type, ValueType::S32);
    EXPECT_EQ((*a.params)[1].name, "b");
    EXPECT_EQ(a.ret, ValueType::S32);

    ProbeSpec m = parse_ok("libc:malloc(u64 size) ret:ptr");
    EXPECT_EQ(m.target, "libc");
    EXPECT_EQ(m.symbol, "malloc");
    EXPECT_EQ((*m.params)[0].type, ValueType::U64);
    EXPECT_EQ(m.ret, ValueType::Ptr);

    ProbeSpec f = parse_ok(
        "/opt/fluent-bit/bin/fluent-bit:flb_input_log_append(ptr ins, str tag, u64 tag_len, "
        "buf data[size], u64 size)");
    ASSERT_EQ(f.params->size(), 5u);
    const ParamSpec& data = (*f.params)[3];
    EXPECT_EQ(data.type, ValueType::Buf);
    EXPECT_EQ(data.name, "data");
    EXPECT_EQ(data.len.kind, LenRef::Kind::Param);
    EXPECT_EQ(data.len.param, "size");
    EXPECT_EQ((*f.params)[1].type, ValueType::Str);
    EXPECT_FALSE(f.ret.has_value());

    ProbeSpec addr = parse_ok("/usr/bin/app:0x1a2b(u64 x)");
    EXPECT_TRUE(addr.is_address);
    EXPECT_EQ(addr.address, 0x1a2bu);

    ProbeSpec off = parse_ok("/usr/bin/app:compute+0x10(u64 x)");
    EXPECT_EQ(off.symbol, "compute");
    EXPECT_TRUE(off.has_offset);
    EXPECT_EQ(off.offset, 0x10u);

    ProbeSpec cpp = parse_ok("/usr/bin/app:'ns::Class::method(int)'(ptr this, int v)");
    EXPECT_EQ(cpp.symbol, "ns::Class::method(int)");
    ASSERT_EQ(cpp.params->size(), 2u);
    EXPECT_EQ((*cpp.params)[0].name, "this");
    EXPECT_EQ((*cpp.params)[0].type, ValueType::Ptr);
}

TEST(ProbeSpec, ListAbsentEmptyAndUnnamed) {
    EXPECT_FALSE(parse_ok("app:main").params.has_value());
    EXPECT_FALSE(parse_ok("app:main ret:int").params.has_value());
    EXPECT_EQ(parse_ok("app:main ret:int").ret, ValueType::S32);
    ProbeSpec empty = parse_ok("app:main()");
    ASSERT_TRUE(empty.params.has_value());
    EXPECT_TRUE(empty.params->empty());
    ProbeSpec unnamed = parse_ok("app:f(int, u8, str)");
    ASSERT_EQ(unnamed.params->size(), 3u);
    EXPECT_EQ((*unnamed.params)[0].name, "arg0");
    EXPECT_EQ((*unnamed.params)[1].name, "arg1");
    EXPECT_EQ((*unnamed.params)[2].name, "arg2");
}

TEST(ProbeSpec, EveryTypeWord) {
    ProbeSpec s = parse_ok(
        "app:f(s8 a, s16 b, s32 c, s64 d, u8 e, u16 f, u32 g, u64 h, int i, long j, ptr k, "
        "bool l)");
    std::vector<ValueType> want = {ValueType::S8,  ValueType::S16, ValueType::S32, ValueType::S64,
                                   ValueType::U8,  ValueType::U16, ValueType::U32, ValueType::U64,
                                   ValueType::S32, ValueType::S64, ValueType::Ptr, ValueType::Bool};
    ASSERT_EQ(s.params->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_EQ((*s.params)[i].type, want[i]) << i;
    ProbeSpec t = parse_ok("app:f(char c, str s, buf b[4], size_t n, i64 x, uint u)");
    EXPECT_EQ((*t.params)[0].type, ValueType::Char);
    EXPECT_EQ((*t.params)[1].type, ValueType::Str);
    EXPECT_EQ((*t.params)[2].type, ValueType::Buf);
    EXPECT_EQ((*t.params)[3].type, ValueType::U64);
    EXPECT_EQ((*t.params)[4].type, ValueType::S64);
    EXPECT_EQ((*t.params)[5].type, ValueType::U32);
    EXPECT_EQ(type_name(ValueType::S32), "s32");
    EXPECT_EQ(type_size(ValueType::U16), 2u);
}

TEST(ProbeSpec, BufferLengths) {
    ProbeSpec s = parse_ok("app:f(buf a[n], u32 n, buf b[arg4], buf c[64], buf d[0x10], long x)");
    const auto& p = *s.params;
    EXPECT_EQ(p[0].len.kind, LenRef::Kind::Param);
    EXPECT_EQ(p[0].len.param, "n");
    EXPECT_EQ(p[2].len.kind, LenRef::Kind::Arg);
    EXPECT_EQ(p[2].len.arg, 4u);
    EXPECT_EQ(p[3].len.kind, LenRef::Kind::Fixed);
    EXPECT_EQ(p[3].len.fixed, 64u);
    EXPECT_EQ(p[4].len.fixed, 16u);
    // argN that is also a parameter's (default) name refers to that parameter.
    ProbeSpec named = parse_ok("app:f(buf a[arg1], int)");
    EXPECT_EQ((*named.params)[0].len.kind, LenRef::Kind::Param);
    EXPECT_EQ((*named.params)[0].len.param, "arg1");
}

TEST(ProbeSpec, RegisterOverridesAndWhitespace) {
    ProbeSpec s = parse_ok("  app : f ( buf stack [ 256 ] @rsp , long b @ rsi ) ret : long ");
    EXPECT_EQ(s.target, "app");
    EXPECT_EQ(s.symbol, "f");
    ASSERT_EQ(s.params->size(), 2u);
    EXPECT_EQ((*s.params)[0].reg, PL_REG_RSP);
    EXPECT_EQ((*s.params)[1].reg, PL_REG_RSI);
}

TEST(ProbeSpec, RegisterNames) {
    EXPECT_EQ(register_by_name("rdi"), PL_REG_RDI);
    EXPECT_EQ(register_by_name("r14"), PL_REG_R14);
    EXPECT_EQ(register_by_name("sp"), PL_REG_RSP);
    EXPECT_EQ(register_by_name("eax"), std::nullopt);
    EXPECT_EQ(register_by_name("orig_rax"), std::nullopt);
    EXPECT_EQ(register_name(PL_REG_R9), "r9");
}

TEST(ProbeSpec, CppNamesQuotedOrNot) {
    ProbeSpec q = parse_ok("app:'ns::C::operator()(int)'+0x8");
    EXPECT_EQ(q.symbol, "ns::C::operator()(int)");
    EXPECT_EQ(q.offset, 8u);
    ProbeSpec u = parse_ok("app:ns::Counter::add(ptr this, int v)");
    EXPECT_EQ(u.target, "app");
    EXPECT_EQ(u.symbol, "ns::Counter::add");
    ProbeSpec t = parse_ok("app:ns::max<int>");
    EXPECT_EQ(t.symbol, "ns::max<int>");
    ProbeSpec mangled = parse_ok("app:_ZN2ns5scaleEi(int x)");
    EXPECT_EQ(mangled.symbol, "_ZN2ns5scaleEi");
    ProbeSpec dec = parse_ok("app:f+16");
    EXPECT_EQ(dec.offset, 16u);
}

TEST(ProbeSpec, MalformedSpecsPointAtTheColumn) {
    EXPECT_EQ(error_of("app"),
              "column 4: expected ':' between the file and the function (as in /usr/bin/app:main "
              "or libc:malloc)");
    EXPECT_EQ(error_of(":main"), "column 1: expected a file before ':'");
    EXPECT_EQ(error_of("app:"),
              "column 5: expected a function name, an address (0x...) or a quoted C++ name, found "
              "the end of the spec");
    EXPECT_EQ(error_of("app:'ns::f(int)"), "column 5: unterminated quote");
    EXPECT_EQ(error_of("app:1234"),
              "column 5: '1234' is not an address (write addresses in hex: 0x1a2b)");
    EXPECT_EQ(error_of("app:f+zz"),
              "column 7: expected an offset after '+' (0x10 or 16), found 'zz'");
    EXPECT_EQ(
        error_of("app:f(int a,, int b)"),
        "column 13: expected a type (s8..s64, u8..u64, int, long, ptr, bool, char, str, buf), "
        "found ','");
    EXPECT_EQ(error_of("app:f(int a, flaot b)"),
              "column 14: unknown type 'flaot' (types: s8..s64, u8..u64, int, long, ptr, bool, "
              "char, str, buf; in Go programs also Go's: int8..int64, uint8..uint64, uintptr, "
              "string, []byte, *T, error)");
    EXPECT_EQ(error_of("app:f(double x)"),
              "column 7: double values travel in SSE registers (Go: X0-X14, C: xmm0-xmm7), which "
              "a uprobe cannot read; leave the parameter out (integer parameters keep their "
              "registers)");
    EXPECT_EQ(error_of("app:f(int a int b)"),
              "column 13: expected ',' or ')' after parameter 'a', found 'int'");
    EXPECT_EQ(error_of("app:f(int a"),
              "column 12: expected ',' or ')' after parameter 'a', found the end of the spec");
    EXPECT_EQ(error_of("app:f(buf data)"),
              "column 15: expected '[' after buf data (buf NAME[LEN]), found ')'");
    EXPECT_EQ(error_of("app:f(buf [4])"),
              "column 11: expected a name after buf (buf NAME[LEN]), found '['");
    EXPECT_EQ(error_of("app:f(buf d[n)"),
              "column 14: expected ']' after the length of buf d, found ')'");
    EXPECT_EQ(error_of("app:f(buf d[size], int n)"),
              "column 7: the length of buf d is 'size', which is not a parameter (d, n); use a "
              "parameter, argN or a number");
    EXPECT_EQ(error_of("app:f(buf d[s], str s)"),
              "column 7: the length of buf d is 's', a str: it must be an integer parameter");
    EXPECT_EQ(error_of("app:f(int a, int a)"), "column 18: parameter name 'a' is used twice");
    EXPECT_EQ(error_of("app:f(int pid)"),
              "column 11: parameter name 'pid' is taken by a field every probe record has; choose "
              "another name");
    EXPECT_EQ(error_of("app:f(long x@xmm0)"),
              "column 14: unknown register 'xmm0' (x86-64 names: rdi, rsi, rdx, rcx, r8, r9, rax, "
              "rbx, rbp, rsp, r10..r15)");
    EXPECT_EQ(error_of("app:f(int a) ret:buf"),
              "column 18: ret:buf has no length to read: use ret:ptr or ret:str");
    EXPECT_EQ(error_of("app:f(int a) ret:double"),
              "column 18: double values travel in SSE registers (Go: X0-X14, C: xmm0-xmm7), which "
              "a uprobe cannot read; drop ret:double (the latency is still recorded)");
    EXPECT_EQ(error_of("app:f(int a) (int b)"), "column 14: a second parameter list");
    EXPECT_EQ(error_of("app:f(int a) retval"),
              "column 14: unexpected 'retval' (expected ret:TYPE)");
    EXPECT_EQ(
        error_of("app:f(int a) junk"),
        "column 14: unexpected 'junk' (expected a parameter list, ret:TYPE, captures { ... }, "
        "if COND, log \"TEXT\", rate N/s or the end of the spec)");
}

TEST(ProbeSpec, AtMostTwelveParameters) {
    std::string ok = "app:f(";
    for (int i = 0; i < 12; ++i)
        ok += (i ? ", long a" : "long a") + std::to_string(i);
    EXPECT_TRUE(parse_probe_spec(ok + ")").ok());
    std::string bad = ok + ", long a12)";
    EXPECT_EQ(
        error_of(bad),
        fmt::format("column {}: too many parameters: a probe captures at most 12", ok.size() + 3));
}

TEST(ProbeSpec, ReservedFields) {
    for (const char* name : {"pid", "tid", "comm", "time", "ret", "latency_ns", "probe", "stage"})
        EXPECT_TRUE(is_reserved_field(name)) << name;
    EXPECT_FALSE(is_reserved_field("size"));
}

}  // namespace
}  // namespace probelog::probes
