#pragma once
// The shape every network sink shares: write() encodes the record (records are
// views, valid only during the call) and queues the bytes; the sink's own I/O
// thread sends them in batches, retries with exponential backoff while the
// destination is down or slow (or after the wait it asks for, e.g. Retry-After), and removes them
// from the queue once delivered. Only a full queue drops records, and each drop is counted
// (SinkStats). Neither the event loop nor the other sinks ever wait for a destination.

#include <atomic>
#include <cstdint>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sinks/net.hpp"
#include "sinks/record_queue.hpp"
#include "sinks/sink.hpp"

namespace probelog {

// Settings of the queue and the retry loop (params: queue_size, batch_size,
// retry_wait, retry_max_wait, timeout, grace).
struct QueueSettings {
    size_t queue_size = 10000;                        // records held at most (queued + in flight)
    size_t batch_size = 1000;                         // records per send
    size_t batch_bytes = 4 << 20;                     // bytes per send, about
    std::chrono::milliseconds retry_wait{250};        // first backoff
    std::chrono::milliseconds retry_max_wait{10000};  // backoff cap
    std::chrono::milliseconds timeout{10000};         // one connect, send or acknowledgement
    std::chrono::milliseconds grace{5000};            // at exit, to deliver what is queued
};

// The protocol part of a network sink.
class Transport {
  public:
    virtual ~Transport() = default;

    // Event loop thread: the queue key and encoded bytes of one record, as
    // views into the transport's own buffers, valid until the next call.
    virtual void encode(const Record& record, std::string_view& key, std::string_view& body) = 0;

    struct Delivery {
        size_t sent = 0;      // leading entries delivered
        size_t rejected = 0;  // entries after those that the destination refused for good
        Status error;         // set: reconnect, back off, retry the rest
        // With an error: the destination asked for this wait before the next
        // try (HTTP Retry-After); it replaces the backoff for that retry.
        std::optional<std::chrono::milliseconds> retry_after;
    };
    // I/O thread: sends a batch (connecting first if needed) before `deadline`.
    virtual Delivery deliver(std::span<const RecordQueue::Entry> batch, net::Deadline deadline) = 0;
    // I/O thread: drops the connection (after an error, and at the end).
    virtual void disconnect() = 0;
};

class QueuedSink final : public Sink {
  public:
    QueuedSink(std::string name, std::string target, const QueueSettings& settings,
               std::unique_ptr<Transport> transport);
    ~QueuedSink() override;

    void write(const Record& record) override;
    Status flush() override;
    const SinkStats* stats() const override { return &stats_; }
    void begin_close() override;
    Status close() override;

  private:
    void run();
    void note_failure(const Error& error);

    QueueSettings settings_;
    SinkStats stats_;
    RecordQueue queue_;
    std::unique_ptr<Transport> transport_;
    std::atomic<bool> closing_{false};
    std::atomic<int64_t> close_deadline_ns_{INT64_MAX};  // steady clock; set by begin_close
    bool failing_ = false;                               // I/O thread: in an outage
    std::thread thread_;                                 // last: started after everything else
};

}  // namespace probelog
