#pragma once
// The names of Go runtime types (`*errors.errorString`, `string`, `int`), from
// the pointer to a runtime._type an interface value holds: what an `error` or
// `any` captured by a probe dynamically is. Read from the binary's file, not
// the process's memory: the type data is read-only and the same in both
// (a PIE is loaded at a bias taken from /proc/PID/maps). Names are cached per
// type; a lookup allocates only the first time a type is seen.
//
// Layout (Go 1.17+, amd64; src/internal/abi/type.go, src/runtime/type.go):
// _type.tflag is the byte at +20, _type.str the int32 at +40, an offset from
// the start of the type data (runtime.types, the start of .rodata for Go's own
// linker) to a name: one flags byte, a varint length, the bytes. A tflag with
// tflagExtraStar (2) means the name carries a '*' the type does not have.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "decode/probe.hpp"
#include "symbols/elf_file.hpp"

namespace probelog::probes {

class GoTypeNames final : public decode::TypeNameSource {
  public:
    // nullptr if `path` is not a Go program whose type data can be found.
    static std::shared_ptr<GoTypeNames> open(const std::string& path);

    std::string_view name_of(uint64_t type_address, uint32_t pid) override;

  private:
    explicit GoTypeNames(symbols::ElfFile file) : file_(std::move(file)) {}
    std::optional<uint64_t> bias_of(uint32_t pid);
    std::string read_name(uint64_t link_address) const;

    symbols::ElfFile file_;
    uint64_t types_ = 0;                               // link-time address of runtime.types
    std::unordered_map<uint64_t, std::string> names_;  // link address of a _type -> name
    // PIE: load bias per process (nullopt: not found in its maps).
    std::unordered_map<uint32_t, std::optional<uint64_t>> biases_;
};

}  // namespace probelog::probes
