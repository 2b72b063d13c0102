#include "common/clock.hpp"

#include <cstring>
#include <ctime>

namespace probelog {
namespace {

int64_t now_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void put_digits(char* out, uint64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

int64_t realtime_now_ns() {
    return now_ns(CLOCK_REALTIME);
}

void BootClock::refresh() {
    // Bracket a boottime read between two realtime reads and keep the tightest
    // bracket, so scheduling noise does not skew the offset.
    int64_t best_gap = INT64_MAX;
    for (int i = 0; i < 5; ++i) {
        int64_t before = now_ns(CLOCK_REALTIME);
        int64_t boot = now_ns(CLOCK_BOOTTIME);
        int64_t after = now_ns(CLOCK_REALTIME);
        if (after - before < best_gap) {
            best_gap = after - before;
            offset_ns_ = before + (after - before) / 2 - boot;
        }
    }
}

std::string_view format_rfc3339(int64_t realtime_ns, char* out) {
    int64_t secs = realtime_ns / 1'000'000'000;
    int64_t frac = realtime_ns % 1'000'000'000;
    if (frac < 0) {
        frac += 1'000'000'000;
        secs -= 1;
    }
    time_t t = static_cast<time_t>(secs);
    tm utc{};
    gmtime_r(&t, &utc);
    // YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ
    put_digits(out, static_cast<uint64_t>(utc.tm_year) + 1900, 4);
    out[4] = '-';
    put_digits(out + 5, static_cast<uint64_t>(utc.tm_mon) + 1, 2);
    out[7] = '-';
    put_digits(out + 8, static_cast<uint64_t>(utc.tm_mday), 2);
    out[10] = 'T';
    put_digits(out + 11, static_cast<uint64_t>(utc.tm_hour), 2);
    out[13] = ':';
    put_digits(out + 14, static_cast<uint64_t>(utc.tm_min), 2);
    out[16] = ':';
    put_digits(out + 17, static_cast<uint64_t>(utc.tm_sec), 2);
    out[19] = '.';
    put_digits(out + 20, static_cast<uint64_t>(frac), 9);
    out[29] = 'Z';
    return {out, kRfc3339Size};
}

std::string_view Rfc3339Formatter::format(int64_t realtime_ns, char* out) {
    int64_t secs = realtime_ns / 1'000'000'000;
    int64_t frac = realtime_ns % 1'000'000'000;
    if (frac < 0) {
        frac += 1'000'000'000;
        secs -= 1;
    }
    if (secs != cached_second_) {
        char full[kRfc3339Size];
        format_rfc3339(secs * 1'000'000'000, full);
        std::memcpy(prefix_, full, sizeof(prefix_));
        cached_second_ = secs;
    }
    std::memcpy(out, prefix_, sizeof(prefix_));
    put_digits(out + 20, static_cast<uint64_t>(frac), 9);
    out[29] = 'Z';
    return {out, kRfc3339Size};
}

std::string_view format_clock_time(int64_t realtime_ns, char* out) {
    time_t t = static_cast<time_t>(realtime_ns / 1'000'000'000);
    tm local{};
    localtime_r(&t, &local);
    put_digits(out, static_cast<uint64_t>(local.tm_hour), 2);
    out[2] = ':';
    put_digits(out + 3, static_cast<uint64_t>(local.tm_min), 2);
    out[5] = ':';
    put_digits(out + 6, static_cast<uint64_t>(local.tm_sec), 2);
    out[8] = '.';
    put_digits(out + 9, static_cast<uint64_t>((realtime_ns % 1'000'000'000) / 1000), 6);
    return {out, 15};
}

}  // namespace probelog
