#include "bpf/map.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

namespace probelog::bpf {

std::vector<std::byte> MapView::keys() const {
    std::vector<std::byte> out;
    if (fd_ < 0 || key_size_ == 0) return out;
    std::vector<std::byte> key(key_size_);
    std::vector<std::byte> next(key_size_);
    const void* prev = nullptr;  // NULL: the first key
    while (bpf_map_get_next_key(fd_, prev, next.data()) == 0) {
        out.insert(out.end(), next.begin(), next.end());
        key.swap(next);
        prev = key.data();
    }
    return out;
}

bool MapView::lookup(const void* key, void* value) const {
    return fd_ >= 0 && bpf_map_lookup_elem(fd_, key, value) == 0;
}

Status MapView::update(const void* key, const void* value, uint64_t flags) const {
    if (bpf_map_update_elem(fd_, key, value, flags) != 0) {
        return make_error("cannot update BPF map (fd {}): {}", fd_, std::strerror(errno));
    }
    return {};
}

bool MapView::erase(const void* key) const {
    return fd_ >= 0 && bpf_map_delete_elem(fd_, key) == 0;
}

bool MapView::next_key(const void* key, void* next) const {
    return fd_ >= 0 && bpf_map_get_next_key(fd_, key, next) == 0;
}

}  // namespace probelog::bpf
