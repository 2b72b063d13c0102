#include "bpf/object.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace probelog::bpf {
namespace {

constexpr size_t kLogSize = 1 << 16;
constexpr size_t kLogTailLines = 25;

std::string last_lines(const char* log, size_t max_lines) {
    std::string text(log, strnlen(log, kLogSize));
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    if (text.empty()) return text;  // a failure before the verifier ran (map creation)
    size_t pos = text.size();
    for (size_t n = 0; n < max_lines && pos != std::string::npos && pos > 0; ++n) {
        pos = text.rfind('\n', pos - 1);
    }
    return pos == std::string::npos ? text : text.substr(pos + 1);
}

bool auto_attachable(std::string_view section) {
    for (std::string_view prefix : {"tp/", "tracepoint/", "tp_btf/", "raw_tp/", "raw_tracepoint/",
                                    "fentry/", "fexit/", "kprobe/", "kretprobe/"}) {
        if (section.starts_with(prefix)) return true;
    }
    return false;
}

Error attach_error(std::string_view program, std::string_view section, int err) {
    if (err == ENOENT && (section.starts_with("tp/") || section.starts_with("tracepoint/"))) {
        std::string_view tp = section.substr(section.find('/') + 1);
        return Error{fmt::format("cannot attach {}: tracepoint {} does not exist on this kernel",
                                 program, tp),
                     ErrorKind::Unsupported, err};
    }
    if (err == ENOENT || err == ESRCH) {
        return Error{fmt::format("cannot attach {}: {}: hook not available on this kernel ({})",
                                 program, section, std::strerror(err)),
                     ErrorKind::Unsupported, err};
    }
    return errno_error(err, "cannot attach {}: {}: {}", program, section, std::strerror(err));
}

// Whether libbpf finds this kernel's BTF (CO-RE relocations need it).
bool kernel_btf_readable() {
    btf* vmlinux = btf__load_vmlinux_btf();
    if (vmlinux == nullptr) return false;
    btf__free(vmlinux);
    return true;
}

}  // namespace

Link::Link(Link&& other) noexcept
    : link_(std::exchange(other.link_, nullptr)), semaphore_(other.semaphore_) {}

Link& Link::operator=(Link&& other) noexcept {
    if (this != &other) {
        if (link_ != nullptr) bpf_link__destroy(link_);
        link_ = std::exchange(other.link_, nullptr);
        semaphore_ = other.semaphore_;
    }
    return *this;
}

Link::~Link() {
    if (link_ != nullptr) bpf_link__destroy(link_);
}

int Link::fd() const {
    return link_ != nullptr ? bpf_link__fd(link_) : -1;
}

Object::Object(std::string name, bpf_object* obj, std::function<void()> close,
               std::unique_ptr<char[]> log)
    : name_(std::move(name)), log_(std::move(log)), obj_(obj), close_(std::move(close)) {}

Object::Object(Object&& other) noexcept
    : name_(std::move(other.name_)),
      log_(std::move(other.log_)),
      obj_(std::exchange(other.obj_, nullptr)),
      close_(std::exchange(other.close_, {})),
      links_(std::move(other.links_)) {}

Object& Object::operator=(Object&& other) noexcept {
    if (this != &other) {
        close();
        name_ = std::move(other.name_);
        log_ = std::move(other.log_);
        obj_ = std::exchange(other.obj_, nullptr);
        close_ = std::exchange(other.close_, {});
        links_ = std::move(other.links_);
    }
    return *this;
}

Object::~Object() {
    close();
}

void Object::close() {
    links_.clear();  // detach before the programs go
    if (obj_ != nullptr && close_) close_();
    obj_ = nullptr;
    close_ = {};
}

Result<Object> Object::open(std::string_view name, const Opener& opener) {
    auto log = std::make_unique<char[]>(kLogSize);
    log[0] = '\0';
    std::string object_name(name);
    // No object_name: a skeleton's global data maps are named after the name it
    // was generated with, and a different one breaks them.
    LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_buf = log.get(),
                .kernel_log_size = kLogSize, .kernel_log_level = 0);
    errno = 0;
    auto [obj, close] = opener(opts);
    if (obj == nullptr) {
        int err = errno != 0 ? errno : EINVAL;
        return errno_error(err, "cannot open BPF object '{}': {}", name, std::strerror(err));
    }
    return Object(object_name, obj, std::move(close), std::move(log));
}

Result<Object> Object::open_bytes(std::string_view name, std::span<const std::byte> elf) {
    std::string object_name(name);
    return open(name, [elf, &object_name](const bpf_object_open_opts& opts) {
        bpf_object_open_opts named = opts;
        named.object_name = object_name.c_str();
        bpf_object* obj = bpf_object__open_mem(elf.data(), elf.size(), &named);
        if (obj == nullptr) return Opened{nullptr, {}};
        return Opened{obj, [obj] { bpf_object__close(obj); }};
    });
}

Status Object::share_map(bpf_map* map, int map_fd) {
    if (int err = bpf_map__reuse_fd(map, map_fd); err != 0) {
        return errno_error(-err, "BPF object '{}': cannot share map {}: {}", name_,
                           bpf_map__name(map), std::strerror(-err));
    }
    return {};
}

Status Object::set_map_max_entries(bpf_map* map, uint32_t max_entries) {
    if (int err = bpf_map__set_max_entries(map, max_entries); err != 0) {
        return errno_error(-err, "BPF object '{}': cannot size map {}: {}", name_,
                           bpf_map__name(map), std::strerror(-err));
    }
    return {};
}

void Object::set_autoload(bpf_program* program, bool autoload) {
    bpf_program__set_autoload(program, autoload);
}

Status Object::load(bool verbose) {
    log_[0] = '\0';
    int err = bpf_object__load(obj_);
    if (err == 0) return {};
    err = -err;
    std::string tail = last_lines(log_.get(), kLogTailLines);
    if (tail.empty()) {
        // No program reached the verifier: a map, BTF or permission problem.
        std::string message =
            fmt::format("cannot load BPF object '{}': {}", name_, std::strerror(err));
        if (err == EPERM) message += " (loading BPF needs CAP_BPF and CAP_PERFMON: run as root)";
        if (!kernel_btf_readable()) {
            // CO-RE: the programs are fitted to this kernel with its own BTF.
            message = fmt::format(
                "cannot load BPF object '{}': this kernel's BTF (/sys/kernel/btf/vmlinux) is "
                "missing or unreadable; probelog needs a kernel built with "
                "CONFIG_DEBUG_INFO_BTF=y",
                name_);
            return Error{message, ErrorKind::Unsupported, err};
        }
        return Error{message, Error::kind_of_errno(err), err};
    }
    std::string message =
        fmt::format("cannot load BPF object '{}': the kernel's verifier rejected it ({})", name_,
                    std::strerror(err));
    if (verbose) {
        message += "\nverifier log (last lines):\n" + tail;
    } else {
        message += " (--verbose shows the verifier log)";
    }
    return Error{message, ErrorKind::Rejected, err};
}

Status Object::attach(bpf_program* program) {
    bpf_link* link = bpf_program__attach(program);
    if (link == nullptr) {
        return attach_error(bpf_program__name(program), bpf_program__section_name(program), errno);
    }
    links_.emplace_back(link);
    return {};
}

Status Object::attach_all() {
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj_) {
        if (!bpf_program__autoload(prog)) continue;
        if (!auto_attachable(bpf_program__section_name(prog))) continue;
        if (Status st = attach(prog); !st) return st;
    }
    return {};
}

Status Object::attach_uprobe(bpf_program* program, const UprobeTarget& target) {
    auto link = uprobe_link(program, target);
    if (!link) return link.error();
    links_.push_back(std::move(*link));
    return {};
}

Result<Link> Object::uprobe_link(bpf_program* program, const UprobeTarget& target) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .ref_ctr_offset = target.ref_ctr_offset,
                .bpf_cookie = target.cookie, .retprobe = target.retprobe,
                .func_name = target.function.empty() ? nullptr : target.function.c_str());
    bpf_link* link = bpf_program__attach_uprobe_opts(
        program, target.pid, target.binary_path.c_str(), target.file_offset, &opts);
    if (link == nullptr) {
        int err = errno;
        const char* kind = target.retprobe ? "uretprobe" : "uprobe";
        if (!target.function.empty()) {
            return errno_error(err, "cannot attach {} to {}:{}: {}", kind, target.binary_path,
                               target.function,
                               err == ENOENT ? "file or symbol not found" : std::strerror(err));
        }
        return errno_error(err, "cannot attach {} to {} at file offset 0x{:x}: {}", kind,
                           target.binary_path, target.file_offset, std::strerror(err));
    }
    return Link(link, target.ref_ctr_offset != 0);
}

Status Object::set_stopped(bool stopped) {
    // pl_stopped is a global of the object's .bss map (BPF_F_MMAPABLE, as libbpf
    // makes every global data map): found by name in the map's BTF section,
    // written through a shared mapping of the map, which the programs read.
    const btf* types = bpf_object__btf(obj_);
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, obj_) {
        if (types == nullptr || !bpf_map__is_internal(map)) continue;
        const btf_type* sec = btf__type_by_id(types, bpf_map__btf_value_type_id(map));
        if (sec == nullptr || !btf_is_datasec(sec)) continue;
        const btf_var_secinfo* vars = btf_var_secinfos(sec);
        for (uint16_t i = 0; i < btf_vlen(sec); ++i) {
            const btf_type* var = btf__type_by_id(types, vars[i].type);
            if (var == nullptr ||
                std::string_view(btf__name_by_offset(types, var->name_off)) != "pl_stopped")
                continue;
            size_t size = bpf_map__value_size(map);
            if (vars[i].offset + sizeof(uint32_t) > size) break;
            void* mem =
                ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
            if (mem == MAP_FAILED) {
                return errno_error(errno, "BPF object '{}': cannot map {}: {}", name_,
                                   bpf_map__name(map), std::strerror(errno));
            }
            __atomic_store_n(reinterpret_cast<uint32_t*>(static_cast<char*>(mem) + vars[i].offset),
                             stopped ? 1U : 0U, __ATOMIC_SEQ_CST);
            ::munmap(mem, size);
            return {};
        }
    }
    return make_error("BPF object '{}' has no pl_stopped flag", name_);
}

void Object::release_links_to(std::vector<Link>& released) {
    for (Link& link : links_)
        released.push_back(std::move(link));
    links_.clear();
}

int Object::fd(const bpf_map* map) {
    return bpf_map__fd(map);
}

int Object::fd(const bpf_program* program) {
    return bpf_program__fd(program);
}

}  // namespace probelog::bpf
