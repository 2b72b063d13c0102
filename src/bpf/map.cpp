#include "bpf/map.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

namespace probelog::bpf {

Status MapView::update(const void* key, const void* value) const {
    if (bpf_map_update_elem(fd_, key, value, BPF_ANY) != 0) {
        return make_error("cannot update BPF map: {}", std::strerror(errno));
    }
    return {};
}

bool MapView::lookup(const void* key, void* value) const {
    return bpf_map_lookup_elem(fd_, key, value) == 0;
}

bool MapView::erase(const void* key) const {
    return bpf_map_delete_elem(fd_, key) == 0;
}

bool MapView::next_key(const void* key, void* next) const {
    return bpf_map_get_next_key(fd_, key, next) == 0;
}

}  // namespace probelog::bpf
