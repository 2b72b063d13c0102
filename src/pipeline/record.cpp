#include "pipeline/record.hpp"

#include <algorithm>
#include <cstring>

namespace probelog {

std::string_view Record::store(std::string_view text) {
    size_t n = std::min(text.size(), kArenaSize - arena_used_);
    char* dst = arena_.data() + arena_used_;
    std::memcpy(dst, text.data(), n);
    arena_used_ += n;
    return {dst, n};
}

std::span<char> Record::store_begin(size_t n) {
    return {arena_.data() + arena_used_, std::min(n, kArenaSize - arena_used_)};
}

std::string_view Record::store_commit(size_t used) {
    used = std::min(used, kArenaSize - arena_used_);
    std::string_view out(arena_.data() + arena_used_, used);
    arena_used_ += used;
    return out;
}

const Field* Record::find(std::string_view name) const {
    for (const Field& f : fields()) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

}  // namespace probelog
