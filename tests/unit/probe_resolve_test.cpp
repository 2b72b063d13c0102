// From spec to BPF config on fixture ELF files: resolution (files, symbols,
// DWARF, addresses and offsets, the errors) and compilation (the SysV
// locations, captures, caps, modes).
#include <gtest/gtest.h>

#include "probes/compile.hpp"
#include "probes/list.hpp"
#include "probes/resolve.hpp"
#include "support/process.hpp"
#include "unit/testprog_files.hpp"
#include "symbols/disasm.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"
#include "support/error_text.hpp"

namespace probelog::probes {
namespace {

using test::prog;
using test::resolve;
using test::resolve_ok;

std::string error_of(const std::string& text) {
    return error_text(resolve(text));
}

CompiledProbe compile_ok(const std::string& text, CompileOptions options = {}) {
    auto c = compile_probe(resolve_ok(text), options);
    if (!c) throw std::runtime_error(text + ": " + c.error().message);
    return *c;
}

uint64_t address_of(const std::string& file, std::string_view fn) {
    auto f = symbols::ElfFile::open(prog(file));
    return symbols::find_functions(*f, fn).at(0)->address;
}

TEST(ProbeResolve, SymbolInPieWithDwarf) {
    ResolvedProbe r = resolve_ok(prog("probe_target") + ":pt_signed");
    EXPECT_EQ(r.binary, prog("probe_target"));
    EXPECT_EQ(r.name, "probe_target:pt_signed");
    EXPECT_EQ(r.vaddr, address_of("probe_target", "pt_signed"));
    EXPECT_EQ(r.file_offset, r.vaddr);  // PIE: the text segment maps at its file offset
    EXPECT_TRUE(r.function_entry);
    EXPECT_EQ(r.params_from, "DWARF");
    ASSERT_EQ(r.params.size(), 6u);
    EXPECT_EQ(r.params[0].name, "a");
    EXPECT_EQ(r.params[0].type, ValueType::S8);
    EXPECT_EQ(r.params[1].type, ValueType::S16);
    EXPECT_EQ(r.params[2].type, ValueType::S32);
    EXPECT_EQ(r.params[3].type, ValueType::S64);
    EXPECT_EQ(r.ret, ValueType::S64);
    EXPECT_TRUE(r.notes.empty());
}

TEST(ProbeResolve, FixedAddressExecutableUsesFileOffsets) {
    ResolvedProbe r = resolve_ok(prog("probe_target_nopie") + ":pt_add_ints(int a, int b)");
    EXPECT_GE(r.vaddr, 0x400000u);
    EXPECT_LT(r.file_offset, r.vaddr);
    EXPECT_EQ(r.params_from, "spec");
}

TEST(ProbeResolve, NoDwarfNoListMeansRawArguments) {
    ResolvedProbe r = resolve_ok(prog("probe_target_nodwarf") + ":pt_add_ints");
    EXPECT_EQ(r.params_from, "raw registers");
    ASSERT_EQ(r.params.size(), 6u);
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(r.params[i].name, fmt::format("arg{}", i));
        EXPECT_EQ(r.params[i].type, ValueType::U64);
    }
    EXPECT_FALSE(r.ret.has_value());
    EXPECT_EQ(resolve_ok(prog("probe_target_nodwarf") + ":pt_add_ints ret:int").ret,
              ValueType::S32);
}

TEST(ProbeResolve, CppNamesAndDwarf) {
    ResolvedProbe q = resolve_ok(prog("probe_target_cpp") + ":'ns::Counter::add(int)'");
    EXPECT_EQ(q.name, "probe_target_cpp:ns::Counter::add");
    ASSERT_EQ(q.params.size(), 2u);
    EXPECT_EQ(q.params[0].name, "this");
    EXPECT_EQ(q.params[0].type, ValueType::Ptr);
    EXPECT_EQ(q.params[1].name, "v");
    EXPECT_EQ(q.ret, ValueType::S64);
    EXPECT_EQ(resolve_ok(prog("probe_target_cpp") + ":_ZN2ns5scaleEi").vaddr,
              resolve_ok(prog("probe_target_cpp") + ":ns::scale").vaddr);
    // std::string returned by value: the hidden result pointer takes rdi.
    ResolvedProbe make = resolve_ok(prog("probe_target_cpp") + ":ns::make_name");
    ASSERT_EQ(make.params.size(), 1u);
    EXPECT_EQ(make.params[0].name, "n");
    EXPECT_EQ(make.params[0].abi_index, 1);
    EXPECT_FALSE(make.ret.has_value());
    ASSERT_EQ(make.notes.size(), 1u);
    EXPECT_TRUE(make.notes[0].find("in memory: the return value is not captured") !=
                std::string::npos)
        << make.notes[0];
}

TEST(ProbeResolve, AddressesAndOffsets) {
    uint64_t add = address_of("probe_target", "pt_add_ints");
    ResolvedProbe a = resolve_ok(fmt::format("{}:0x{:x}(int a, int b)", prog("probe_target"), add));
    EXPECT_TRUE(a.function_entry);
    EXPECT_EQ(a.function, "pt_add_ints");
    EXPECT_EQ(a.name, fmt::format("probe_target:0x{:x}", add));

    // The second instruction of pt_sleep_ms, and the first one longer than a byte.
    auto f = symbols::ElfFile::open(prog("probe_target"));
    const symbols::ElfSymbol* sleep = symbols::find_functions(*f, "pt_sleep_ms").at(0);
    auto code = f->read_at(sleep->address, sleep->size);
    auto insns = symbols::decode_instructions(*code, sleep->address);
    uint64_t second = (*insns)[1].address - sleep->address;
    ResolvedProbe mid =
        resolve_ok(fmt::format("{}:pt_sleep_ms+0x{:x}", prog("probe_target"), second));
    EXPECT_FALSE(mid.function_entry);
    EXPECT_TRUE(mid.params.empty());
    EXPECT_EQ(mid.name, fmt::format("probe_target:pt_sleep_ms+0x{:x}", second));
    EXPECT_EQ(mid.vaddr, sleep->address + second);

    const symbols::Instruction* wide = nullptr;
    for (const symbols::Instruction& i : *insns) {
        if (i.size > 1) {
            wide = &i;
            break;
        }
    }
    ASSERT_NE(wide, nullptr);
    uint64_t at = wide->address - sleep->address;
    EXPECT_EQ(error_of(fmt::format("{}:pt_sleep_ms+0x{:x}", prog("probe_target"), at + 1)),
              fmt::format("pt_sleep_ms+0x{:x} is inside an instruction (of {} bytes, at "
                          "pt_sleep_ms+0x{:x}): a probe there would corrupt the program; the "
                          "nearest instructions start at pt_sleep_ms+0x{:x} and pt_sleep_ms+0x{:x}",
                          at + 1, wide->size, at, at, at + wide->size));
    EXPECT_EQ(error_of(prog("probe_target") + ":pt_sleep_ms+0x1000"),
              fmt::format("offset 0x1000 is outside pt_sleep_ms (its size is 0x{:x} bytes)",
                          sleep->size));
    EXPECT_EQ(error_of(fmt::format("{}:pt_sleep_ms+0x{:x} ret:int", prog("probe_target"), second)),
              fmt::format("ret: needs a probe at a function's entry, and pt_sleep_ms+0x{:x} is "
                          "not one (uretprobes hijack the return address, which only the entry "
                          "knows)",
                          second));
    EXPECT_EQ(error_of(fmt::format("{}:pt_sleep_ms+0x{:x}(long a, long b, long c, long d, long e, "
                                   "long f, long g)",
                                   prog("probe_target"), second)),
              "parameter g is a stack argument, which can only be read at a function's entry; "
              "name its register with @REG or probe the entry");
}

TEST(ProbeResolve, Errors) {
    EXPECT_EQ(error_of("/nonexistent/app:main"),
              "cannot open /nonexistent/app: No such file or directory");
    std::string readme = std::string(PROBELOG_SOURCE_DIR) + "/README.md";
    EXPECT_EQ(error_of(readme + ":main"), readme + " is not an ELF file");
    EXPECT_EQ(error_of(prog("probe_target") + ":pt_add_intz"),
              "function 'pt_add_intz' not found in " + prog("probe_target") +
                  " (did you mean pt_add_ints?)");
    EXPECT_EQ(error_of(prog("probe_target") + ":zzzzzzzzzzzzzzzzzz"),
              "function 'zzzzzzzzzzzzzzzzzz' not found in " + prog("probe_target") +
                  " (--probe-list " + prog("probe_target") + " shows them all)");
    uint64_t a1 = address_of("probe_target_cpp", "ns::Counter::add(int)");
    uint64_t a2 = address_of("probe_target_cpp", "ns::Counter::add(int, int)");
    EXPECT_EQ(error_of(prog("probe_target_cpp") + ":ns::Counter::add"),
              fmt::format("'ns::Counter::add' is ambiguous in {}: 2 functions match: "
                          "ns::Counter::add(int) at 0x{:x}, ns::Counter::add(int, int) at 0x{:x}; "
                          "quote the full C++ name or give an address",
                          prog("probe_target_cpp"), a1, a2));
    EXPECT_EQ(error_of(prog("probe_target_cpp") + ":add"), "function 'add' not found in " +
                                                               prog("probe_target_cpp") +
                                                               " (did you mean ns::Counter::add?)");
    EXPECT_EQ(error_of(prog("probe_target") + ":0x10"),
              "address 0x10 of " + prog("probe_target") + " is not in an executable segment");
    EXPECT_EQ(error_of(prog("probe_target") + ":0x7fffffff"),
              "address 0x7fffffff is outside every loadable segment of " + prog("probe_target"));
}

TEST(ProbeCompile, SysvLocations) {
    CompiledProbe c = compile_ok(prog("probe_target") + ":pt_many");
    const pl_probe_config& cfg = c.config;
    EXPECT_EQ(cfg.n_slots, 11);  // ten parameters and the return value
    EXPECT_EQ(cfg.n_entry, 10);
    const uint8_t regs[] = {PL_REG_RDI, PL_REG_RSI, PL_REG_RDX, PL_REG_RCX, PL_REG_R8, PL_REG_R9};
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(cfg.slots[i].value.kind, PL_LOC_REG) << i;
        EXPECT_EQ(cfg.slots[i].value.reg, regs[i]) << i;
    }
    for (int i = 6; i < 10; ++i) {
        EXPECT_EQ(cfg.slots[i].value.kind, PL_LOC_STACK) << i;
        EXPECT_EQ(cfg.slots[i].value.off, 8 * (i - 5)) << i;  // above the return address
    }
    EXPECT_EQ(cfg.slots[10].value.kind, PL_LOC_REG);
    EXPECT_EQ(cfg.slots[10].value.reg, PL_REG_RAX);
    EXPECT_EQ(cfg.mode, PL_PROBE_MODE_CALL);
    EXPECT_EQ(cfg.key_kind, PL_KEY_TID);
    EXPECT_EQ(cfg.flags, PL_PROBE_KEY_SP);
    EXPECT_EQ(cfg.ret_sp_delta, 8);
    EXPECT_TRUE(c.attach_return);
    ASSERT_EQ(c.info.slots.size(), 11u);
    EXPECT_EQ(c.info.slots[10].name, "ret");
    EXPECT_EQ(c.info.slots[0].kind, decode::ProbeValueKind::Int);
    EXPECT_EQ(c.info.n_entry, 10);
}

TEST(ProbeCompile, CapturesAndLengths) {
    CompiledProbe c = compile_ok(prog("probe_target") +
                                     ":pt_buf(buf data[len], u64 len, str s@r8, buf fixed[16]@r9, "
                                     "buf other[arg1]@rdx) ret:str",
                                 CompileOptions{ProbeMode::Call, 100, 200});
    const pl_probe_config& cfg = c.config;
    EXPECT_EQ(cfg.slots[0].capture, PL_CAPTURE_BUF);
    EXPECT_EQ(cfg.slots[0].cap, 200);
    EXPECT_EQ(cfg.slots[0].len.kind, PL_LOC_REG);
    EXPECT_EQ(cfg.slots[0].len.reg, PL_REG_RSI);  // len is the second argument
    EXPECT_EQ(cfg.slots[2].capture, PL_CAPTURE_STR);
    EXPECT_EQ(cfg.slots[2].cap, 100);
    EXPECT_EQ(cfg.slots[2].value.reg, PL_REG_R8);
    EXPECT_EQ(cfg.slots[3].len.kind, PL_LOC_CONST);
    EXPECT_EQ(cfg.slots[3].len.imm, 16u);
    EXPECT_EQ(cfg.slots[3].cap, 16);                  // a fixed length below the cap
    EXPECT_EQ(cfg.slots[4].len.reg, PL_REG_RSI);      // arg1
    EXPECT_EQ(cfg.slots[5].capture, PL_CAPTURE_STR);  // ret:str
    EXPECT_EQ(cfg.flags, PL_PROBE_KEY_SP | PL_PROBE_HAS_DATA);
    EXPECT_EQ(c.info.slots[0].len_name, "data_len");
    EXPECT_EQ(c.info.slots[0].truncated_name, "data_truncated");
    EXPECT_EQ(c.info.slots[5].kind, decode::ProbeValueKind::Str);

    // "buf data[data_len], u64 data_len": the parameter is the length field.
    CompiledProbe same =
        compile_ok(prog("probe_target") + ":pt_buf(buf data[data_len], u64 data_len)");
    EXPECT_EQ(same.info.slots[0].len_name, "");
}

TEST(ProbeCompile, ModesAndLimits) {
    CompiledProbe entry = compile_ok(prog("probe_target") + ":pt_add_ints",
                                     CompileOptions{ProbeMode::Entry, 128, 256});
    EXPECT_FALSE(entry.attach_return);
    EXPECT_EQ(entry.config.mode, PL_PROBE_MODE_ENTRY);
    EXPECT_EQ(entry.config.n_slots, 2);  // DWARF's return type is dropped, not asked for
    CompiledProbe split = compile_ok(prog("probe_target") + ":pt_add_ints",
                                     CompileOptions{ProbeMode::Split, 128, 256});
    EXPECT_EQ(split.config.mode, PL_PROBE_MODE_SPLIT);
    EXPECT_TRUE(split.attach_return);

    auto explicit_ret =
        compile_probe(resolve_ok(prog("probe_target") + ":pt_add_ints(int a) ret:int"),
                      CompileOptions{ProbeMode::Entry, 128, 256});
    ASSERT_FALSE(explicit_ret.ok());
    EXPECT_EQ(explicit_ret.error().message,
              "--probe-mode entry records no return value: drop ret:s32 or use --probe-mode call "
              "or split");
    auto big =
        compile_probe(resolve_ok(prog("probe_target") + ":pt_buf(buf a[8], buf b[8], buf c[8])"),
                      CompileOptions{ProbeMode::Call, 128, 2048});
    EXPECT_TRUE(big.ok());  // fixed lengths below the cap
    auto too_big = compile_probe(
        resolve_ok(prog("probe_target") + ":pt_buf(buf a[arg1], buf b[arg1], buf c[arg1])"),
        CompileOptions{ProbeMode::Call, 128, 2048});
    ASSERT_FALSE(too_big.ok());
    EXPECT_EQ(too_big.error().message,
              "this probe captures up to 6144 bytes per call, more than the 4096 allowed: lower "
              "--probe-str-max (now 128) or --probe-buf-max (now 2048)");
    std::string twelve_bufs;
    for (int i = 0; i < 12; ++i)
        twelve_bufs += fmt::format("{}buf b{}[8]", i ? ", " : "", i);
    EXPECT_TRUE(
        compile_probe(resolve_ok(prog("probe_target") + ":pt_buf(" + twelve_bufs + ") ret:int"),
                      CompileOptions{})
            .ok());
    auto too_many_fields =
        compile_probe(resolve_ok(prog("probe_target") + ":pt_buf(" + twelve_bufs + ") ret:str"),
                      CompileOptions{});
    ASSERT_FALSE(too_many_fields.ok());
    EXPECT_EQ(
        too_many_fields.error().message,
        "a record of this probe could need 65 fields, more than the 64 a record holds: capture "
        "fewer values (each str takes 3 fields, each buf 4)");
    auto clash = compile_probe(resolve_ok(prog("probe_target") + ":pt_buf(buf d[4], int d_len)"),
                               CompileOptions{});
    ASSERT_FALSE(clash.ok());
    EXPECT_EQ(clash.error().message,
              "parameter 'd_len' has the name of buf d's length field; rename it");

    // Past a function's entry: entry records only.
    auto f = symbols::ElfFile::open(prog("probe_target"));
    const symbols::ElfSymbol* sleep = symbols::find_functions(*f, "pt_sleep_ms").at(0);
    auto insns = symbols::decode_instructions(*f->read_at(sleep->address, 16), sleep->address);
    CompiledProbe mid =
        compile_ok(fmt::format("{}:pt_sleep_ms+0x{:x}(u64 x@rdi)", prog("probe_target"),
                               (*insns)[1].address - sleep->address));
    EXPECT_FALSE(mid.attach_return);
    EXPECT_EQ(mid.config.mode, PL_PROBE_MODE_ENTRY);
    EXPECT_EQ(parse_probe_mode("split").value(), ProbeMode::Split);
    EXPECT_FALSE(parse_probe_mode("x").ok());
}

TEST(ProbeList, SignaturesFromDwarf) {
    auto text = list_functions(prog("probe_target"), "pt_", std::nullopt);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_NE(text->find("pt_signed(s8 a, s16 b, s32 c, s64 d, s64 e, s32 f) ret:s64\n"),
              std::string::npos)
        << *text;
    EXPECT_NE(text->find("pt_str(str s) ret:u64\n"), std::string::npos);
    EXPECT_NE(text->find("# 11 functions;"), std::string::npos) << *text;
    EXPECT_EQ(text->find("\nmain"), std::string::npos) << *text;  // only pt_* functions
    auto cpp = list_functions(prog("probe_target_cpp"), "ns::Counter::*", std::nullopt);
    ASSERT_TRUE(cpp.ok());
    EXPECT_NE(cpp->find("'ns::Counter::add(int)'(ptr this, s32 v) ret:s64\n"), std::string::npos)
        << *cpp;
    auto bare = list_functions(prog("probe_target_nodwarf"), "pt_add", std::nullopt);
    ASSERT_TRUE(bare.ok());
    EXPECT_NE(bare->find("no DWARF"), std::string::npos);
    EXPECT_NE(bare->find("  pt_add_ints\n"), std::string::npos) << *bare;
}

}  // namespace
}  // namespace probelog::probes
