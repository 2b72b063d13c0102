#pragma once
// A small metrics registry: counters, gauges, histograms and bounded-cardinality
// counters, grouped in labelled families and rendered in the Prometheus text
// exposition format (0.0.4) by the /metrics endpoint.
//
// Threading: producers update values from any thread without locks (atomics);
// creating a labelled child takes the family's mutex, so look a child up once
// and keep the reference (children live as long as the registry). render() may
// run on another thread (the HTTP server) at any time.
//
//   metrics::Registry& reg = ...;   // one per run, owned by the agent
//   auto& calls = reg.counter("probelog_probe_calls_total", "Calls seen per probe", {"probe"});
//   auto& lat = reg.histogram("probelog_probe_latency_seconds", "Call latency per probe",
//                             {"probe"}, metrics::exponential_buckets(1e-6, 4, 12));
//   metrics::Counter& c = calls.labels({"libc:malloc"});   // once, at attach
//   metrics::Histogram& h = lat.labels({"libc:malloc"});
//   c.inc();  h.observe(seconds);                           // per event, lock-free
//
// Names follow Prometheus conventions: snake_case, a `probelog_` prefix, base
// units (seconds, bytes), counters end in `_total`. Registering a name again
// returns the existing family (same kind and labels), so producers need not
// coordinate.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace probelog::metrics {

// Monotonically increasing count.
class Counter {
  public:
    void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    // For totals kept elsewhere (a BPF map, a pipeline counter): publish the
    // current total. It must never go down.
    void set(uint64_t total) { value_.store(total, std::memory_order_relaxed); }
    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
  public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

// Counts of observations per bucket (upper bounds, ascending; +Inf is implicit)
// and their sum.
class Histogram {
  public:
    explicit Histogram(std::span<const double> upper_bounds);

    // One observation, lock-free.
    void observe(double v);
    // Replaces the state with counts aggregated elsewhere (a BPF histogram map):
    // `counts` per bucket (not cumulative), bounds().size() + 1 of them (the last is +Inf).
    void set(std::span<const uint64_t> counts, double sum);

    std::span<const double> bounds() const { return bounds_; }
    struct Snapshot {
        std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
        double sum = 0;
    };
    Snapshot snapshot() const;

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
    std::atomic<double> sum_{0};
};

// `count` bucket bounds: start, start*factor, start*factor^2, ...
std::vector<double> exponential_buckets(double start, double factor, size_t count);

enum class Kind { Counter, Gauge, Histogram };

class FamilyBase {
  public:
    FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
    virtual ~FamilyBase() = default;
    FamilyBase(const FamilyBase&) = delete;
    FamilyBase& operator=(const FamilyBase&) = delete;

    const std::string& name() const { return name_; }
    const std::vector<std::string>& label_names() const { return label_names_; }
    virtual Kind kind() const = 0;
    // Appends the family (HELP, TYPE, samples) in the text format.
    virtual void render(std::string& out) const = 0;

  protected:
    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
};

// One metric per combination of label values.
template <typename Metric>
class Family final : public FamilyBase {
  public:
    using FamilyBase::FamilyBase;
    Family(std::string name, std::string help, std::vector<std::string> label_names,
           std::vector<double> bounds)
        : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
          bounds_(std::move(bounds)) {}

    // The child for these label values (one per label name, in order), created
    // on first use. The reference stays valid for the registry's lifetime.
    Metric& labels(std::initializer_list<std::string_view> values);
    Metric& labels(std::span<const std::string> values);
    // A family without labels has one child.
    Metric& get() { return labels(std::span<const std::string>()); }
    // Drops a child (for series that end, such as a detached probe).
    void remove(std::span<const std::string> values);

    Kind kind() const override;
    void render(std::string& out) const override;

  private:
    Metric& child(std::vector<std::string> values);

    std::vector<double> bounds_;  // histograms only
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// A counter family with one label whose values are unbounded (source
// addresses, file paths): at most `max_series` values get their own series,
// everything else is added to the series labelled `other`. Counts are exact
// in total (the series always sum to everything added) and every series is
// monotonic: a value that gets a slot starts at 0 from then on, and what it
// had before stays in `other`.
//
// Feed it deltas (add) and call end_period() once per collection period (e.g.
// each time the producer drains its BPF map): series that have not grown for
// `idle_periods` periods give their slot to the heaviest newcomers of the
// period. Thread-safe (one mutex; producers call add per key per period, not
// per packet).
class TopCounter final : public FamilyBase {
  public:
    TopCounter(std::string name, std::string help, std::string label_name, size_t max_series,
               size_t idle_periods, std::string other_value);

    void add(std::string_view key, uint64_t delta);
    void end_period();

    // For tests: the current series (key -> value), `other` included.
    std::map<std::string, uint64_t> series() const;

    Kind kind() const override { return Kind::Counter; }
    void render(std::string& out) const override;

  private:
    struct Slot {
        uint64_t value = 0;
        size_t idle = 0;  // periods without growth
        bool grew = false;
    };
    size_t max_series_;
    size_t idle_periods_;
    std::string other_value_;
    mutable std::mutex mutex_;
    std::map<std::string, Slot, std::less<>> slots_;
    uint64_t other_ = 0;
    // Newcomers of this period (bounded: the heaviest 4 * max_series are kept).
    std::unordered_map<std::string, uint64_t> candidates_;
};

class Registry {
  public:
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    CounterFamily& counter(std::string_view name, std::string_view help,
                           std::vector<std::string> label_names = {});
    GaugeFamily& gauge(std::string_view name, std::string_view help,
                       std::vector<std::string> label_names = {});
    HistogramFamily& histogram(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
    TopCounter& top_counter(std::string_view name, std::string_view help,
                            std::string_view label_name, size_t max_series,
                            size_t idle_periods = 10, std::string_view other_value = "other");

    // Every family in registration order, in the Prometheus text format 0.0.4.
    std::string render() const;

  private:
    template <typename F, typename... Args>
    F& add(std::string_view name, Args&&... args);

    mutable std::mutex mutex_;
    std::deque<std::unique_ptr<FamilyBase>> families_;
};

// The text format's escaping, exposed for tests.
void append_label_value(std::string& out, std::string_view value);
void append_number(std::string& out, double v);

}  // namespace probelog::metrics
