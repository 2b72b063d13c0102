// Go probes from spec to BPF config (issue 6): Go type names in specs, Go's
// register ABI (registers, struct splitting, stack assignment, floats left
// out), resolution of Go functions in the test programs (DWARF, the stripped
// build, the entry past the stack check, every RET), and the config (paired by
// goroutine, never a uretprobe).
#include <gtest/gtest.h>

#include "probes/compile.hpp"
#include "probes/go_abi.hpp"
#include "probes/resolve.hpp"
#include "support/process.hpp"
#include "unit/testprog_files.hpp"
#include "symbols/disasm.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"
#include "support/error_text.hpp"

namespace probelog::probes {
namespace {

using symbols::GoKind;
using symbols::GoType;

using test::prog;
using test::resolve;
using test::resolve_ok;

std::string error_of(const std::string& text, ProbeMode mode = ProbeMode::Call) {
    auto r = resolve(text);
    if (!r) return r.error().message;
    return error_text(compile_probe(*r, CompileOptions{mode}));
}

CompiledProbe compile_ok(const std::string& text, CompileOptions options = {}) {
    auto c = compile_probe(resolve_ok(text), options);
    if (!c) throw std::runtime_error(text + ": " + c.error().message);
    return *c;
}

GoType t(std::string_view name) {
    return *symbols::go_type_named(name);
}

GoValue value(std::string name, GoType type) {
    GoValue v;
    v.name = std::move(name);
    v.type = std::move(type);
    return v;
}

GoType strukt(std::string name, std::vector<std::pair<std::string, GoType>> fields) {
    GoType s;
    s.kind = GoKind::Struct;
    s.name = std::move(name);
    uint64_t off = 0;
    for (auto& [n, ft] : fields) {
        off = (off + ft.align() - 1) / ft.align() * ft.align();
        symbols::GoField f;
        f.name = n;
        f.offset = off;
        off += ft.size;
        f.type = ft;
        s.fields.push_back(std::move(f));
    }
    s.size = static_cast<uint32_t>((off + s.align() - 1) / s.align() * s.align());
    return s;
}

GoType array(GoType elem, uint64_t n) {
    GoType a;
    a.kind = GoKind::Array;
    a.count = n;
    a.size = static_cast<uint32_t>(elem.size * n);
    a.elem.push_back(std::move(elem));
    return a;
}

// "name@REG" or "name@+OFF" (stack) for each piece, and len locations for
// counted strings and buffers.
std::vector<std::string> where(const std::vector<GoPiece>& pieces) {
    std::vector<std::string> out;
    auto loc = [](const pl_probe_loc& l) {
        if (l.kind == PL_LOC_REG) return std::string(register_name(l.reg));
        if (l.kind == PL_LOC_STACK) return fmt::format("+{}", l.off);
        return std::string("?");
    };
    for (const GoPiece& p : pieces) {
        std::string s = p.name + "@" + loc(p.value);
        if (p.counted) s += "," + loc(p.len);
        out.push_back(s);
    }
    return out;
}

using Strings = std::vector<std::string>;

TEST(GoAbi, IntegerRegistersInOrderThenTheStack) {
    std::vector<GoValue> params;
    for (int i = 0; i < 10; ++i)
        params.push_back(value(fmt::format("a{}", i), t(i % 2 ? "int32" : "uint8")));
    GoAssignment a = assign_go_values(params, {value("ret", t("int64"))});
    EXPECT_EQ(where(a.args), (Strings{"a0@rax", "a1@rbx", "a2@rcx", "a3@rdi", "a4@rsi", "a5@r8",
                                      "a6@r9", "a7@r10", "a8@r11", "a9@+8"}));
    EXPECT_EQ(a.args[0].type, ValueType::U8);
    EXPECT_EQ(a.args[1].type, ValueType::S32);
    EXPECT_TRUE(a.args[9].on_stack);
    EXPECT_EQ(where(a.results), (Strings{"ret@rax"}));  // results start again from RAX
    EXPECT_TRUE(a.notes.empty());
}

TEST(GoAbi, StringsSlicesInterfacesAreSeveralWords) {
    GoAssignment a = assign_go_values({value("s", t("string")), value("b", t("[]byte")),
                                       value("l", t("[]int")), value("e", t("error"))},
                                      {value("ret", t("string")), value("ret1", t("error"))});
    // The interface does not fit in the one register left: it goes on the stack.
    EXPECT_EQ(where(a.args),
              (Strings{"s@rax,rbx", "b@rcx,rdi", "l@r8", "l_len@r9", "e.type@+8", "e.data@+16"}));
    ASSERT_EQ(a.args.size(), 6u);
    EXPECT_EQ(a.args[0].type, ValueType::Str);
    EXPECT_TRUE(a.args[0].counted);
    EXPECT_EQ(a.args[1].type, ValueType::Buf);
    EXPECT_EQ(where(a.results), (Strings{"ret@rax,rbx", "ret1.type@rcx", "ret1.data@rdi"}));
}

TEST(GoAbi, StructsSplitIntoRegistersOrGoOnTheStack) {
    GoType point = strukt("main.Point", {{"X", t("int32")}, {"Y", t("int32")}});
    GoType rect = strukt("main.Rect", {{"Min", point}, {"Max", point}, {"Name", t("string")}});
    GoAssignment a = assign_go_values({value("r", rect), value("scale", t("int"))}, {});
    EXPECT_EQ(where(a.args), (Strings{"r.Min.X@rax", "r.Min.Y@rbx", "r.Max.X@rcx", "r.Max.Y@rdi",
                                      "r.Name@rsi,r8", "scale@r9"}));

    // An array of more than one element is never in registers: the whole
    // struct goes on the stack, laid out as in memory; later values still
    // take registers.
    GoType big = strukt("main.Big", {{"A", array(t("int"), 3)}, {"Tag", t("string")}});
    GoAssignment b =
        assign_go_values({value("b", big), value("extra", t("int"))}, {value("ret", t("int"))});
    EXPECT_EQ(where(b.args),
              (Strings{"b.A[0]@+8", "b.A[1]@+16", "b.A[2]@+24", "b.Tag@+32,+40", "extra@rax"}));

    // A struct that does not fit in the registers left goes on the stack
    // whole, and the registers it would have used are free again.
    std::vector<GoValue> params;
    for (int i = 0; i < 7; ++i)
        params.push_back(value(fmt::format("i{}", i), t("int")));
    params.push_back(
        value("p", strukt("main.P", {{"A", t("int")}, {"B", t("int")}, {"C", t("int")}})));
    params.push_back(value("last", t("int")));
    GoAssignment c = assign_go_values(params, {});
    EXPECT_EQ(where(c.args)[7], "p.A@+8");
    EXPECT_EQ(where(c.args)[9], "p.C@+24");
    EXPECT_EQ(where(c.args)[10], "last@r10");

    // An array of one element is its element.
    GoAssignment one = assign_go_values({value("a", array(t("int16"), 1))}, {});
    EXPECT_EQ(where(one.args), (Strings{"a[0]@rax"}));
}

TEST(GoAbi, StackResultsFollowTheStackArgumentsPointerAligned) {
    std::vector<GoValue> params;
    for (int i = 0; i < 9; ++i)
        params.push_back(value(fmt::format("i{}", i), t("int")));
    params.push_back(value("small", t("int8")));  // on the stack at +0, one byte
    GoType pair = strukt("main.Pair", {{"V", array(t("int32"), 2)}});
    GoAssignment a = assign_go_values(params, {value("ret", pair), value("ret1", t("bool"))});
    EXPECT_EQ(where(a.args).back(), "small@+8");
    // Arguments take 1 byte, aligned to 8: the results start at +8 (from RSP: +16).
    EXPECT_EQ(where(a.results), (Strings{"ret.V[0]@+16", "ret.V[1]@+20", "ret1@rax"}));
}

TEST(GoAbi, FloatsTakeXRegistersAndAreLeftOutWithANote) {
    GoType mixed =
        strukt("main.Mixed", {{"ID", t("uint16")}, {"Ratio", t("float64")}, {"Ok", t("bool")}});
    GoAssignment a =
        assign_go_values({value("m", mixed), value("x", t("float64")), value("n", t("int"))},
                         {value("ret", t("uint16")), value("ret1", t("float64"))});
    EXPECT_EQ(where(a.args), (Strings{"m.ID@rax", "m.Ok@rbx", "n@rcx"}));
    EXPECT_EQ(where(a.results), (Strings{"ret@rax"}));
    ASSERT_EQ(a.notes.size(), 3u);
    EXPECT_EQ(a.notes[0],
              "parameter m.Ratio (float64) is in an X (SSE) register, which a uprobe cannot read: "
              "left out (the integer values keep their registers)");
    EXPECT_NE(a.notes[2].find("result ret1 (float64)"), std::string::npos);

    // Fifteen floats fill X0..X14; the sixteenth goes on the stack.
    std::vector<GoValue> floats;
    for (int i = 0; i < 16; ++i)
        floats.push_back(value(fmt::format("f{}", i), t("float64")));
    floats.push_back(value("n", t("int")));
    GoAssignment f = assign_go_values(floats, {});
    EXPECT_EQ(where(f.args), (Strings{"n@rax"}));
    EXPECT_EQ(f.notes.size(), 16u);
}

TEST(GoAbi, UnknownTypesEndTheList) {
    GoType unknown;
    unknown.name = "weird";
    GoAssignment a =
        assign_go_values({value("a", t("int")), value("w", unknown), value("b", t("int"))},
                         {value("ret", t("int"))});
    EXPECT_EQ(where(a.args), (Strings{"a@rax"}));
    EXPECT_TRUE(a.results.empty());
    ASSERT_EQ(a.notes.size(), 2u);
    EXPECT_EQ(a.notes[0],
              "parameter w (weird) has a type probelog cannot place: it and the parameters after "
              "it are left out");
}

TEST(GoSpec, GoTypeNamesParse) {
    auto spec = parse_probe_spec(
        "./app:main.work(int n, string name, []byte body, *main.T p, map[string]int m, "
        "uintptr u, error e) ret:int64");
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_EQ(spec->symbol, "main.work");
    const auto& ps = *spec->params;
    ASSERT_EQ(ps.size(), 7u);
    EXPECT_EQ(ps[0].type_text, "int");
    EXPECT_EQ(ps[0].type, ValueType::S32);  // as C; a Go function reads it as Go's int
    EXPECT_FALSE(ps[0].go_only);
    EXPECT_EQ(ps[1].type_text, "string");
    EXPECT_TRUE(ps[1].go_only);
    EXPECT_EQ(ps[2].type_text, "[]byte");
    EXPECT_EQ(ps[2].name, "body");
    EXPECT_TRUE(ps[2].go_only);
    EXPECT_EQ(ps[3].type, ValueType::Ptr);
    EXPECT_EQ(ps[3].type_text, "*main.T");
    EXPECT_EQ(ps[4].type, ValueType::Ptr);
    EXPECT_EQ(ps[5].type, ValueType::U64);
    EXPECT_TRUE(ps[6].go_only);
    EXPECT_EQ(spec->ret, ValueType::S64);
    EXPECT_EQ(spec->ret_text, "int64");
    EXPECT_TRUE(parse_probe_spec("./app:'main.(*T).m'(*main.T t)").ok());
}

TEST(GoSpec, FloatsAreOneClearError) {
    auto ret = parse_probe_spec("./app:main.computeE(int64 iterations) ret:float64");
    ASSERT_FALSE(ret.ok());
    EXPECT_EQ(ret.error().message,
              "column 43: float64 values travel in SSE registers (Go: X0-X14, C: xmm0-xmm7), "
              "which a uprobe cannot read; drop ret:float64 (the latency is still recorded)");
    auto param = parse_probe_spec("./app:main.f(float32 x)");
    ASSERT_FALSE(param.ok());
    EXPECT_NE(param.error().message.find("leave the parameter out"), std::string::npos);
    EXPECT_NE(parse_probe_spec("./app:main.f(complex128 z)").error().message.find("SSE"),
              std::string::npos);
}

TEST(GoResolve, DwarfValuesAndTheirWords) {
    ResolvedProbe r = resolve_ok(prog("go_types") + ":main.rectArea");
    EXPECT_TRUE(r.go);
    EXPECT_TRUE(r.go_version.starts_with("go1."));
    EXPECT_EQ(r.name, "go_types:main.rectArea");
    EXPECT_EQ(r.params_from, "DWARF");
    EXPECT_EQ(where(r.go_abi.args), (Strings{"r.Min.X@rax", "r.Min.Y@rbx", "r.Max.X@rcx",
                                             "r.Max.Y@rdi", "r.Name@rsi,r8", "scale@r9"}));
    EXPECT_EQ(where(r.go_abi.results), (Strings{"ret@rax", "ret1.type@rbx", "ret1.data@rcx"}));
    EXPECT_EQ(r.g_stack_hi, 8);
    EXPECT_EQ(r.g_stack_hi_from, "DWARF (runtime.g)");

    ResolvedProbe s = resolve_ok(prog("go_types") + ":main.scalars");
    EXPECT_EQ(where(s.go_abi.args).back(), "p@+8");
    EXPECT_EQ(s.go_abi.args[8].name, "ok");
    EXPECT_EQ(s.go_abi.args[8].type, ValueType::Bool);

    ResolvedProbe m = resolve_ok(prog("go_types") + ":main.(*Point).Move");
    EXPECT_EQ(where(m.go_abi.args), (Strings{"p@rax", "dx@rbx"}));

    ResolvedProbe e = resolve_ok(prog("go_types") + ":main.computeE");
    EXPECT_EQ(where(e.go_abi.args), (Strings{"iterations@rax"}));
    EXPECT_TRUE(e.go_abi.results.empty());
    ASSERT_EQ(e.notes.size(), 1u);
    EXPECT_EQ(e.notes[0],
              "result ret (float64) is in an X (SSE) register, which a uprobe cannot read: left "
              "out (the integer values keep their registers)");
}

TEST(GoResolve, SpecTypesAreGoTypes) {
    ResolvedProbe r =
        resolve_ok(prog("go_http") + ":main.work(int n, string name, []byte body) ret:int");
    EXPECT_EQ(r.params_from, "spec");
    EXPECT_EQ(where(r.go_abi.args), (Strings{"n@rax", "name@rbx,rcx", "body@rdi,rsi"}));
    EXPECT_EQ(r.go_abi.args[0].type, ValueType::S64);  // Go's int: 64-bit
    EXPECT_EQ(where(r.go_abi.results), (Strings{"ret@rax"}));
    // A C function refuses Go-only types.
    EXPECT_EQ(error_of(prog("probe_target") + ":pt_str(string s)"),
              "parameter s: 'string' is a Go type, and pt_str is not a Go function (a C string is "
              "str)");
    EXPECT_EQ(error_of(prog("go_http") + ":main.work(char c)"),
              "parameter c: 'char' is not a type of Go (Go types: int, int8..int64, "
              "uint8..uint64, uintptr, bool, string, []byte, *T, error; or s8..u64, ptr, str)");
}

TEST(GoResolve, EntryPastTheStackCheckAndEveryRet) {
    auto file = symbols::ElfFile::open(prog("go_recurse"));
    ASSERT_TRUE(file.ok());
    const symbols::ElfSymbol* fn = symbols::find_functions(*file, "main.depth").at(0);
    auto insns = *symbols::decode_instructions(*file->read_at(fn->address, fn->size), fn->address);
    std::vector<uint64_t> rets;
    for (const auto& i : insns) {
        if (i.is_ret) rets.push_back(i.address);
    }
    ASSERT_GE(rets.size(), 2u);  // the n == 0 return and the recursive one

    ResolvedProbe r = resolve_ok(prog("go_recurse") + ":main.depth");
    EXPECT_EQ(r.vaddr, fn->address);
    EXPECT_EQ(r.entry_skip, insns[3].address - fn->address);  // lea, cmp, jbe
    EXPECT_EQ(r.file_offset, *file->file_offset(insns[3].address));
    EXPECT_EQ(r.ret_vaddrs, rets);
    ASSERT_EQ(r.ret_file_offsets.size(), rets.size());
    EXPECT_EQ(r.ret_file_offsets[0], *file->file_offset(rets[0]));

    // A leaf function without a stack check: the entry probe at its first byte.
    ResolvedProbe leaf = resolve_ok(prog("go_types") + ":main.scalars");
    EXPECT_EQ(leaf.entry_skip, 0u);
    EXPECT_EQ(leaf.ret_vaddrs.size(), 1u);
}

TEST(GoResolve, StrippedBuildFromPclntab) {
    ResolvedProbe r = resolve_ok(prog("go_concurrent_stripped") +
                                 ":main.mix(int worker, int i, string tag) ret:int");
    EXPECT_TRUE(r.go);
    EXPECT_EQ(r.g_stack_hi, 8);
    EXPECT_EQ(r.g_stack_hi_from, "the Go 1.17+ layout of runtime.g");
    EXPECT_FALSE(r.ret_vaddrs.empty());
    EXPECT_EQ(where(r.go_abi.args), (Strings{"worker@rax", "i@rbx", "tag@rcx,rdi"}));
    // No list and no DWARF: the nine integer registers.
    ResolvedProbe raw = resolve_ok(prog("go_concurrent_stripped") + ":main.mix");
    EXPECT_EQ(raw.params_from, "raw registers");
    ASSERT_EQ(raw.go_abi.args.size(), 9u);
    EXPECT_EQ(where(raw.go_abi.args)[8], "arg8@r11");
}

TEST(GoResolve, StrippedCgoPieLikeAnUnstrippedBuild) {
    // Stripped, cgo, position independent: the Go function from .gopclntab
    // gets its entry past the stack check and a probe on every RET, at file
    // offsets; the C function of its .dynsym is a C function.
    std::string bin = prog("go_shipped_cgo_pie");
    ResolvedProbe r = resolve_ok(bin + ":main.handle(int n, string name, []byte body) ret:int");
    EXPECT_TRUE(r.go);
    EXPECT_EQ(r.go_version, "go1.19.8");
    EXPECT_GT(r.entry_skip, 0u);
    auto file = symbols::ElfFile::open(bin);
    ASSERT_TRUE(file.ok());
    auto code = file->read_at(r.vaddr, 64);
    EXPECT_EQ(symbols::go_stack_check_end(*code, r.vaddr), r.vaddr + r.entry_skip);
    EXPECT_EQ(r.file_offset, *file->file_offset(r.vaddr + r.entry_skip));
    ASSERT_FALSE(r.ret_vaddrs.empty());
    for (size_t i = 0; i < r.ret_vaddrs.size(); ++i) {
        EXPECT_EQ(file->read_at(r.ret_vaddrs[i], 1)->at(0), 0xc3);  // ret
        EXPECT_EQ(r.ret_file_offsets[i], *file->file_offset(r.ret_vaddrs[i]));
    }
    EXPECT_EQ(where(r.go_abi.args), (Strings{"n@rax", "name@rbx,rcx", "body@rdi,rsi"}));
    ResolvedProbe c = resolve_ok(bin + ":x_cgo_init");
    EXPECT_FALSE(c.go);
    EXPECT_EQ(c.params_from, "raw registers");
}

TEST(GoResolve, AGoFunctionInlinedEverywhereIsOneErrorLine) {
    // mul is inlined into handle; no name is close to it.
    EXPECT_EQ(error_of(prog("go_shipped") + ":main.mul(int a, int b) ret:int"),
              fmt::format("function 'main.mul' not found in {0} (--probe-list {0} shows them all; "
                          "a Go function that the compiler inlined at every call has no code of "
                          "its own to probe)",
                          prog("go_shipped")));
    EXPECT_EQ(error_of(prog("go_shipped") + ":main.classifi"),
              fmt::format("function 'main.classifi' not found in {} (did you mean main.classify? "
                          "A Go function that the compiler inlined at every call has no code of "
                          "its own to probe)",
                          prog("go_shipped")));
}

TEST(GoCompile, PairedByGoroutineWithRetProbesNeverAUretprobe) {
    CompiledProbe c =
        compile_ok(prog("go_http") + ":main.work(int n, string name, []byte body) ret:int",
                   CompileOptions{ProbeMode::Call, 100, 200});
    const pl_probe_config& cfg = c.config;
    EXPECT_EQ(cfg.n_entry, 3);
    EXPECT_EQ(cfg.n_slots, 4);
    EXPECT_EQ(cfg.key_kind, PL_KEY_REG);
    EXPECT_EQ(cfg.key_reg, PL_REG_R14);
    EXPECT_EQ(cfg.flags, PL_PROBE_KEY_SP | PL_PROBE_KEY_SP_BASE | PL_PROBE_HAS_DATA);
    EXPECT_EQ(cfg.key_base.kind, PL_LOC_MEM);
    EXPECT_EQ(cfg.key_base.reg, PL_REG_R14);
    EXPECT_EQ(cfg.key_base.off, 8);
    EXPECT_EQ(cfg.ret_sp_delta, 0);  // at a RET the return address is still on the stack
    EXPECT_FALSE(c.attach_return);
    EXPECT_FALSE(c.ret_probe_offsets.empty());
    // The string: a buffer whose length is the next register, shown as text.
    EXPECT_EQ(cfg.slots[1].capture, PL_CAPTURE_BUF);
    EXPECT_EQ(cfg.slots[1].value.reg, PL_REG_RBX);
    EXPECT_EQ(cfg.slots[1].len.kind, PL_LOC_REG);
    EXPECT_EQ(cfg.slots[1].len.reg, PL_REG_RCX);
    EXPECT_EQ(cfg.slots[1].cap, 100);
    EXPECT_EQ(c.info.slots[1].kind, decode::ProbeValueKind::Str);
    EXPECT_EQ(c.info.slots[1].len_name, "name_len");
    EXPECT_EQ(cfg.slots[2].capture, PL_CAPTURE_BUF);
    EXPECT_EQ(cfg.slots[2].len.reg, PL_REG_RSI);
    EXPECT_EQ(cfg.slots[2].cap, 200);
    EXPECT_EQ(c.info.slots[2].kind, decode::ProbeValueKind::Buf);
    EXPECT_EQ(cfg.slots[3].value.reg, PL_REG_RAX);
    EXPECT_EQ(c.info.slots[3].name, "ret");

    CompiledProbe entry =
        compile_ok(prog("go_http") + ":main.work", CompileOptions{ProbeMode::Entry});
    EXPECT_TRUE(entry.ret_probe_offsets.empty());
    EXPECT_FALSE(entry.attach_return);
    EXPECT_EQ(entry.config.n_slots, entry.config.n_entry);

    EXPECT_EQ(error_of(prog("go_http") + ":main.work(int n) ret:int", ProbeMode::Entry),
              "--probe-mode entry records no return value: drop ret:int or use --probe-mode call "
              "or split");
}

TEST(GoCompile, StackValuesAndSpecBuffers) {
    CompiledProbe c = compile_ok(prog("go_types") + ":main.bigSum");
    const pl_probe_config& cfg = c.config;
    EXPECT_EQ(cfg.slots[0].value.kind, PL_LOC_STACK);
    EXPECT_EQ(cfg.slots[0].value.off, 8);
    EXPECT_EQ(cfg.slots[3].capture, PL_CAPTURE_BUF);  // b.Tag
    EXPECT_EQ(cfg.slots[3].value.off, 32);
    EXPECT_EQ(cfg.slots[3].len.kind, PL_LOC_STACK);
    EXPECT_EQ(cfg.slots[3].len.off, 40);
    EXPECT_EQ(c.info.slots[4].name, "extra");

    CompiledProbe b =
        compile_ok(prog("go_types") + ":main.fill(ptr base, int len, buf again[len]@rax)");
    EXPECT_EQ(b.config.slots[2].value.reg, PL_REG_RAX);
    EXPECT_EQ(b.config.slots[2].len.reg, PL_REG_RBX);  // len, the second word
    CompiledProbe fixed = compile_ok(prog("go_types") + ":main.fill(buf first[4])");
    EXPECT_EQ(fixed.config.slots[0].len.kind, PL_LOC_CONST);
    EXPECT_EQ(fixed.config.slots[0].cap, 4);
}

TEST(GoCompile, AtMostSixteenWordsFromDwarf) {
    ResolvedProbe r;
    r.go = true;
    r.name = "app:main.many";
    r.params_from = "DWARF";
    r.ret_file_offsets = {0x1234};
    std::vector<GoValue> params;
    for (int i = 0; i < 20; ++i)
        params.push_back(value(fmt::format("a{}", i), t("int")));
    r.go_abi = assign_go_values(params, {value("ret", t("int")), value("ret1", t("error"))});
    auto c = compile_probe(r, CompileOptions{});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->config.n_slots, PL_PROBE_SLOTS_MAX);
    EXPECT_EQ(c->config.n_entry, PL_PROBE_SLOTS_MAX - 3);
    EXPECT_EQ(c->info.slots.back().name, "ret1.data");
    ASSERT_EQ(c->notes.size(), 1u);
    EXPECT_EQ(c->notes[0],
              "23 words to read, more than the 16 a probe reads: the first 13 of the parameters "
              "and 3 of the results are read");
    r.params_from = "spec";
    EXPECT_NE(compile_probe(r, CompileOptions{}).error().message.find("too many values"),
              std::string::npos);
}

TEST(GoCompile, PastTheEntryIsEntryOnly) {
    auto file = symbols::ElfFile::open(prog("go_types"));
    const symbols::ElfSymbol* fn = symbols::find_functions(*file, "main.scalars").at(0);
    auto insns = *symbols::decode_instructions(*file->read_at(fn->address, 16), fn->address);
    uint64_t second = insns[1].address - fn->address;
    CompiledProbe c =
        compile_ok(fmt::format("{}:main.scalars+{}(int8 a@rax)", prog("go_types"), second));
    EXPECT_EQ(c.config.mode, PL_PROBE_MODE_ENTRY);
    EXPECT_TRUE(c.ret_probe_offsets.empty());
    EXPECT_EQ(error_of(fmt::format("{}:main.scalars+{}(int8 a) ret:int", prog("go_types"), second)),
              fmt::format("ret: needs a probe at a function's entry, and main.scalars+0x{:x} is "
                          "not one (the RET instructions pair with the entry)",
                          second));
    std::string list;
    for (int i = 0; i < 10; ++i)
        list += fmt::format("{}int a{}", i ? ", " : "", i);
    EXPECT_EQ(error_of(fmt::format("{}:main.scalars+{}({})", prog("go_types"), second, list)),
              "a9 is on the stack, which can only be read at a function's entry; name its "
              "register with @REG or probe the entry");
}

}  // namespace
}  // namespace probelog::probes
