#pragma once
// Element access to a BPF map by fd (the map belongs to a loaded Object, which
// must outlive this view): for maps user space fills in (probe configs) or
// sweeps (stale in-flight entries).

#include <cstddef>

#include "common/result.hpp"

namespace probelog::bpf {

class MapView {
  public:
    explicit MapView(int fd) : fd_(fd) {}

    bool valid() const { return fd_ >= 0; }
    Status update(const void* key, const void* value) const;
    // False if the key is not there.
    bool lookup(const void* key, void* value) const;
    bool erase(const void* key) const;
    // The key after `key` (nullptr: the first); false at the end.
    bool next_key(const void* key, void* next) const;

  private:
    int fd_ = -1;
};

}  // namespace probelog::bpf
