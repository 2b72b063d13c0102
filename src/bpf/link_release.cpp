#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
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

namespace {

// In the grandchild of hand_off_links (forked from a process with threads:
// system calls only): closes every file descriptor but the sorted `keep` (the
// links and `gate`), waits until the parent has closed its own references
// (the gate's write end), then exits, which tears the hooks down.
[[noreturn]] void keep_until_gate_and_exit(const std::vector<int>& keep, int gate) {
    unsigned int next = 0;
    for (int fd : keep) {
        if (static_cast<unsigned int>(fd) > next) ::close_range(next, fd - 1, 0);
        next = fd + 1;
    }
    ::close_range(next, UINT_MAX, 0);
    char byte = 0;
    while (::read(gate, &byte, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
}

}  // namespace

UniqueFd hand_off_links(std::vector<Link>& links) {
    // The semaphores first, in parallel and here, before a child's teardown
    // of the rest competes with theirs.
    std::vector<Link> now;
    std::vector<Link> rest;
    std::vector<int> keep;
    for (Link& link : links) {
        if (link.semaphore() || link.fd() < 0) {
            now.push_back(std::move(link));
        } else {
            keep.push_back(link.fd());
            rest.push_back(std::move(link));
        }
    }
    links.clear();
    release_links(now);
    // The grandchild holds the links until this process has dropped its own
    // references, so that the last reference, and the teardown, is its.
    int gate[2] = {-1, -1};
    pid_t child = -1;
    if (!keep.empty() && ::pipe2(gate, O_CLOEXEC) == 0) {
        keep.push_back(gate[0]);
        std::sort(keep.begin(), keep.end());
        keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
        // Two forks: the child ends at once (reaped here), so the grandchild
        // is nobody's child to wait for (init reaps it).
        child = ::fork();
        if (child == 0) {
            if (::fork() == 0) keep_until_gate_and_exit(keep, gate[0]);
            ::_exit(0);
        }
        ::close(gate[0]);
    }
    if (child > 0) {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
    }
    // With a grandchild holding them, this closes this process's references
    // only (one after another: each is cheap); without one, it is the whole
    // teardown (in parallel).
    if (child > 0) {
        rest.clear();
    } else {
        release_links(rest);
    }
    return UniqueFd(gate[1]);
}

}  // namespace probelog::bpf
