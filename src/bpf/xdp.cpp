#include "bpf/xdp.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bpf/map.hpp"

extern "C" {
#include "xdp.h"
}
#include "xdp.skel.h"

namespace probelog::bpf {
namespace {

// Values of per-cpu maps come as one 8-byte-aligned slot per possible cpu.
template <typename T>
T sum_per_cpu(const std::vector<T>& per_cpu);

template <>
pl_xdp_counters sum_per_cpu(const std::vector<pl_xdp_counters>& per_cpu) {
    pl_xdp_counters s{};
    for (const auto& c : per_cpu) {
        s.pass_packets += c.pass_packets;
        s.pass_bytes += c.pass_bytes;
        s.drop_packets += c.drop_packets;
        s.drop_bytes += c.drop_bytes;
    }
    return s;
}

template <>
pl_xdp_totals sum_per_cpu(const std::vector<pl_xdp_totals>& per_cpu) {
    constexpr size_t kFields = sizeof(pl_xdp_totals) / sizeof(uint64_t);
    uint64_t sum[kFields] = {};
    for (const auto& t : per_cpu) {
        uint64_t words[kFields];
        std::memcpy(words, &t, sizeof(t));
        for (size_t i = 0; i < kFields; ++i)
            sum[i] += words[i];
    }
    pl_xdp_totals s{};
    std::memcpy(&s, sum, sizeof(s));
    return s;
}

pl_xdp_lpm_key lpm_key(const xdp::Prefix& p) {
    pl_xdp_lpm_key k{};
    k.prefixlen = p.mapped_len();
    std::memcpy(k.addr, p.addr.bytes.data(), 16);
    return k;
}

std::string mode_of(uint8_t attach_mode) {
    switch (attach_mode) {
        case XDP_ATTACHED_DRV:
            return "native";
        case XDP_ATTACHED_SKB:
            return "generic";
        case XDP_ATTACHED_HW:
            return "offload";
        case XDP_ATTACHED_MULTI:
            return "several";
        default:
            return "none";
    }
}

std::string prog_name(uint32_t id) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd.valid()) return {};
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return {};
    return info.name;
}

// The id of the BPF link that holds program `prog_id` on the interface (0:
// none, it was attached through netlink).
uint32_t xdp_link_on(int ifindex, uint32_t prog_id) {
    uint32_t link_id = 0;
    while (bpf_link_get_next_id(link_id, &link_id) == 0) {
        UniqueFd link(bpf_link_get_fd_by_id(link_id));
        if (!link.valid()) continue;
        bpf_link_info info{};
        uint32_t len = sizeof(info);
        if (bpf_obj_get_info_by_fd(link.get(), &info, &len) != 0) continue;
        if (info.type == BPF_LINK_TYPE_XDP && info.prog_id == prog_id &&
            info.xdp.ifindex == static_cast<uint32_t>(ifindex))
            return link_id;
    }
    return 0;
}

// The process that holds BPF link `link_id` open (0: none found), from the
// fdinfo of every process's BPF link fds.
pid_t link_holder(uint32_t link_id) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string wanted = fmt::format("link_id:\t{}\n", link_id);
    for (const auto& proc : fs::directory_iterator("/proc", ec)) {
        const std::string name = proc.path().filename().string();
        if (name.empty() ||
            !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        std::error_code fd_ec;
        for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
            std::error_code link_ec;
            if (fs::read_symlink(fd.path(), link_ec).string() != "anon_inode:bpf_link") continue;
            std::ifstream info(proc.path() / "fdinfo" / fd.path().filename());
            std::string text((std::istreambuf_iterator<char>(info)),
                             std::istreambuf_iterator<char>());
            if (text.find(wanted) != std::string::npos) return std::stoi(name);
        }
    }
    return 0;
}

// Removes whatever XDP program is on the interface: netlink-attached ones by
// mode, a link (another process's) by detaching the link.
Status remove_existing(int ifindex, std::string_view ifname) {
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (bpf_xdp_query(ifindex, 0, &q) != 0) return {};
    std::pair<uint32_t, uint32_t> attached[] = {{q.skb_prog_id, XDP_FLAGS_SKB_MODE},
                                                {q.drv_prog_id, XDP_FLAGS_DRV_MODE},
                                                {q.hw_prog_id, XDP_FLAGS_HW_MODE}};
    for (auto [id, flag] : attached) {
        if (id == 0) continue;
        int err = bpf_xdp_detach(ifindex, flag, nullptr);
        if (err == 0) continue;
        if (err != -EBUSY) {
            return make_error("--xdp-force: cannot remove XDP program {} from {}: {}", id, ifname,
                              std::strerror(-err));
        }
        // Attached through a BPF link: find the link and detach it.
        uint32_t link_id = 0;
        bool detached = false;
        while (!detached && bpf_link_get_next_id(link_id, &link_id) == 0) {
            UniqueFd link(bpf_link_get_fd_by_id(link_id));
            if (!link.valid()) continue;
            bpf_link_info info{};
            uint32_t len = sizeof(info);
            if (bpf_obj_get_info_by_fd(link.get(), &info, &len) != 0) continue;
            if (info.type != BPF_LINK_TYPE_XDP ||
                info.xdp.ifindex != static_cast<uint32_t>(ifindex))
                continue;
            if (bpf_link_detach(link.get()) != 0) {
                return make_error("--xdp-force: cannot detach XDP link {} on {}: {}", link_id,
                                  ifname, std::strerror(errno));
            }
            detached = true;
        }
        if (!detached) {
            return make_error("--xdp-force: cannot remove XDP program {} from {}: {}", id, ifname,
                              std::strerror(EBUSY));
        }
    }
    return {};
}

int link_xdp(int prog_fd, int ifindex, uint32_t flags) {
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
    int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
    return fd >= 0 ? fd : -errno;
}

std::string attach_error(std::string_view ifname, xdp::Mode mode, int err) {
    if (err == EOPNOTSUPP && mode == xdp::Mode::Native) {
        return fmt::format(
            "cannot attach XDP to {} in native mode: its driver has no native XDP support "
            "(use --xdp-mode generic or auto)",
            ifname);
    }
    if (err == EBUSY || err == EEXIST) {
        return fmt::format(
            "cannot attach XDP to {}: another XDP program is attached (--xdp-force replaces it)",
            ifname);
    }
    if (err == EPERM) {
        return fmt::format("cannot attach XDP to {}: permission denied (run as root)", ifname);
    }
    return fmt::format("cannot attach XDP to {} in {} mode: {}", ifname,
                       mode == xdp::Mode::Auto ? "any" : xdp::mode_name(mode), std::strerror(err));
}

}  // namespace

Result<XdpProgram> XdpProgram::load(Runtime& runtime, const XdpProgramConfig& config) {
    auto skel = runtime.open<pl_xdp>("xdp", PL_TRACE_XDP);
    if (!skel) return skel.error();
    pl_xdp* s = skel->operator->();
    s->rodata->xdp_drop_records_per_sec = config.drop_records_per_sec;
    s->rodata->xdp_drop_rate_window_ns = config.drop_rate_window_ns;
    s->rodata->xdp_ifindex = config.ifindex;
    std::memset(s->rodata->xdp_ifname, 0, sizeof(s->rodata->xdp_ifname));
    std::memcpy(s->rodata->xdp_ifname, config.ifname.data(),
                std::min(config.ifname.size(), sizeof(s->rodata->xdp_ifname) - 1));
    if (Status st = skel->object().set_map_max_entries(s->maps.xdp_sources, config.max_sources);
        !st) {
        return st.error();
    }
    if (Status st = skel->object().load(runtime.verbose()); !st) return st.error();

    XdpProgram p;
    p.maps_ = Maps{s->maps.xdp_sources, s->maps.xdp_blocklist, s->maps.xdp_reported,
                   s->maps.xdp_ethertypes, s->maps.xdp_totals};
    p.program_fd_ = Object::fd(s->progs.pl_xdp);
    p.object_ = std::make_unique<Object>(std::move(skel->object()));
    return p;
}

int XdpProgram::program_fd() const {
    return program_fd_;
}

Status XdpProgram::block(const xdp::Prefix& prefix) {
    pl_xdp_lpm_key key = lpm_key(prefix);
    pl_xdp_rule rule{.prefixlen = key.prefixlen, .flags = 0};
    if (Status st = Map<pl_xdp_lpm_key, pl_xdp_rule>(maps_.blocklist).update(key, rule); !st) {
        return Error{fmt::format("cannot block {}: {}", xdp::to_string(prefix),
                                 std::strerror(st.error().err)),
                     st.error().kind, st.error().err};
    }
    return {};
}

Status XdpProgram::unblock(const xdp::Prefix& prefix) {
    pl_xdp_lpm_key key = lpm_key(prefix);
    Map<pl_xdp_lpm_key, pl_xdp_rule> blocklist(maps_.blocklist);
    if (!blocklist.erase(key) && errno != ENOENT) {
        int err = errno;
        return errno_error(err, "cannot unblock {}: {}", xdp::to_string(prefix),
                           std::strerror(err));
    }
    KeySet<pl_xdp_addr> reported(maps_.reported);
    for (const pl_xdp_addr& k : reported.keys()) {
        if (prefix.contains(xdp::Address::from_mapped(k.addr))) reported.erase(k);
    }
    return {};
}

Result<xdp::Snapshot> XdpProgram::snapshot() const {
    xdp::Snapshot s;
    PerCpuMap<uint32_t, pl_xdp_totals> totals(maps_.totals);
    const std::vector<pl_xdp_totals>* all = totals.lookup(0);
    if (all == nullptr) {
        int err = errno;
        return errno_error(err, "cannot read the XDP counters: {}", std::strerror(err));
    }
    s.totals = sum_per_cpu(*all);
    PerCpuMap<pl_xdp_addr, pl_xdp_counters> sources(maps_.sources);
    sources.for_each([&](const pl_xdp_addr& k, const std::vector<pl_xdp_counters>& per_cpu) {
        s.sources.push_back({xdp::Address::from_mapped(k.addr), sum_per_cpu(per_cpu)});
    });
    PerCpuMap<uint32_t, pl_xdp_counters> ethertypes(maps_.ethertypes);
    ethertypes.for_each([&](uint32_t type, const std::vector<pl_xdp_counters>& per_cpu) {
        s.ethertypes.push_back({static_cast<uint16_t>(type), sum_per_cpu(per_cpu)});
    });
    return s;
}

Result<uint32_t> XdpProgram::test_run(std::span<const uint8_t> frame) const {
    std::vector<uint8_t> out(frame.size() + 256);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()),
                .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 1);
    if (int err = bpf_prog_test_run_opts(program_fd(), &opts); err != 0) {
        return errno_error(-err, "BPF_PROG_TEST_RUN: {}", std::strerror(-err));
    }
    return opts.retval;
}

Result<XdpAttached> query_xdp(int ifindex) {
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (int err = bpf_xdp_query(ifindex, 0, &q); err != 0) {
        return make_error("cannot query XDP on interface #{}: {}", ifindex, std::strerror(-err));
    }
    XdpAttached a;
    a.prog_id = q.prog_id != 0 ? q.prog_id : std::max({q.drv_prog_id, q.skb_prog_id, q.hw_prog_id});
    a.mode = mode_of(q.attach_mode);
    if (a.prog_id != 0) a.prog_name = prog_name(a.prog_id);
    return a;
}

Result<XdpAttachment> XdpAttachment::attach(int prog_fd, int ifindex, std::string_view ifname,
                                            xdp::Mode mode, bool force, std::string* note) {
    auto existing = query_xdp(ifindex);
    if (!existing) return existing.error();
    if (existing->prog_id != 0) {
        // Another agent's: a link holds it as long as that agent runs. Not even
        // --xdp-force takes it away (the agent would go on, seeing nothing).
        if (existing->prog_name == "pl_xdp") {
            if (uint32_t link = xdp_link_on(ifindex, existing->prog_id); link != 0) {
                pid_t holder = link_holder(link);
                return make_error(
                    "{} already has the XDP program of another probelog (program id {}, {} "
                    "mode{}): one agent per interface; stop that one first",
                    ifname, existing->prog_id, existing->mode,
                    holder > 0 ? fmt::format(", pid {}", holder) : std::string());
            }
        }
        if (!force) {
            return make_error(
                "{} already has an XDP program (id {}{}, {} mode): probelog does not replace "
                "it (--xdp-force does)",
                ifname, existing->prog_id,
                existing->prog_name.empty() ? "" : ", '" + existing->prog_name + "'",
                existing->mode);
        }
        if (Status st = remove_existing(ifindex, ifname); !st) return st.error();
        if (note != nullptr) {
            *note = fmt::format("removed XDP program {} ({}) from {} (--xdp-force)",
                                existing->prog_id, existing->prog_name, ifname);
        }
    }

    XdpAttachment a;
    int fd = -EINVAL;
    switch (mode) {
        case xdp::Mode::Native:
            fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
            break;
        case xdp::Mode::Generic:
            fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
            break;
        case xdp::Mode::Auto: {
            fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
            if (fd == -EBUSY || fd == -EEXIST || fd == -EPERM) break;
            if (fd < 0) {
                std::string why = fd == -EOPNOTSUPP
                                      ? "the driver has no native XDP"
                                      : fmt::format("native mode refused: {}", std::strerror(-fd));
                fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
                if (fd >= 0 && note != nullptr) {
                    if (!note->empty()) *note += "; ";
                    *note += fmt::format("generic mode because {}", why);
                }
            }
            break;
        }
    }
    if (fd < 0) return Error{attach_error(ifname, mode, -fd), Error::kind_of_errno(-fd), -fd};
    a.link_.reset(fd);

    auto now = query_xdp(ifindex);
    if (!now) return now.error();
    if (now->mode == "native") {
        a.mode_ = xdp::Mode::Native;
    } else if (now->mode == "generic") {
        a.mode_ = xdp::Mode::Generic;
    } else {
        return make_error("XDP on {} attached but the kernel reports it in '{}' mode", ifname,
                          now->mode);
    }
    a.prog_id_ = now->prog_id;
    return a;
}

}  // namespace probelog::bpf
