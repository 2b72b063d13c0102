#pragma once
// Drains the shared ring buffer: every available sample in one consume() call.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "bpf/ring_fill.hpp"
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

    // `wake_pending` (Runtime::wake_pending()): the wakeup producers claim once
    // `wake_bytes` wait in the ring (see pl_wakeup_flags()); consume() re-arms it.
    static Result<RingReader> create(int ring_map_fd, Handler handler, void* context,
                                     uint64_t* wake_pending = nullptr, uint64_t wake_bytes = 0);

    // Consumes everything available now and re-arms the producers' wakeup;
    // returns the number of samples. When it returns, either fewer than
    // `wake_bytes` wait, or the next producer past the mark wakes the reader.
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
    uint64_t wake_bytes_ = 0;
    std::optional<RingFill> fill_;  // the ring's fill (absent if it cannot be mapped)
};

}  // namespace probelog::bpf
