// The Go side of an ElfFile: where its function table is (its own section, or
// merged into another one by an external linker), what address its entries
// are relative to, and how its functions join the symbol tables'.
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include "symbols/elf_file.hpp"

namespace probelog::symbols {

size_t merge_go_functions(std::vector<ElfSymbol>& symbols, std::span<const GoFunction> go) {
    // Reserve first: the views below point into the strings of `symbols`,
    // which must not move while functions are appended.
    symbols.reserve(symbols.size() + go.size());
    std::unordered_set<std::string_view> names;
    std::unordered_set<uint64_t> entries;
    names.reserve(symbols.size());
    entries.reserve(symbols.size());
    for (const ElfSymbol& s : symbols) {
        names.insert(s.name);
        entries.insert(s.address);
    }
    size_t added = 0;
    for (const GoFunction& f : go) {
        if (names.contains(f.name) || entries.contains(f.entry)) continue;
        ElfSymbol s;
        s.name = f.name;
        s.address = f.entry;
        s.size = f.size;
        s.global = true;
        s.from_pclntab = true;
        symbols.push_back(std::move(s));
        ++added;
    }
    return added;
}

ElfFile::FileBytes ElfFile::file_bytes(uint64_t offset, uint64_t size) const {
    FileBytes out;
    size_t file_size = 0;
    const char* raw = elf_rawfile(elf_, &file_size);
    if (raw != nullptr) {
        if (offset > file_size || size > file_size - offset) return out;
        out.view = std::span(reinterpret_cast<const uint8_t*>(raw) + offset, size);
        return out;
    }
    out.copy.resize(size);
    ssize_t n = ::pread(fd_, out.copy.data(), size, static_cast<off_t>(offset));
    out.copy.resize(n > 0 ? static_cast<size_t>(n) : 0);
    out.view = out.copy;
    return out;
}

std::optional<ElfFile::Pclntab> ElfFile::find_pclntab() const {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf_, &shstrndx) != 0) return std::nullopt;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type == SHT_NOBITS) continue;
        const char* name = elf_strptr(elf_, shstrndx, sh.sh_name);
        // .data.rel.ro.gopclntab: a position-independent build linked by Go.
        if (name == nullptr || (std::string_view(name) != ".gopclntab" &&
                                std::string_view(name) != ".data.rel.ro.gopclntab")) {
            continue;
        }
        return Pclntab{sh.sh_addr, file_bytes(sh.sh_offset, sh.sh_size), name};
    }
    // Linked by gcc (cgo) as position independent, with -s: ld's default
    // script merges .data.rel.ro.* into .data.rel.ro. The runtime reaches the
    // table through runtime.firstmoduledata, a symbol that stripping removed;
    // the header's magic finds it, and parsing it whole confirms it.
    if (!has_section(".go.buildinfo") && !has_section(".note.go.buildid")) return std::nullopt;
    for (const ElfSegment& seg : segments_) {
        if (seg.executable) continue;
        FileBytes data = file_bytes(seg.offset, seg.filesz);
        for (size_t at : find_go_pclntab_headers(data.view)) {
            Pclntab tab;
            tab.vaddr = seg.vaddr + at;
            if (data.copy.empty()) {
                tab.bytes.view = data.view.subspan(at);
            } else {
                tab.bytes.copy.assign(data.copy.begin() + static_cast<ptrdiff_t>(at),
                                      data.copy.end());
                tab.bytes.view = tab.bytes.copy;
            }
            auto parsed = read_pclntab(tab);
            bool code = parsed && !parsed->functions.empty() &&
                        file_offset(parsed->functions.front().entry).ok() &&
                        file_offset(parsed->functions.back().entry).ok();
            if (!code) continue;
            tab.where = "found by its header";
            scn = nullptr;
            while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
                GElf_Shdr sh;
                if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type == SHT_NOBITS) continue;
                if (tab.vaddr >= sh.sh_addr && tab.vaddr < sh.sh_addr + sh.sh_size) {
                    const char* name = elf_strptr(elf_, shstrndx, sh.sh_name);
                    tab.where = fmt::format("in {}", name != nullptr ? name : "?");
                }
            }
            return tab;
        }
    }
    return std::nullopt;
}

std::optional<uint64_t> ElfFile::relative_relocation(uint64_t vaddr) const {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_RELA || sh.sh_entsize == 0)
            continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (data == nullptr) continue;
        size_t count = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < count; ++i) {
            GElf_Rela rela;
            if (gelf_getrela(data, static_cast<int>(i), &rela) == nullptr) continue;
            if (rela.r_offset == vaddr && GELF_R_TYPE(rela.r_info) == R_X86_64_RELATIVE) {
                return static_cast<uint64_t>(rela.r_addend);
            }
        }
    }
    return std::nullopt;
}

Result<GoPclntab> ElfFile::read_pclntab(const Pclntab& tab) const {
    // Entries are relative to runtime.text, which the 1.18+ header holds. If
    // the linker left that word to its relocation, the relocation's addend is
    // runtime.text; .text is the last resort, and wrong for cgo programs,
    // whose .text starts with C code.
    std::span<const uint8_t> bytes = tab.bytes.view;
    uint64_t fallback = 0;
    if (bytes.size() >= kPclntabTextStartOffset + 8 &&
        std::all_of(bytes.begin() + kPclntabTextStartOffset,
                    bytes.begin() + kPclntabTextStartOffset + 8,
                    [](uint8_t b) { return b == 0; })) {
        if (auto addend = relative_relocation(tab.vaddr + kPclntabTextStartOffset)) {
            fallback = *addend;
        } else if (auto text = section(".text")) {
            fallback = text->vaddr;
        }
    }
    return parse_go_pclntab(bytes, fallback);
}

void ElfFile::load_go() {
    std::optional<Pclntab> pclntab = find_pclntab();
    std::optional<Section> buildinfo = section(".go.buildinfo");
    if (!pclntab && !buildinfo) return;
    GoBinary go;
    if (buildinfo) {
        auto text = parse_go_buildinfo(buildinfo->bytes, [this](uint64_t vaddr, size_t size) {
            return read_memory(vaddr, size);
        });
        if (!text) {
            go.version_error = text.error().message;
        } else if (auto v = parse_go_version(*text)) {
            go.version = *v;
        } else {
            go.version_error = fmt::format("unrecognized Go version '{}'", *text);
        }
    } else {
        go.version_error = "no .go.buildinfo section";
    }
    if (pclntab) {
        auto tab = read_pclntab(*pclntab);
        if (tab) {
            go.functions = std::move(tab->functions);
            go.pclntab_format = tab->format;
            go.pclntab_where = pclntab->where;
        } else {
            go.pclntab_error = tab.error().message;
        }
    } else {
        go.pclntab_error = "no .gopclntab section, and no function table found in the data";
    }
    go_ = std::move(go);
}

const GoFunction* GoBinary::function_containing(uint64_t vaddr) const {
    auto it = std::upper_bound(functions.begin(), functions.end(), vaddr,
                               [](uint64_t v, const GoFunction& f) { return v < f.entry; });
    if (it == functions.begin()) return nullptr;
    --it;
    return vaddr < it->entry + std::max<uint64_t>(it->size, 1) ? &*it : nullptr;
}

const GoFunction* GoBinary::function_at(uint64_t vaddr) const {
    const GoFunction* f = function_containing(vaddr);
    return f != nullptr && f->entry == vaddr ? f : nullptr;
}

}  // namespace probelog::symbols
