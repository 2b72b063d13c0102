#pragma once
// Access to a BPF map by fd from user space (no ownership: the map belongs to
// its Object or Runtime, which must outlive the view). For maps user space
// fills in (probe configs), sweeps (stale in-flight entries) or reports from
// (aggregates), and for tests that check what a map holds.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "common/result.hpp"

namespace probelog::bpf {

class MapView {
  public:
    // key_size is needed only for keys()/count()/typed_keys().
    explicit MapView(int fd, size_t key_size = 0) : fd_(fd), key_size_(key_size) {}

    bool valid() const { return fd_ >= 0; }

    // Every key, in the kernel's iteration order, as key_size-byte records back to
    // back. A map updated meanwhile may be seen partly (hash maps restart on a key
    // deleted under the walk).
    std::vector<std::byte> keys() const;
    size_t count() const { return key_size_ == 0 ? 0 : keys().size() / key_size_; }

    // False if the key is absent. `value` must have room for the map's value size.
    bool lookup(const void* key, void* value) const;
    Status update(const void* key, const void* value, uint64_t flags = 0) const;
    // True if the key was there.
    bool erase(const void* key) const;
    // The key after `key` (nullptr: the first); false at the end.
    bool next_key(const void* key, void* next) const;

    template <typename K>
    std::vector<K> typed_keys() const {
        std::vector<std::byte> raw = keys();
        std::vector<K> out(raw.size() / sizeof(K));
        if (!out.empty()) std::memcpy(out.data(), raw.data(), out.size() * sizeof(K));
        return out;
    }

  private:
    int fd_ = -1;
    size_t key_size_ = 0;
};

}  // namespace probelog::bpf
