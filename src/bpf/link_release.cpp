#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

#include "bpf/object.hpp"

namespace probelog::bpf {

void release_links(std::vector<Link>& links) {
    // Detaching a tracepoint or uprobe link waits for an RCU grace period
    // (tens of ms here); waits that overlap share one, so N links released at
    // once take about as long as one.
    constexpr size_t kMaxThreads = 64;
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i = next.fetch_add(1); i < links.size(); i = next.fetch_add(1))
            links[i] = Link();
    };
    std::vector<std::thread> threads;
    size_t want = std::min(links.size(), kMaxThreads);
    try {
        for (size_t t = 1; t < want; ++t)
            threads.emplace_back(worker);
    } catch (const std::system_error&) {
        // Fewer threads: the ones running and this one share the rest.
    }
    worker();
    for (std::thread& t : threads)
        t.join();
    links.clear();
}

}  // namespace probelog::bpf
