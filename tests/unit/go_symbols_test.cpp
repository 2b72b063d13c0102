// Go programs in src/symbols (issues 6 and 14): build info and version, the
// .gopclntab function table (hand-built tables of each supported layout, and
// the test programs built by the build with the system's Go, stripped, with
// and without cgo, PIE and not), how its functions join the symbol tables',
// Go types from DWARF and from spec names, and the stack-check prologue.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <fstream>

#include "support/process.hpp"
#include "unit/testprog_files.hpp"
#include "symbols/disasm.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/go_binary.hpp"
#include "symbols/go_types.hpp"
#include "symbols/lookup.hpp"

namespace probelog::symbols {
namespace {

using test::function;
using test::open_ok;

// The `go version` of the toolchain that built the test programs.
std::string toolchain_version() {
    test::Finished f = test::run({"/bin/sh", "-c", "go version"});
    // "go version go1.19.8 linux/amd64"
    auto words = f.out.substr(std::string("go version ").size());
    return words.substr(0, words.find(' '));
}

void put(std::vector<uint8_t>& b, size_t at, uint64_t v, size_t n) {
    if (b.size() < at + n) b.resize(at + n);
    for (size_t i = 0; i < n; ++i)
        b[at + i] = i < 8 ? static_cast<uint8_t>(v >> (8 * i)) : 0;  // n > 8: zero-padded
}

// A function table of the Go 1.18 layout (also 1.20's, other magic) with
// functions at text + offsets[i], ending at text + end.
// Functions whose index is in `assembly` have the ASM flag.
std::vector<uint8_t> pclntab_118(uint32_t magic, uint64_t text,
                                 const std::vector<std::pair<std::string, uint32_t>>& funcs,
                                 uint32_t end, const std::vector<size_t>& assembly = {}) {
    const size_t header = 8 + 8 * 8;
    std::vector<uint8_t> b(header, 0);
    const size_t names_at = header;
    std::vector<size_t> name_off;
    std::string names;
    for (const auto& [name, off] : funcs) {
        name_off.push_back(names.size());
        names += name;
        names += '\0';
    }
    const size_t pcln_at = names_at + names.size() + 8;
    put(b, 0, magic, 4);
    b[6] = 1;  // instruction quantum
    b[7] = 8;  // pointer size
    put(b, 8, funcs.size(), 8);
    put(b, 16, 0, 8);  // nfiles
    put(b, 24, text, 8);
    put(b, 32, names_at, 8);
    put(b, 64, pcln_at, 8);
    b.resize(pcln_at);
    std::memcpy(b.data() + names_at, names.data(), names.size());
    // functab: (entryoff, funcoff) per function and the end; then the _func records.
    size_t records = (funcs.size() + 1) * 8;
    const size_t record_size = 48;  // the 1.20 _func (1.18's is 4 bytes shorter)
    const size_t flag_at = magic == 0xfffffff1u ? 41 : 37;
    for (size_t i = 0; i < funcs.size(); ++i) {
        size_t rec = records + i * record_size;
        put(b, pcln_at + i * 8, funcs[i].second, 4);
        put(b, pcln_at + i * 8 + 4, rec, 4);
        put(b, pcln_at + rec, funcs[i].second, 4);
        put(b, pcln_at + rec + 4, name_off[i], 4);
        put(b, pcln_at + rec + 8, 0, record_size - 8);
        bool is_asm = std::find(assembly.begin(), assembly.end(), i) != assembly.end();
        b[pcln_at + rec + flag_at] = is_asm ? 0x4 : 0;
    }
    put(b, pcln_at + funcs.size() * 8, end, 4);
    return b;
}

TEST(GoBinary, VersionText) {
    auto v = parse_go_version("go1.19.8");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->minor, 19);
    EXPECT_TRUE(v->at_least(17));
    EXPECT_FALSE(v->at_least(20));
    EXPECT_EQ(parse_go_version("go1.21rc2")->minor, 21);
    EXPECT_EQ(parse_go_version("go1.16")->minor, 16);
    EXPECT_FALSE(parse_go_version("devel +abc"));
}

TEST(GoBinary, BuildInfoInlineAndPointerFormats) {
    auto nothing = [](uint64_t, size_t) { return std::optional<std::vector<uint8_t>>(); };
    std::vector<uint8_t> inl(32, 0);
    std::memcpy(inl.data(), "\xff Go buildinf:", 14);
    inl[14] = 8;
    inl[15] = 2;
    inl.push_back(8);
    for (char c : std::string("go1.19.8"))
        inl.push_back(static_cast<uint8_t>(c));
    EXPECT_EQ(*parse_go_buildinfo(inl, nothing), "go1.19.8");
    inl.resize(36);
    EXPECT_EQ(parse_go_buildinfo(inl, nothing).error().message, "truncated Go build info");

    // Before Go 1.18: pointers to string headers elsewhere in the program.
    std::vector<uint8_t> old(48, 0);
    std::memcpy(old.data(), "\xff Go buildinf:", 14);
    old[14] = 8;
    put(old, 16, 0x5000, 8);
    auto memory = [](uint64_t at, size_t n) -> std::optional<std::vector<uint8_t>> {
        std::vector<uint8_t> b;
        if (at == 0x5000 && n == 16) {
            put(b, 0, 0x6000, 8);
            put(b, 8, 6, 8);
            return b;
        }
        if (at == 0x6000 && n == 6) return std::vector<uint8_t>{'g', 'o', '1', '.', '1', '6'};
        return std::nullopt;
    };
    EXPECT_EQ(*parse_go_buildinfo(old, memory), "go1.16");
    EXPECT_FALSE(parse_go_buildinfo(old, nothing).ok());
    std::vector<uint8_t> junk(40, 0);
    EXPECT_EQ(parse_go_buildinfo(junk, nothing).error().message, "no Go build info magic");
}

TEST(GoBinary, PclntabLayouts) {
    for (uint32_t magic : {0xfffffff0u, 0xfffffff1u}) {
        auto tab = parse_go_pclntab(
            pclntab_118(magic, 0x401000,
                        {{"runtime.text", 0}, {"main.add", 0x40}, {"main.(*T).m", 0x60}}, 0x90),
            0);
        ASSERT_TRUE(tab.ok()) << tab.error().message;
        EXPECT_EQ(tab->format, magic == 0xfffffff0u ? "1.18" : "1.20");
        ASSERT_EQ(tab->functions.size(), 3u);
        EXPECT_EQ(tab->functions[1].name, "main.add");
        EXPECT_EQ(tab->functions[1].entry, 0x401040u);
        EXPECT_EQ(tab->functions[1].size, 0x20u);
        EXPECT_EQ(tab->functions[2].name, "main.(*T).m");
        EXPECT_EQ(tab->functions[2].size, 0x30u);
    }
    // A function and its ABI wrapper have one name in the table: the ABI0
    // one (the assembly one, else the later one) is NAME.abi0, as in .symtab.
    for (uint32_t magic : {0xfffffff0u, 0xfffffff1u}) {
        auto tab = parse_go_pclntab(pclntab_118(magic, 0x401000,
                                                {{"runtime.newproc", 0x10},
                                                 {"runtime.asmcgocall", 0x40},
                                                 {"main.f", 0x60},
                                                 {"runtime.newproc", 0x80},
                                                 {"runtime.asmcgocall", 0xa0}},
                                                0xc0, {1}),
                                    0);
        ASSERT_TRUE(tab.ok()) << tab.error().message;
        std::vector<std::string> names;
        for (const GoFunction& f : tab->functions)
            names.push_back(f.name);
        EXPECT_EQ(names,
                  (std::vector<std::string>{"runtime.newproc", "runtime.asmcgocall.abi0", "main.f",
                                            "runtime.newproc.abi0", "runtime.asmcgocall"}));
        EXPECT_TRUE(tab->functions[1].assembly);
        EXPECT_FALSE(tab->functions[4].assembly);
    }
    // A zero text start in the header (relocated at load): the fallback.
    auto rel = parse_go_pclntab(pclntab_118(0xfffffff0u, 0, {{"main.f", 0x10}}, 0x20), 0x7000);
    ASSERT_TRUE(rel.ok());
    EXPECT_EQ(rel->functions[0].entry, 0x7010u);

    // Go 1.16/1.17: 64-bit entries, no text start.
    std::vector<uint8_t> b(64, 0);
    put(b, 0, 0xfffffffa, 4);
    b[6] = 1;
    b[7] = 8;
    put(b, 8, 1, 8);    // nfunc
    put(b, 24, 64, 8);  // funcname offset
    put(b, 56, 80, 8);  // pcln offset
    b.resize(80);
    std::memcpy(b.data() + 64, "main.old", 9);
    put(b, 80, 0x401100, 8);   // functab[0].entry
    put(b, 88, 32, 8);         // functab[0].funcoff
    put(b, 96, 0x401180, 8);   // the end
    put(b, 112, 0x401100, 8);  // _func.entry
    put(b, 120, 0, 4);         // _func.nameoff
    auto t116 = parse_go_pclntab(b, 0);
    ASSERT_TRUE(t116.ok()) << t116.error().message;
    EXPECT_EQ(t116->format, "1.16");
    ASSERT_EQ(t116->functions.size(), 1u);
    EXPECT_EQ(t116->functions[0].name, "main.old");
    EXPECT_EQ(t116->functions[0].entry, 0x401100u);
    EXPECT_EQ(t116->functions[0].size, 0x80u);

    std::vector<uint8_t> old(64, 0);
    put(old, 0, 0xfffffffb, 4);
    EXPECT_NE(parse_go_pclntab(old, 0).error().message.find("Go 1.2-1.15"), std::string::npos);
    auto cut = pclntab_118(0xfffffff0u, 0x401000, {{"main.f", 0}}, 0x10);
    cut.resize(cut.size() - 42);  // into the last function's name offset
    EXPECT_FALSE(parse_go_pclntab(cut, 0).ok());
}

TEST(GoBinary, TestProgramsAreGoWithTheToolchainsVersion) {
    ElfFile f = open_ok("go_types");
    ASSERT_NE(f.go(), nullptr);
    ASSERT_TRUE(f.go()->version) << f.go()->version_error;
    EXPECT_EQ(f.go()->version->text, toolchain_version());
    EXPECT_TRUE(f.go()->version->at_least(17));
    EXPECT_EQ(f.go()->pclntab_format, f.go()->version->at_least(20) ? "1.20" : "1.18");
    EXPECT_FALSE(f.functions_from_pclntab());  // it has a .symtab
    // Every Go function of .symtab is in the table, at the same address.
    for (const char* name :
         {"main.scalars", "main.rectArea", "main.(*Point).Move", "runtime.main"}) {
        const ElfSymbol& s = function(f, name);
        const GoFunction* g = f.go()->function_at(s.address);
        ASSERT_NE(g, nullptr) << name;
        EXPECT_EQ(g->name, name);
        EXPECT_GE(g->size, s.size) << name;  // alignment padding included
    }
    ElfFile c = open_ok("probe_target");
    EXPECT_EQ(c.go(), nullptr);
}

TEST(GoBinary, TableNamesAreTheSymbolTablesNames) {
    // The same program's .symtab names each function of the table as the
    // table does, with three exceptions: the table has no ABI in its names,
    // so of a function and its ABI wrapper (a pair of one name) probelog
    // calls the ABI0 one NAME.abi0, as .symtab does; an assembly function
    // alone may be ABI0 (.symtab: NAME.abi0) or not, which the table does
    // not tell; and the table writes an array type's length as [...].
    ElfFile full = open_ok("go_concurrent");
    std::set<std::string> names;
    size_t abi0 = 0;
    for (const GoFunction& g : full.go()->functions) {
        EXPECT_TRUE(names.insert(g.name).second) << "twice: " << g.name;
        std::vector<std::string> symtab;
        for (const ElfSymbol* s : full.functions_containing(g.entry)) {
            if (s->address == g.entry && !s->from_pclntab) symtab.push_back(s->name);
        }
        auto has = [&](const std::string& n) {
            return std::find(symtab.begin(), symtab.end(), n) != symtab.end();
        };
        bool named = has(g.name) || (g.assembly && has(g.name + ".abi0")) ||
                     (g.name.find("[...]") != std::string::npos && symtab.size() == 1);
        EXPECT_TRUE(named) << g.name << " at 0x" << std::hex << g.entry;
        abi0 += g.name.ends_with(".abi0") ? 1 : 0;
    }
    EXPECT_GT(abi0, 10u);  // the runtime's pairs
    EXPECT_EQ(full.functions_from_pclntab(), 0u);
}

TEST(GoBinary, StrippedBuildHasFunctionsFromPclntab) {
    ElfFile full = open_ok("go_concurrent");
    ElfFile bare = open_ok("go_concurrent_stripped");
    EXPECT_FALSE(bare.has_section(".symtab"));
    EXPECT_FALSE(bare.has_section(".debug_info"));
    EXPECT_EQ(bare.functions_from_pclntab(), bare.functions().size());
    ASSERT_NE(bare.go(), nullptr);
    EXPECT_TRUE(bare.go()->version);  // build info survives -s -w
    const ElfSymbol& mix = function(bare, "main.mix");
    EXPECT_EQ(mix.size, bare.go()->function_at(mix.address)->size);
    EXPECT_GE(mix.size, function(full, "main.mix").size);
    EXPECT_FALSE(DwarfInfo::open(bare));
}

ElfSymbol symbol(std::string name, uint64_t address, uint64_t size) {
    ElfSymbol s;
    s.name = std::move(name);
    s.address = address;
    s.size = size;
    return s;
}

TEST(GoSymbols, MergeAddsTheGoFunctionsNoSymbolHas) {
    // A cgo program's .dynsym: C functions, and a Go assembly function the C
    // side calls (crosscall2), which .gopclntab has too.
    std::vector<ElfSymbol> symbols{symbol("x_cgo_init", 0x9000, 202),
                                   symbol("crosscall2", 0x2000, 99)};
    std::vector<GoFunction> go{{"crosscall2", 0x2000, 128},
                               {"main.handle", 0x3000, 0x80},
                               {"main.alias", 0x9000, 0x40},  // a symbol starts there
                               {"net/http.(*conn).serve", 0x4000, 0x1000}};
    EXPECT_EQ(merge_go_functions(symbols, go), 2u);
    ASSERT_EQ(symbols.size(), 4u);
    EXPECT_FALSE(symbols[0].from_pclntab);
    EXPECT_FALSE(symbols[1].from_pclntab);
    EXPECT_EQ(symbols[1].size, 99u);  // the symbol's own, not the table's
    EXPECT_EQ(symbols[2].name, "main.handle");
    EXPECT_EQ(symbols[2].address, 0x3000u);
    EXPECT_EQ(symbols[2].size, 0x80u);
    EXPECT_TRUE(symbols[2].from_pclntab);
    EXPECT_TRUE(symbols[2].global);
    EXPECT_EQ(symbols[3].name, "net/http.(*conn).serve");
    EXPECT_TRUE(symbols[3].from_pclntab);

    // No symbol table at all: every function; an unstripped one: none.
    std::vector<ElfSymbol> none;
    EXPECT_EQ(merge_go_functions(none, go), go.size());
    std::vector<ElfSymbol> full;
    for (const GoFunction& f : go)
        full.push_back(symbol(f.name, f.entry, f.size));
    EXPECT_EQ(merge_go_functions(full, go), 0u);
    EXPECT_EQ(full.size(), go.size());
}

TEST(GoSymbols, PclntabHeaderSearch) {
    std::vector<uint8_t> b(96, 0);
    const uint8_t header[] = {0xf0, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x08};
    std::memcpy(b.data() + 16, header, 8);
    std::memcpy(b.data() + 29, header, 8);  // not 8-byte aligned
    std::memcpy(b.data() + 40, header, 8);
    b[40] = 0xf1;  // Go 1.20+
    std::memcpy(b.data() + 56, header, 8);
    b[56] = 0xf7;  // no such layout
    std::memcpy(b.data() + 72, header, 8);
    b[78] = 4;  // a 32-bit quantum: not x86
    std::memcpy(b.data() + 88, header, 8);
    EXPECT_EQ(find_go_pclntab_headers(b), (std::vector<size_t>{16, 40, 88}));
    EXPECT_TRUE(find_go_pclntab_headers(std::span<const uint8_t>()).empty());
}

// The four builds of tests/testprogs/go/shipped: (name, cgo, PIE).
struct Shipped {
    const char* name;
    bool cgo;
    bool pie;
};
constexpr Shipped kShipped[] = {{"go_shipped", false, false},
                                {"go_shipped_pie", false, true},
                                {"go_shipped_cgo", true, false},
                                {"go_shipped_cgo_pie", true, true}};

TEST(GoSymbols, StrippedBuildsHaveEveryGoFunctionWithOrWithoutCgoAndPie) {
    for (const Shipped& b : kShipped) {
        SCOPED_TRACE(b.name);
        ElfFile f = open_ok(b.name);
        EXPECT_EQ(f.position_independent(), b.pie);
        EXPECT_FALSE(f.has_section(".symtab"));
        ASSERT_NE(f.go(), nullptr);
        ASSERT_TRUE(f.go()->pclntab_error.empty()) << f.go()->pclntab_error;
        EXPECT_EQ(f.go()->version->text, toolchain_version());
        // Every function of the table is a symbol now, most of them from it.
        size_t from_tab = 0;
        for (const ElfSymbol& s : f.functions())
            from_tab += s.from_pclntab ? 1 : 0;
        EXPECT_EQ(from_tab, f.functions_from_pclntab());
        EXPECT_GT(from_tab, 1000u);
        for (const GoFunction& g : f.go()->functions) {
            auto found = find_functions(f, g.name);
            ASSERT_EQ(found.size(), 1u) << g.name;
            EXPECT_EQ(found[0]->address, g.entry) << g.name;
        }
        if (b.cgo) {
            // The C side's .dynsym: C functions, and the Go ones it names, once.
            EXPECT_FALSE(function(f, "x_cgo_init").from_pclntab);
            EXPECT_EQ(f.go()->function_at(function(f, "x_cgo_init").address), nullptr);
            const ElfSymbol& cross = function(f, "crosscall2");
            EXPECT_FALSE(cross.from_pclntab);
            EXPECT_NE(f.go()->function_at(cross.address), nullptr);
            // The table's functions that were not added are the Go ones .dynsym names.
            size_t go_in_dynsym = 0;
            for (const ElfSymbol& s : f.functions()) {
                if (!s.from_pclntab && f.go()->function_at(s.address) != nullptr) ++go_in_dynsym;
            }
            EXPECT_EQ(f.go()->functions.size() - from_tab, go_in_dynsym);
            EXPECT_GT(f.functions().size() - from_tab, go_in_dynsym);  // C functions
        } else {
            EXPECT_EQ(f.functions().size(), from_tab);
        }
        // Linked by gcc as a PIE and stripped, the table has no section of its own.
        EXPECT_EQ(f.go()->pclntab_where, b.cgo && b.pie ? "in .data.rel.ro"
                                         : b.pie        ? ".data.rel.ro.gopclntab"
                                                        : ".gopclntab");
        const ElfSymbol& handle = function(f, "main.handle");
        EXPECT_TRUE(handle.from_pclntab);
        EXPECT_EQ(handle.size, f.go()->function_at(handle.address)->size);
        EXPECT_TRUE(function(f, "main.(*Store).Put").from_pclntab);
        // The entries are runtime.text-relative, and in a cgo program C code
        // comes first in .text: an entry off by that much would not start
        // with Go's stack check.
        const ElfSymbol& main_fn = function(f, "main.main");
        auto code = f.read_at(main_fn.address, main_fn.size);
        ASSERT_TRUE(code.ok()) << code.error().message;
        EXPECT_TRUE(go_stack_check_end(*code, main_fn.address));
        if (b.cgo) {
            EXPECT_GT(handle.address - f.section(".text")->vaddr, 0x100u);
        }
    }
}

TEST(GoSymbols, TextStartLeftToItsRelocationIsTheRelocationsAddend) {
    // A linker may leave the header's text start 0 for its relocation to
    // fill: then the R_X86_64_RELATIVE addend is runtime.text (not .text,
    // which starts with C code in a cgo build).
    std::string original = test::testprog("go_shipped_cgo_pie");
    std::ifstream in(original, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    auto headers = find_go_pclntab_headers(bytes);
    ASSERT_EQ(headers.size(), 1u);
    size_t word = headers[0] + kPclntabTextStartOffset;
    ASSERT_NE(std::count(bytes.begin() + static_cast<ptrdiff_t>(word),
                         bytes.begin() + static_cast<ptrdiff_t>(word + 8), 0),
              8);
    std::fill_n(bytes.begin() + static_cast<ptrdiff_t>(word), 8, 0);
    std::string copy =
        std::filesystem::temp_directory_path() / fmt::format("probelog-text-start-{}", getpid());
    std::ofstream(copy, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    ElfFile zeroed = [&] {
        auto f = ElfFile::open(copy);
        std::filesystem::remove(copy);
        if (!f) throw std::runtime_error(f.error().message);
        return std::move(*f);
    }();
    ElfFile f = open_ok("go_shipped_cgo_pie");
    ASSERT_NE(zeroed.go(), nullptr);
    ASSERT_EQ(zeroed.go()->functions.size(), f.go()->functions.size());
    for (size_t i = 0; i < f.go()->functions.size(); ++i) {
        ASSERT_EQ(zeroed.go()->functions[i].entry, f.go()->functions[i].entry)
            << f.go()->functions[i].name;
    }
}

TEST(GoTypes, SpecNames) {
    EXPECT_EQ(go_type_named("int")->size, 8u);  // Go's int is 64-bit
    EXPECT_EQ(go_type_named("int")->kind, GoKind::Int);
    EXPECT_EQ(go_type_named("uint8")->size, 1u);
    EXPECT_EQ(go_type_named("byte")->kind, GoKind::Uint);
    EXPECT_EQ(go_type_named("rune")->size, 4u);
    EXPECT_EQ(go_type_named("uintptr")->kind, GoKind::Uint);
    EXPECT_EQ(go_type_named("string")->kind, GoKind::String);
    EXPECT_EQ(go_type_named("string")->size, 16u);
    EXPECT_TRUE(go_type_named("[]byte")->byte_slice());
    EXPECT_TRUE(go_type_named("[]uint8")->byte_slice());
    EXPECT_FALSE(go_type_named("[]int")->byte_slice());
    EXPECT_EQ(go_type_named("[]int")->size, 24u);
    EXPECT_EQ(go_type_named("*main.T")->kind, GoKind::Pointer);
    EXPECT_EQ(go_type_named("map[string]int")->kind, GoKind::Pointer);
    EXPECT_EQ(go_type_named("error")->kind, GoKind::Interface);
    EXPECT_EQ(go_type_named("float64")->kind, GoKind::Float);
    EXPECT_EQ(go_type_named("s32")->size, 4u);
    EXPECT_EQ(go_type_named("str")->kind, GoKind::CString);
    EXPECT_FALSE(go_type_named("main.Rect"));
    EXPECT_FALSE(go_type_named("char"));
}

TEST(GoTypes, FromDwarf) {
    ElfFile f = open_ok("go_types");
    auto dwarf = DwarfInfo::open(f);
    ASSERT_TRUE(dwarf);
    auto fn = dwarf->go_function_at(function(f, "main.rectArea").address);
    ASSERT_TRUE(fn);
    ASSERT_EQ(fn->params.size(), 4u);
    const GoType& r = fn->params[0].type;
    EXPECT_EQ(fn->params[0].name, "r");
    EXPECT_FALSE(fn->params[0].result);
    EXPECT_EQ(r.name, "main.Rect");
    EXPECT_EQ(r.kind, GoKind::Struct);
    EXPECT_EQ(r.size, 32u);
    ASSERT_EQ(r.fields.size(), 3u);
    EXPECT_EQ(r.fields[0].name, "Min");
    EXPECT_EQ(r.fields[1].offset, 8u);
    EXPECT_EQ(r.fields[1].type.fields[1].name, "Y");
    EXPECT_EQ(r.fields[1].type.fields[1].type.size, 4u);
    EXPECT_EQ(r.fields[2].type.kind, GoKind::String);
    EXPECT_EQ(r.fields[2].offset, 16u);
    EXPECT_EQ(fn->params[1].type.kind, GoKind::Int);
    EXPECT_TRUE(fn->params[2].result);
    EXPECT_EQ(fn->params[2].name, "~r0");
    EXPECT_EQ(fn->params[3].type.kind, GoKind::Interface);
    EXPECT_EQ(fn->params[3].type.name, "error");

    auto big = dwarf->go_function_at(function(f, "main.bigSum").address);
    const GoType& b = big->params[0].type;
    EXPECT_EQ(b.fields[0].type.kind, GoKind::Array);
    EXPECT_EQ(b.fields[0].type.count, 3u);
    EXPECT_EQ(b.fields[0].type.elem.at(0).size, 8u);
    auto fill = dwarf->go_function_at(function(f, "main.fill").address);
    EXPECT_TRUE(fill->params[0].type.byte_slice());
    EXPECT_EQ(fill->params[1].type.kind, GoKind::Uint);
    auto pick = dwarf->go_function_at(function(f, "main.pick").address);
    EXPECT_EQ(pick->params[0].type.kind, GoKind::Slice);
    EXPECT_EQ(pick->params[0].type.elem.at(0).kind, GoKind::String);
    auto e = dwarf->go_function_at(function(f, "main.computeE").address);
    EXPECT_EQ(e->params[1].type.kind, GoKind::Float);
    auto move = dwarf->go_function_at(function(f, "main.(*Point).Move").address);
    EXPECT_EQ(move->params[0].type.kind, GoKind::Pointer);  // the receiver comes first
    EXPECT_EQ(move->params[1].type.size, 4u);
}

TEST(GoTypes, RuntimeGLayoutFromDwarf) {
    // The pairing key reads the goroutine's stack top at r14 + offsetof(g, stack.hi).
    ElfFile f = open_ok("go_recurse");  // the DWARF reads through the file: keep it open
    auto dwarf = DwarfInfo::open(f);
    ASSERT_TRUE(dwarf);
    EXPECT_EQ(dwarf->member_offset("runtime.g", {"stack", "hi"}), 8u);
    EXPECT_EQ(dwarf->member_offset("runtime.g", {"stack", "lo"}), 0u);
    // What the prologue's stack check compares with (r14 + 0x10).
    EXPECT_EQ(dwarf->member_offset("runtime.g", {"stackguard0"}), 16u);
    EXPECT_FALSE(dwarf->member_offset("runtime.g", {"nosuchfield"}));
    EXPECT_FALSE(dwarf->member_offset("runtime.nosuchtype", {"stack"}));
}

TEST(GoDisasm, StackCheckPrologue) {
    // cmp rsp, [r14+0x10]; jbe +0x20; push rbp
    const uint8_t small[] = {0x49, 0x3b, 0x66, 0x10, 0x76, 0x20, 0x55};
    EXPECT_EQ(go_stack_check_end(small, 0x1000), 0x1006u);
    // lea r12, [rsp-0x1a0]; cmp r12, [r14+0x10]; jbe; sub rsp, 0x220
    const uint8_t big[] = {0x4c, 0x8d, 0xa4, 0x24, 0x60, 0xfe, 0xff, 0xff, 0x4d,
                           0x3b, 0x66, 0x10, 0x0f, 0x86, 0xb8, 0x00, 0x00, 0x00,
                           0x48, 0x81, 0xec, 0x20, 0x02, 0x00, 0x00};
    EXPECT_EQ(go_stack_check_end(big, 0x2000), 0x2012u);
    // A leaf without a check: mov [rsp+0x10], rbx; ret
    const uint8_t leaf[] = {0x48, 0x89, 0x5c, 0x24, 0x10, 0xc3};
    EXPECT_FALSE(go_stack_check_end(leaf, 0x3000));
    // A C function: push rbp; mov rbp, rsp
    const uint8_t c[] = {0x55, 0x48, 0x89, 0xe5};
    EXPECT_FALSE(go_stack_check_end(c, 0x4000));

    // The real thing: depth() has a frame big enough for the r12 form.
    ElfFile f = open_ok("go_recurse");
    const ElfSymbol& d = function(f, "main.depth");
    auto code = f.read_at(d.address, d.size);
    auto end = go_stack_check_end(*code, d.address);
    ASSERT_TRUE(end);
    auto insns = decode_instructions(*code, d.address);
    ASSERT_GE(insns->size(), 4u);
    EXPECT_EQ(*end, (*insns)[3].address);  // lea, cmp, jbe, then the body
}

}  // namespace
}  // namespace probelog::symbols
