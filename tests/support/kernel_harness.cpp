#include "support/kernel_harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "bpf/system.hpp"

namespace probelog::test {
namespace {

// Copies every record the pipeline delivers.
class SeenSink final : public Sink {
  public:
    explicit SeenSink(std::vector<SeenRecord>& out) : out_(out) {}
    void write(const Record& r) override { out_.emplace_back(r); }
    Status flush() override { return {}; }

  private:
    std::vector<SeenRecord>& out_;
};

SeenField copy_field(const Field& f) {
    SeenField s;
    s.name = std::string(f.name);
    s.kind = f.value.kind;
    switch (f.value.kind) {
        case ValueKind::Int:
        case ValueKind::Time:
            s.i = f.value.i;
            s.u = static_cast<uint64_t>(f.value.i);
            break;
        case ValueKind::Uint:
        case ValueKind::Hex:
            s.u = f.value.u;
            s.i = static_cast<int64_t>(f.value.u);
            break;
        case ValueKind::Bool:
            s.b = f.value.b;
            break;
        case ValueKind::Float:
            s.f = f.value.f;
            break;
        case ValueKind::Str:
        case ValueKind::Bytes:
        case ValueKind::Text:
        case ValueKind::Base64:
        case ValueKind::Msgpack:  // the bytes as captured
            s.str = std::string(f.value.str);
            break;
        case ValueKind::StrList:
            StrListView(f.value.str, f.value.count).for_each([&](std::string_view a) {
                s.list.emplace_back(a);
            });
            break;
    }
    return s;
}

}  // namespace

::testing::AssertionResult succeeded(const Status& status) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << status.error().message;
}

bpf::RuntimeConfig no_filter(uint32_t ring_bytes) {
    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = ring_bytes;
    rc.filter.self_tgid = static_cast<uint32_t>(getpid());
    return rc;
}

bpf::RuntimeConfig pid_filter(uint32_t ring_bytes) {
    bpf::RuntimeConfig rc = no_filter(ring_bytes);
    rc.filter.flags = PL_FILTER_PID;
    return rc;
}

bpf::RuntimeConfig comm_filter(std::string_view comm, uint32_t ring_bytes) {
    bpf::RuntimeConfig rc = no_filter(ring_bytes);
    rc.filter.self_tgid = 0;
    rc.filter.flags = PL_FILTER_COMM;
    std::memcpy(rc.filter.comm, comm.data(), std::min(comm.size(), sizeof(rc.filter.comm) - 1));
    return rc;
}

std::string SeenField::text() const {
    switch (kind) {
        case ValueKind::Str:
            return str;
        case ValueKind::Int:
            return std::to_string(i);
        case ValueKind::Uint:
            return std::to_string(u);
        default:
            return "?";
    }
}

SeenRecord::SeenRecord(const Record& record) : event_type_(record.event_type()) {
    for (const Field& f : record.fields())
        fields_.push_back(copy_field(f));
}

const SeenField* SeenRecord::find(std::string_view name) const {
    auto it = std::find_if(fields_.begin(), fields_.end(),
                           [&](const SeenField& f) { return f.name == name; });
    return it != fields_.end() ? &*it : nullptr;
}

uint64_t SeenRecord::u(std::string_view name) const {
    const SeenField* f = find(name);
    return f != nullptr ? f->u : 0;
}

int64_t SeenRecord::i(std::string_view name) const {
    const SeenField* f = find(name);
    return f != nullptr ? f->i : 0;
}

std::string SeenRecord::str(std::string_view name) const {
    const SeenField* f = find(name);
    return f != nullptr ? f->str : std::string();
}

std::vector<std::string> SeenRecord::list(std::string_view name) const {
    const SeenField* f = find(name);
    return f != nullptr ? f->list : std::vector<std::string>{};
}

std::string SeenRecord::text(std::string_view name) const {
    const SeenField* f = find(name);
    return f != nullptr ? f->text() : "-";
}

KernelHarness::KernelHarness() = default;
KernelHarness::~KernelHarness() = default;

Status KernelHarness::open(const bpf::RuntimeConfig& config) {
    if (auto tracefs = bpf::ensure_tracefs(); !tracefs) return tracefs.error();
    bpf::configure_libbpf_logging(false);
    auto rt = bpf::Runtime::create(config);
    if (!rt) return rt.error();
    runtime_.emplace(std::move(*rt));
    return {};
}

Status KernelHarness::follow(pid_t pid) {
    return runtime_->add_pid(static_cast<uint32_t>(pid));
}

Status KernelHarness::start_trace(std::string_view name) {
    std::unique_ptr<Trace> trace = make_trace(name);
    if (trace == nullptr) return make_error("no built-in trace '{}'", name);
    Trace& t = *owned_.emplace_back(std::move(trace));
    return start_trace(t);
}

Status KernelHarness::start_trace(Trace& trace) {
    return trace.start(context());
}

Status KernelHarness::collect() {
    pipeline_.emplace(clock_);
    register_decoders(pipeline_->decoder());
    pipeline_->add_sink(std::make_unique<SeenSink>(records_));
    start_.bind(*pipeline_);
    auto ring = bpf::RingReader::create(*runtime_, &Pipeline::on_sample_thunk, &*pipeline_,
                                        /*claims=*/false);
    if (!ring) return ring.error();
    ring_.emplace(std::move(*ring));
    return {};
}

size_t KernelHarness::drain() {
    if (!ring_) {
        ADD_FAILURE() << "KernelHarness::drain() before collect()";
        return 0;
    }
    return ring_->consume();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return condition();
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

}  // namespace probelog::test
