#pragma once
// The one owner of a BPF object and of the links of its programs. Links are
// destroyed (detached) before the object that holds their programs, in the
// destructor, or handed over earlier with release_links_to() so that a run can
// detach every trace at once.
//
// Programs and maps are named by the handles of a bpftool skeleton
// (skel->progs.x, skel->maps.y: see bpf/skeleton.hpp), never by strings, so a
// misspelt name fails the build.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/unique_fd.hpp"
#include "common/result.hpp"

struct bpf_object;
struct bpf_link;
struct bpf_program;
struct bpf_map;
struct bpf_object_open_opts;

namespace probelog::bpf {

class Link {
  public:
    Link() = default;
    // `semaphore`: a USDT probe's uprobe, which raises a semaphore in the traced
    // processes while it is attached (they see it go: see hand_off_links).
    explicit Link(bpf_link* link, bool semaphore = false) : link_(link), semaphore_(semaphore) {}
    Link(Link&& other) noexcept;
    Link& operator=(Link&& other) noexcept;
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;
    ~Link();

    bool valid() const { return link_ != nullptr; }
    bool semaphore() const { return semaphore_; }
    int fd() const;

  private:
    bpf_link* link_ = nullptr;
    bool semaphore_ = false;
};

// Destroys every link of `links` (and empties it), in parallel: each detach
// waits for the kernel's grace periods, which overlapping waits share.
void release_links(std::vector<Link>& links);

// Destroys every link of `links` (and empties it) without waiting for the
// kernel to tear the hooks down. Removing a tracepoint or uprobe hook waits for
// grace periods one hook after another (the kernel's event_mutex): seconds for
// a hundred hooks. So a child process takes over the links' file descriptors
// and ends at once; the kernel tears the hooks down as it exits, after this
// process may have gone, and this process's own close is cheap. The hooks stay
// attached for those seconds: their programs must no longer produce records
// (Object::stop_records). A USDT probe's links (Link::semaphore) are released
// here, in parallel, so that a traced process sees its semaphore go down
// before probelog has exited; so are all links if no child can be made.
// The child waits for the returned descriptor to close, which the caller
// keeps until nothing of its BPF objects is left (the end of the process):
// were the hooks torn down sooner, the last references to the programs and
// maps would be the caller's, and freeing them (grace periods again) its wait.
UniqueFd hand_off_links(std::vector<Link>& links);

struct UprobeTarget {
    std::string binary_path;   // the ELF file that is mapped by the traced processes
    uint64_t file_offset = 0;  // offset of the instruction in the file
    int pid = -1;              // -1: every process that maps the file
    bool retprobe = false;
    uint64_t cookie = 0;  // bpf_get_attach_cookie() in the program
    // A USDT probe's semaphore (file offset): the kernel counts it up in every
    // process that maps the file while the uprobe is attached. 0: none.
    uint64_t ref_ctr_offset = 0;
    // When set, libbpf finds this function's symbol in binary_path and file_offset
    // is an offset from its start (0: the function's entry).
    std::string function;
};

class Object {
  public:
    // What opens an object: given libbpf's open options (with probelog's
    // verifier log buffer), returns the bpf_object and how to close it (a
    // skeleton's destroy), or a null object with errno set.
    using Opened = std::pair<bpf_object*, std::function<void()>>;
    using Opener = std::function<Opened(const bpf_object_open_opts& opts)>;

    static Result<Object> open(std::string_view name, const Opener& opener);
    // An object from ELF bytes that has no skeleton (tests' own objects).
    static Result<Object> open_bytes(std::string_view name, std::span<const std::byte> elf);

    Object(Object&&) noexcept;
    Object& operator=(Object&&) noexcept;
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    ~Object();

    const std::string& name() const { return name_; }

    // Before load: use an existing map instead of creating one.
    Status share_map(bpf_map* map, int map_fd);
    Status set_map_max_entries(bpf_map* map, uint32_t max_entries);
    void set_autoload(bpf_program* program, bool autoload);

    // Loads every program marked for autoload. A verifier rejection is an
    // Error of kind Rejected whose message carries the verifier's last lines
    // when `verbose`.
    Status load(bool verbose);

    // Attaches a program where its SEC() says (tracepoints, tp_btf, raw tp).
    Status attach(bpf_program* program);
    // Attaches every loaded program that has an automatic attach point.
    Status attach_all();
    Status attach_uprobe(bpf_program* program, const UprobeTarget& target);
    // The same, for a link the caller owns (a probe added and removed while
    // the object runs); it must be destroyed before the object.
    Result<Link> uprobe_link(bpf_program* program, const UprobeTarget& target);

    size_t link_count() const { return links_.size(); }
    // Stops the object's programs from generating records (pl_stopped in
    // bpf/include/pl/common.bpf.h): what is in flight still arrives, nothing
    // after. The hooks stay attached.
    Status stop_records() { return set_stopped(true); }
    // Lets them generate records again (a trace paused live: `probelog ctl
    // disable` then `enable`).
    Status resume_records() { return set_stopped(false); }
    // Moves every link to the end of `released` (the caller destroys them, all
    // traces' at once: bpf::release_links); the object and its maps stay.
    void release_links_to(std::vector<Link>& released);

    static int fd(const bpf_map* map);
    static int fd(const bpf_program* program);

  private:
    Status set_stopped(bool stopped);
    Object(std::string name, bpf_object* obj, std::function<void()> close,
           std::unique_ptr<char[]> log);
    void close();

    std::string name_;
    std::unique_ptr<char[]> log_;  // must outlive obj_ (libbpf writes into it)
    bpf_object* obj_ = nullptr;
    std::function<void()> close_;  // closes obj_
    std::vector<Link> links_;      // destroyed before obj_ is closed
};

}  // namespace probelog::bpf
