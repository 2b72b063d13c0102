// The exec trace loaded in-process through the library: runtime, trace,
// ring reader and decoder, against execs the test performs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "bpf/system.hpp"
#include "pipeline/pipeline.hpp"
#include "support/trace_context.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "traces/exec_trace.hpp"
#include "traces/trace.hpp"

namespace probelog {
namespace {

// Keeps what the test needs of each record (records are views).
class CaptureSink final : public Sink {
  public:
    struct Seen {
        std::string event_type;
        uint64_t pid = 0;
        std::vector<std::string> args;
        int64_t error_raw = 0;
    };
    explicit CaptureSink(std::vector<Seen>& out) : out_(out) {}
    void write(const Record& r) override {
        Seen s;
        s.event_type = std::string(r.event_type());
        if (const Field* f = r.find("pid")) s.pid = f->value.u;
        if (const Field* f = r.find("error_raw")) s.error_raw = f->value.i;
        if (const Field* f = r.find("args")) {
            StrListView(f->value.str, f->value.count).for_each([&](std::string_view a) {
                s.args.emplace_back(a);
            });
        }
        out_.push_back(std::move(s));
    }
    Status flush() override { return {}; }

  private:
    std::vector<Seen>& out_;
};

TEST(ExecKernel, PidFilteredRecordsThroughTheLibrary) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    bpf::configure_libbpf_logging(false);

    // A child that waits at a pipe, so its pid is in the filter before it execs.
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::string token = test::unique_token("lib");
    pid_t child = fork();
    if (child == 0) {
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);
        execl("/bin/true", "/bin/true", token.c_str(), nullptr);
        _exit(127);
    }
    close(gate[0]);

    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = 1 << 16;
    rc.filter.self_tgid = static_cast<uint32_t>(getpid());
    rc.filter.flags = PL_FILTER_PID;
    auto rt = bpf::Runtime::create(rc);
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    ASSERT_TRUE(rt->add_pid(static_cast<uint32_t>(child)).ok());
    auto trace = make_trace("exec");
    ASSERT_NE(trace, nullptr);
    test::TraceStart start;
    Status st = trace->start(start.context(*rt));
    ASSERT_TRUE(st.ok()) << st.error().message;

    BootClock clock;
    Pipeline pipeline(clock);
    register_decoders(pipeline.decoder());
    std::vector<CaptureSink::Seen> seen;
    pipeline.add_sink(std::make_unique<CaptureSink>(seen));
    auto ring = bpf::RingReader::create(rt->ring_fd(), &Pipeline::on_sample_thunk, &pipeline);
    ASSERT_TRUE(ring.ok());

    // Another exec, from a process outside the filter.
    ASSERT_EQ(test::wait_exit(test::spawn({"/bin/true", token})), 0);
    close(gate[1]);
    ASSERT_EQ(test::wait_exit(child), 0);
    ring->consume();

    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].event_type, "exec");
    EXPECT_EQ(seen[0].pid, static_cast<uint64_t>(child));
    EXPECT_EQ(seen[0].args, (std::vector<std::string>{"/bin/true", token}));
    auto counters = rt->read_counters();
    EXPECT_EQ(counters[PL_TRACE_EXEC].generated, 1u);
    EXPECT_EQ(counters[PL_TRACE_EXEC].lost, 0u);
}

TEST(ExecKernel, ArgumentCapCountsEveryArgument) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = 1 << 16;
    rc.filter.self_tgid = static_cast<uint32_t>(getpid());
    rc.filter.flags = PL_FILTER_COMM;
    std::memcpy(rc.filter.comm, "true", 4);
    auto rt = bpf::Runtime::create(rc);
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    auto trace = make_trace("exec");
    test::TraceStart start;
    start.settings.get<ExecSettings>().args_max = 3;
    ASSERT_TRUE(trace->start(start.context(*rt)).ok());
    BootClock clock;
    Pipeline pipeline(clock);
    register_decoders(pipeline.decoder());
    std::vector<CaptureSink::Seen> seen;
    pipeline.add_sink(std::make_unique<CaptureSink>(seen));
    auto ring = bpf::RingReader::create(rt->ring_fd(), &Pipeline::on_sample_thunk, &pipeline);
    ASSERT_TRUE(ring.ok());

    std::string token = test::unique_token("cap");
    std::vector<std::string> argv = {"/bin/true", token};
    for (int i = 0; i < 200; ++i)
        argv.push_back("a" + std::to_string(i));
    ASSERT_EQ(test::wait_exit(test::spawn(argv)), 0);
    ring->consume();
    auto mine = std::find_if(seen.begin(), seen.end(), [&](const auto& s) {
        return s.args.size() > 1 && s.args[1] == token;
    });
    ASSERT_NE(mine, seen.end());
    EXPECT_EQ(mine->args.size(), 3u);
}

}  // namespace
}  // namespace probelog
