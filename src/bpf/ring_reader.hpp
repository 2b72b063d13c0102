#pragma once
// Drains the shared ring buffer: every available sample in one consume() call.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/result.hpp"

struct ring_buffer;

namespace probelog::bpf {

class RingReader {
  public:
    // Called for each sample; the bytes are valid only during the call.
    using Handler = void (*)(void* context, std::span<const std::byte> sample);
    struct Callback {
        Handler handler;
        void* context;
    };

    // `wake_pending` (Runtime::wake_pending()): cleared before each drain, so
    // that producers may force one more wakeup (see pl_wakeup_flags()).
    static Result<RingReader> create(int ring_map_fd, Handler handler, void* context,
                                     uint64_t* wake_pending = nullptr);

    // Consumes everything available now; returns the number of samples.
    size_t consume();
    // Readable when the BPF side asked for a wakeup (see pl_wakeup_flags()).
    int epoll_fd() const;

  private:
    struct Deleter {
        void operator()(ring_buffer* rb) const;
    };
    RingReader() = default;

    std::unique_ptr<Callback> callback_;  // stable address for libbpf
    std::unique_ptr<ring_buffer, Deleter> ring_;
    uint64_t* wake_pending_ = nullptr;
};

}  // namespace probelog::bpf
