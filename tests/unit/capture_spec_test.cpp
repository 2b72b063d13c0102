// The captures of a --probe spec ({ req->path, len = req->hdr.len, p+16:u32 }):
// the issue's examples, the steps each expression makes, the names made from
// expressions, and the errors (with their columns).
#include <gtest/gtest.h>

#include "probes/spec.hpp"
#include "support/error_text.hpp"

namespace probelog::probes {
namespace {

using Kind = ExprStep::Kind;

ProbeSpec parse_ok(std::string_view text) {
    auto r = parse_probe_spec(text);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : ProbeSpec{};
}

std::string error_of(std::string_view text) {
    return error_text(parse_probe_spec(text));
}

// "ins->p->name" as "ins ->p ->name", "*(p+8)" as "p +8 *": the steps in order.
std::string steps_text(const CaptureSpec& c) {
    std::string out = c.root;
    for (const ExprStep& s : c.steps) {
        switch (s.kind) {
            case Kind::Arrow:
                out += " ->" + s.field;
                break;
            case Kind::Dot:
                out += " ." + s.field;
                break;
            case Kind::Index:
                out += " [" + std::to_string(s.n) + "]";
                break;
            case Kind::Offset:
                out += " +" + std::to_string(s.n);
                break;
            case Kind::Deref:
                out += " *";
                break;
        }
    }
    return out;
}

TEST(CaptureSpec, TheIssueExamples) {
    ProbeSpec fb = parse_ok(
        "fluent-bit:flb_input_log_append(ptr ins, str tag, u64 tag_len, buf data[size]:msgpack, "
        "u64 size) { ins->name, ins->p->name }");
    ASSERT_EQ(fb.captures.size(), 2u);
    EXPECT_EQ(fb.captures[0].name, "ins_name");
    EXPECT_EQ(steps_text(fb.captures[0]), "ins ->name");
    EXPECT_EQ(fb.captures[1].name, "ins_p_name");
    EXPECT_EQ(steps_text(fb.captures[1]), "ins ->p ->name");
    EXPECT_EQ((*fb.params)[3].format, BytesFormat::Msgpack);

    ProbeSpec srv = parse_ok(
        "./server:handle_request { req->method, req->path, len = req->hdr.content_length }");
    EXPECT_FALSE(srv.params.has_value());
    ASSERT_EQ(srv.captures.size(), 3u);
    EXPECT_EQ(srv.captures[2].name, "len");
    EXPECT_TRUE(srv.captures[2].named);
    EXPECT_EQ(srv.captures[2].expr, "req->hdr.content_length");
    EXPECT_EQ(steps_text(srv.captures[2]), "req ->hdr .content_length");

    ProbeSpec go = parse_ok("./goapp:main.handler { r.Method, r.URL.Path, r.ContentLength }");
    EXPECT_EQ(go.symbol, "main.handler");
    ASSERT_EQ(go.captures.size(), 3u);
    EXPECT_EQ(go.captures[1].name, "r_URL_Path");
    EXPECT_EQ(steps_text(go.captures[1]), "r .URL .Path");

    ProbeSpec raw = parse_ok("./app:process(ptr p) { p+16:u32, *(p+8):str }");
    ASSERT_EQ(raw.captures.size(), 2u);
    EXPECT_EQ(steps_text(raw.captures[0]), "p +16");
    EXPECT_EQ(raw.captures[0].type, ValueType::U32);
    EXPECT_EQ(raw.captures[0].name, "p_16");
    EXPECT_EQ(steps_text(raw.captures[1]), "p +8 *");
    EXPECT_EQ(raw.captures[1].type, ValueType::Str);
    EXPECT_EQ(raw.captures[1].name, "p_8");
}

TEST(CaptureSpec, OperatorsBindAsInC) {
    ProbeSpec s = parse_ok(
        "app:f { *p->next, (*p).x, v[2], a->b[3].c, *(*(p+8)+16):u64, ret->len, q+0x10:s8, "
        "r = *(p) }");
    ASSERT_EQ(s.captures.size(), 8u);
    EXPECT_EQ(steps_text(s.captures[0]), "p ->next *");  // *(p->next)
    EXPECT_EQ(steps_text(s.captures[1]), "p * .x");
    EXPECT_EQ(steps_text(s.captures[2]), "v [2]");
    EXPECT_EQ(steps_text(s.captures[3]), "a ->b [3] .c");
    EXPECT_EQ(steps_text(s.captures[4]), "p +8 * +16 *");
    EXPECT_EQ(steps_text(s.captures[5]), "ret ->len");
    EXPECT_EQ(s.captures[5].name, "ret_len");
    EXPECT_EQ(steps_text(s.captures[6]), "q +16");
    EXPECT_EQ(s.captures[6].type, ValueType::S8);
    EXPECT_EQ(s.captures[7].name, "r");
    EXPECT_EQ(steps_text(s.captures[7]), "p *");
}

TEST(CaptureSpec, FormatsAndGoTypesAfterACapture) {
    ProbeSpec s = parse_ok("app:f { a->data:msgpack, b->s:text, c+8:string, d->raw:base64 }");
    EXPECT_EQ(s.captures[0].format, BytesFormat::Msgpack);
    EXPECT_EQ(s.captures[1].format, BytesFormat::Text);
    EXPECT_EQ(s.captures[2].type_text, "string");
    EXPECT_FALSE(s.captures[2].type.has_value());
    EXPECT_EQ(s.captures[3].format, BytesFormat::Base64);
}

TEST(CaptureSpec, CapturesAfterRetAndWithoutBlanks) {
    ProbeSpec s = parse_ok("app:f(ptr p) ret:ptr {ret->x,p->y}");
    EXPECT_EQ(s.ret, ValueType::Ptr);
    ASSERT_EQ(s.captures.size(), 2u);
    ProbeSpec t = parse_ok("app:f{p->y}");
    EXPECT_EQ(t.symbol, "f");
    ASSERT_EQ(t.captures.size(), 1u);
}

TEST(CaptureSpec, NamesMadeFromExpressions) {
    EXPECT_EQ(capture_field_name("ins->p->name"), "ins_p_name");
    EXPECT_EQ(capture_field_name("r.URL.Path"), "r_URL_Path");
    EXPECT_EQ(capture_field_name("v[2]"), "v_2");
    EXPECT_EQ(capture_field_name("v[2].x"), "v_2_x");
    EXPECT_EQ(capture_field_name("*(p + 8)"), "p_8");
    EXPECT_EQ(capture_field_name("req->hdr.content_length"), "req_hdr_content_length");
}

TEST(CaptureSpec, Errors) {
    EXPECT_EQ(error_of("app:f { }"),
              "column 9: empty capture list: name what to capture, as in { req->path }");
    EXPECT_EQ(error_of("app:f { p-> }"), "column 13: expected a member name after '->', found '}'");
    EXPECT_EQ(error_of("app:f { p[x] }"),
              "column 11: expected an index (a number) after '[', found 'x'");
    EXPECT_EQ(error_of("app:f { p+x }"),
              "column 11: expected a byte offset after '+' (16 or 0x10), found 'x'");
    EXPECT_EQ(error_of("app:f { p->a p->b }"),
              "column 14: expected ',' or '}' after capture 'p->a', found 'p'");
    EXPECT_EQ(error_of("app:f { p->a"),
              "column 13: expected ',' or '}' after capture 'p->a', "
              "found the end of the spec");
    EXPECT_EQ(error_of("app:f { p->a:float }"),
              "column 14: unknown type or format 'float' after capture p->a (types: s8..s64, "
              "u8..u64, int, long, ptr, bool, char, str, and Go's string and []byte; formats: "
              "hex, text, base64, msgpack)");
    EXPECT_EQ(error_of("app:f { p->a, p_a = q }"),
              "column 15: two captures are named 'p_a': name one (NAME = q)");
    EXPECT_EQ(error_of("app:f { pid = p->a }"),
              "column 9: capture name 'pid' is taken by a field every probe record has; choose "
              "another name");
    EXPECT_EQ(error_of("app:f { (p->a }"), "column 15: expected ')', found '}'");
    EXPECT_EQ(error_of("app:f { ->a }"),
              "column 9: expected a parameter's name, 'ret', '*' or '(' in a capture, found '-'");
}

}  // namespace
}  // namespace probelog::probes
