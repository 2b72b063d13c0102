#include "symbols/elf_file.hpp"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "symbols/demangle.hpp"

namespace probelog::symbols {
namespace {

constexpr GElf_Versym kVersymHidden = 0x8000;  // a non-default version of the symbol

std::string machine_name(int machine) {
    switch (machine) {
        case EM_386:
            return "i386";
        case EM_AARCH64:
            return "aarch64";
        case EM_ARM:
            return "arm";
        case EM_RISCV:
            return "riscv";
        case EM_PPC64:
            return "ppc64";
        case EM_S390:
            return "s390";
        default:
            return fmt::format("machine #{}", machine);
    }
}

// Appends the FUNC and IFUNC symbols of `elf`'s .symtab and .dynsym (default
// versions only) to `out`; section names to `sections`. True if it has a .symtab.
bool read_functions(Elf* elf, std::vector<ElfSymbol>& out, std::vector<std::string>* sections) {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;  // no sections: no symbols
    // .gnu.version: which .dynsym entries are old, non-default versions of a
    // symbol (memcpy@GLIBC_2.2.5 next to memcpy@@GLIBC_2.14).
    Elf_Data* versym = nullptr;
    bool has_symtab = false;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr) continue;
        if (sh.sh_type == SHT_GNU_versym) versym = elf_getdata(scn, nullptr);
        if (sh.sh_type == SHT_SYMTAB) has_symtab = true;
    }
    scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr) continue;
        if (sections != nullptr) {
            const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
            sections->emplace_back(name != nullptr ? name : "");
        }
        if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (data == nullptr || sh.sh_entsize == 0) continue;
        size_t count = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < count; ++i) {
            GElf_Sym sym;
            if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
            int type = GELF_ST_TYPE(sym.st_info);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_value == 0 ||
                sym.st_shndx == SHN_UNDEF) {
                continue;
            }
            if (sh.sh_type == SHT_DYNSYM && versym != nullptr) {
                GElf_Versym ver = 0;
                if (gelf_getversym(versym, static_cast<int>(i), &ver) != nullptr &&
                    (ver & kVersymHidden) != 0) {
                    continue;  // an old version kept for old binaries
                }
            }
            const char* sname = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (sname == nullptr || *sname == '\0') continue;
            int bind = GELF_ST_BIND(sym.st_info);
            ElfSymbol s;
            s.name = sname;
            s.address = sym.st_value;
            s.size = sym.st_size;
            s.global = bind == STB_GLOBAL || bind == STB_WEAK;
            s.ifunc = type == STT_GNU_IFUNC;
            out.push_back(std::move(s));
        }
    }
    return has_symtab;
}

}  // namespace

ElfFile::ElfFile(ElfFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      elf_(std::exchange(other.elf_, nullptr)),
      position_independent_(other.position_independent_),
      functions_(std::move(other.functions_)),
      segments_(std::move(other.segments_)),
      sections_(std::move(other.sections_)),
      go_(std::move(other.go_)),
      functions_from_pclntab_(other.functions_from_pclntab_) {}

ElfFile& ElfFile::operator=(ElfFile&& other) noexcept {
    if (this != &other) {
        close();
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        elf_ = std::exchange(other.elf_, nullptr);
        position_independent_ = other.position_independent_;
        functions_ = std::move(other.functions_);
        segments_ = std::move(other.segments_);
        sections_ = std::move(other.sections_);
        go_ = std::move(other.go_);
        functions_from_pclntab_ = other.functions_from_pclntab_;
    }
    return *this;
}

ElfFile::~ElfFile() {
    close();
}

void ElfFile::close() {
    if (elf_ != nullptr) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
    elf_ = nullptr;
    fd_ = -1;
}

Result<ElfFile> ElfFile::open(const std::string& path) {
    elf_version(EV_CURRENT);
    ElfFile file;
    file.path_ = path;
    file.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd_ < 0) return make_error("cannot open {}: {}", path, std::strerror(errno));
    file.elf_ = elf_begin(file.fd_, ELF_C_READ_MMAP, nullptr);
    if (file.elf_ == nullptr || elf_kind(file.elf_) != ELF_K_ELF) {
        return make_error("{} is not an ELF file", path);
    }
    if (Status st = file.load(); !st) return st.error();
    return file;
}

Status ElfFile::load() {
    GElf_Ehdr ehdr;
    if (gelf_getehdr(elf_, &ehdr) == nullptr) return make_error("{} is not an ELF file", path_);
    if (gelf_getclass(elf_) != ELFCLASS64) return make_error("{} is a 32-bit ELF file", path_);
    if (ehdr.e_machine != EM_X86_64) {
        return make_error("{} is an ELF file for {}, not x86-64", path_,
                          machine_name(ehdr.e_machine));
    }
    if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
        return make_error("{} is not an executable or a shared library", path_);
    }
    position_independent_ = ehdr.e_type == ET_DYN;
    // A file cut short (a copy interrupted, a download in progress) would read
    // as "no symbols": say what it is. libelf knows the file's size.
    size_t file_size = 0;
    elf_rawfile(elf_, &file_size);
    uint64_t shdr_end = ehdr.e_shoff + uint64_t{ehdr.e_shnum} * ehdr.e_shentsize;
    uint64_t phdr_end = ehdr.e_phoff + uint64_t{ehdr.e_phnum} * ehdr.e_phentsize;
    if (shdr_end > file_size || phdr_end > file_size) {
        return make_error("{} is truncated: its headers say {} bytes, the file has {}", path_,
                          std::max(shdr_end, phdr_end), file_size);
    }

    size_t nphdr = 0;
    if (elf_getphdrnum(elf_, &nphdr) != 0) return make_error("{}: bad program headers", path_);
    for (size_t i = 0; i < nphdr; ++i) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf_, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_LOAD)
            continue;
        segments_.push_back(
            ElfSegment{ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, (ph.p_flags & PF_X) != 0});
    }

    bool has_symtab = read_functions(elf_, functions_, &sections_);
    // A stripped file's full symbol table may be in its separate debug file
    // (Debian's *-dbg packages): the local functions, IFUNC implementations.
    if (!has_symtab) {
        if (auto id = build_id(); id && id->size() > 2) {
            std::string debug = fmt::format("/usr/lib/debug/.build-id/{}/{}.debug",
                                            id->substr(0, 2), id->substr(2));
            int fd = ::open(debug.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                if (Elf* dbg = elf_begin(fd, ELF_C_READ_MMAP, nullptr)) {
                    read_functions(dbg, functions_, nullptr);
                    elf_end(dbg);
                }
                ::close(fd);
            }
        }
    }
    auto before = [](const ElfSymbol& a, const ElfSymbol& b) {
        return std::tie(a.address, a.name) < std::tie(b.address, b.name);
    };
    std::sort(functions_.begin(), functions_.end(), before);
    functions_.erase(std::unique(functions_.begin(), functions_.end(),
                                 [](const ElfSymbol& a, const ElfSymbol& b) {
                                     return a.address == b.address && a.name == b.name;
                                 }),
                     functions_.end());
    load_go();
    if (go_) {
        // The table's functions come sorted by entry, one per entry: merged
        // in, not sorted again (a big program has tens of thousands).
        size_t symbols = functions_.size();
        functions_from_pclntab_ = merge_go_functions(functions_, go_->functions);
        std::inplace_merge(functions_.begin(), functions_.begin() + static_cast<ptrdiff_t>(symbols),
                           functions_.end(), before);
    }
    for (ElfSymbol& s : functions_) {
        if (!s.from_pclntab) s.demangled = demangle(s.name);  // Go names are not mangled
    }
    return {};
}

std::vector<const ElfSymbol*> ElfFile::functions_containing(uint64_t vaddr) const {
    std::vector<const ElfSymbol*> out;
    for (const ElfSymbol& s : functions_) {
        if (s.address > vaddr) break;
        if (vaddr < s.address + std::max<uint64_t>(s.size, 1)) out.push_back(&s);
    }
    return out;
}

Result<uint64_t> ElfFile::file_offset(uint64_t vaddr) const {
    for (const ElfSegment& seg : segments_) {
        if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.filesz) {
            if (!seg.executable) {
                return make_error("address 0x{:x} of {} is not in an executable segment", vaddr,
                                  path_);
            }
            return vaddr - seg.vaddr + seg.offset;
        }
    }
    return make_error("address 0x{:x} is outside every loadable segment of {}", vaddr, path_);
}

Result<std::vector<uint8_t>> ElfFile::read_at(uint64_t vaddr, size_t size) const {
    auto off = file_offset(vaddr);
    if (!off) return off.error();
    for (const ElfSegment& seg : segments_) {
        if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.filesz) {
            size = std::min<uint64_t>(size, seg.vaddr + seg.filesz - vaddr);
        }
    }
    std::vector<uint8_t> bytes(size);
    ssize_t n = ::pread(fd_, bytes.data(), size, static_cast<off_t>(*off));
    if (n < 0) return make_error("cannot read {}: {}", path_, std::strerror(errno));
    bytes.resize(static_cast<size_t>(n));
    return bytes;
}

std::optional<ElfFile::Section> ElfFile::section(std::string_view name) const {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf_, &shstrndx) != 0) return std::nullopt;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type == SHT_NOBITS) continue;
        const char* sname = elf_strptr(elf_, shstrndx, sh.sh_name);
        if (sname == nullptr || name != sname) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (data == nullptr || data->d_buf == nullptr) return std::nullopt;
        Section out;
        out.vaddr = sh.sh_addr;
        const auto* bytes = static_cast<const uint8_t*>(data->d_buf);
        out.bytes.assign(bytes, bytes + data->d_size);
        return out;
    }
    return std::nullopt;
}

std::optional<std::vector<uint8_t>> ElfFile::read_memory(uint64_t vaddr, size_t size) const {
    for (const ElfSegment& seg : segments_) {
        if (vaddr < seg.vaddr || vaddr >= seg.vaddr + seg.filesz) continue;
        if (size > seg.vaddr + seg.filesz - vaddr) return std::nullopt;
        std::vector<uint8_t> bytes(size);
        ssize_t n =
            ::pread(fd_, bytes.data(), size, static_cast<off_t>(vaddr - seg.vaddr + seg.offset));
        if (n != static_cast<ssize_t>(size)) return std::nullopt;
        return bytes;
    }
    return std::nullopt;
}

bool ElfFile::has_section(std::string_view name) const {
    return std::find(sections_.begin(), sections_.end(), name) != sections_.end();
}

std::optional<std::string> ElfFile::build_id() const {
    const void* id = nullptr;
    ssize_t n = dwelf_elf_gnu_build_id(elf_, &id);
    if (n <= 0) return std::nullopt;
    std::string hex;
    const auto* bytes = static_cast<const uint8_t*>(id);
    for (ssize_t i = 0; i < n; ++i)
        hex += fmt::format("{:02x}", bytes[i]);
    return hex;
}

}  // namespace probelog::symbols
