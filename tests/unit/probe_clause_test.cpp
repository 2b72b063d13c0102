// The clauses of a --probe spec (if COND, log "...", rate N/s): parsing into
// postfix steps, message parts and a rate, the errors, and compilation to the
// BPF program's condition steps on tests/testprogs/probes/probe_clauses.
#include <gtest/gtest.h>

#include <cstring>

#include "probes/clause_spec.hpp"
#include "probes/compile.hpp"
#include "probes/spec.hpp"
#include "support/error_text.hpp"
#include "unit/testprog_files.hpp"

namespace probelog::probes {
namespace {

using test::prog;
using test::resolve_ok;

ProbeClauses clauses_ok(const std::string& tail) {
    auto spec = parse_probe_spec("/bin/true:main " + tail);
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    return spec.ok() ? spec->clauses : ProbeClauses{};
}

std::string parse_error(const std::string& tail) {
    return error_text(parse_probe_spec("/bin/true:main " + tail));
}

// The condition as postfix text: "a 1 == b 2 == &&".
std::string postfix(const ProbeClauses& c) {
    std::string out;
    for (const CondItem& i : c.cond) {
        if (!out.empty()) out += ' ';
        if (i.op == CondOp::And || i.op == CondOp::Or) {
            out += cond_op_text(i.op);
        } else {
            out += i.operand.expr + " " + std::string(cond_op_text(i.op)) + " " +
                   (i.literal.kind == CondLiteral::Kind::Str ? "\"" + i.literal.text + "\""
                                                             : i.literal.text);
        }
    }
    return out;
}

TEST(ProbeClauses, ConditionsParseToPostfix) {
    EXPECT_EQ(postfix(clauses_ok("if size >= 1048576")), "size >= 1048576");
    EXPECT_EQ(postfix(clauses_ok("if a == 1 && b != 2 || c < -3")), "a == 1 b != 2 && c < -3 ||");
    EXPECT_EQ(postfix(clauses_ok("if a == 1 && (b == 2 || c > 0x10)")),
              "a == 1 b == 2 c > 0x10 || &&");
    EXPECT_EQ(postfix(clauses_ok(R"(if req->method == "POST" && req->hdr.flags & 4)")),
              "req->method == \"POST\" req->hdr.flags & 4 &&");
    EXPECT_EQ(postfix(clauses_ok(R"(if r.URL.Path startswith "/api/")")),
              "r.URL.Path startswith \"/api/\"");
    // A parenthesis that opens an expression, not a condition.
    EXPECT_EQ(postfix(clauses_ok("if (p+8)->len <= 7")), "(p+8)->len <= 7");
    EXPECT_EQ(postfix(clauses_ok("if ((p+8)->len <= 7)")), "(p+8)->len <= 7");
    EXPECT_EQ(postfix(clauses_ok(R"(if s == "a\"b\\\x41")")), "s == \"a\"b\\A\"");
    ProbeClauses c = clauses_ok("if state == RUNNING && ok == true");
    EXPECT_EQ(c.cond[0].literal.kind, CondLiteral::Kind::Name);
    EXPECT_EQ(c.cond[1].literal.kind, CondLiteral::Kind::Int);
    EXPECT_EQ(c.cond[1].literal.value, 1u);
    EXPECT_EQ(c.cond_text, "state == RUNNING && ok == true");
}

TEST(ProbeClauses, MessagesAndRates) {
    ProbeClauses c = clauses_ok(R"(if n > 1 log "big {req->method} {{x}} {n}!" rate 100/s)");
    ASSERT_EQ(c.log.size(), 5u);
    EXPECT_EQ(c.log[0].text, "big ");
    EXPECT_TRUE(c.log[1].is_ref);
    EXPECT_EQ(c.log[1].text, "req->method");
    EXPECT_EQ(c.log[2].text, " {x} ");
    EXPECT_EQ(c.log[3].text, "n");
    EXPECT_EQ(c.log[4].text, "!");
    EXPECT_EQ(c.rate_per_s, 100u);
    EXPECT_EQ(clauses_ok("rate 1/s").rate_per_s, 1u);
    EXPECT_TRUE(clauses_ok("log \"x\"").has_log);
    // Captures, then clauses.
    auto spec = parse_probe_spec("/bin/true:main { a = x->y } if a > 0");
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_EQ(spec->captures.size(), 1u);
    EXPECT_EQ(spec->clauses.cond.size(), 1u);
}

TEST(ProbeClauses, ErrorsNameTheProblem) {
    EXPECT_EQ(parse_error("if"),
              "column 18: expected a condition after 'if', as in: if size >= 4096");
    EXPECT_EQ(parse_error("if a =~ 3"),
              "column 21: unknown operator '=~' (operators: == != < <= > >= & startswith)");
    EXPECT_EQ(parse_error("if a 3"),
              "column 21: expected an operator (== != < <= > >= & startswith) after the value, "
              "found '3'");
    EXPECT_EQ(parse_error("if a =="),
              "column 23: expected a number or a \"string\" after a ==, found the end of the spec");
    EXPECT_EQ(parse_error("if a == 99999999999999999999"),
              "column 24: '99999999999999999999' is not a number that fits 64 bits");
    EXPECT_EQ(parse_error("if a == \"x"), "column 24: the string opened here has no closing '\"'");
    EXPECT_EQ(parse_error("if (a == 1"), "column 26: expected ')', found the end of the spec");
    EXPECT_EQ(parse_error("if a == 1 if b == 2"),
              "column 26: a second 'if': combine conditions with && or ||");
    EXPECT_EQ(parse_error("rate 5/s if a == 1"), "column 25: 'if' comes before 'log' and 'rate'");
    EXPECT_EQ(parse_error("rate 0/s"),
              "column 21: rate 0/s would drop every record: give at least 1/s, or leave the rate "
              "out");
    EXPECT_EQ(parse_error("rate 5"),
              "column 22: expected '/s' after rate 5 (records per second), found the end of the "
              "spec");
    EXPECT_EQ(parse_error("log x"),
              "column 20: expected a quoted message after 'log', as in log \"slow {path}\", found "
              "'x'");
    EXPECT_EQ(parse_error("log \"a } b\""),
              "column 23: a lone '}' in the message: write }} for a brace");
    EXPECT_EQ(parse_error("log \"{a b}\""),
              "column 24: expected '}' after {a in the message, found 'b'");
    EXPECT_EQ(parse_error("log \"\\q\""),
              "column 21: unknown escape (escapes: \\\" \\\\ \\n \\t \\xNN, \\{ \\})");
    EXPECT_EQ(parse_error("if a == 1 && b == 2 && c == 3 && d == 4 && e == 5 && f == 6 && g == 7 "
                          "&& h == 8 && i == 9"),
              "column 105: too many comparisons: a condition has at most 8");
    EXPECT_EQ(parse_error("{ message = x } log \"x\""),
              "column 18: capture name 'message' is taken by a field every probe record has; "
              "choose another name");
    EXPECT_EQ(parse_error("when a > 1"),
              "column 16: unexpected 'when' (expected a parameter list, ret:TYPE, captures { ... "
              "}, if COND, log \"TEXT\", rate N/s or the end of the spec)");
}

CompiledProbe compile_ok(const std::string& tail, CompileOptions options = {}) {
    auto c = compile_probe(resolve_ok(prog("probe_clauses") + ":pc_handle" + tail), options);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(*c) : CompiledProbe{};
}

std::string compile_error(const std::string& tail, CompileOptions options = {}) {
    return error_text(
        compile_probe(resolve_ok(prog("probe_clauses") + ":pc_handle" + tail), options));
}

TEST(ProbeClauseCompile, IntegerComparisonsOnHiddenCaptures) {
    CompiledProbe c = compile_ok(" { id = req->id } if req->len >= -5 && req->flags & 4");
    const pl_probe_config& cfg = c.config;
    ASSERT_EQ(cfg.n_cond, 3);
    EXPECT_EQ(cfg.cond_at, PL_COND_AT_ENTRY);
    // id, then the condition's values as hidden captures.
    ASSERT_EQ(c.info.slots.size(), 4u);  // id, _cond0, _cond1, ret (DWARF)
    EXPECT_FALSE(c.info.slots[0].hidden);
    EXPECT_TRUE(c.info.slots[1].hidden);
    EXPECT_TRUE(c.info.slots[2].hidden);
    EXPECT_EQ(cfg.cond[0].kind, PL_COND_INT);
    EXPECT_EQ(cfg.cond[0].cmp, PL_CMP_GE);
    EXPECT_EQ(cfg.cond[0].slot, 1);
    EXPECT_EQ(cfg.cond[0].bits, 64);
    EXPECT_EQ(cfg.cond[0].is_signed, 1);
    EXPECT_EQ(static_cast<int64_t>(cfg.cond[0].imm), -5);
    EXPECT_EQ(cfg.cond[1].kind, PL_COND_FLAGS);
    EXPECT_EQ(cfg.cond[1].slot, 2);
    EXPECT_EQ(cfg.cond[1].bits, 32);  // unsigned flags
    EXPECT_EQ(cfg.cond[1].is_signed, 0);
    EXPECT_EQ(cfg.cond[1].imm, 4u);
    EXPECT_EQ(cfg.cond[2].kind, PL_COND_AND);
    EXPECT_EQ(cfg.rate_interval_ns, 0u);
}

TEST(ProbeClauseCompile, StringsRetEnumsAndRates) {
    CompiledProbe c = compile_ok(
        R"( { req->method } if req->method != "POST" && req->path startswith "/api/" && ret > 7 && req->kind == PC_PUT rate 250/s)");
    const pl_probe_config& cfg = c.config;
    EXPECT_EQ(cfg.cond_at, PL_COND_AT_RETURN);  // ret is read at the return
    EXPECT_EQ(cfg.cond[0].kind, PL_COND_STR_EQ);
    EXPECT_EQ(cfg.cond[0].cmp, PL_CMP_NE);
    EXPECT_EQ(cfg.cond[0].slot, 0);  // the capture itself
    EXPECT_EQ(std::string(cfg.cond_str + cfg.cond[0].str_off, cfg.cond[0].str_len), "POST");
    EXPECT_EQ(cfg.cond[1].kind, PL_COND_STR_PREFIX);
    EXPECT_EQ(std::string(cfg.cond_str + cfg.cond[1].str_off, cfg.cond[1].str_len), "/api/");
    EXPECT_EQ(cfg.cond[5].imm, 3u);  // PC_PUT
    EXPECT_EQ(cfg.rate_interval_ns, 4000000u);
    EXPECT_EQ(cfg.rate_burst_ns, 1000000000u);
}

TEST(ProbeClauseCompile, Messages) {
    CompiledProbe c = compile_ok(R"( { m = req->method, req->len } log "{m} {req->len} by {pid}")");
    ASSERT_EQ(c.info.message.size(), 5u);
    EXPECT_TRUE(c.info.message[0].is_field);
    EXPECT_EQ(c.info.message[0].text, "m");
    EXPECT_EQ(c.info.message[2].text, "req_len");
    EXPECT_EQ(c.info.message[4].text, "pid");
    EXPECT_FALSE(c.info.message[3].is_field);
    EXPECT_EQ(c.info.message[3].text, " by ");
}

TEST(ProbeClauseCompile, ErrorsNameTheFix) {
    EXPECT_EQ(compile_error(" { req->len } if req->len == \"x\""),
              "if req->len == \"x\": req->len is a number: compare it with a number, not the "
              "string \"x\"");
    EXPECT_EQ(compile_error(" { req->method } if req->method < \"x\""),
              "if req->method < \"x\": req->method is a string: compare it with ==, != or "
              "startswith, not <");
    EXPECT_EQ(compile_error(" { req->flags } if req->flags == -1"),
              "if req->flags == -1: req->flags is unsigned: compare it with a number from 0, not "
              "-1");
    EXPECT_EQ(compile_error(" { req->flags } if req->flags == 0x100000000"),
              "if req->flags == 0x100000000: 0x100000000 does not fit req->flags, an unsigned "
              "32-bit value");
    EXPECT_EQ(compile_error(" { req->kind } if req->kind == PC_DELETE"),
              "if req->kind == PC_DELETE: 'PC_DELETE' is not an enumerator of req->kind's type "
              "(enumerators: PC_GET, PC_POST, PC_PUT)");
    EXPECT_EQ(compile_error(" { req->len } log \"{req->path}\""),
              "log: {req->path} is not a value of this probe's records (values: req_len, ret; and "
              "pid, tid, comm, latency_ns...): capture it, as in { req->path }");
    EXPECT_EQ(compile_error(" { req->len } if ret > 1", CompileOptions{ProbeMode::Split, 128, 256}),
              "if ret > 1: the condition reads a value of the return, and in --probe-mode split "
              "the entry record is sent before the call returns: use --probe-mode call");
    EXPECT_EQ(compile_error(" { req->method } if req->method == \"" + std::string(130, 'x') + "\""),
              "if req->method == \"" + std::string(130, 'x') + "\": \"" + std::string(130, 'x') +
                  "\" is longer than the 64 bytes a condition's string may have");
}

}  // namespace
}  // namespace probelog::probes
