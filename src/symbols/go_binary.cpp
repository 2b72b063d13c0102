#include "symbols/go_binary.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace probelog::symbols {
namespace {

constexpr std::string_view kBuildInfoMagic = "\xff Go buildinf:";
constexpr size_t kBuildInfoHeader = 32;
constexpr uint8_t kFlagBigEndian = 0x1;
constexpr uint8_t kFlagInlineStrings = 0x2;  // Go 1.18+: the strings follow the header

constexpr uint32_t kMagic116 = 0xfffffffa;
constexpr uint32_t kMagic118 = 0xfffffff0;
constexpr uint32_t kMagic120 = 0xfffffff1;
constexpr uint32_t kMagic12 = 0xfffffffb;
constexpr size_t kMaxFunctions = 4'000'000;  // a sanity bound on the header's count
constexpr size_t kMaxNameLength = 4096;
constexpr uint8_t kFuncFlagAsm = 0x4;  // funcFlag_ASM, Go 1.18+

uint64_t read_le(std::span<const uint8_t> bytes, size_t at, size_t size) {
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i)
        v |= uint64_t{bytes[at + i]} << (8 * i);
    return v;
}

// A uvarint at `at`; advances it. nullopt if truncated or too long.
std::optional<uint64_t> read_uvarint(std::span<const uint8_t> bytes, size_t& at) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
        uint8_t b = bytes[at++];
        v |= uint64_t{b & 0x7fu} << shift;
        if ((b & 0x80) == 0) return v;
    }
    return std::nullopt;
}

// The table names a function and its ABI wrapper alike; the linker's symbol
// table calls the one with Go's stack-based ABI0 "NAME.abi0". That is the
// assembly one of a pair (flagged so since Go 1.18), else the wrapper the
// compiler generated for a Go function, which comes after the package's own
// functions in the text.
void name_abi0_wrappers(std::vector<GoFunction>& functions) {
    std::unordered_map<std::string_view, size_t> first;  // name -> index of its first entry
    std::vector<std::pair<size_t, size_t>> pairs;
    first.reserve(functions.size());
    for (size_t i = 0; i < functions.size(); ++i) {
        auto [it, inserted] = first.emplace(functions[i].name, i);
        if (!inserted) pairs.emplace_back(it->second, i);
    }
    for (auto [a, b] : pairs) {
        size_t abi0 = functions[a].assembly && !functions[b].assembly ? a : b;
        functions[abi0].name += ".abi0";
    }
}

}  // namespace

std::optional<GoVersion> parse_go_version(std::string_view text) {
    if (!text.starts_with("go1")) return std::nullopt;
    GoVersion v;
    v.text = std::string(text);
    v.major = 1;
    std::string_view rest = text.substr(3);
    if (rest.starts_with(".")) {
        rest.remove_prefix(1);
        int minor = 0;
        auto r = std::from_chars(rest.data(), rest.data() + rest.size(), minor);
        if (r.ec == std::errc()) v.minor = minor;
    }
    return v;
}

Result<std::string> parse_go_buildinfo(std::span<const uint8_t> section, const ReadMemory& read) {
    if (section.size() < kBuildInfoHeader ||
        std::memcmp(section.data(), kBuildInfoMagic.data(), kBuildInfoMagic.size()) != 0) {
        return make_error("no Go build info magic");
    }
    uint8_t ptr_size = section[14];
    uint8_t flags = section[15];
    if ((flags & kFlagBigEndian) != 0) return make_error("big-endian Go build info");
    if ((flags & kFlagInlineStrings) != 0) {
        size_t at = kBuildInfoHeader;
        auto len = read_uvarint(section, at);
        if (!len || *len > section.size() - at) return make_error("truncated Go build info");
        return std::string(reinterpret_cast<const char*>(section.data() + at), *len);
    }
    // Before Go 1.18: a pointer to the version's string header {data, len}.
    if (ptr_size != 8) return make_error("Go build info with {}-byte pointers", ptr_size);
    if (section.size() < 16 + 8) return make_error("truncated Go build info");
    uint64_t header_at = read_le(section, 16, 8);
    auto header = read(header_at, 16);
    if (!header || header->size() < 16) return make_error("Go version string header unreadable");
    uint64_t data = read_le(*header, 0, 8);
    uint64_t len = read_le(*header, 8, 8);
    if (len > kMaxNameLength) return make_error("Go version string too long");
    auto bytes = read(data, len);
    if (!bytes || bytes->size() != len) return make_error("Go version string unreadable");
    return std::string(bytes->begin(), bytes->end());
}

Result<GoPclntab> parse_go_pclntab(std::span<const uint8_t> tab, uint64_t text_start) {
    if (tab.size() < 8) return make_error("truncated .gopclntab");
    uint32_t magic = static_cast<uint32_t>(read_le(tab, 0, 4));
    GoPclntab out;
    if (magic == kMagic116) {
        out.format = "1.16";
    } else if (magic == kMagic118) {
        out.format = "1.18";
    } else if (magic == kMagic120) {
        out.format = "1.20";
    } else if (magic == kMagic12) {
        return make_error(
            "a Go 1.2-1.15 function table (.gopclntab), which probelog does not read");
    } else {
        return make_error("unknown .gopclntab magic 0x{:x}", magic);
    }
    if (tab[4] != 0 || tab[5] != 0 || tab[7] != 8) {
        return make_error(".gopclntab is not for a 64-bit little-endian target");
    }
    const size_t ptr = 8;
    bool relative = out.format != "1.16";  // 1.18+: 32-bit entries relative to the text start
    // Header words after the 8-byte preamble.
    size_t words = relative ? 8 : 7;
    if (tab.size() < 8 + words * ptr) return make_error("truncated .gopclntab header");
    auto word = [&](size_t i) { return read_le(tab, 8 + i * ptr, ptr); };
    uint64_t nfunc = word(0);
    size_t k = 2;  // after nfunc, nfiles
    if (relative) {
        out.text_start = word(k++);
        if (out.text_start == 0) out.text_start = text_start;
    }
    uint64_t funcname_off = word(k++);
    ++k;  // cuOffset
    ++k;  // filetabOffset
    ++k;  // pctabOffset
    uint64_t pcln_off = word(k++);
    if (nfunc > kMaxFunctions) return make_error(".gopclntab claims {} functions", nfunc);
    size_t entry_size = relative ? 8 : 2 * ptr;
    if (pcln_off > tab.size() || (nfunc + 1) * entry_size > tab.size() - pcln_off ||
        funcname_off > tab.size()) {
        return make_error("truncated .gopclntab function table");
    }
    auto entry_at = [&](uint64_t i) {
        size_t at = pcln_off + i * entry_size;
        if (relative) return out.text_start + read_le(tab, at, 4);
        return read_le(tab, at, ptr);
    };
    auto func_off_at = [&](uint64_t i) {
        size_t at = pcln_off + i * entry_size + entry_size / 2;
        return read_le(tab, at, entry_size / 2);
    };
    out.functions.reserve(nfunc);
    for (uint64_t i = 0; i < nfunc; ++i) {
        uint64_t entry = entry_at(i);
        uint64_t next = entry_at(i + 1);
        // _func: entry (uintptr, or a uint32 offset since 1.18), then nameoff int32.
        // Compared by subtraction: a corrupt offset near 2^64 would wrap a sum.
        uint64_t func_off = func_off_at(i);
        size_t name_at = relative ? 4 : ptr;
        if (func_off > tab.size() - pcln_off || tab.size() - pcln_off - func_off < name_at + 4) {
            return make_error("truncated .gopclntab function record");
        }
        uint64_t func = pcln_off + func_off;
        size_t name_field = func + name_at;
        int32_t nameoff = static_cast<int32_t>(read_le(tab, name_field, 4));
        if (nameoff < 0 || funcname_off + static_cast<uint64_t>(nameoff) >= tab.size()) {
            return make_error("bad .gopclntab function name offset");
        }
        const char* name = reinterpret_cast<const char*>(tab.data() + funcname_off + nameoff);
        size_t max = std::min(tab.size() - funcname_off - nameoff, kMaxNameLength);
        size_t len = strnlen(name, max);
        GoFunction f;
        f.name.assign(name, len);
        f.entry = entry;
        f.size = next > entry ? next - entry : 0;
        // _func.flag: after cuOffset and funcID (and 1.20's startLine).
        size_t flag_at = func + (out.format == "1.18" ? 37 : 41);
        f.assembly = relative && flag_at < tab.size() && (tab[flag_at] & kFuncFlagAsm) != 0;
        out.functions.push_back(std::move(f));
    }
    std::sort(out.functions.begin(), out.functions.end(),
              [](const GoFunction& a, const GoFunction& b) { return a.entry < b.entry; });
    name_abi0_wrappers(out.functions);
    return out;
}

std::vector<size_t> find_go_pclntab_headers(std::span<const uint8_t> bytes) {
    // The magic's top three bytes, then pad, pad, the instruction quantum (1
    // on x86) and the pointer size (8); the magic's low byte tells the layout.
    static constexpr uint8_t kTail[] = {0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x08};
    std::vector<size_t> out;
    auto it = bytes.begin();
    const std::boyer_moore_horspool_searcher search(std::begin(kTail), std::end(kTail));
    while (true) {
        it = std::search(it, bytes.end(), search);
        if (it == bytes.end()) break;
        size_t at = static_cast<size_t>(it - bytes.begin());
        ++it;
        if (at == 0 || (at - 1) % 8 != 0) continue;
        uint32_t magic = static_cast<uint32_t>(read_le(bytes, at - 1, 4));
        if (magic == kMagic116 || magic == kMagic118 || magic == kMagic120) out.push_back(at - 1);
    }
    return out;
}

}  // namespace probelog::symbols
