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
                                      uint64_t* wake_pending) {
    RingReader reader;
    reader.wake_pending_ = wake_pending;
    reader.callback_ = std::make_unique<Callback>(Callback{handler, context});
    ring_buffer* rb = ring_buffer__new(ring_map_fd, &on_sample, reader.callback_.get(), nullptr);
    if (rb == nullptr) {
        return make_error("cannot map the event ring buffer: {}", std::strerror(errno));
    }
    reader.ring_.reset(rb);
    return reader;
}

size_t RingReader::consume() {
    // Re-arm before draining: a producer that crosses the mark from now on wakes
    // us again, so no wakeup can be missed between this drain and the next wait.
    if (wake_pending_ != nullptr) __atomic_store_n(wake_pending_, 0, __ATOMIC_SEQ_CST);
    int n = ring_buffer__consume(ring_.get());
    return n > 0 ? static_cast<size_t>(n) : 0;
}

int RingReader::epoll_fd() const {
    return ring_buffer__epoll_fd(ring_.get());
}

}  // namespace probelog::bpf
