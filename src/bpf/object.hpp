#pragma once
// RAII owners of a BPF object (an embedded skeleton's ELF) and of its links.
// A trace keeps its Object and then its Links as members in that order, so the
// links are destroyed (detached) before the object that holds their programs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

struct bpf_object;
struct bpf_link;
struct bpf_program;
struct bpf_map;

namespace probelog::bpf {

class Link {
  public:
    Link() = default;
    explicit Link(bpf_link* link) : link_(link) {}
    Link(Link&& other) noexcept;
    Link& operator=(Link&& other) noexcept;
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;
    ~Link();

    bool valid() const { return link_ != nullptr; }
    int fd() const;

  private:
    bpf_link* link_ = nullptr;
};

// Destroys every link of `links` (and empties it), in parallel: each detach
// waits for the kernel's grace periods, which overlapping waits share.
void release_links(std::vector<Link>& links);

struct UprobeTarget {
    std::string binary_path;   // the ELF file that is mapped by the traced processes
    uint64_t file_offset = 0;  // offset of the instruction in the file
    int pid = -1;              // -1: every process that maps the file
    bool retprobe = false;
    uint64_t cookie = 0;  // bpf_get_attach_cookie() in the program
    // When set, libbpf finds this function's symbol in binary_path and file_offset
    // is an offset from its start (0: the function's entry).
    std::string function;
};

class Object {
  public:
    // Opens (does not load) the object compiled from bpf/progs/<name>.bpf.c.
    static Result<Object> open_embedded(std::string_view name);
    // Opens an object from ELF bytes (the embedded ones, or a test's own); the
    // bytes must outlive the call only.
    static Result<Object> open_bytes(std::string_view name, std::span<const std::byte> elf);

    Object(Object&&) noexcept = default;
    Object& operator=(Object&&) noexcept = default;
    ~Object();

    const std::string& name() const { return name_; }

    // Sets a `const volatile` global before load (read-only to the program, so
    // the verifier can prune branches on it). The size must match the variable.
    Status set_const_bytes(std::string_view variable, std::span<const std::byte> value);
    template <typename T>
    Status set_const(std::string_view variable, const T& value) {
        return set_const_bytes(variable, std::as_bytes(std::span<const T>(&value, 1)));
    }

    // Makes the object use an existing map (by name) instead of creating its own.
    // Does nothing if the object has no such map.
    Status share_map(std::string_view map_name, int map_fd);
    Status set_map_max_entries(std::string_view map_name, uint32_t max_entries);
    Status set_autoload(std::string_view program, bool autoload);

    // Loads every program marked for autoload. On failure the error carries
    // the verifier's last lines when `verbose`.
    Status load(bool verbose);

    // Attaches a program where its SEC() says (tracepoints, tp_btf, raw tp).
    Result<Link> attach(std::string_view program);
    // Attaches every loaded program that has an automatic attach point.
    Result<std::vector<Link>> attach_all();
    Result<Link> attach_uprobe(std::string_view program, const UprobeTarget& target);
    Result<Link> attach_xdp(std::string_view program, int ifindex);

    int map_fd(std::string_view map_name) const;
    int program_fd(std::string_view program) const;
    std::vector<std::string> program_names() const;

  private:
    struct Deleter {
        void operator()(bpf_object* obj) const;
    };
    Object(std::string name, bpf_object* obj);
    bpf_program* find_program(std::string_view name) const;
    bpf_map* find_map(std::string_view name) const;

    std::string name_;
    std::unique_ptr<char[]> log_;  // must outlive obj_ (libbpf writes into it)
    std::unique_ptr<bpf_object, Deleter> obj_;
};

}  // namespace probelog::bpf
