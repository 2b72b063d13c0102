#include "metrics/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace probelog::metrics {
namespace {

void append_help(std::string& out, std::string_view text) {
    for (char c : text) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
}

void append_header(std::string& out, const std::string& name, std::string_view help,
                   std::string_view type) {
    out.append("# HELP ").append(name).push_back(' ');
    append_help(out, help);
    out.append("\n# TYPE ").append(name).push_back(' ');
    out.append(type).push_back('\n');
}

// name{a="x",b="y"[,extra_name="extra_value"]}
void append_series(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
    out.append(name);
    bool any = false;
    for (size_t i = 0; i < names.size(); ++i) {
        out.push_back(any ? ',' : '{');
        any = true;
        out.append(names[i]).append("=\"");
        append_label_value(out, values[i]);
        out.push_back('"');
    }
    if (!extra_name.empty()) {
        out.push_back(any ? ',' : '{');
        any = true;
        out.append(extra_name).append("=\"");
        append_label_value(out, extra_value);
        out.push_back('"');
    }
    if (any) out.push_back('}');
    out.push_back(' ');
}

void append_uint(std::string& out, uint64_t v) {
    fmt::format_to(std::back_inserter(out), "{}", v);
}

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

[[noreturn]] void misuse(std::string_view what, std::string_view name) {
    // A programming error in a producer, found by its first test run.
    fmt::print(stderr, "probelog: metrics: {} '{}'\n", what, name);
    std::abort();
}

}  // namespace

void append_label_value(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '"') {
            out.append("\\\"");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
}

void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out.append("NaN");
    } else if (std::isinf(v)) {
        out.append(v > 0 ? "+Inf" : "-Inf");
    } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
        fmt::format_to(std::back_inserter(out), "{}", static_cast<int64_t>(v));
    } else {
        fmt::format_to(std::back_inserter(out), "{}", v);
    }
}

// ---- Histogram

Histogram::Histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()),
      counts_(new std::atomic<uint64_t>[upper_bounds.size() + 1]) {
    std::sort(bounds_.begin(), bounds_.end());
    for (size_t i = 0; i <= bounds_.size(); ++i)
        counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
    size_t i =
        static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

void Histogram::set(std::span<const uint64_t> counts, double sum) {
    for (size_t i = 0; i <= bounds_.size(); ++i)
        counts_[i].store(i < counts.size() ? counts[i] : 0, std::memory_order_relaxed);
    sum_.store(sum, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.cumulative.resize(bounds_.size() + 1);
    uint64_t total = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        total += counts_[i].load(std::memory_order_relaxed);
        s.cumulative[i] = total;
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
    std::vector<double> out;
    double v = start;
    for (size_t i = 0; i < count; ++i, v *= factor)
        out.push_back(v);
    return out;
}

// ---- Family

template <typename Metric>
Metric& Family<Metric>::labels(std::initializer_list<std::string_view> values) {
    return child(std::vector<std::string>(values.begin(), values.end()));
}

template <typename Metric>
Metric& Family<Metric>::labels(std::span<const std::string> values) {
    return child(std::vector<std::string>(values.begin(), values.end()));
}

template <typename Metric>
Metric& Family<Metric>::child(std::vector<std::string> values) {
    if (values.size() != label_names_.size()) misuse("wrong number of label values for", name_);
    std::lock_guard lock(mutex_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
    std::unique_ptr<Metric> m;
    if constexpr (std::is_same_v<Metric, Histogram>) {
        m = std::make_unique<Histogram>(bounds_);
    } else {
        m = std::make_unique<Metric>();
    }
    Metric& ref = *m;
    children_.emplace(std::move(values), std::move(m));
    return ref;
}

template <typename Metric>
void Family<Metric>::remove(std::span<const std::string> values) {
    std::lock_guard lock(mutex_);
    children_.erase(std::vector<std::string>(values.begin(), values.end()));
}

template <>
Kind Family<Counter>::kind() const {
    return Kind::Counter;
}
template <>
Kind Family<Gauge>::kind() const {
    return Kind::Gauge;
}
template <>
Kind Family<Histogram>::kind() const {
    return Kind::Histogram;
}

template <>
void Family<Counter>::render(std::string& out) const {
    append_header(out, name_, help_, "counter");
    std::lock_guard lock(mutex_);
    for (const auto& [values, c] : children_) {
        append_series(out, name_, label_names_, values);
        append_uint(out, c->value());
        out.push_back('\n');
    }
}

template <>
void Family<Gauge>::render(std::string& out) const {
    append_header(out, name_, help_, "gauge");
    std::lock_guard lock(mutex_);
    for (const auto& [values, g] : children_) {
        append_series(out, name_, label_names_, values);
        append_number(out, g->value());
        out.push_back('\n');
    }
}

template <>
void Family<Histogram>::render(std::string& out) const {
    append_header(out, name_, help_, "histogram");
    std::string bucket = name_ + "_bucket";
    std::string le;
    std::lock_guard lock(mutex_);
    for (const auto& [values, h] : children_) {
        Histogram::Snapshot s = h->snapshot();
        for (size_t i = 0; i < s.cumulative.size(); ++i) {
            le.clear();
            if (i < h->bounds().size()) {
                append_number(le, h->bounds()[i]);
            } else {
                le = "+Inf";
            }
            append_series(out, bucket, label_names_, values, "le", le);
            append_uint(out, s.cumulative[i]);
            out.push_back('\n');
        }
        append_series(out, name_ + "_sum", label_names_, values);
        append_number(out, s.sum);
        out.push_back('\n');
        append_series(out, name_ + "_count", label_names_, values);
        append_uint(out, s.cumulative.back());
        out.push_back('\n');
    }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- TopCounter

TopCounter::TopCounter(std::string name, std::string help, std::string label_name,
                       size_t max_series, size_t idle_periods, std::string other_value)
    : FamilyBase(std::move(name), std::move(help), {std::move(label_name)}),
      max_series_(max_series),
      idle_periods_(std::max<size_t>(idle_periods, 1)),
      other_value_(std::move(other_value)) {}

void TopCounter::add(std::string_view key, uint64_t delta) {
    std::lock_guard lock(mutex_);
    if (auto it = slots_.find(key); it != slots_.end()) {
        it->second.value += delta;
        it->second.grew = it->second.grew || delta != 0;
        return;
    }
    if (slots_.size() < max_series_) {
        slots_.emplace(std::string(key), Slot{delta, 0, delta != 0});
        return;
    }
    other_ += delta;
    if (delta == 0) return;
    candidates_[std::string(key)] += delta;
    if (candidates_.size() > 8 * std::max<size_t>(max_series_, 1)) {
        // Keep the heaviest half; the rest were small this period anyway.
        std::vector<std::pair<uint64_t, std::string>> v;
        v.reserve(candidates_.size());
        for (auto& [k, n] : candidates_)
            v.emplace_back(n, k);
        size_t keep = v.size() / 2;
        std::nth_element(v.begin(), v.begin() + static_cast<long>(keep), v.end(), std::greater<>());
        v.resize(keep);
        candidates_.clear();
        for (auto& [n, k] : v)
            candidates_.emplace(std::move(k), n);
    }
}

void TopCounter::end_period() {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<size_t, std::string>> idle;  // (periods idle, key)
    for (auto& [key, slot] : slots_) {
        slot.idle = slot.grew ? 0 : slot.idle + 1;
        slot.grew = false;
        if (slot.idle >= idle_periods_) idle.emplace_back(slot.idle, key);
    }
    if (!candidates_.empty() && !idle.empty()) {
        std::vector<std::pair<uint64_t, std::string>> heavy;
        heavy.reserve(candidates_.size());
        for (auto& [k, n] : candidates_)
            heavy.emplace_back(n, k);
        std::sort(heavy.begin(), heavy.end(), std::greater<>());
        std::sort(idle.begin(), idle.end(), std::greater<>());  // most idle first
        for (size_t i = 0; i < heavy.size() && i < idle.size(); ++i) {
            auto it = slots_.find(idle[i].second);
            other_ += it->second.value;  // the evicted series' count stays in the total
            slots_.erase(it);
            // The newcomer's past stays in `other`; its own series starts now.
            slots_.emplace(std::move(heavy[i].second), Slot{0, 0, false});
        }
    }
    candidates_.clear();
}

std::map<std::string, uint64_t> TopCounter::series() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, uint64_t> out;
    for (const auto& [key, slot] : slots_)
        out.emplace(key, slot.value);
    out[other_value_] += other_;
    return out;
}

void TopCounter::render(std::string& out) const {
    append_header(out, name_, help_, "counter");
    std::vector<std::string> values(1);
    std::lock_guard lock(mutex_);
    for (const auto& [key, slot] : slots_) {
        values[0] = key;
        append_series(out, name_, label_names_, values);
        append_uint(out, slot.value);
        out.push_back('\n');
    }
    values[0] = other_value_;
    append_series(out, name_, label_names_, values);
    append_uint(out, other_);
    out.push_back('\n');
}

// ---- Registry

template <typename F, typename... Args>
F& Registry::add(std::string_view name, Args&&... args) {
    if (!valid_name(name)) misuse("invalid metric name", name);
    std::lock_guard lock(mutex_);
    for (auto& f : families_) {
        if (f->name() != name) continue;
        auto* same = dynamic_cast<F*>(f.get());
        if (same == nullptr) misuse("registered twice with different kinds:", name);
        return *same;
    }
    auto family = std::make_unique<F>(std::string(name), std::forward<Args>(args)...);
    F& ref = *family;
    families_.push_back(std::move(family));
    return ref;
}

CounterFamily& Registry::counter(std::string_view name, std::string_view help,
                                 std::vector<std::string> label_names) {
    return add<CounterFamily>(name, std::string(help), std::move(label_names));
}

GaugeFamily& Registry::gauge(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names) {
    return add<GaugeFamily>(name, std::string(help), std::move(label_names));
}

HistogramFamily& Registry::histogram(std::string_view name, std::string_view help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
    return add<HistogramFamily>(name, std::string(help), std::move(label_names), std::move(bounds));
}

TopCounter& Registry::top_counter(std::string_view name, std::string_view help,
                                  std::string_view label_name, size_t max_series,
                                  size_t idle_periods, std::string_view other_value) {
    return add<TopCounter>(name, std::string(help), std::string(label_name), max_series,
                           idle_periods, std::string(other_value));
}

std::string Registry::render() const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const auto& f : families_)
        f->render(out);
    return out;
}

}  // namespace probelog::metrics
