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

Result<RingReader> RingReader::create(std::span<const Ring> rings, Handler handler, void* context,
                                      uint64_t wake_bytes) {
    if (rings.empty()) return make_error("no event ring buffer to read");
    RingReader reader;
    reader.wake_bytes_ = wake_bytes;
    reader.callback_ = std::make_unique<Callback>(Callback{handler, context});
    for (const Ring& r : rings) {
        if (!reader.ring_) {
            ring_buffer* rb = ring_buffer__new(r.fd, &on_sample, reader.callback_.get(), nullptr);
            if (rb == nullptr) {
                return make_error("cannot map the event ring buffer: {}", std::strerror(errno));
            }
            reader.ring_.reset(rb);
        } else if (int err = ring_buffer__add(reader.ring_.get(), r.fd, &on_sample,
                                              reader.callback_.get());
                   err != 0) {
            return make_error("cannot map the event ring buffer: {}", std::strerror(-err));
        }
        if (r.wake_pending == nullptr) continue;
        Claim& claim = reader.claims_.emplace_back(Claim{r.wake_pending, std::nullopt});
        if (auto fill = RingFill::map(r.fd)) claim.fill.emplace(std::move(*fill));
    }
    return reader;
}

Result<RingReader> RingReader::create(const Runtime& runtime, Handler handler, void* context,
                                      bool claims) {
    std::vector<Ring> rings;
    for (const EventRing& r : runtime.rings())
        rings.push_back({r.fd.get(), claims ? runtime.wake_pending(r.trace) : nullptr});
    return create(rings, handler, context, claims ? runtime.wakeup_bytes() : 0);
}

Status RingReader::add(const Ring& r) {
    if (int err = ring_buffer__add(ring_.get(), r.fd, &on_sample, callback_.get()); err != 0) {
        return make_error("cannot map the event ring buffer: {}", std::strerror(-err));
    }
    if (r.wake_pending == nullptr) return {};
    Claim& claim = claims_.emplace_back(Claim{r.wake_pending, std::nullopt});
    if (auto fill = RingFill::map(r.fd)) claim.fill.emplace(std::move(*fill));
    return {};
}

bool RingReader::rearm() {
    bool above = false;
    for (Claim& c : claims_) {
        // Re-arm after draining, never only before: a wakeup claimed during the
        // drain may have been absorbed by it (the ring was empty again when the
        // event loop looked), and a claim nobody clears silences every producer
        // of that ring until the next --poll-ms timeout, long enough for a busy
        // ring to fill. The exchange is a full barrier: a producer that checks
        // the mark after it wakes us; one that checked before left data that
        // the check below sees.
        (void)__atomic_exchange_n(c.wake_pending, 0, __ATOMIC_SEQ_CST);
        if (c.fill && c.fill->used_bytes() >= wake_bytes_) above = true;
    }
    return above;
}

size_t RingReader::consume() {
    size_t total = 0;
    for (int round = 0; round < 16; ++round) {
        int n = ring_buffer__consume(ring_.get());
        if (n > 0) total += static_cast<size_t>(n);
        if (claims_.empty() || !rearm()) break;
    }
    return total;
}

int RingReader::epoll_fd() const {
    return ring_buffer__epoll_fd(ring_.get());
}

}  // namespace probelog::bpf
