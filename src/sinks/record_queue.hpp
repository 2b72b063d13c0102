#pragma once
// A bounded queue of encoded records between the event loop (one producer) and
// a sink's I/O thread (one consumer).
//
// Entries are stored back to back in large blocks, so queueing a record copies
// its encoded bytes once and allocates nothing in the steady state (emptied
// blocks are kept for reuse). The consumer peeks a batch, sends it, and pops it
// only once it is delivered: a record counts against the bound until then, so
// "at most `capacity` records held" is exact, in flight or not.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace probelog {

class RecordQueue {
  public:
    struct Entry {
        std::string_view key;   // e.g. the Forward tag
        std::string_view body;  // the encoded record
        uint16_t trace = 0;     // the record's trace, for loss accounting
    };

    explicit RecordQueue(size_t capacity, size_t block_bytes = 256 * 1024);
    RecordQueue(const RecordQueue&) = delete;
    RecordQueue& operator=(const RecordQueue&) = delete;

    // Producer. False when the queue holds `capacity` records (the record is
    // not queued; the caller counts the drop).
    bool push(std::string_view key, std::string_view body, uint16_t trace);
    // Producer: records are ready to go (end of a ring buffer drain).
    void notify();

    // Consumer: waits until entries are ready (notified, or a batch's worth
    // queued) or `until` passes or wake() is called, then fills `out` with up
    // to `max_records` entries / about `max_bytes` (at least one entry when
    // any is queued). The views stay valid until pop().
    void peek(std::vector<Entry>& out, size_t max_records, size_t max_bytes,
              std::chrono::steady_clock::time_point until);
    // Consumer: removes the first n entries (all peeked before).
    void pop(size_t n);
    // Consumer: the first n entries' traces, then pop (for counting losses).
    template <typename Fn>
    void pop_each(size_t n, Fn&& fn);

    // Consumer: sleeps until `until` or the next wake() (backoff between retries).
    void sleep_until(std::chrono::steady_clock::time_point until);
    // Ends any wait, now and later (shutdown): peek() no longer waits.
    void wake();
    size_t size() const;
    size_t capacity() const { return capacity_; }

  private:
    struct Block {
        std::unique_ptr<char[]> data;
        size_t size = 0;      // bytes allocated
        size_t used = 0;      // bytes written by the producer
        size_t read = 0;      // bytes popped by the consumer
        size_t entries = 0;   // entries written
        size_t consumed = 0;  // entries popped
    };
    static constexpr size_t kEntryHeader = 8;  // u32 body size, u16 key size, u16 trace

    Block* block_for(size_t bytes);  // caller holds mutex_
    void pop_locked(size_t n, std::vector<uint16_t>* traces);

    const size_t capacity_;
    const size_t block_bytes_;
    mutable std::mutex mutex_;
    std::condition_variable ready_cv_;
    std::deque<std::unique_ptr<Block>> blocks_;
    std::vector<std::unique_ptr<Block>> spare_;
    size_t count_ = 0;
    bool notified_ = false;
    bool woken_ = false;
    uint64_t wakes_ = 0;
    size_t ready_batch_ = 0;  // wake the consumer without notify() at this size
};

template <typename Fn>
void RecordQueue::pop_each(size_t n, Fn&& fn) {
    std::vector<uint16_t> traces;
    {
        std::lock_guard lock(mutex_);
        pop_locked(n, &traces);
    }
    for (uint16_t t : traces)
        fn(t);
}

}  // namespace probelog
