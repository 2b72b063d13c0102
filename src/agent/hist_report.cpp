#include "agent/hist_report.hpp"

#include <fmt/format.h>

namespace probelog {

HistReport::HistReport(std::optional<std::chrono::nanoseconds> interval, std::FILE* out)
    : out_(out), started_(Clock::now()) {
    if (interval) {
        interval_ = std::chrono::duration_cast<Clock::duration>(*interval);
        next_ = started_ + *interval_;
    }
}

void HistReport::bind(Pipeline& pipeline) {
    started_ = Clock::now();
    if (interval_) next_ = started_ + *interval_;
    pipeline.add_tap([this](const Record& r) { hists_.observe(r); });
}

// Ticks come after every drain (at least every --poll-ms), so a print is at
// most that late; a late one does not make the next ones come sooner.
void HistReport::tick(Pipeline& /*pipeline*/) {
    if (!interval_) return;
    auto now = Clock::now();
    if (now < next_) return;
    next_ += *interval_;
    if (next_ <= now) next_ = now + *interval_;
    print("");
}

// After the last drain: every record the kernel delivered is counted.
void HistReport::finish(Pipeline& /*pipeline*/) {
    print(" at exit");
}

void HistReport::print(std::string_view when) const {
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    std::string text =
        fmt::format("probelog: latency histograms{}, {:.1f}s since the start", when, seconds);
    // One write for the whole print: it stays together next to other messages.
    if (hists_.empty()) {
        text += ": no latencies recorded yet\n";
    } else {
        text += " (ns):\n" + hists_.render();
    }
    (void)std::fputs(text.c_str(), out_);
    (void)std::fflush(out_);
}

}  // namespace probelog
