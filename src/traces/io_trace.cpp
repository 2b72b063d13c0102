#include "traces/io_trace.hpp"

#include <algorithm>
#include <thread>

#include "bpf/map.hpp"
#include "common/clock.hpp"
#include "decode/io.hpp"

extern "C" {
#include "io.h"
}

namespace probelog {
namespace {

// BPF programs run with preemption disabled and take microseconds: once this
// much time has passed after a flip, nothing adds to the old slot any more.
constexpr auto kFlipGrace = std::chrono::milliseconds(10);

const char* agg_map_name(uint32_t slot) {
    return slot == 0 ? "io_agg0" : "io_agg1";
}

}  // namespace

const TraceInfo& IoTrace::static_info() {
    static const TraceInfo info{
        .name = "io",
        .summary = "file I/O system calls with latency: read/write families, fsync (opt-in)",
        .hooks =
            "tp:syscalls:sys_{enter,exit}_{read,write,pread64,pwrite64,readv,writev,preadv,"
            "pwritev,preadv2,pwritev2,fsync,fdatasync}, tp_btf:sched_process_exit",
        .id = PL_TRACE_IO,
        .default_on = false,
    };
    return info;
}

Status IoTrace::load(const bpf::Runtime& runtime, const TraceOptions& options,
                     std::string_view name) {
    auto obj = runtime.open(name);
    if (!obj) return obj.error();
    uint32_t all_files = options.io_all_files ? 1 : 0;
    uint32_t aggregate = options.io_aggregate_ns != 0 ? 1 : 0;
    for (Status st : {obj->set_const("io_all_files", all_files),
                      obj->set_const("io_min_latency_ns", options.io_min_latency_ns),
                      obj->set_const("io_aggregate", aggregate),
                      obj->set_map_max_entries("io_inflight", options.io_map_size)}) {
        if (!st) return st;
    }
    if (aggregate != 0) {
        for (uint32_t slot : {0u, 1u}) {
            if (Status st = obj->set_map_max_entries(agg_map_name(slot), options.io_map_size); !st)
                return st;
        }
    }
    if (Status st = obj->load(runtime.verbose()); !st) return st;
    object_ = std::make_unique<bpf::Object>(std::move(*obj));
    object_name_ = name;
    return {};
}

Status IoTrace::start(const bpf::Runtime& runtime, const TraceOptions& options) {
    if (!object_name_.empty()) {
        if (Status st = load(runtime, options, object_name_); !st) return st;
    } else if (Status fast = load(runtime, options, "io"); !fast) {
        // Kernels before 6.2 have no bpf_rdonly_cast: the probe-read variant.
        if (Status compat = load(runtime, options, "io_compat"); !compat) {
            return make_error("{}; and its probe-read variant io_compat: {}", fast.error().message,
                              compat.error().message);
        }
    }

    // Exit hooks (and the reaper) before entry hooks: an entry made while its exit
    // hook is not attached yet would stay in the map until the thread exits.
    std::vector<std::string> names = object_->program_names();
    std::stable_partition(names.begin(), names.end(),
                          [](const std::string& n) { return !n.starts_with("pl_io_enter_"); });
    for (const std::string& name : names) {
        auto link = object_->attach(name);
        if (!link) return link.error();
        links_.push_back(std::move(*link));
    }

    aggregate_ = std::chrono::nanoseconds(options.io_aggregate_ns);
    interval_start_ = Clock::now();
    next_flip_ = interval_start_ + aggregate_;
    return {};
}

std::vector<uint32_t> IoTrace::inflight_tids() const {
    if (!object_) return {};
    return bpf::MapView(object_->map_fd("io_inflight"), sizeof(uint32_t)).typed_keys<uint32_t>();
}

void IoTrace::flip(Clock::time_point now) {
    uint32_t old = slot_;
    pl_io_agg_ctl ctl{};
    ctl.slot = 1 - old;
    uint32_t zero = 0;
    if (!bpf::MapView(object_->map_fd("io_agg_ctl"), sizeof(zero)).update(&zero, &ctl)) return;
    slot_ = ctl.slot;
    drain_pending_ = true;
    drain_at_ = now + kFlipGrace;
    drain_time_ns_ = realtime_now_ns();
    drain_interval_ns_ = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - interval_start_).count());
    interval_start_ = now;
    next_flip_ += aggregate_;
    if (next_flip_ <= now) next_flip_ = now + aggregate_;
}

void IoTrace::drain(uint32_t slot, Pipeline& pipeline) {
    bpf::MapView map(object_->map_fd(agg_map_name(slot)), sizeof(pl_io_agg_key));
    for (const pl_io_agg_key& key : map.typed_keys<pl_io_agg_key>()) {
        pl_io_agg_value value{};
        if (!map.lookup(&key, &value)) continue;
        if (decode::io_aggregate_record(key, value, drain_time_ns_, drain_interval_ns_, record_) ==
            nullptr) {
            pipeline.emit(record_);
        }
        map.erase(&key);
    }
}

void IoTrace::tick(Pipeline& pipeline) {
    if (aggregate_.count() == 0 || !object_) return;
    auto now = Clock::now();
    if (drain_pending_ && now >= drain_at_) {
        drain(1 - slot_, pipeline);
        drain_pending_ = false;
    }
    if (!drain_pending_ && now >= next_flip_) flip(now);
}

void IoTrace::finish(Pipeline& pipeline) {
    if (aggregate_.count() == 0 || !object_) return;
    if (drain_pending_) {
        std::this_thread::sleep_until(drain_at_);
        drain(1 - slot_, pipeline);
        drain_pending_ = false;
    }
    // The interval in progress: flip, let it settle, report it.
    flip(Clock::now());
    std::this_thread::sleep_until(drain_at_);
    drain(1 - slot_, pipeline);
    drain_pending_ = false;
}

}  // namespace probelog
