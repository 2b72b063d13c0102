#pragma once
// Drains the event ring buffers (one per trace): every available sample of
// every ring in one consume() call.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "bpf/ring_fill.hpp"
#include "bpf/runtime.hpp"
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
    // One ring to read. `wake_pending` (Runtime::wake_pending()): the wakeup
    // producers claim once `wake_bytes` wait in that ring (see
    // pl_wakeup_flags()); consume() re-arms it. Null: no claim to re-arm.
    struct Ring {
        int fd;
        uint64_t* wake_pending = nullptr;
    };

    static Result<RingReader> create(std::span<const Ring> rings, Handler handler, void* context,
                                     uint64_t wake_bytes = 0);
    // Every ring of `runtime` (the traces started so far), with their wakeup
    // claims when `claims` is set.
    static Result<RingReader> create(const Runtime& runtime, Handler handler, void* context,
                                     bool claims = true);

    // Consumes everything available now in every ring and re-arms the
    // producers' wakeups; returns the number of samples. When it returns,
    // either fewer than `wake_bytes` wait in each ring, or the next producer
    // past a ring's mark wakes the reader.
    size_t consume();
    // Reads one more ring from now on (a trace started while the run goes on).
    Status add(const Ring& ring);
    // Readable when the BPF side asked for a wakeup (see pl_wakeup_flags()).
    int epoll_fd() const;

  private:
    struct Deleter {
        void operator()(ring_buffer* rb) const;
    };
    // A ring's wakeup claim and fill (the fill is absent if it cannot be mapped).
    struct Claim {
        uint64_t* wake_pending;
        std::optional<RingFill> fill;
    };
    RingReader() = default;
    // Re-arms every claim; true if a ring still holds `wake_bytes_` or more.
    bool rearm();

    std::unique_ptr<Callback> callback_;  // stable address for libbpf
    std::unique_ptr<ring_buffer, Deleter> ring_;
    std::vector<Claim> claims_;
    uint64_t wake_bytes_ = 0;
};

}  // namespace probelog::bpf
