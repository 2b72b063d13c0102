// Outputs under faults (issue 20), as a user meets them: a file output on a
// file system that fills up, a Fluent Forward receiver that accepts and never
// reads, an OTLP receiver that answers 429 and 503 with Retry-After. Each run
// also writes JSON lines to stdout, the reference of what the faulty output
// should have had.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

size_t count_of(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// "output NAME (TARGET): S sent, L lost" of the exit summary: {S, L}.
std::pair<uint64_t, uint64_t> sink_summary(const std::string& err, const std::string& name) {
    std::smatch m;
    std::regex re("output " + name + R"( \([^)]*\): (\d+) sent, (\d+) lost)");
    if (!std::regex_search(err, m, re)) return {UINT64_MAX, UINT64_MAX};
    return {std::stoull(m[1]), std::stoull(m[2])};
}

// A small tmpfs mounted for the test, unmounted (lazily) with it.
class SmallTmpfs {
  public:
    SmallTmpfs(const std::string& path, const char* size) : path_(path) {
        std::filesystem::create_directories(path);
        mounted_ = ::mount("tmpfs", path.c_str(), "tmpfs", 0,
                           fmt::format("size={},mode=0755", size).c_str()) == 0;
    }
    ~SmallTmpfs() {
        if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    bool mounted() const { return mounted_; }

    // Writes `name` until the file system is full; false if it never filled.
    bool fill(const std::string& name) const {
        int fd =
            ::open((path_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return false;
        std::vector<char> block(4096, 'x');
        bool full = false;
        for (int i = 0; i < 100000 && !full; ++i) {
            ssize_t n = ::write(fd, block.data(), block.size());
            full = n < 0 && errno == ENOSPC;
        }
        ::close(fd);
        return full;
    }

  private:
    std::string path_;
    bool mounted_ = false;
};

// A shell that runs /bin/true ARG-0 .. ARG-(n-1).
std::string execs(const std::string& arg, int n) {
    return fmt::format("i=0; while [ $i -lt {} ]; do /bin/true {}-$i; i=$((i+1)); done; ", n, arg);
}

// Proves: on a full file system the file output loses the records it cannot
// write, counts them (lost records on the other outputs, the summary, exit
// status 3), says so once, never leaves half a record in the file, and writes
// again as soon as there is room, while the other output misses nothing.
TEST(FaultSinksE2E, FileOnAFullFileSystemDropsCountsAndResumesWithWholeLines) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-fault-fs"};
    SmallTmpfs fs(dir.file("mnt"), "64k");
    ASSERT_TRUE(fs.mounted()) << std::strerror(errno);
    std::string out = dir.file("mnt") + "/out.jsonl";
    // A line already in the file, 4090 bytes: its page has room for 6 more, so
    // the first failed write is a partial one (and no record ever fits).
    std::string seed = "{\"seed\":1,\"pad\":\"\"}\n";
    seed.insert(seed.size() - 3, std::string(4090 - seed.size(), 'p'));
    ASSERT_EQ(seed.size(), 4090u);
    dir.write("mnt/out.jsonl", seed);
    ASSERT_TRUE(fs.fill("filler"));
    // Two FIFOs: the shell says when its first execs are done, and waits for
    // the test's go.
    std::string done = dir.file("done"), go = dir.file("go");
    ASSERT_EQ(::mkfifo(done.c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo(go.c_str(), 0600), 0);
    int done_fd = ::open(done.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(done_fd, 0);
    std::string a = unique_token("full"), b = unique_token("room");
    // While the file system is full: 40 execs with long arguments (more than
    // the page's room); then, once the test has freed space, 10 more.
    std::string pad(100, 'p');
    std::string script = execs(a + pad, 40) + fmt::format("echo >{}; read x <{}; ", done, go) +
                         execs(b, 10) + "exit 0";
    Process p({probelog_bin(), "--trace", "exec", "--poll-ms", "20", "-o", "json", "-o",
               "file://" + out, "--", "/bin/sh", "-c", script});
    ASSERT_TRUE(p.wait_for_stderr("until it can write again")) << p.err();
    // The first execs are done; a few drains later their records have been
    // written (or not) by both outputs.
    char byte = 0;
    for (int i = 0; i < 400 && ::read(done_fd, &byte, 1) != 1; ++i)
        (void)p.wait_for_stderr("\x01", std::chrono::milliseconds(50));  // keeps reading its output
    ::close(done_fd);
    ASSERT_EQ(byte, '\n') << "the shell never finished its first execs";
    (void)p.wait_for_stderr("\x01", std::chrono::milliseconds(300));
    std::filesystem::remove(dir.file("mnt") + "/filler");
    {
        int fd = ::open(go.c_str(), O_WRONLY | O_CLOEXEC);  // the shell waits at the other end
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::write(fd, "go\n", 3), 3);
        ::close(fd);
    }
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 3) << f.err;  // an output lost records
    EXPECT_NE(f.err.find("exit status 3: an output lost records"), std::string::npos) << f.err;
    // Said once, and its end once: not at every drain.
    EXPECT_EQ(count_of(f.err, "No space left on device"), 1u) << f.err;
    EXPECT_EQ(count_of(f.err, "writing again"), 1u) << f.err;

    // Every line of the file is a whole record (parse_json_lines fails on any
    // other): the seed, then exactly the execs made once there was room.
    auto in_file = parse_json_lines(read_file(out));
    ASSERT_FALSE(in_file.empty());
    EXPECT_EQ(in_file[0].unum("seed"), 1u);
    auto of_token = [](const std::vector<JsonRecord>& records, const std::string& t) {
        return select(records, [&](const JsonRecord& r) { return r.str("argv1").starts_with(t); });
    };
    EXPECT_EQ(of_token(in_file, a).size(), 0u);
    EXPECT_EQ(of_token(in_file, b).size(), 10u);

    // stdout had everything; what the file lacks is exactly what was counted lost.
    auto on_stdout = parse_json_lines(f.out);
    EXPECT_EQ(of_token(on_stdout, a).size(), 40u);
    EXPECT_EQ(of_token(on_stdout, b).size(), 10u);
    uint64_t for_file = 0, lost_reported = 0;
    for (const JsonRecord& r : on_stdout) {
        if (r.str("event_type") == "lost" && r.str("sink") == "file.0") {
            lost_reported += r.unum("lost");
            EXPECT_EQ(r.str("target"), out);
        } else {
            ++for_file;  // everything else went to the file output too
        }
    }
    uint64_t written = in_file.size() - 1;  // less the seed
    EXPECT_GE(lost_reported, 41u);          // the shell's exec and the 40
    EXPECT_EQ(written + lost_reported, for_file);
    EXPECT_EQ(sink_summary(f.err, "file.0"), std::make_pair(written, lost_reported)) << f.err;
}

// A Forward receiver stuck for good: it accepts one connection, never reads
// from it (a small receive buffer, full at once), and listens no more (every
// reconnection is refused). Nothing probelog queues after that can leave.
class DeafReceiver {
  public:
    DeafReceiver() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int small = 4096;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
        socklen_t len = sizeof(addr);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        ::listen(fd_, 1);
        thread_ = std::thread([this] {
            int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) return;  // the listener was shut down
            std::lock_guard lock(mutex_);
            accepted_.push_back(c);
            ::shutdown(fd_, SHUT_RDWR);  // listens no more
        });
    }
    ~DeafReceiver() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
        for (int c : accepted_)
            ::close(c);
    }
    DeafReceiver(const DeafReceiver&) = delete;
    DeafReceiver& operator=(const DeafReceiver&) = delete;

    uint16_t port() const { return port_; }
    size_t connections() const {
        std::lock_guard lock(mutex_);
        return accepted_.size();
    }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<int> accepted_;
};

// Proves: a Forward receiver that takes connections and never reads neither
// holds up probelog (the other output gets every record, the run ends within
// its timeout and grace period) nor makes it hold more than its queue: what
// could not be sent is counted, queue full or unsent at exit, and every record
// is either sent or counted lost.
TEST(FaultSinksE2E, ForwardReceiverThatNeverReadsCostsCountedLossesNotABlockedAgent) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-fault-fwd"};
    DeafReceiver rx;
    constexpr int kReads = 20000;
    // dd makes 40000 io calls in a fraction of a second. A ring buffer that
    // holds them all: whatever the forward output does, the kernel loses nothing.
    Process p(
        {probelog_bin(), "--trace", "io", "--io-all-files", "--comm", "dd", "--poll-ms", "20",
         "--ringbuf-size", "16777216", "-o", "file://" + dir.file("all.jsonl"), "-o",
         fmt::format("forward://127.0.0.1:{}?queue_size=10000&timeout=500ms&grace=1s", rx.port())});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    ASSERT_EQ(
        run({"/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", fmt::format("count={}", kReads)})
            .exit_code,
        0);
    (void)p.wait_for_stderr("\x01", std::chrono::milliseconds(500));  // a few drains
    auto stop = SteadyClock::now();
    p.signal(SIGINT);
    Finished f = p.wait(std::chrono::seconds(15));  // then SIGKILL: status 137
    auto took = SteadyClock::now() - stop;
    EXPECT_EQ(f.exit_code, 3) << f.err;  // an output lost records
    EXPECT_GE(rx.connections(), 1u);
    // The file output got every one of dd's reads.
    auto records = parse_json_lines(dir.read("all.jsonl"));
    auto reads = select(records, [](const JsonRecord& r) {
        return r.str("comm") == "dd" && r.str("operation") == "read" &&
               r.str("path") == "/dev/zero";
    });
    EXPECT_EQ(reads.size(), static_cast<size_t>(kReads));
    uint64_t for_forward = 0, lost_reported = 0;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "lost" && r.str("sink") == "forward.0") {
            lost_reported += r.unum("lost");
        } else {
            ++for_forward;  // everything else went to the forward output too
        }
    }
    // Every record for the forward output was sent or counted lost; the queue
    // (10000 records) never grew: the rest was refused as "queue full".
    auto [sent, lost] = sink_summary(f.err, "forward.0");
    ASSERT_NE(sent, UINT64_MAX) << f.err;
    EXPECT_GT(lost, 0u) << f.err;
    EXPECT_EQ(sent + lost, for_forward) << f.err;
    EXPECT_LE(lost_reported, lost);  // losses at exit are in the summary only
    EXPECT_TRUE(
        std::regex_search(f.err, std::regex(R"(forward\.0 [^;]* lost \([1-9]\d* queue full)")))
        << f.err;
    // Ctrl-C to exit: detaching, then at most the grace period (1 s) for the
    // stalled output, not a timeout (500 ms) per batch still queued.
    EXPECT_LT(took, std::chrono::seconds(4)) << f.err;
}

// An OTLP/HTTP receiver answering 429 (Retry-After: 1), then 503
// (Retry-After: 2), then 200.
class ThrottlingOtlp {
  public:
    ThrottlingOtlp() {
        server_.Post("/v1/logs", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            arrivals_.push_back(SteadyClock::now());
            bodies_.push_back(req.body);
            if (arrivals_.size() == 1) {
                res.status = 429;
                res.set_header("Retry-After", "1");
            } else if (arrivals_.size() == 2) {
                res.status = 503;
                res.set_header("Retry-After", "2");
            } else {
                res.status = 200;
            }
            res.set_content("{}", "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~ThrottlingOtlp() {
        server_.stop();
        thread_.join();
    }
    ThrottlingOtlp(const ThrottlingOtlp&) = delete;
    ThrottlingOtlp& operator=(const ThrottlingOtlp&) = delete;

    int port() const { return port_; }
    std::vector<SteadyClock::time_point> arrivals() const {
        std::lock_guard lock(mutex_);
        return arrivals_;
    }
    std::vector<std::string> bodies() const {
        std::lock_guard lock(mutex_);
        return bodies_;
    }

  private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<SteadyClock::time_point> arrivals_;
    std::vector<std::string> bodies_;
};

// Proves: 429 and 503 answers are retried no sooner than their Retry-After
// asks (the sink's own backoff, 250 ms then 500 ms, would be sooner), even
// while probelog is shutting down, and then the records are delivered, once.
TEST(FaultSinksE2E, OtlpRetryAfterOn429And503IsHonouredThenDelivered) {
    PROBELOG_REQUIRE_ROOT();
    ThrottlingOtlp rx;
    std::string token = unique_token("retry-after");
    Finished f = run({probelog_bin(), "--trace", "exec", "--poll-ms", "20", "-o",
                      fmt::format("otlp+http://127.0.0.1:{}/v1/logs?grace=10s", rx.port()), "--",
                      "/bin/true", token});
    EXPECT_EQ(f.exit_code, 0) << f.err;
    auto at = rx.arrivals();
    ASSERT_EQ(at.size(), 3u) << f.err;
    EXPECT_GE(at[1] - at[0], std::chrono::milliseconds(1000));
    EXPECT_GE(at[2] - at[1], std::chrono::milliseconds(2000));
    // Every try carried the record; the third was accepted.
    for (const std::string& body : rx.bodies())
        EXPECT_NE(body.find(token), std::string::npos);
    EXPECT_NE(f.err.find("answered HTTP 429 (Retry-After: 1)"), std::string::npos) << f.err;
    auto [sent, lost] = sink_summary(f.err, "otlp.0");
    EXPECT_GE(sent, 1u) << f.err;
    EXPECT_EQ(lost, 0u) << f.err;
}

}  // namespace
}  // namespace probelog::test
