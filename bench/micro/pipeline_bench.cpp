// User-space pipeline throughput: recorded exec events through decode ->
// filter -> JSON lines (or the table), written to /dev/null. One core.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/builtin.hpp"
#include "pipeline/pipeline.hpp"
#include "sinks/json_sink.hpp"
#include "sinks/table_sink.hpp"

extern "C" {
#include "exec.h"
}

namespace probelog {
namespace {

// A typical exec event: a path and three arguments.
std::vector<std::byte> exec_event(uint64_t seq) {
    pl_exec_event e{};
    e.hdr.type = PL_EVENT_EXEC;
    e.hdr.trace = PL_TRACE_EXEC;
    e.hdr.seq = seq;
    e.hdr.boot_ns = 123'456'789'000 + seq * 1000;
    e.hdr.pid = 4242;
    e.hdr.tid = 4242;
    e.hdr.ppid = 1;
    e.hdr.cgroup_id = 77;
    std::memcpy(e.hdr.comm, "bench-worker", 12);
    const char data[] = "/usr/bin/grep\0grep\0-r\0pattern\0/var/log\0";
    std::memcpy(e.data, data, sizeof(data) - 1);
    e.filename_len = 13;
    e.args_len = sizeof(data) - 1 - 14;
    e.args_count = 4;
    e.argc = 4;
    e.flags = PL_EXEC_F_ARGV_LAST_IS_LAST_ARG;
    size_t size = offsetof(pl_exec_event, data) + sizeof(data) - 1 + 1;
    e.hdr.size = static_cast<uint32_t>(size);
    std::vector<std::byte> bytes(size);
    std::memcpy(bytes.data(), &e, size);
    return bytes;
}

template <typename SinkT>
void run_pipeline(benchmark::State& state, bool with_tap) {
    int devnull = ::open("/dev/null", O_WRONLY);
    BootClock clock;
    uint64_t seen = 0;  // declared before the pipeline: outlives its tap
    Pipeline pipeline(clock);
    pipeline.decoder().add(PL_EVENT_EXEC, "exec", &decode::decode_exec);
    if constexpr (std::is_same_v<SinkT, TableSink>) {
        pipeline.add_sink(std::make_unique<TableSink>(devnull, 0));
    } else {
        pipeline.add_sink(std::make_unique<JsonSink>(devnull));
    }
    if (with_tap) {
        pipeline.add_tap([&seen](const Record& r) { seen += r.event_type() == "exec" ? 1 : 0; });
    }
    std::vector<std::vector<std::byte>> events;
    for (uint64_t i = 0; i < 1024; ++i)
        events.push_back(exec_event(i));
    size_t i = 0;
    for (auto _ : state) {
        pipeline.on_sample(events[i++ & 1023]);
        if ((i & 1023) == 0) (void)pipeline.flush();
    }
    (void)pipeline.flush();
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    ::close(devnull);
}

void BM_DecodeTapJson(benchmark::State& state) {
    run_pipeline<JsonSink>(state, true);
}
void BM_DecodeJson(benchmark::State& state) {
    run_pipeline<JsonSink>(state, false);
}
void BM_DecodeTable(benchmark::State& state) {
    run_pipeline<TableSink>(state, false);
}

void BM_DecodeOnly(benchmark::State& state) {
    BootClock clock;
    decode::Decoder decoder;
    Record record;
    auto event = exec_event(1);
    for (auto _ : state) {
        benchmark::DoNotOptimize(decoder.decode(event, clock, record));
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_DecodeOnly);
BENCHMARK(BM_DecodeJson);
BENCHMARK(BM_DecodeTapJson);
BENCHMARK(BM_DecodeTable);

}  // namespace
}  // namespace probelog

BENCHMARK_MAIN();
