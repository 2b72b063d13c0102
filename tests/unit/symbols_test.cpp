// src/symbols on fixture ELF files: the probe test programs built by the build
// (PIE and fixed-address, with and without DWARF, C and C++).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "support/process.hpp"
#include "unit/testprog_files.hpp"
#include "symbols/demangle.hpp"
#include "symbols/disasm.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/library.hpp"
#include "symbols/lookup.hpp"

namespace probelog::symbols {
namespace {

using test::function;
using test::open_ok;

// The bytes at a file offset, read with plain file I/O.
std::vector<uint8_t> file_bytes(const std::string& path, uint64_t offset, size_t n) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::vector<uint8_t> out(n);
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
    return out;
}

TEST(ElfFile, OpensExecutablesAndSaysWhyNot) {
    ElfFile pie = open_ok("probe_target");
    EXPECT_TRUE(pie.position_independent());
    ElfFile fixed = open_ok("probe_target_nopie");
    EXPECT_FALSE(fixed.position_independent());
    ElfFile lib = open_ok("libprobelib.so");
    EXPECT_TRUE(lib.position_independent());

    auto missing = ElfFile::open("/nonexistent/prog");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "cannot open /nonexistent/prog: No such file or directory");
    std::string text = std::string(PROBELOG_SOURCE_DIR) + "/README.md";
    auto not_elf = ElfFile::open(text);
    ASSERT_FALSE(not_elf.ok());
    EXPECT_EQ(not_elf.error().message, text + " is not an ELF file");
    std::string object =
        std::string(PROBELOG_SOURCE_DIR) + "/tests/testprogs/probes/probe_values.h";
    EXPECT_FALSE(ElfFile::open(object).ok());
}

TEST(ElfFile, FunctionsHaveAddressesAndSizes) {
    ElfFile f = open_ok("probe_target");
    const ElfSymbol& add = function(f, "pt_add_ints");
    EXPECT_GT(add.address, 0u);
    EXPECT_GT(add.size, 0u);
    EXPECT_TRUE(add.global);
    EXPECT_FALSE(add.ifunc);
    EXPECT_TRUE(add.demangled.empty());
    auto inside = f.functions_containing(add.address + 1);
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_EQ(inside[0]->name, "pt_add_ints");
    EXPECT_TRUE(f.has_section(".debug_info"));
    EXPECT_FALSE(open_ok("probe_target_nodwarf").has_section(".debug_info"));
    EXPECT_TRUE(f.build_id().has_value());
}

// The offset a uprobe needs is where the function's bytes are in the file: the
// same code as the link-time address maps, and for a fixed-address executable
// not the address itself.
TEST(ElfFile, FileOffsetsThroughProgramHeaders) {
    for (const char* name : {"probe_target", "probe_target_nopie", "libprobelib.so"}) {
        ElfFile f = open_ok(name);
        const ElfSymbol& fn =
            function(f, std::string(name) == "libprobelib.so" ? "pl_lib_mul" : "pt_add_ints");
        auto off = f.file_offset(fn.address);
        ASSERT_TRUE(off.ok()) << off.error().message;
        auto via_vaddr = f.read_at(fn.address, fn.size);
        ASSERT_TRUE(via_vaddr.ok());
        EXPECT_EQ(*via_vaddr, file_bytes(f.path(), *off, fn.size)) << name;
        auto insns = decode_instructions(*via_vaddr, fn.address);
        ASSERT_TRUE(insns.ok());
        ASSERT_FALSE(insns->empty());
        EXPECT_TRUE(insns->back().is_ret) << name;
        if (!f.position_independent()) {
            EXPECT_GE(fn.address, 0x400000u);
            EXPECT_LT(*off, fn.address) << name;
        }
    }
    ElfFile f = open_ok("probe_target_nopie");
    auto outside = f.file_offset(0x10);
    ASSERT_FALSE(outside.ok());
    EXPECT_EQ(outside.error().message,
              "address 0x10 is outside every loadable segment of " + f.path());
}

TEST(Demangle, NamesAndTheirParts) {
    EXPECT_EQ(demangle("_ZN2ns7Counter3addEi"), "ns::Counter::add(int)");
    EXPECT_EQ(demangle("malloc"), "");
    EXPECT_EQ(demangle("_Zgarbage"), "");
    EXPECT_EQ(strip_parameters("ns::Counter::add(int)"), "ns::Counter::add");
    EXPECT_EQ(strip_parameters("ns::C::get() const"), "ns::C::get");
    EXPECT_EQ(strip_parameters("ns::F::operator()(int)"), "ns::F::operator()");
    EXPECT_EQ(strip_parameters("f(void (*)(int))"), "f");
    EXPECT_EQ(strip_parameters("(anonymous namespace)::g(int)"), "(anonymous namespace)::g");
    EXPECT_EQ(strip_parameters("plain"), "plain");
    EXPECT_EQ(strip_return_type("int ns::biggest<int>"), "ns::biggest<int>");
    EXPECT_EQ(strip_return_type("ns::scale"), "ns::scale");
    EXPECT_EQ(strip_return_type("ns::C::operator new"), "ns::C::operator new");
    EXPECT_EQ(strip_return_type("(anonymous namespace)::g"), "(anonymous namespace)::g");
}

TEST(Lookup, ByNameMangledDemangledAndBase) {
    ElfFile f = open_ok("probe_target_cpp");
    const ElfSymbol& scale = function(f, "ns::scale");
    EXPECT_EQ(scale.demangled, "ns::scale(int)");
    EXPECT_EQ(&function(f, "_ZN2ns5scaleEi"), &scale);
    EXPECT_EQ(&function(f, "ns::scale(int)"), &scale);
    EXPECT_EQ(function(f, "ns::biggest<int>").demangled, "int ns::biggest<int>(int, int)");
    EXPECT_EQ(function(f, "ns::Counter::add(int, int)").demangled, "ns::Counter::add(int, int)");
    auto overloads = find_functions(f, "ns::Counter::add");
    ASSERT_EQ(overloads.size(), 2u);
    EXPECT_NE(overloads[0]->address, overloads[1]->address);
    EXPECT_TRUE(find_functions(f, "ns::nothing").empty());
}

TEST(Lookup, SuggestionsForNamesNotFound) {
    ElfFile c = open_ok("probe_target");
    EXPECT_EQ(suggest_functions(c, "pt_add_intz"), (std::vector<std::string>{"pt_add_ints"}));
    EXPECT_EQ(suggest_functions(c, "pt_sleep"), (std::vector<std::string>{"pt_sleep_ms"}));
    EXPECT_TRUE(suggest_functions(c, "completely_unrelated_name").empty());
    ElfFile cpp = open_ok("probe_target_cpp");
    auto close = suggest_functions(cpp, "add");
    ASSERT_FALSE(close.empty());
    EXPECT_EQ(close[0], "ns::Counter::add");
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(Dwarf, SignaturesOfCFunctions) {
    ElfFile f = open_ok("probe_target");
    auto dwarf = DwarfInfo::open(f);
    ASSERT_TRUE(dwarf.has_value());
    auto fn = dwarf->function_at(function(f, "pt_signed").address);
    ASSERT_TRUE(fn.has_value());
    EXPECT_EQ(fn->name, "pt_signed");
    ASSERT_EQ(fn->params.size(), 6u);
    std::vector<std::pair<std::string, uint32_t>> want = {{"a", 1}, {"b", 2}, {"c", 4},
                                                          {"d", 8}, {"e", 8}, {"f", 4}};
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(fn->params[i].name, want[i].first);
        EXPECT_EQ(fn->params[i].type.cls, TypeClass::Signed) << i;
        EXPECT_EQ(fn->params[i].type.size, want[i].second) << i;
    }
    EXPECT_EQ(fn->ret.cls, TypeClass::Signed);

    auto u = dwarf->function_at(function(f, "pt_unsigned").address);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->params[0].type.cls, TypeClass::Unsigned);
    EXPECT_EQ(u->params[4].type.cls, TypeClass::Bool);
    EXPECT_EQ(u->params[5].type.cls, TypeClass::Char);
    auto s = dwarf->function_at(function(f, "pt_str").address);
    EXPECT_EQ(s->params[0].type.cls, TypeClass::CString);
    EXPECT_EQ(s->params[0].type.name, "const char *");
    auto b = dwarf->function_at(function(f, "pt_buf").address);
    EXPECT_EQ(b->params[0].type.cls, TypeClass::Pointer);
    auto p = dwarf->function_at(function(f, "pt_ptr").address);
    EXPECT_EQ(p->ret.cls, TypeClass::Pointer);
    EXPECT_FALSE(dwarf->function_at(function(f, "pt_add_ints").address + 1).has_value());

    EXPECT_FALSE(DwarfInfo::open(open_ok("probe_target_nodwarf")).has_value());
}

TEST(Dwarf, SignaturesOfCppMethods) {
    ElfFile f = open_ok("probe_target_cpp");
    auto dwarf = DwarfInfo::open(f);
    ASSERT_TRUE(dwarf.has_value());
    auto add = dwarf->function_at(function(f, "ns::Counter::add(int)").address);
    ASSERT_TRUE(add.has_value());
    ASSERT_EQ(add->params.size(), 2u);
    EXPECT_TRUE(add->params[0].artificial);
    EXPECT_EQ(add->params[0].name, "this");
    EXPECT_EQ(add->params[0].type.cls, TypeClass::Pointer);
    EXPECT_EQ(add->params[1].name, "v");
    // std::string by value comes back through a hidden pointer.
    auto make = dwarf->function_at(function(f, "ns::make_name").address);
    ASSERT_TRUE(make.has_value());
    EXPECT_EQ(make->ret.cls, TypeClass::Struct);
    EXPECT_TRUE(make->ret.by_reference || make->ret.size > 16);
    auto len = dwarf->function_at(function(f, "ns::name_length").address);
    EXPECT_EQ(len->params[0].type.cls, TypeClass::Pointer);  // a reference
}

TEST(Library, ShortNames) {
    EXPECT_TRUE(library_name_matches("libc", "libc.so.6"));
    EXPECT_TRUE(library_name_matches("libc", "libc.so"));
    EXPECT_TRUE(library_name_matches("libc", "libc-2.31.so"));
    EXPECT_TRUE(library_name_matches("libc.so.6", "libc.so.6"));
    EXPECT_TRUE(library_name_matches("libssl", "libssl.so.3"));
    EXPECT_FALSE(library_name_matches("libssl", "libssl3.so"));
    EXPECT_FALSE(library_name_matches("libc", "libcap.so.2"));
    EXPECT_FALSE(library_name_matches("libc", "libc_malloc_debug.so.0"));
    EXPECT_FALSE(library_name_matches("libc.so.6", "libc.so.60"));
    EXPECT_TRUE(looks_like_library("libc"));
    EXPECT_TRUE(looks_like_library("foo.so.1"));
    EXPECT_FALSE(looks_like_library("bash"));
    EXPECT_FALSE(looks_like_library("/lib/libc.so.6"));
}

// A cache image in glibc's new format with two entries.
std::vector<std::byte> tiny_cache(bool with_old_header) {
    std::vector<std::byte> img;
    auto put = [&](const void* p, size_t n) {
        const auto* b = static_cast<const std::byte*>(p);
        img.insert(img.end(), b, b + n);
    };
    auto u32 = [&](uint32_t v) { put(&v, 4); };
    size_t base = 0;
    if (with_old_header) {
        put("ld.so-1.7.0\0", 12);
        u32(1);
        for (int i = 0; i < 3; ++i)
            u32(0);  // one old entry (12 bytes)
        while (img.size() % 8 != 0)
            img.push_back(std::byte{0});
        base = img.size();
    }
    put("glibc-ld.so.cache1.1", 20);
    u32(2);  // nlibs
    u32(0);  // len_strings
    u32(0);  // flags + pad
    u32(0);  // extension offset
    for (int i = 0; i < 3; ++i)
        u32(0);
    // Strings after the two 24-byte entries.
    uint32_t strings = 48 + 2 * 24;
    const char* names[] = {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "libc.so.6",
                           "/lib32/libc.so.6"};
    uint32_t at = strings;
    uint32_t offs[4];
    for (int i = 0; i < 4; ++i) {
        offs[i] = at;
        at += static_cast<uint32_t>(std::strlen(names[i]) + 1);
    }
    u32(0x0303);  // libc6, x86-64
    u32(offs[0]);
    u32(offs[1]);
    u32(0);
    put("\0\0\0\0\0\0\0\0", 8);
    u32(0x0003);  // libc6, i386
    u32(offs[2]);
    u32(offs[3]);
    u32(0);
    put("\0\0\0\0\0\0\0\0", 8);
    for (const char* n : names)
        put(n, std::strlen(n) + 1);
    (void)base;
    return img;
}

TEST(Library, LdSoCacheFormats) {
    for (bool old : {false, true}) {
        auto entries = parse_ld_so_cache(tiny_cache(old));
        ASSERT_EQ(entries.size(), 2u) << old;
        EXPECT_EQ(entries[0].soname, "libc.so.6");
        EXPECT_EQ(entries[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
        EXPECT_TRUE(entries[0].x86_64);
        EXPECT_EQ(entries[1].path, "/lib32/libc.so.6");
        EXPECT_FALSE(entries[1].x86_64);
    }
    auto truncated = tiny_cache(false);
    truncated.resize(60);
    EXPECT_TRUE(parse_ld_so_cache(truncated).empty());
    EXPECT_TRUE(parse_ld_so_cache({}).empty());
}

TEST(Library, ResolvesTargets) {
    auto libc = resolve_target("libc", std::nullopt);
    ASSERT_TRUE(libc.ok()) << libc.error().message;
    EXPECT_TRUE(libc->path.ends_with("/libc.so.6")) << libc->path;
    auto mine = resolve_target("libc", getpid());
    ASSERT_TRUE(mine.ok()) << mine.error().message;
    EXPECT_TRUE(mine->path.ends_with("libc.so.6")) << mine->path;
    EXPECT_EQ(mine->how, fmt::format("from /proc/{}/maps", getpid()));
    auto abs = resolve_target(test::testprog("probe_target"), std::nullopt);
    ASSERT_TRUE(abs.ok());
    EXPECT_EQ(abs->path, test::testprog("probe_target"));
    auto sh = resolve_target("sh", std::nullopt);
    ASSERT_TRUE(sh.ok()) << sh.error().message;
    EXPECT_EQ(sh->how, "from PATH");

    auto none = resolve_target("libdoesnotexist", std::nullopt);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message,
              "no library 'libdoesnotexist' in /etc/ld.so.cache or the library directories (give "
              "the path, or --pid of a process that uses it)");
    auto unmapped = resolve_target("libdoesnotexist", getpid());
    ASSERT_FALSE(unmapped.ok());
    EXPECT_EQ(unmapped.error().message,
              fmt::format("process {} has no library 'libdoesnotexist' mapped (see /proc/{}/maps)",
                          getpid(), getpid()));
    auto prog = resolve_target("no-such-program-xyz", std::nullopt);
    ASSERT_FALSE(prog.ok());
    EXPECT_EQ(prog.error().message,
              "cannot find 'no-such-program-xyz': not a file, a library or a program in PATH");
}

TEST(Disasm, InstructionsAndReturns) {
    // push rbp; mov rbp, rsp; mov eax, 1; pop rbp; ret
    const uint8_t code[] = {0x55, 0x48, 0x89, 0xe5, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x5d, 0xc3};
    auto insns = decode_instructions(code, 0x1000);
    ASSERT_TRUE(insns.ok());
    ASSERT_EQ(insns->size(), 5u);
    EXPECT_EQ((*insns)[1].address, 0x1001u);
    EXPECT_EQ((*insns)[1].size, 3u);
    EXPECT_EQ((*insns)[2].address, 0x1004u);
    EXPECT_FALSE((*insns)[3].is_ret);
    EXPECT_TRUE((*insns)[4].is_ret);
}

}  // namespace
}  // namespace probelog::symbols
