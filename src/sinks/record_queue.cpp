#include "sinks/record_queue.hpp"

#include <algorithm>
#include <cstring>

namespace probelog {
namespace {

void put_u32(char* p, uint32_t v) {
    std::memcpy(p, &v, 4);
}
void put_u16(char* p, uint16_t v) {
    std::memcpy(p, &v, 2);
}
uint32_t get_u32(const char* p) {
    uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return v;
}
uint16_t get_u16(const char* p) {
    uint16_t v = 0;
    std::memcpy(&v, p, 2);
    return v;
}

}  // namespace

RecordQueue::RecordQueue(size_t capacity, size_t block_bytes)
    : capacity_(capacity), block_bytes_(block_bytes) {}

RecordQueue::Block* RecordQueue::block_for(size_t bytes) {
    if (!blocks_.empty()) {
        Block* tail = blocks_.back().get();
        if (tail->size - tail->used >= bytes) return tail;
    }
    std::unique_ptr<Block> block;
    if (!spare_.empty() && spare_.back()->size >= bytes) {
        block = std::move(spare_.back());
        spare_.pop_back();
    } else {
        // An entry larger than a block gets a block of its own.
        block = std::make_unique<Block>();
        block->size = std::max(block_bytes_, bytes);
        block->data = std::make_unique<char[]>(block->size);
    }
    block->used = block->read = block->entries = block->consumed = 0;
    blocks_.push_back(std::move(block));
    return blocks_.back().get();
}

bool RecordQueue::push(std::string_view key, std::string_view body, uint16_t trace) {
    key = key.substr(0, UINT16_MAX);
    size_t bytes = kEntryHeader + key.size() + body.size();
    std::lock_guard lock(mutex_);
    if (count_ >= capacity_) return false;
    Block* b = block_for(bytes);
    char* p = b->data.get() + b->used;
    put_u32(p, static_cast<uint32_t>(body.size()));
    put_u16(p + 4, static_cast<uint16_t>(key.size()));
    put_u16(p + 6, trace);
    // An empty view may have a null data(), which memcpy must not be given
    // even for 0 bytes (OTLP pushes no key).
    if (!key.empty()) std::memcpy(p + kEntryHeader, key.data(), key.size());
    if (!body.empty()) std::memcpy(p + kEntryHeader + key.size(), body.data(), body.size());
    b->used += bytes;
    ++b->entries;
    ++count_;
    if (ready_batch_ != 0 && count_ == ready_batch_) ready_cv_.notify_one();
    return true;
}

void RecordQueue::notify() {
    std::lock_guard lock(mutex_);
    if (count_ == 0) return;
    notified_ = true;
    ready_cv_.notify_one();
}

void RecordQueue::wake() {
    std::lock_guard lock(mutex_);
    woken_ = true;
    ++wakes_;
    ready_cv_.notify_all();
}

void RecordQueue::sleep_until(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    uint64_t wakes = wakes_;
    ready_cv_.wait_until(lock, until, [&] { return wakes_ != wakes; });
}

void RecordQueue::peek(std::vector<Entry>& out, size_t max_records, size_t max_bytes,
                       std::chrono::steady_clock::time_point until) {
    out.clear();
    max_records = std::max<size_t>(max_records, 1);
    std::unique_lock lock(mutex_);
    ready_batch_ = max_records;
    ready_cv_.wait_until(lock, until, [&] {
        return woken_ || (count_ > 0 && (notified_ || count_ >= max_records));
    });
    ready_batch_ = 0;
    size_t bytes = 0;
    for (const auto& block : blocks_) {
        size_t pos = block->read;
        for (size_t i = block->consumed; i < block->entries; ++i) {
            const char* p = block->data.get() + pos;
            uint32_t body = get_u32(p);
            uint16_t key = get_u16(p + 4);
            Entry e;
            e.trace = get_u16(p + 6);
            e.key = {p + kEntryHeader, key};
            e.body = {p + kEntryHeader + key, body};
            if (!out.empty() && bytes + body > max_bytes) return;
            out.push_back(e);
            bytes += body;
            if (out.size() == max_records) return;
            pos += kEntryHeader + key + body;
        }
    }
}

void RecordQueue::pop_locked(size_t n, std::vector<uint16_t>* traces) {
    while (n > 0 && !blocks_.empty()) {
        Block* b = blocks_.front().get();
        while (n > 0 && b->consumed < b->entries) {
            const char* p = b->data.get() + b->read;
            if (traces != nullptr) traces->push_back(get_u16(p + 6));
            b->read += kEntryHeader + get_u16(p + 4) + get_u32(p);
            ++b->consumed;
            --count_;
            --n;
        }
        // A drained block that the producer may still append to stays (unless
        // it is not the last one).
        if (b->consumed == b->entries && blocks_.size() > 1) {
            if (spare_.size() < 2 && b->size == block_bytes_)
                spare_.push_back(std::move(blocks_.front()));
            blocks_.pop_front();
        } else {
            break;
        }
    }
    if (count_ == 0) {
        notified_ = false;
        // Reuse the last block from its start.
        if (blocks_.size() == 1) {
            Block* b = blocks_.front().get();
            b->used = b->read = b->entries = b->consumed = 0;
        }
    }
}

void RecordQueue::pop(size_t n) {
    std::lock_guard lock(mutex_);
    pop_locked(n, nullptr);
}

size_t RecordQueue::size() const {
    std::lock_guard lock(mutex_);
    return count_;
}

}  // namespace probelog
