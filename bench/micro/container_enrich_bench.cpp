// What container enrichment costs the reader per record once the cgroup is
// cached: a recorded exec event decoded through the Pipeline (no sink) without
// an Enricher, with one for a host task, and for a container task (8 fields
// added). One core.
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <vector>

#include "containers/enricher.hpp"
#include "decode/builtin.hpp"
#include "pipeline/pipeline.hpp"

extern "C" {
#include "exec.h"
}

namespace probelog {
namespace {

constexpr uint64_t kHostCgroup = 1;
constexpr uint64_t kContainerCgroup = 82;

std::vector<std::byte> exec_event(uint64_t cgroup_id) {
    pl_exec_event e{};
    e.hdr.type = PL_EVENT_EXEC;
    e.hdr.trace = PL_TRACE_EXEC;
    e.hdr.boot_ns = 123'456'789'000;
    e.hdr.pid = 4242;
    e.hdr.tid = 4242;
    e.hdr.ppid = 1;
    e.hdr.ns_pid = 7;
    e.hdr.cgroup_id = cgroup_id;
    std::memcpy(e.hdr.comm, "bench-worker", 12);
    const char data[] = "/usr/bin/grep\0grep\0-r\0pattern\0/var/log\0";
    std::memcpy(e.data, data, sizeof(data) - 1);
    e.filename_len = 13;
    e.args_len = sizeof(data) - 1 - 14;
    e.args_count = 4;
    e.argc = 4;
    e.flags = PL_EXEC_F_ARGV_LAST_IS_LAST_ARG;
    size_t size = offsetof(pl_exec_event, data) + sizeof(data);
    e.hdr.size = static_cast<uint32_t>(size);
    std::vector<std::byte> bytes(size);
    std::memcpy(bytes.data(), &e, size);
    return bytes;
}

class TableResolver : public containers::Resolver {
  public:
    void resolve(const std::vector<uint64_t>& ids,
                 std::vector<std::optional<containers::ContainerInfo>>& out) override {
        out.clear();
        for (uint64_t id : ids) {
            if (id != kContainerCgroup) {
                out.emplace_back();
                continue;
            }
            out.push_back(containers::ContainerInfo{
                .id = "fa568557ec6c38d99766bfacdc51af86fc3cb1db0a029bcae571691d3b50ce8e",
                .runtime = "podman",
                .name = "web",
                .image = "localhost/app:1"});
        }
    }
};

void run(benchmark::State& state, bool enrich, uint64_t cgroup_id) {
    BootClock clock;
    containers::Enricher enricher(std::make_unique<TableResolver>());
    enricher.prefetch({kHostCgroup, kContainerCgroup});
    enricher.wait_idle();
    Pipeline pipeline(clock);
    pipeline.decoder().add(PL_EVENT_EXEC, "exec", &decode::decode_exec);
    if (enrich) pipeline.set_enricher(&enricher);
    auto event = exec_event(cgroup_id);
    for (auto _ : state)
        pipeline.on_sample(event);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_DecodeNoEnricher(benchmark::State& state) {
    run(state, false, kContainerCgroup);
}
void BM_DecodeEnrichHost(benchmark::State& state) {
    run(state, true, kHostCgroup);
}
void BM_DecodeEnrichContainer(benchmark::State& state) {
    run(state, true, kContainerCgroup);
}

BENCHMARK(BM_DecodeNoEnricher);
BENCHMARK(BM_DecodeEnrichHost);
BENCHMARK(BM_DecodeEnrichContainer);

}  // namespace
}  // namespace probelog

BENCHMARK_MAIN();
