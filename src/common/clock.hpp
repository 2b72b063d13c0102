#pragma once
// Kernel event times are CLOCK_BOOTTIME nanoseconds; records carry wall-clock
// time. The offset between the two is measured once and refreshed on demand so
// that a clock step (NTP, settimeofday) shows up in later records.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace probelog {

// CLOCK_REALTIME now, in ns since the epoch: the time of records made in user
// space (loss reports, aggregates, stats), which have no kernel timestamp.
int64_t realtime_now_ns();

class BootClock {
  public:
    BootClock() { refresh(); }

    // Re-measures realtime - boottime (cheap: a few clock_gettime calls).
    void refresh();

    // Wraps (two's complement) rather than overflow on a corrupt boot_ns: a
    // wrong time on a wrong event, never undefined behaviour.
    int64_t to_realtime_ns(uint64_t boot_ns) const {
        return static_cast<int64_t>(boot_ns + static_cast<uint64_t>(offset_ns_));
    }
    int64_t offset_ns() const { return offset_ns_; }

  private:
    int64_t offset_ns_ = 0;
};

// Formats realtime ns since the epoch as RFC 3339 in UTC with ns precision,
// "2026-11-21T23:26:25.123456789Z", into out (at least kRfc3339Size bytes).
inline constexpr size_t kRfc3339Size = 30;
std::string_view format_rfc3339(int64_t realtime_ns, char* out);

// format_rfc3339 that remembers the last second it formatted: records arrive in
// time order, so the calendar conversion runs about once per second, not per record.
class Rfc3339Formatter {
  public:
    std::string_view format(int64_t realtime_ns, char* out);

  private:
    int64_t cached_second_ = INT64_MIN;
    char prefix_[20] = {};  // "YYYY-MM-DDTHH:MM:SS"
};

// "23:26:25.123456" in local time, for the terminal table (out: at least 16 bytes).
std::string_view format_clock_time(int64_t realtime_ns, char* out);

}  // namespace probelog
