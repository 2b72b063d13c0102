#include "bpf/ring_fill.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

namespace probelog::bpf {

Result<RingFill> RingFill::map(int ring_map_fd) {
    RingFill f;
    f.page_size_ = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    f.length_ = 2 * f.page_size_;  // consumer page, producer page
    void* p = ::mmap(nullptr, f.length_, PROT_READ, MAP_SHARED, ring_map_fd, 0);
    if (p == MAP_FAILED) {
        return make_error("cannot map the ring buffer positions: {}", std::strerror(errno));
    }
    f.pages_ = p;
    return f;
}

RingFill::RingFill(RingFill&& other) noexcept
    : pages_(std::exchange(other.pages_, nullptr)),
      length_(other.length_),
      page_size_(other.page_size_) {}

RingFill::~RingFill() {
    if (pages_ != nullptr) ::munmap(pages_, length_);
}

uint64_t RingFill::used_bytes() const {
    auto* consumer = reinterpret_cast<const unsigned long*>(pages_);
    auto* producer =
        reinterpret_cast<const unsigned long*>(static_cast<const char*>(pages_) + page_size_);
    unsigned long cons = __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
    unsigned long prod = __atomic_load_n(producer, __ATOMIC_ACQUIRE);
    return prod >= cons ? prod - cons : 0;
}

}  // namespace probelog::bpf
