#pragma once
// How full the event ring buffer is: the producer and consumer positions,
// read from the map's first two pages mapped read-only (what libbpf >= 1.3
// calls ring__avail_data_size; Debian 12's libbpf 1.1 does not have it).

#include <cstdint>

#include "common/result.hpp"

namespace probelog::bpf {

class RingFill {
  public:
    static Result<RingFill> map(int ring_map_fd);
    RingFill(RingFill&& other) noexcept;
    RingFill& operator=(RingFill&&) = delete;
    RingFill(const RingFill&) = delete;
    ~RingFill();

    // Bytes written by the kernel and not yet consumed (record headers included).
    uint64_t used_bytes() const;

  private:
    RingFill() = default;
    void* pages_ = nullptr;
    size_t length_ = 0;
    size_t page_size_ = 0;
};

}  // namespace probelog::bpf
