#include "bpf/ring_reader.hpp"

#include <bpf/libbpf.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace probelog::bpf {
namespace {

int on_sample(void* ctx, void* data, size_t size) {
    auto* target = static_cast<RingReader::Callback*>(ctx);
    target->handler(target->context, {static_cast<const std::byte*>(data), size});
    return 0;
}

}  // namespace

void RingReader::Deleter::operator()(ring_buffer* rb) const {
    ring_buffer__free(rb);
}

Result<RingReader> RingReader::create(int ring_map_fd, Handler handler, void* context,
                                      uint64_t* wake_pending, uint64_t wake_bytes) {
    RingReader reader;
    reader.wake_pending_ = wake_pending;
    reader.wake_bytes_ = wake_bytes;
    if (wake_pending != nullptr) {
        if (auto fill = RingFill::map(ring_map_fd)) reader.fill_.emplace(std::move(*fill));
    }
    reader.callback_ = std::make_unique<Callback>(Callback{handler, context});
    ring_buffer* rb = ring_buffer__new(ring_map_fd, &on_sample, reader.callback_.get(), nullptr);
    if (rb == nullptr) {
        return make_error("cannot map the event ring buffer: {}", std::strerror(errno));
    }
    reader.ring_.reset(rb);
    return reader;
}

size_t RingReader::consume() {
    size_t total = 0;
    for (int round = 0; round < 16; ++round) {
        int n = ring_buffer__consume(ring_.get());
        if (n > 0) total += static_cast<size_t>(n);
        if (wake_pending_ == nullptr) break;
        // Re-arm after draining, never only before: a wakeup claimed during the
        // drain may have been absorbed by it (the ring was empty again when the
        // event loop looked), and a claim nobody clears silences every producer
        // until the next --poll-ms timeout, long enough for a busy ring to fill.
        // The exchange is a full barrier: a producer that checks the mark after
        // it wakes us; one that checked before left data that the check below sees.
        (void)__atomic_exchange_n(wake_pending_, 0, __ATOMIC_SEQ_CST);
        if (!fill_ || fill_->used_bytes() < wake_bytes_) break;
    }
    return total;
}

int RingReader::epoll_fd() const {
    return ring_buffer__epoll_fd(ring_.get());
}

}  // namespace probelog::bpf
