#include "bpf/map.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace probelog::bpf {
namespace {

// A map cannot hold this many keys: a walk that restarts forever stops here.
constexpr size_t kMaxKeys = size_t{1} << 24;

}  // namespace

RawMap RawMap::of(const bpf_map* map, size_t key_size, size_t value_size) {
    // A view whose sizes disagree with the map would read past its buffers:
    // it is made invalid instead (every operation fails).
    if (map == nullptr || bpf_map__key_size(map) != key_size ||
        (value_size != 0 && bpf_map__value_size(map) != value_size)) {
        return RawMap{};
    }
    return RawMap(bpf_map__fd(map), key_size);
}

size_t possible_cpus() {
    int n = libbpf_num_possible_cpus();
    return n > 0 ? static_cast<size_t>(n) : 1;
}

std::vector<std::byte> RawMap::keys() const {
    std::vector<std::byte> out;
    if (fd_ < 0 || key_size_ == 0) return out;
    std::set<std::vector<std::byte>> seen;
    std::vector<std::byte> key(key_size_);
    std::vector<std::byte> next(key_size_);
    const void* prev = nullptr;  // NULL: the first key
    while (bpf_map_get_next_key(fd_, prev, next.data()) == 0 && seen.size() < kMaxKeys) {
        seen.insert(next);
        key.swap(next);
        prev = key.data();
    }
    out.reserve(seen.size() * key_size_);
    for (const std::vector<std::byte>& k : seen)
        out.insert(out.end(), k.begin(), k.end());
    return out;
}

bool RawMap::lookup(const void* key, void* value) const {
    return fd_ >= 0 && bpf_map_lookup_elem(fd_, key, value) == 0;
}

Status RawMap::update(const void* key, const void* value, uint64_t flags) const {
    if (fd_ < 0) return make_error("cannot update a BPF map whose key or value size is wrong");
    if (bpf_map_update_elem(fd_, key, value, flags) != 0) {
        int err = errno;
        return errno_error(err, "cannot update BPF map (fd {}): {}", fd_, std::strerror(err));
    }
    return {};
}

bool RawMap::erase(const void* key) const {
    return fd_ >= 0 && bpf_map_delete_elem(fd_, key) == 0;
}

}  // namespace probelog::bpf
