#pragma once
// The BPF objects compiled into this binary (generated: build/bpf/embedded_objects.cpp).

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace probelog::bpf {

// ELF bytes of the object built from bpf/progs/<name>.bpf.c.
std::optional<std::span<const std::byte>> embedded_object(std::string_view name);
std::vector<std::string_view> embedded_object_names();

}  // namespace probelog::bpf
