#include "symbols/usdt_notes.hpp"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <string_view>

namespace probelog::symbols {
namespace {

constexpr uint32_t kStapsdtNoteType = 3;  // NT_STAPSDT, as <sys/sdt.h> writes it
constexpr std::string_view kNoteOwner = "stapsdt";

uint64_t load_u64(std::span<const uint8_t> bytes, size_t at) {
    uint64_t v = 0;
    std::memcpy(&v, bytes.data() + at, sizeof(v));  // x86-64: little-endian, as the file
    return v;
}

// The NUL-terminated string at `at`; advances `at` past its NUL.
Result<std::string> load_str(std::span<const uint8_t> bytes, size_t& at, std::string_view what) {
    const auto* start = reinterpret_cast<const char*>(bytes.data()) + at;
    const void* nul = at < bytes.size() ? std::memchr(start, '\0', bytes.size() - at) : nullptr;
    if (nul == nullptr) return make_error("USDT note without a NUL-terminated {}", what);
    std::string out(start, static_cast<const char*>(nul));
    at += out.size() + 1;
    return out;
}

// The file offset of a link-time address in any loadable segment (the
// semaphore lives in .probes, a data section).
std::optional<uint64_t> offset_in_segments(const ElfFile& file, uint64_t vaddr) {
    for (const ElfSegment& seg : file.segments()) {
        if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.filesz) {
            return vaddr - seg.vaddr + seg.offset;
        }
    }
    return std::nullopt;
}

}  // namespace

Result<UsdtNote> parse_usdt_note_desc(std::span<const uint8_t> desc) {
    if (desc.size() < 3 * sizeof(uint64_t)) {
        return make_error("USDT note of {} bytes, shorter than its 3 addresses", desc.size());
    }
    UsdtNote n;
    n.pc = load_u64(desc, 0);
    n.base = load_u64(desc, 8);
    n.semaphore = load_u64(desc, 16);
    size_t at = 24;
    auto provider = load_str(desc, at, "provider");
    if (!provider) return provider.error();
    auto name = load_str(desc, at, "probe name");
    if (!name) return name.error();
    auto args = load_str(desc, at, "argument recipe");
    if (!args) return args.error();
    if (provider->empty() || name->empty())
        return make_error("USDT note without a provider or name");
    n.provider = std::move(*provider);
    n.name = std::move(*name);
    n.args = std::move(*args);
    return n;
}

Result<std::vector<UsdtNote>> read_usdt_notes(const ElfFile& file) {
    std::vector<UsdtNote> out;
    Elf* elf = file.elf();
    size_t shstrndx = 0;
    if (elf == nullptr || elf_getshdrstrndx(elf, &shstrndx) != 0) return out;
    // Prelink may move the file after the notes were written: the notes
    // record where .stapsdt.base was, the section says where it is.
    std::optional<uint64_t> base_now;
    if (auto base = file.section(".stapsdt.base")) base_now = base->vaddr;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_NOTE) continue;
        const char* sname = elf_strptr(elf, shstrndx, sh.sh_name);
        if (sname == nullptr || std::string_view(sname) != ".note.stapsdt") continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (data == nullptr || data->d_buf == nullptr) continue;
        const auto* bytes = static_cast<const uint8_t*>(data->d_buf);
        size_t off = 0;
        GElf_Nhdr nh;
        size_t name_off = 0;
        size_t desc_off = 0;
        while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
            std::string_view owner(reinterpret_cast<const char*>(bytes + name_off),
                                   nh.n_namesz > 0 ? nh.n_namesz - 1 : 0);
            if (nh.n_type != kStapsdtNoteType || owner != kNoteOwner) continue;
            auto note = parse_usdt_note_desc({bytes + desc_off, nh.n_descsz});
            if (!note) return note.error().prefixed(fmt::format("{}: ", file.path()));
            if (base_now && note->base != 0) {
                note->pc += *base_now - note->base;
                if (note->semaphore != 0) note->semaphore += *base_now - note->base;
            }
            auto pc_offset = file.file_offset(note->pc);
            if (!pc_offset) {
                return make_error("{}: USDT probe {}:{} at 0x{:x}: {}", file.path(), note->provider,
                                  note->name, note->pc, pc_offset.error().message);
            }
            note->pc_offset = *pc_offset;
            if (note->semaphore != 0) {
                auto sema = offset_in_segments(file, note->semaphore);
                if (!sema) {
                    return make_error(
                        "{}: the semaphore of USDT probe {}:{} (0x{:x}) is in no loadable segment",
                        file.path(), note->provider, note->name, note->semaphore);
                }
                note->sema_offset = *sema;
            }
            out.push_back(std::move(*note));
        }
    }
    return out;
}

}  // namespace probelog::symbols
