// USDT probes (issue 17) without root: argument recipes, note descriptors,
// the notes of the test program usdt_target (tests/testprogs/probes), the
// usdt: spec, sites and their errors, and their compiled configs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "probes/compile.hpp"
#include "probes/list.hpp"
#include "probes/usdt_args.hpp"
#include "probes/usdt_resolve.hpp"
#include "support/error_text.hpp"
#include "support/process.hpp"
#include "symbols/usdt_notes.hpp"

namespace probelog::probes {
namespace {

// The text holds the needle (gmock is not linked).
::testing::AssertionResult contains(const std::string& text, std::string_view needle) {
    if (text.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << needle << "'";
}

UsdtArg one_arg(std::string_view text) {
    auto args = parse_usdt_args(text);
    if (!args || args->size() != 1) {
        throw std::runtime_error(std::string(text) + ": " + error_text(args));
    }
    return (*args)[0];
}

TEST(UsdtArgs, RegistersOfEveryWidth) {
    UsdtArg a = one_arg("-4@%eax");
    EXPECT_EQ(a.loc.kind, PL_LOC_REG);
    EXPECT_EQ(a.loc.reg, PL_REG_RAX);
    EXPECT_EQ(a.bytes, 4);
    EXPECT_TRUE(a.is_signed);
    EXPECT_EQ(usdt_arg_type(a), ValueType::S32);

    a = one_arg("8@%rax");
    EXPECT_EQ(a.loc.reg, PL_REG_RAX);
    EXPECT_EQ(usdt_arg_type(a), ValueType::U64);
    a = one_arg("2@%ax");
    EXPECT_EQ(a.loc.reg, PL_REG_RAX);
    EXPECT_EQ(usdt_arg_type(a), ValueType::U16);
    a = one_arg("-1@%al");
    EXPECT_EQ(a.loc.reg, PL_REG_RAX);
    EXPECT_EQ(usdt_arg_type(a), ValueType::S8);
    a = one_arg("-2@%r9w");
    EXPECT_EQ(a.loc.reg, PL_REG_R9);
    EXPECT_EQ(usdt_arg_type(a), ValueType::S16);
    a = one_arg("-1@%r10b");
    EXPECT_EQ(a.loc.reg, PL_REG_R10);
    EXPECT_EQ(usdt_arg_type(a), ValueType::S8);
    a = one_arg("1@%dil");
    EXPECT_EQ(a.loc.reg, PL_REG_RDI);
    EXPECT_EQ(usdt_arg_type(a), ValueType::U8);
    a = one_arg("-4@%r8d");
    EXPECT_EQ(a.loc.reg, PL_REG_R8);
    // A name narrower than the size: the name's width wins.
    a = one_arg("8@%eax");
    EXPECT_EQ(a.bytes, 4);
}

TEST(UsdtArgs, ConstantsMemoryAndIndexed) {
    UsdtArg c = one_arg("-4@$-5");
    EXPECT_EQ(c.loc.kind, PL_LOC_CONST);
    EXPECT_EQ(static_cast<int64_t>(c.loc.imm), -5);
    EXPECT_EQ(one_arg("8@$0x10").loc.imm, 16u);

    UsdtArg m = one_arg("-4@-20(%rbp)");
    EXPECT_EQ(m.loc.kind, PL_LOC_MEM);
    EXPECT_EQ(m.loc.reg, PL_REG_RBP);
    EXPECT_EQ(m.loc.off, -20);
    EXPECT_EQ(usdt_arg_type(m), ValueType::S32);
    m = one_arg("8@(%rsp)");
    EXPECT_EQ(m.loc.kind, PL_LOC_MEM);
    EXPECT_EQ(m.loc.reg, PL_REG_RSP);
    EXPECT_EQ(m.loc.off, 0);

    UsdtArg x = one_arg("8@(%rdx,%rax,8)");
    EXPECT_EQ(x.loc.kind, PL_LOC_MEM_INDEX);
    EXPECT_EQ(x.loc.reg, PL_REG_RDX);
    EXPECT_EQ(x.loc.index, PL_REG_RAX);
    EXPECT_EQ(x.loc.scale, 8);
    EXPECT_EQ(x.loc.off, 0);
    x = one_arg("-2@16(%r11,%rsi)");
    EXPECT_EQ(x.loc.kind, PL_LOC_MEM_INDEX);
    EXPECT_EQ(x.loc.index, PL_REG_RSI);
    EXPECT_EQ(x.loc.scale, 1);
    EXPECT_EQ(x.loc.off, 16);
}

TEST(UsdtArgs, ARecipeOfSeveralAndNone) {
    auto args = parse_usdt_args("-4@$-5 -8@%rdi  -4@-4(%rsp) -8@(%r11,%rsi,8) 1@%cl");
    ASSERT_TRUE(args.ok()) << error_text(args);
    ASSERT_EQ(args->size(), 5u);
    EXPECT_EQ((*args)[3].text, "-8@(%r11,%rsi,8)");
    EXPECT_EQ((*args)[4].loc.reg, PL_REG_RCX);
    auto none = parse_usdt_args("");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

TEST(UsdtArgs, UnreadableRecipesSayWhich) {
    EXPECT_TRUE(contains(error_text(parse_usdt_args("8@%rdi -4@foo(%rip)")),
                         "cannot read argument 1 '-4@foo(%rip)'"));
    EXPECT_TRUE(contains(error_text(parse_usdt_args("8@16(%rip)")), "relative to %rip"));
    EXPECT_TRUE(contains(error_text(parse_usdt_args("3@%rax")), "the size '3' is not"));
    EXPECT_TRUE(contains(error_text(parse_usdt_args("8@%xmm0")),
                         "'%xmm0' is not a general-purpose register"));
    EXPECT_TRUE(contains(error_text(parse_usdt_args("8@(%rax,%rbx,3)")), "the scale"));
    EXPECT_TRUE(contains(error_text(parse_usdt_args("8@$x")), "not an integer constant"));
}

std::vector<uint8_t> note_desc(uint64_t pc, uint64_t base, uint64_t sema, std::string_view strs) {
    std::string bytes(24, '\0');
    std::memcpy(bytes.data(), &pc, 8);
    std::memcpy(bytes.data() + 8, &base, 8);
    std::memcpy(bytes.data() + 16, &sema, 8);
    bytes += strs;
    return {bytes.begin(), bytes.end()};
}

TEST(UsdtNotes, DescriptorFieldsAndTruncation) {
    using namespace std::string_view_literals;
    auto d = note_desc(0x1234, 0x2000, 0x4038, "python\0line\0008@%rax -4@%edx\0"sv);
    auto n = symbols::parse_usdt_note_desc(d);
    ASSERT_TRUE(n.ok()) << error_text(n);
    EXPECT_EQ(n->pc, 0x1234u);
    EXPECT_EQ(n->base, 0x2000u);
    EXPECT_EQ(n->semaphore, 0x4038u);
    EXPECT_EQ(n->provider, "python");
    EXPECT_EQ(n->name, "line");
    EXPECT_EQ(n->args, "8@%rax -4@%edx");
    // A probe without arguments has an empty recipe.
    auto bare = symbols::parse_usdt_note_desc(note_desc(1, 2, 0, "p\0n\0\0"sv));
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->args, "");

    EXPECT_TRUE(contains(error_text(symbols::parse_usdt_note_desc(std::vector<uint8_t>(20))),
                         "shorter than its 3 addresses"));
    EXPECT_TRUE(contains(error_text(symbols::parse_usdt_note_desc(note_desc(1, 2, 0, "p\0name"sv))),
                         "NUL-terminated probe name"));
    EXPECT_TRUE(
        contains(error_text(symbols::parse_usdt_note_desc(note_desc(1, 2, 0, "p\0n\0args"sv))),
                 "NUL-terminated argument recipe"));
}

std::vector<symbols::UsdtNote> target_notes(const std::string& name = "usdt_target") {
    auto file = symbols::ElfFile::open(test::testprog(name));
    if (!file) throw std::runtime_error(file.error().message);
    auto notes = symbols::read_usdt_notes(*file);
    if (!notes) throw std::runtime_error(notes.error().message);
    return *notes;
}

TEST(UsdtNotes, TestProgramSitesSemaphoreAndOffsets) {
    auto notes = target_notes();
    std::vector<std::string> names;
    for (const auto& n : notes)
        names.push_back(n.provider + ":" + n.name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names,
              (std::vector<std::string>{"usdt_test:forms", "usdt_test:guarded", "usdt_test:multi",
                                        "usdt_test:multi", "usdt_test:strs"}));
    auto file = symbols::ElfFile::open(test::testprog("usdt_target"));
    ASSERT_TRUE(file.ok());
    for (const auto& n : notes) {
        // A PIE's text is mapped at offset 0: the site's file offset is its
        // address, and the byte there is a nop (0x90).
        EXPECT_EQ(n.pc_offset, *file->file_offset(n.pc)) << n.name;
        auto code = file->read_at(n.pc, 1);
        ASSERT_TRUE(code.ok());
        EXPECT_EQ((*code)[0], 0x90) << n.name;
        if (n.name == "guarded") {
            EXPECT_NE(n.semaphore, 0u);
            EXPECT_NE(n.sema_offset, 0u);
            auto probes = file->section(".probes");
            ASSERT_TRUE(probes.has_value());
            EXPECT_EQ(n.semaphore, probes->vaddr);
        } else {
            EXPECT_EQ(n.semaphore, 0u) << n.name;
            EXPECT_EQ(n.sema_offset, 0u) << n.name;
        }
    }
    auto lib = target_notes("libusdtlib.so");
    ASSERT_EQ(lib.size(), 1u);
    EXPECT_EQ(lib[0].provider, "usdt_lib");
    EXPECT_EQ(lib[0].name, "lib_fire");
}

TEST(UsdtNotes, AFileWithoutNotesHasNone) {
    EXPECT_TRUE(target_notes("probe_target").empty());
}

ProbeSpec spec_ok(std::string_view text) {
    auto s = parse_probe_spec(text);
    if (!s) throw std::runtime_error(std::string(text) + ": " + s.error().message);
    return *s;
}

TEST(UsdtSpec, ProviderNameWildcardAndParameters) {
    ProbeSpec s = spec_ok("usdt:/usr/bin/python3:python:line(str file, str fn, int lineno)");
    EXPECT_TRUE(s.usdt);
    EXPECT_EQ(s.target, "/usr/bin/python3");
    EXPECT_EQ(s.usdt_provider, "python");
    EXPECT_EQ(s.usdt_name, "line");
    ASSERT_TRUE(s.params.has_value());
    ASSERT_EQ(s.params->size(), 3u);
    EXPECT_EQ((*s.params)[2].name, "lineno");

    s = spec_ok("usdt:python3:audit");
    EXPECT_TRUE(s.usdt);
    EXPECT_EQ(s.usdt_provider, "");
    EXPECT_EQ(s.usdt_name, "audit");
    EXPECT_FALSE(s.params.has_value());

    s = spec_ok("usdt:app:prov:* { arg0 } if arg0 > 3 rate 10/s");
    EXPECT_EQ(s.usdt_name, "*");
    EXPECT_EQ(s.captures.size(), 1u);
    EXPECT_EQ(s.clauses.rate_per_s, 10u);

    // One ':' only: a function in a file named usdt, as before.
    s = spec_ok("usdt:main");
    EXPECT_FALSE(s.usdt);
    EXPECT_EQ(s.target, "usdt");
    EXPECT_EQ(s.symbol, "main");
}

TEST(UsdtSpec, Errors) {
    EXPECT_TRUE(contains(error_text(parse_probe_spec("usdt:app:*")), "'*' needs a provider"));
    EXPECT_TRUE(
        contains(error_text(parse_probe_spec("usdt:app:*:x")), "the provider cannot be '*'"));
    EXPECT_TRUE(contains(error_text(parse_probe_spec("usdt:app:p:(int a)")),
                         "expected a USDT probe name or '*'"));
    EXPECT_TRUE(contains(error_text(parse_probe_spec("usdt:app:p:n(int usdt_name)")),
                         "taken by a field every probe record has"));
}

Result<std::vector<ResolvedProbe>> sites_of(std::string_view text,
                                            const std::string& file = "usdt_target") {
    auto s = parse_probe_spec(text);
    if (!s) return s.error();
    return usdt_sites(*s, target_notes(file), test::testprog(file));
}

TEST(UsdtResolve, EverySiteWithItsOwnRecipe) {
    auto multi = sites_of("usdt:usdt_target:usdt_test:multi");
    ASSERT_TRUE(multi.ok()) << error_text(multi);
    ASSERT_EQ(multi->size(), 2u);
    EXPECT_NE((*multi)[0].file_offset, (*multi)[1].file_offset);
    EXPECT_NE((*multi)[0].usdt_args[0].loc.kind, (*multi)[1].usdt_args[0].loc.kind);
    for (const ResolvedProbe& r : *multi) {
        EXPECT_EQ(r.name, "usdt_target:usdt_test:multi");
        EXPECT_EQ(r.usdt_provider, "usdt_test");
        EXPECT_EQ(r.usdt_name, "multi");
        EXPECT_EQ(r.ref_ctr_offset, 0u);
        ASSERT_EQ(r.params.size(), 1u);
        EXPECT_EQ(r.params[0].name, "arg0");
        EXPECT_EQ(r.params[0].type, ValueType::S64);
        EXPECT_FALSE(r.function_entry);
    }
    auto guarded = sites_of("usdt:usdt_target:guarded");
    ASSERT_TRUE(guarded.ok()) << error_text(guarded);
    ASSERT_EQ(guarded->size(), 1u);
    EXPECT_NE((*guarded)[0].ref_ctr_offset, 0u);

    auto every = sites_of("usdt:usdt_target:usdt_test:*");
    ASSERT_TRUE(every.ok()) << error_text(every);
    EXPECT_EQ(every->size(), 5u);
}

TEST(UsdtResolve, ParametersNameAndTypeTheArguments) {
    auto strs = sites_of("usdt:usdt_target:usdt_test:strs(str text, buf bytes[len], u64 len)");
    ASSERT_TRUE(strs.ok()) << error_text(strs);
    ASSERT_EQ(strs->size(), 1u);
    const ResolvedProbe& r = (*strs)[0];
    ASSERT_EQ(r.params.size(), 3u);
    EXPECT_EQ(r.params[0].type, ValueType::Str);
    EXPECT_EQ(r.params[1].abi_index, 1);
    EXPECT_EQ(r.params_from, "spec");
    auto c = compile_probe(r, CompileOptions{});
    ASSERT_TRUE(c.ok()) << error_text(c);
    EXPECT_EQ(c->config.mode, PL_PROBE_MODE_ENTRY);
    EXPECT_FALSE(c->attach_return);
    EXPECT_EQ(c->config.n_slots, 3);
    EXPECT_EQ(c->config.slots[0].capture, PL_CAPTURE_STR);
    EXPECT_EQ(c->config.slots[1].capture, PL_CAPTURE_BUF);
    // buf bytes[len]: the length is where the note puts argument 2 (a constant).
    EXPECT_EQ(c->config.slots[1].len.kind, PL_LOC_CONST);
    EXPECT_EQ(c->config.slots[1].len.imm, 5u);
    EXPECT_EQ(c->info.usdt_provider, "usdt_test");
    EXPECT_EQ(c->info.usdt_name, "strs");
}

TEST(UsdtResolve, EveryArgumentFormCompilesToItsLocation) {
    auto forms = sites_of("usdt:usdt_target:usdt_test:forms");
    ASSERT_TRUE(forms.ok()) << error_text(forms);
    ASSERT_EQ(forms->size(), 1u);
    auto c = compile_probe((*forms)[0], CompileOptions{});
    ASSERT_TRUE(c.ok()) << error_text(c);
    ASSERT_EQ(c->config.n_slots, 8);
    std::vector<int> kinds;
    for (int i = 0; i < 8; ++i)
        kinds.push_back(c->config.slots[i].value.kind);
    // -4@$-5 -8@%rdi -4@%r8d -2@%r9w -1@%r10b -4@-4(%rsp) -8@(%r11,%rsi,8) 1@%cl (gcc -O2)
    EXPECT_EQ(kinds, (std::vector<int>{PL_LOC_CONST, PL_LOC_REG, PL_LOC_REG, PL_LOC_REG, PL_LOC_REG,
                                       PL_LOC_MEM, PL_LOC_MEM_INDEX, PL_LOC_REG}));
    std::vector<int> bytes;
    std::vector<bool> is_signed;
    for (const auto& s : c->info.slots) {
        bytes.push_back(s.bytes);
        is_signed.push_back(s.kind == decode::ProbeValueKind::Int);
    }
    EXPECT_EQ(bytes, (std::vector<int>{4, 8, 4, 2, 1, 4, 8, 1}));
    EXPECT_EQ(is_signed, (std::vector<bool>{true, true, true, true, true, true, true, false}));
}

TEST(UsdtResolve, ErrorsNameWhatIsWrong) {
    EXPECT_TRUE(contains(error_text(sites_of("usdt:probe_target:p:n", "probe_target")),
                         "has no USDT probes (no .note.stapsdt section"));
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:usdt_tst:multi")),
                         "has no USDT provider 'usdt_tst' (did you mean usdt_test"));
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:usdt_test:mult")),
                         "has no USDT probe 'usdt_test:mult' (did you mean usdt_test:multi? "));
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:gaurded")),
                         "has no USDT probe 'gaurded' (did you mean guarded?"));
    // Nothing close: the probes there are.
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:usdt_test:zzzzzzzzzzzz")),
                         "(its probes: usdt_test:forms, usdt_test:guarded, usdt_test:multi, "
                         "usdt_test:strs; --probe-list "));
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:usdt_test:multi(int a, int b)")),
                         "USDT probe usdt_test:multi has 1 argument (-8@"));
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:usdt_test:multi(int a@rdi)")),
                         "@REG has no meaning for a USDT probe"));
    EXPECT_TRUE(contains(error_text(sites_of("usdt:usdt_target:usdt_test:multi ret:int")),
                         "a USDT probe has no return value"));
    EXPECT_TRUE(
        contains(error_text(sites_of("usdt:usdt_target:usdt_test:strs(str a, buf b[arg5])")),
                 "the length of buf b is arg5, and USDT probe usdt_test:strs has 3"));
}

TEST(UsdtResolve, UnreadableRecipeNamesTheProbeAndArgument) {
    symbols::UsdtNote n;
    n.provider = "prov";
    n.name = "glob";
    n.args = "8@%rdi -4@counter(%rip)";
    n.pc = 0x1000;
    auto s = parse_probe_spec("usdt:x:prov:glob");
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(contains(error_text(usdt_sites(*s, {n}, "x")),
                         "USDT probe prov:glob at 0x1000: cannot read argument 1 "
                         "'-4@counter(%rip)'"));
}

TEST(UsdtList, ProbesReadyToPaste) {
    auto text = list_functions(test::testprog("usdt_target"), "usdt_test", std::nullopt);
    ASSERT_TRUE(text.ok()) << error_text(text);
    std::string bin = test::testprog("usdt_target");
    EXPECT_TRUE(contains(*text, "# 4 USDT probes matching 'usdt_test'"));
    EXPECT_TRUE(contains(*text, "usdt:" + bin +
                                    ":usdt_test:multi(s64 arg0)  # 2 sites, no "
                                    "semaphore; 0x"));
    EXPECT_TRUE(contains(*text, "usdt:" + bin +
                                    ":usdt_test:guarded(s64 arg0)  # 1 site, "
                                    "semaphore at 0x"));
    EXPECT_TRUE(contains(*text, "usdt:" + bin +
                                    ":usdt_test:forms(s32 arg0, s64 arg1, s32 arg2, s16 arg3, s8 "
                                    "arg4, s32 arg5, s64 arg6, u8 arg7)"));
    // What it prints parses as a spec.
    auto spec = parse_probe_spec("usdt:" + bin + ":usdt_test:forms(s32 arg0, s64 arg1)");
    EXPECT_TRUE(spec.ok());
}

}  // namespace
}  // namespace probelog::probes
