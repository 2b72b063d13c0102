#pragma once
// Typed access to a BPF map from user space: Map<Key, Value> for maps with one
// value per key, PerCpuMap<Key, Value> for per-cpu maps (one value per
// possible cpu). No ownership: the map belongs to its Object or Runtime, which
// must outlive the view. Built from a skeleton's handle (skel->maps.x), so the
// map's name is checked by the compiler; the key and value sizes are checked
// against the map when the view is made.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/result.hpp"

struct bpf_map;

namespace probelog::bpf {

// The untyped operations, by fd; the typed views below are what callers use.
class RawMap {
  public:
    RawMap() = default;
    RawMap(int fd, size_t key_size) : fd_(fd), key_size_(key_size) {}
    // The map behind a skeleton handle; `key_size` and `value_size` must be
    // the map's (value_size: of one cpu's value for a per-cpu map; 0: not
    // checked, for views that read keys only).
    static RawMap of(const bpf_map* map, size_t key_size, size_t value_size);

    bool valid() const { return fd_ >= 0; }
    int fd() const { return fd_; }

    // Every key once, in byte order (memcmp). A map updated meanwhile may be
    // seen partly: a hash map walk restarts when the key it stands on is
    // deleted (keys seen twice are reported once; the walk is bounded).
    std::vector<std::byte> keys() const;
    bool lookup(const void* key, void* value) const;
    Status update(const void* key, const void* value, uint64_t flags) const;
    bool erase(const void* key) const;  // true if the key was there

  private:
    int fd_ = -1;
    size_t key_size_ = 0;
};

// Possible cpus (the number of values of a per-cpu map's lookup), at least 1.
size_t possible_cpus();

// RawMap::keys() as typed keys.
template <typename Key>
std::vector<Key> keys_as(const RawMap& map) {
    std::vector<std::byte> raw = map.keys();
    std::vector<Key> out(raw.size() / sizeof(Key));
    if (!out.empty()) __builtin_memcpy(out.data(), raw.data(), out.size() * sizeof(Key));
    return out;
}

template <typename Key, typename Value>
class Map {
  public:
    explicit Map(const bpf_map* map) : raw_(RawMap::of(map, sizeof(Key), sizeof(Value))) {}

    bool valid() const { return raw_.valid(); }
    std::vector<Key> keys() const { return keys_as<Key>(raw_); }
    bool lookup(const Key& key, Value& value) const { return raw_.lookup(&key, &value); }
    Status update(const Key& key, const Value& value, uint64_t flags = 0) const {
        return raw_.update(&key, &value, flags);
    }
    bool erase(const Key& key) const { return raw_.erase(&key); }
    // Calls f(key, value) for every key whose value could still be read.
    template <typename F>
    void for_each(F&& f) const {
        Value value{};
        for (const Key& key : keys()) {
            if (lookup(key, value)) f(key, value);
        }
    }

  private:
    RawMap raw_;
};

// The keys of a map whose values user space does not read.
template <typename Key>
class KeySet {
  public:
    explicit KeySet(const bpf_map* map) : raw_(RawMap::of(map, sizeof(Key), 0)) {}
    std::vector<Key> keys() const { return keys_as<Key>(raw_); }
    bool erase(const Key& key) const { return raw_.erase(&key); }

  private:
    RawMap raw_;
};

template <typename Key, typename Value>
class PerCpuMap {
  public:
    explicit PerCpuMap(const bpf_map* map)
        : raw_(RawMap::of(map, sizeof(Key), sizeof(Value))), values_(possible_cpus()) {}

    std::vector<Key> keys() const { return keys_as<Key>(raw_); }
    // One value per possible cpu; null if the key is absent.
    const std::vector<Value>* lookup(const Key& key) {
        return raw_.lookup(&key, values_.data()) ? &values_ : nullptr;
    }
    // Sets every cpu's value of `key` to `value` (Value's size must be a
    // multiple of 8, as the kernel lays per-cpu values out).
    Status fill(const Key& key, const Value& value) {
        static_assert(sizeof(Value) % 8 == 0, "per-cpu values are 8-byte aligned");
        std::vector<Value> all(values_.size(), value);
        return raw_.update(&key, all.data(), 0);
    }
    // Calls f(key, per_cpu_values) for every key whose values could still be read.
    template <typename F>
    void for_each(F&& f) {
        for (const Key& key : keys()) {
            if (const std::vector<Value>* v = lookup(key)) f(key, *v);
        }
    }

  private:
    RawMap raw_;
    std::vector<Value> values_;  // scratch for one lookup
};

}  // namespace probelog::bpf
