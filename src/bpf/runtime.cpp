#include "bpf/runtime.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

namespace probelog::bpf {
namespace {

Result<UniqueFd> create_map(bpf_map_type type, const char* name, uint32_t key_size,
                            uint32_t value_size, uint32_t max_entries, uint32_t flags = 0) {
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
    int fd = bpf_map_create(type, name, key_size, value_size, max_entries, &opts);
    if (fd < 0) {
        int err = -fd;
        if (err == EPERM) {
            return errno_error(err,
                               "cannot create BPF map {}: permission denied (need CAP_BPF and "
                               "CAP_PERFMON: run as root)",
                               name);
        }
        return errno_error(err, "cannot create BPF map {}: {}", name, std::strerror(err));
    }
    return UniqueFd(fd);
}

}  // namespace

uint32_t ringbuf_size_for(uint64_t requested) {
    uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    uint64_t size = std::max<uint64_t>(requested, page);
    size = std::bit_ceil(size);
    return static_cast<uint32_t>(std::min<uint64_t>(size, 1ULL << 30));
}

Result<Runtime> Runtime::create(const RuntimeConfig& config) {
    Runtime rt(config);
    auto stats = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, "pl_stats", sizeof(uint32_t),
                            sizeof(pl_trace_stats), PL_TRACE_MAX);
    if (!stats) return stats.error();
    auto pids = create_map(BPF_MAP_TYPE_HASH, "pl_pids", sizeof(uint32_t), sizeof(uint8_t),
                           PL_PID_FILTER_MAX, BPF_F_NO_PREALLOC);
    if (!pids) return pids.error();
    auto cgroups = create_map(BPF_MAP_TYPE_HASH, "pl_cgroups", sizeof(uint64_t), sizeof(uint8_t),
                              PL_CGROUP_FILTER_MAX, BPF_F_NO_PREALLOC);
    if (!cgroups) return cgroups.error();
    auto rate = create_map(BPF_MAP_TYPE_ARRAY, "pl_rate", sizeof(uint32_t), sizeof(pl_rate_state),
                           PL_TRACE_MAX);
    if (!rate) return rate.error();
    auto ring_ctl = create_map(BPF_MAP_TYPE_ARRAY, "pl_ring_ctl", sizeof(uint32_t),
                               sizeof(pl_ring_ctl), PL_TRACE_MAX, BPF_F_MMAPABLE);
    if (!ring_ctl) return ring_ctl.error();
    static_assert(sizeof(pl_ring_ctl) * PL_TRACE_MAX <= 4096, "pl_ring_ctl: one page");
    void* ctl = ::mmap(nullptr, static_cast<size_t>(sysconf(_SC_PAGESIZE)), PROT_READ | PROT_WRITE,
                       MAP_SHARED, ring_ctl->get(), 0);
    if (ctl == MAP_FAILED) {
        return make_error("cannot map the ring buffer control map: {}", std::strerror(errno));
    }
    rt.ring_ctl_.reset(static_cast<pl_ring_ctl*>(ctl));
    rt.ring_ctl_fd_ = std::move(*ring_ctl);
    rt.stats_ = std::move(*stats);
    rt.pids_ = std::move(*pids);
    rt.cgroups_ = std::move(*cgroups);
    rt.rate_ = std::move(*rate);
    return rt;
}

Result<int> Runtime::ring_for(uint16_t trace) {
    if (trace >= PL_TRACE_MAX) return make_error("no ring for trace id {}", trace);
    if (int fd = ring_fd(trace); fd >= 0) return fd;
    uint32_t bytes = trace == PL_TRACE_NONE ? ringbuf_size_for(0) : config_.ringbuf_bytes;
    auto ring = create_map(BPF_MAP_TYPE_RINGBUF, "pl_events", 0, 0, bytes);
    if (!ring) return ring.error();
    int fd = ring->get();
    rings_.push_back({trace, bytes, std::move(*ring)});
    return fd;
}

int Runtime::ring_fd(uint16_t trace) const {
    for (const EventRing& r : rings_) {
        if (r.trace == trace) return r.fd.get();
    }
    return -1;
}

Status Runtime::share_maps(Object& object, const SharedMaps& maps, int ring_fd) const {
    for (auto [map, fd] :
         {std::pair{maps.events, ring_fd}, std::pair{maps.stats, stats_.get()},
          std::pair{maps.pids, pids_.get()}, std::pair{maps.ring_ctl, ring_ctl_fd_.get()},
          std::pair{maps.cgroups, cgroups_.get()}, std::pair{maps.rate, rate_.get()}}) {
        if (Status st = object.share_map(map, fd); !st) return st;
    }
    return {};
}

void Runtime::Unmap::operator()(pl_ring_ctl* p) const {
    ::munmap(p, static_cast<size_t>(sysconf(_SC_PAGESIZE)));
}

uint64_t Runtime::forced_wakeups() const {
    if (!ring_ctl_) return 0;
    uint64_t sum = 0;
    for (size_t slot = 0; slot < PL_TRACE_MAX; ++slot)
        sum += __atomic_load_n(&ring_ctl_.get()[slot].wakeups, __ATOMIC_RELAXED);
    return sum;
}

Status Runtime::add_pid(uint32_t pid) {
    uint8_t one = 1;
    if (bpf_map_update_elem(pids_.get(), &pid, &one, BPF_ANY) != 0) {
        return make_error("cannot add pid {} to the filter: {}", pid, std::strerror(errno));
    }
    return {};
}

Status Runtime::add_cgroup(uint64_t cgroup_id) {
    uint8_t one = 1;
    if (bpf_map_update_elem(cgroups_.get(), &cgroup_id, &one, BPF_ANY) != 0) {
        return errno_error(errno, "cannot add cgroup {} to the container filter: {}", cgroup_id,
                           std::strerror(errno));
    }
    return {};
}

void Runtime::remove_cgroup(uint64_t cgroup_id) {
    (void)bpf_map_delete_elem(cgroups_.get(), &cgroup_id);  // absent is fine
}

Counters Runtime::read_counters(std::span<const uint16_t> traces) const {
    Counters c;
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) return c;
    c.per_cpu.resize(static_cast<size_t>(ncpu));
    std::vector<pl_trace_stats> per_cpu(static_cast<size_t>(ncpu));
    auto read_one = [&](uint32_t trace) {
        if (trace >= PL_TRACE_MAX) return;
        if (bpf_map_lookup_elem(stats_.get(), &trace, per_cpu.data()) != 0) return;
        for (size_t cpu = 0; cpu < per_cpu.size(); ++cpu) {
            const pl_trace_stats& s = per_cpu[cpu];
            c.per_cpu[cpu][trace] = {s.generated, s.lost, s.map_full, s.throttled};
            c.total[trace].throttled += s.throttled;
            c.total[trace].generated += s.generated;
            c.total[trace].lost += s.lost;
            c.total[trace].map_full += s.map_full;
        }
    };
    if (traces.empty()) {
        for (uint32_t trace = 0; trace < PL_TRACE_MAX; ++trace)
            read_one(trace);
    } else {
        for (uint16_t trace : traces)
            read_one(trace);
    }
    return c;
}

}  // namespace probelog::bpf
