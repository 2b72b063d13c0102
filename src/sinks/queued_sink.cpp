#include "sinks/queued_sink.hpp"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>

namespace probelog {
namespace {

using SteadyClock = std::chrono::steady_clock;

SteadyClock::time_point from_ns(int64_t ns) {
    return SteadyClock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace

QueuedSink::QueuedSink(std::string name, std::string target, const QueueSettings& settings,
                       std::unique_ptr<Transport> transport)
    : settings_(settings), queue_(settings.queue_size), transport_(std::move(transport)) {
    stats_.name = std::move(name);
    stats_.target = std::move(target);
    stats_.queue_capacity = settings.queue_size;
    thread_ = std::thread([this] { run(); });
}

QueuedSink::~QueuedSink() {
    if (thread_.joinable()) {
        if (!closing_) {
            close_deadline_ns_ = SteadyClock::now().time_since_epoch().count();
            closing_ = true;
            queue_.wake();
        }
        thread_.join();
    }
}

void QueuedSink::write(const Record& record) {
    if (closing_.load(std::memory_order_relaxed)) return;
    stats_.accepted.fetch_add(1, std::memory_order_relaxed);
    if (queue_.size() >= queue_.capacity()) {
        // Full: drop the newest (what is queued keeps its order and goes first).
        stats_.dropped.fetch_add(1, std::memory_order_relaxed);
        stats_.count_lost(record.trace());
        return;
    }
    std::string_view key;
    std::string_view body;
    transport_->encode(record, key, body);
    if (!queue_.push(key, body, record.trace())) {
        stats_.dropped.fetch_add(1, std::memory_order_relaxed);
        stats_.count_lost(record.trace());
        return;
    }
    stats_.queued.store(queue_.size(), std::memory_order_relaxed);
}

Status QueuedSink::flush() {
    queue_.notify();
    return {};
}

void QueuedSink::begin_close() {
    if (closing_) return;
    close_deadline_ns_ = (SteadyClock::now() + settings_.grace).time_since_epoch().count();
    closing_ = true;
    queue_.wake();
}

Status QueuedSink::close() {
    begin_close();
    if (thread_.joinable()) thread_.join();
    return {};
}

void QueuedSink::note_failure(const Error& error) {
    stats_.retries.fetch_add(1, std::memory_order_relaxed);
    stats_.connected.store(false, std::memory_order_relaxed);
    if (!failing_) {
        failing_ = true;
        fmt::print(stderr,
                   "probelog: output {} ({}): {}; retrying, records wait in its queue (up to {})\n",
                   stats_.name, stats_.target, error.message, settings_.queue_size);
    }
}

void QueuedSink::run() {
    std::string thread_name = "pl-" + stats_.name;
    thread_name.resize(std::min<size_t>(thread_name.size(), 15));
    (void)::pthread_setname_np(::pthread_self(), thread_name.c_str());
    std::vector<RecordQueue::Entry> batch;
    auto backoff = settings_.retry_wait;
    for (;;) {
        bool closing = closing_.load();
        auto now = SteadyClock::now();
        auto close_deadline =
            closing ? from_ns(close_deadline_ns_.load()) : SteadyClock::time_point::max();
        if (closing && (queue_.size() == 0 || now >= close_deadline)) break;

        queue_.peek(batch, settings_.batch_size, settings_.batch_bytes,
                    std::min(close_deadline, now + std::chrono::seconds(1)));
        if (batch.empty()) continue;

        net::Deadline deadline{SteadyClock::now() + settings_.timeout, &close_deadline_ns_};
        Transport::Delivery d = transport_->deliver(batch, deadline);
        d.sent = std::min(d.sent, batch.size());
        d.rejected = std::min(d.rejected, batch.size() - d.sent);
        if (d.sent > 0) {
            queue_.pop(d.sent);
            stats_.sent.fetch_add(d.sent, std::memory_order_relaxed);
        }
        if (d.rejected > 0) {
            stats_.rejected.fetch_add(d.rejected, std::memory_order_relaxed);
            queue_.pop_each(d.rejected, [&](uint16_t trace) { stats_.count_lost(trace); });
        }
        stats_.queued.store(queue_.size(), std::memory_order_relaxed);

        if (!d.error.ok()) {
            transport_->disconnect();
            note_failure(d.error.error());
            if (d.retry_after) {
                // The destination's own wait (Retry-After) is honoured as given, even
                // beyond retry_max_wait and while shutting down: only the end of the
                // grace period cuts it short.
                auto until = SteadyClock::now() + *d.retry_after;
                while (SteadyClock::now() < until) {
                    auto cap = from_ns(close_deadline_ns_.load());
                    if (SteadyClock::now() >= cap) break;
                    queue_.sleep_until(std::min(until, cap));
                }
            } else {
                // A backoff is cut short by the shutdown: what is queued gets its
                // last chance within the grace period.
                queue_.sleep_until(std::min(SteadyClock::now() + backoff, close_deadline));
            }
            backoff = std::min(backoff * 2, settings_.retry_max_wait);
            continue;
        }
        backoff = settings_.retry_wait;
        stats_.connected.store(true, std::memory_order_relaxed);
        if (failing_) {
            failing_ = false;
            fmt::print(stderr, "probelog: output {} ({}): delivering again\n", stats_.name,
                       stats_.target);
        }
    }
    // Whatever is still queued now will never be sent.
    size_t left = queue_.size();
    if (left > 0) {
        stats_.unsent.fetch_add(left, std::memory_order_relaxed);
        queue_.pop_each(left, [&](uint16_t trace) { stats_.count_lost(trace); });
        stats_.queued.store(0, std::memory_order_relaxed);
    }
    transport_->disconnect();
    stats_.connected.store(false, std::memory_order_relaxed);
}

}  // namespace probelog
