#pragma once
// Adds the container a task runs in to its records: container_id,
// container_runtime, container_name, container_image, pod_name, pod_namespace,
// pod_uid and ns_pid, from the record's cgroup id. Records of host tasks get
// none of them.
//
// The reader never waits for a lookup. A cgroup seen for the first time is
// handed to a worker thread (which walks the cgroup hierarchy and asks the
// container runtime) and its records go out without the fields until the
// answer is there; from then on every record of that cgroup gets them from a
// cache, with no allocation (the fields are views of the cached strings).

#include <atomic>
#include <chrono>
#include <functional>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "containers/container_info.hpp"
#include "pipeline/record.hpp"

namespace probelog::containers {

// The blocking part, run on the worker thread only.
class Resolver {
  public:
    virtual ~Resolver() = default;
    // The container of each cgroup id in `ids` (nullopt: a host cgroup, or one
    // that is gone). `out` has ids.size() entries on return.
    virtual void resolve(const std::vector<uint64_t>& ids,
                         std::vector<std::optional<ContainerInfo>>& out) = 0;
    // Names, image and pod labels from the container runtime, added to `info`
    // where it answers. Returns whether anything was added.
    virtual bool describe(ContainerInfo& /*info*/) { return false; }
    // Cgroups that appeared since the last call (for watch()), and in `gone`
    // those that were removed; none by default.
    virtual std::vector<uint64_t> discover(std::vector<uint64_t>& /*gone*/) { return {}; }
};

struct EnricherStats {
    uint64_t lookups = 0;      // cgroups handed to the worker
    uint64_t containers = 0;   // of those, containers (or pods)
    uint64_t without_yet = 0;  // records that went out before their cgroup was known
};

class Enricher {
  public:
    // Told on the reader's thread (in enrich() or poll()) of each container
    // as it becomes known, and again when its names arrive.
    using OnContainer = std::function<void(uint64_t cgroup_id, const ContainerInfo&)>;
    // Told (on the reader's thread) that a container's cgroup was removed, when
    // its entry is dropped from the cache: kGrace after the removal, so that
    // the records still in the ring buffer of its last tasks keep the fields.
    using OnGone = std::function<void(uint64_t cgroup_id)>;
    static constexpr std::chrono::seconds kGrace{5};

    explicit Enricher(std::unique_ptr<Resolver> resolver);
    ~Enricher();
    Enricher(const Enricher&) = delete;
    Enricher& operator=(const Enricher&) = delete;

    // On the reader's thread, for every decoded record of a task.
    void enrich(uint64_t cgroup_id, uint32_t ns_pid, Record& r);

    // Asks the worker about these cgroups now (the ones that exist at start),
    // so that their first records already carry the fields.
    void prefetch(const std::vector<uint64_t>& ids);

    // Sets the OnContainer callback; then watch() for containers that start
    // later: every `interval` the worker looks for new cgroups (Resolver::
    // discover) and resolves them, whether or not a record of theirs arrived
    // (with a kernel filter on they would not). Call poll() regularly then.
    void set_on_container(OnContainer on_container) { on_container_ = std::move(on_container); }
    void set_on_gone(OnGone on_gone) { on_gone_ = std::move(on_gone); }
    void watch(std::chrono::milliseconds interval);
    // Adopts what the worker found (enrich() does this too), and drops the
    // entries of cgroups removed more than `grace` ago.
    void poll(std::chrono::steady_clock::duration grace = kGrace);
    size_t cached() const { return cache_.size(); }
    // Every container known so far, by cgroup id (on the reader's thread).
    template <typename F>
    void for_each_container(F&& f) const {
        for (const auto& [id, e] : cache_) {
            if (e.state == State::Container) f(id, e.info);
        }
    }

    // Blocks until every cgroup asked about so far is answered (tests, and a
    // last drain that wants the names in).
    void wait_idle();
    const EnricherStats& stats() const { return stats_; }

  private:
    enum class State : uint8_t { Pending, Host, Container };
    struct Entry {
        State state = State::Pending;
        ContainerInfo info;
    };
    struct Answer {
        uint64_t cgroup_id = 0;
        std::optional<ContainerInfo> info;
        bool gone = false;  // the cgroup was removed
    };
    struct Gone {
        uint64_t cgroup_id = 0;
        std::chrono::steady_clock::time_point at;
    };

    void adopt_answers();
    void run();
    void process(const std::vector<uint64_t>& ids, size_t counted);
    // Hands answers to the reader; `done` of them end requests in flight.
    void post(std::vector<Answer>&& batch, size_t done);

    std::unique_ptr<Resolver> resolver_;
    OnContainer on_container_;
    OnGone on_gone_;
    std::vector<Gone> gone_;  // removed cgroups whose entries wait out the grace
    // Reader's side.
    std::unordered_map<uint64_t, Entry> cache_;
    EnricherStats stats_;
    // Shared with the worker, under mu_ (held only to move vectors).
    std::mutex mu_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::vector<uint64_t> requests_;
    std::vector<Answer> answers_;
    size_t in_flight_ = 0;  // requested and not yet answered
    bool stop_ = false;
    std::chrono::milliseconds watch_interval_{0};  // 0: no watching
    std::atomic<bool> answers_ready_{false};
    std::thread worker_;
};

}  // namespace probelog::containers
