#include "bpf/object.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

#include "bpf/embedded.hpp"

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

std::string describe_attach_error(std::string_view section, int err) {
    if (err == ENOENT && (section.starts_with("tp/") || section.starts_with("tracepoint/"))) {
        std::string_view tp = section.substr(section.find('/') + 1);
        return fmt::format("tracepoint {} does not exist on this kernel", tp);
    }
    if (err == ENOENT || err == ESRCH) {
        return fmt::format("{}: hook not available on this kernel ({})", section,
                           std::strerror(err));
    }
    return fmt::format("{}: {}", section, std::strerror(err));
}

}  // namespace

Link::Link(Link&& other) noexcept : link_(std::exchange(other.link_, nullptr)) {}

Link& Link::operator=(Link&& other) noexcept {
    if (this != &other) {
        if (link_ != nullptr) bpf_link__destroy(link_);
        link_ = std::exchange(other.link_, nullptr);
    }
    return *this;
}

Link::~Link() {
    if (link_ != nullptr) bpf_link__destroy(link_);
}

int Link::fd() const {
    return link_ != nullptr ? bpf_link__fd(link_) : -1;
}

void Object::Deleter::operator()(bpf_object* obj) const {
    bpf_object__close(obj);
}

Object::Object(std::string name, bpf_object* obj) : name_(std::move(name)), obj_(obj) {}

Object::~Object() = default;

Result<Object> Object::open_embedded(std::string_view name) {
    auto bytes = embedded_object(name);
    if (!bytes) return make_error("no BPF object named '{}' is built into probelog", name);
    return open_bytes(name, *bytes);
}

Result<Object> Object::open_bytes(std::string_view name, std::span<const std::byte> elf) {
    auto log = std::make_unique<char[]>(kLogSize);
    log[0] = '\0';
    std::string object_name(name);
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = object_name.c_str(),
                .kernel_log_buf = log.get(), .kernel_log_size = kLogSize, .kernel_log_level = 0);
    bpf_object* obj = bpf_object__open_mem(elf.data(), elf.size(), &opts);
    if (obj == nullptr) {
        return make_error("cannot open BPF object '{}': {}", name, std::strerror(errno));
    }
    Object object(object_name, obj);
    object.log_ = std::move(log);
    return object;
}

bpf_program* Object::find_program(std::string_view name) const {
    return bpf_object__find_program_by_name(obj_.get(), std::string(name).c_str());
}

bpf_map* Object::find_map(std::string_view name) const {
    return bpf_object__find_map_by_name(obj_.get(), std::string(name).c_str());
}

Status Object::set_const_bytes(std::string_view variable, std::span<const std::byte> value) {
    bpf_map* rodata = find_map(".rodata");
    const btf* types = bpf_object__btf(obj_.get());
    if (rodata == nullptr || types == nullptr) {
        return make_error("BPF object '{}' has no read-only data for '{}'", name_, variable);
    }
    int sec_id = btf__find_by_name_kind(types, ".rodata", BTF_KIND_DATASEC);
    if (sec_id < 0) return make_error("BPF object '{}' has no .rodata type info", name_);
    const btf_type* sec = btf__type_by_id(types, sec_id);
    const btf_var_secinfo* vars = btf_var_secinfos(sec);
    for (unsigned i = 0; i < btf_vlen(sec); ++i) {
        const btf_type* var = btf__type_by_id(types, vars[i].type);
        if (variable != btf__name_by_offset(types, var->name_off)) continue;
        if (vars[i].size != value.size()) {
            return make_error("BPF object '{}': '{}' is {} bytes, not {}", name_, variable,
                              vars[i].size, value.size());
        }
        size_t size = 0;
        // Before load, the initial value is libbpf's writable copy of .rodata.
        auto* data =
            static_cast<std::byte*>(const_cast<void*>(bpf_map__initial_value(rodata, &size)));
        if (data == nullptr || vars[i].offset + value.size() > size) {
            return make_error("BPF object '{}': cannot set '{}'", name_, variable);
        }
        std::memcpy(data + vars[i].offset, value.data(), value.size());
        return {};
    }
    return make_error("BPF object '{}' has no constant '{}'", name_, variable);
}

Status Object::share_map(std::string_view map_name, int map_fd) {
    bpf_map* map = find_map(map_name);
    if (map == nullptr) return {};
    if (int err = bpf_map__reuse_fd(map, map_fd); err != 0) {
        return make_error("BPF object '{}': cannot share map {}: {}", name_, map_name,
                          std::strerror(-err));
    }
    return {};
}

Status Object::set_map_max_entries(std::string_view map_name, uint32_t max_entries) {
    bpf_map* map = find_map(map_name);
    if (map == nullptr) return make_error("BPF object '{}' has no map {}", name_, map_name);
    if (int err = bpf_map__set_max_entries(map, max_entries); err != 0) {
        return make_error("BPF object '{}': cannot size map {}: {}", name_, map_name,
                          std::strerror(-err));
    }
    return {};
}

Status Object::set_autoload(std::string_view program, bool autoload) {
    bpf_program* prog = find_program(program);
    if (prog == nullptr) return make_error("BPF object '{}' has no program {}", name_, program);
    bpf_program__set_autoload(prog, autoload);
    return {};
}

Status Object::load(bool verbose) {
    log_[0] = '\0';
    int err = bpf_object__load(obj_.get());
    if (err == 0) return {};
    err = -err;
    std::string message = fmt::format("cannot load BPF object '{}': {}", name_, std::strerror(err));
    std::string tail = last_lines(log_.get(), kLogTailLines);
    if (err == EPERM && tail.empty()) {
        message += " (loading BPF needs CAP_BPF and CAP_PERFMON: run as root)";
    } else if (!tail.empty()) {
        // Only a program that reached the verifier leaves a log.
        message = fmt::format("cannot load BPF object '{}': the kernel's verifier rejected it ({})",
                              name_, std::strerror(err));
    }
    if (!tail.empty()) {
        if (verbose) {
            message += "\nverifier log (last lines):\n" + tail;
        } else {
            message += " (--verbose shows the verifier log)";
        }
    }
    return Error{message};
}

Result<Link> Object::attach(std::string_view program) {
    bpf_program* prog = find_program(program);
    if (prog == nullptr) return make_error("BPF object '{}' has no program {}", name_, program);
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
        int err = errno;
        return make_error("cannot attach {}: {}", program,
                          describe_attach_error(bpf_program__section_name(prog), err));
    }
    return Link(link);
}

Result<std::vector<Link>> Object::attach_all() {
    std::vector<Link> links;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj_.get()) {
        if (!bpf_program__autoload(prog)) continue;
        if (!auto_attachable(bpf_program__section_name(prog))) continue;
        auto link = attach(bpf_program__name(prog));
        if (!link) return link.error();
        links.push_back(std::move(*link));
    }
    return links;
}

Result<Link> Object::attach_uprobe(std::string_view program, const UprobeTarget& target) {
    bpf_program* prog = find_program(program);
    if (prog == nullptr) return make_error("BPF object '{}' has no program {}", name_, program);
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = target.cookie, .retprobe = target.retprobe,
                .func_name = target.function.empty() ? nullptr : target.function.c_str());
    bpf_link* link = bpf_program__attach_uprobe_opts(prog, target.pid, target.binary_path.c_str(),
                                                     target.file_offset, &opts);
    if (link == nullptr) {
        int err = errno;
        if (!target.function.empty()) {
            return make_error("cannot attach {} to {}:{}: {}",
                              target.retprobe ? "uretprobe" : "uprobe", target.binary_path,
                              target.function,
                              err == ENOENT ? "file or symbol not found" : std::strerror(err));
        }
        return make_error("cannot attach {} to {} at file offset 0x{:x}: {}",
                          target.retprobe ? "uretprobe" : "uprobe", target.binary_path,
                          target.file_offset, std::strerror(err));
    }
    return Link(link);
}

Result<Link> Object::attach_xdp(std::string_view program, int ifindex) {
    bpf_program* prog = find_program(program);
    if (prog == nullptr) return make_error("BPF object '{}' has no program {}", name_, program);
    bpf_link* link = bpf_program__attach_xdp(prog, ifindex);
    if (link == nullptr) {
        int err = errno;
        return make_error("cannot attach XDP program to interface #{}: {}", ifindex,
                          std::strerror(err));
    }
    return Link(link);
}

int Object::map_fd(std::string_view map_name) const {
    bpf_map* map = find_map(map_name);
    return map != nullptr ? bpf_map__fd(map) : -1;
}

int Object::program_fd(std::string_view program) const {
    bpf_program* prog = find_program(program);
    return prog != nullptr ? bpf_program__fd(prog) : -1;
}

std::vector<std::string> Object::program_names() const {
    std::vector<std::string> names;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj_.get()) names.emplace_back(bpf_program__name(prog));
    return names;
}

}  // namespace probelog::bpf
