#include "probes/go_type_names.hpp"

#include <cstring>

#include "symbols/proc_maps.hpp"

namespace probelog::probes {
namespace {

constexpr uint64_t kTflagOffset = 20;
constexpr uint64_t kStrOffset = 40;
constexpr uint8_t kTflagExtraStar = 2;
constexpr size_t kMaxName = 256;

}  // namespace

std::shared_ptr<GoTypeNames> GoTypeNames::open(const std::string& path) {
    auto file = symbols::ElfFile::open(path);
    if (!file || file->go() == nullptr) return nullptr;
    auto rodata = file->section(".rodata");
    if (!rodata) return nullptr;
    uint64_t types = rodata->vaddr;
    std::shared_ptr<GoTypeNames> out(new GoTypeNames(std::move(*file)));
    out->types_ = types;
    return out;
}

std::optional<uint64_t> GoTypeNames::bias_of(uint32_t pid) {
    if (!file_.position_independent()) return 0;
    // Found or not, once per process: a decoder must not read /proc per event.
    if (auto it = biases_.find(pid); it != biases_.end()) return it->second;
    std::optional<uint64_t> bias;
    uint64_t first = UINT64_MAX;
    for (const symbols::ElfSegment& s : file_.segments())
        first = std::min(first, s.vaddr & ~uint64_t{0xfff});
    if (auto maps = symbols::read_proc_maps(static_cast<int>(pid)); maps && first != UINT64_MAX) {
        for (const symbols::MapsEntry& m : *maps) {
            if (m.path == file_.path() && m.offset == 0) {
                bias = m.start - first;
                break;
            }
        }
    }
    biases_.emplace(pid, bias);
    return bias;
}

std::string GoTypeNames::read_name(uint64_t link_address) const {
    auto head = file_.read_memory(link_address, kStrOffset + 4);
    if (!head || head->size() < kStrOffset + 4) return {};
    uint8_t tflag = (*head)[kTflagOffset];
    int32_t str = 0;
    std::memcpy(&str, head->data() + kStrOffset, sizeof(str));
    auto name = file_.read_memory(types_ + static_cast<int64_t>(str), kMaxName + 4);
    if (!name || name->size() < 2) return {};
    // flags byte, then the length as a varint.
    size_t at = 1;
    uint64_t len = 0;
    for (unsigned shift = 0; at < name->size() && shift < 28; shift += 7) {
        uint8_t b = (*name)[at++];
        len |= uint64_t{b & 0x7fu} << shift;
        if ((b & 0x80) == 0) break;
    }
    if (len == 0 || len > kMaxName || at + len > name->size()) return {};
    std::string out(reinterpret_cast<const char*>(name->data() + at), len);
    for (char c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return {};  // not a name: the type data is not where it was assumed
    }
    if ((tflag & kTflagExtraStar) != 0 && out.starts_with('*')) out.erase(0, 1);
    return out;
}

std::string_view GoTypeNames::name_of(uint64_t type_address, uint32_t pid) {
    auto bias = bias_of(pid);
    if (!bias) return {};
    uint64_t link = type_address - *bias;
    auto it = names_.find(link);
    if (it == names_.end()) it = names_.emplace(link, read_name(link)).first;
    return it->second;
}

}  // namespace probelog::probes
