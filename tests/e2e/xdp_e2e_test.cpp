// probelog --xdp as a user runs it, on a veth pair between two network
// namespaces the test creates (and removes): a "sender" namespace with two
// IPv4 source addresses, a third one in another /24 and an IPv6 address, and a
// "receiver" namespace where probelog attaches and a UDP sink counts datagrams
// per source. Neighbours are static, so no ARP or NDP is sent to the sources
// the test counts: every count asserted is exact.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

constexpr const char* kReady = "Ctrl-C to stop";
constexpr int kPort = 7777;
constexpr size_t kPayload = 100;
constexpr uint64_t kFrame4 = 14 + 20 + 8 + kPayload;  // Ethernet + IPv4 + UDP + payload
constexpr uint64_t kFrame6 = 14 + 40 + 8 + kPayload;

constexpr const char* kSrcA = "10.77.1.10";
constexpr const char* kSrcB = "10.77.1.20";
constexpr const char* kSrcC = "10.77.2.5";  // in another /24
constexpr const char* kSrc6 = "fd77::10";
constexpr const char* kDst4 = "10.77.0.1";
constexpr const char* kDst6 = "fd77::1";

std::string ip_bin() {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (access(p, X_OK) == 0) return p;
    }
    return "ip";
}

Finished run_checked(const std::vector<std::string>& argv) {
    Finished f = run(argv);
    EXPECT_EQ(f.exit_code, 0) << fmt::format("{}", fmt::join(argv, " ")) << ": " << f.err;
    return f;
}

// Two namespaces and a veth pair between them, removed on destruction.
class TestNet {
  public:
    TestNet() {
        static int counter = 0;
        std::string id = fmt::format("{}{}", getpid() % 100000, counter++ % 10);
        sender_ns = "plx-" + id + "-s";
        receiver_ns = "plx-" + id + "-r";
        sender_if = "plxs" + id;
        receiver_if = "plxr" + id;
        const std::string ip = ip_bin();
        run_checked({ip, "netns", "add", sender_ns});
        run_checked({ip, "netns", "add", receiver_ns});
        run_checked({ip, "link", "add", sender_if, "netns", sender_ns, "address", kSenderMac,
                     "type", "veth", "peer", "name", receiver_if, "netns", receiver_ns, "address",
                     kReceiverMac});
        for (const char* a : {"10.77.1.10/16", "10.77.1.20/16", "10.77.2.5/16"})
            run_checked({ip, "-n", sender_ns, "addr", "add", a, "dev", sender_if});
        run_checked({ip, "-n", sender_ns, "addr", "add", "fd77::10/64", "dev", sender_if, "nodad"});
        run_checked({ip, "-n", receiver_ns, "addr", "add", "10.77.0.1/16", "dev", receiver_if});
        run_checked(
            {ip, "-n", receiver_ns, "addr", "add", "fd77::1/64", "dev", receiver_if, "nodad"});
        for (const auto& [ns, dev] :
             {std::pair{sender_ns, sender_if}, std::pair{receiver_ns, receiver_if}}) {
            run_checked({ip, "-n", ns, "link", "set", "lo", "up"});
            run_checked({ip, "-n", ns, "link", "set", dev, "up"});
        }
        // Static neighbours both ways: no ARP or neighbour solicitation from
        // or to the addresses the test counts.
        for (const char* dst : {kDst4, kDst6}) {
            run_checked({ip, "-n", sender_ns, "neigh", "replace", dst, "lladdr", kReceiverMac,
                         "dev", sender_if, "nud", "permanent"});
        }
        for (const char* src : {kSrcA, kSrcB, kSrcC, kSrc6}) {
            run_checked({ip, "-n", receiver_ns, "neigh", "replace", src, "lladdr", kSenderMac,
                         "dev", receiver_if, "nud", "permanent"});
        }
    }
    ~TestNet() {
        const std::string ip = ip_bin();
        run({ip, "netns", "del", sender_ns});  // takes the veth pair with it
        run({ip, "netns", "del", receiver_ns});
    }
    TestNet(const TestNet&) = delete;
    TestNet& operator=(const TestNet&) = delete;

    std::vector<std::string> in_receiver(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {ip_bin(), "netns", "exec", receiver_ns});
        return argv;
    }

    // Sends `count` datagrams from `src` to the receiver; every one must go out.
    void send(const std::string& src, int count) const {
        bool v6 = src.find(':') != std::string::npos;
        Finished f = run({ip_bin(), "netns", "exec", sender_ns, testprog("udp_send"), src,
                          v6 ? kDst6 : kDst4, std::to_string(kPort), std::to_string(count),
                          std::to_string(kPayload)});
        ASSERT_EQ(f.exit_code, 0) << f.err;
        ASSERT_EQ(f.out, std::to_string(count) + "\n");
    }

    // `ip link show` of the receiver's interface (says "xdp" while a program is on it).
    std::string receiver_link() const {
        return run({ip_bin(), "-n", receiver_ns, "link", "show", "dev", receiver_if}).out;
    }

    std::string sender_ns, receiver_ns, sender_if, receiver_if;
    static constexpr const char* kSenderMac = "02:77:00:00:00:01";
    static constexpr const char* kReceiverMac = "02:77:00:00:00:02";
};

bool has_xdp(const std::string& link) {
    return link.find("xdp") != std::string::npos;
}

// Counts datagrams per source in the receiver namespace.
class UdpSink {
  public:
    explicit UdpSink(const TestNet& net)
        : process_(net.in_receiver({testprog("udp_sink"), std::to_string(kPort)})) {
        EXPECT_TRUE(process_.wait_for_stderr("ready")) << process_.err();
    }
    // Stops the sink (it reads what is still queued first) and returns the counts.
    std::map<std::string, uint64_t> stop() {
        process_.signal(SIGTERM);
        Finished f = process_.wait();
        EXPECT_EQ(f.exit_code, 0) << f.err;
        std::map<std::string, uint64_t> counts;
        std::istringstream in(f.out);
        std::string addr;
        uint64_t n = 0;
        while (in >> addr >> n) {
            if (addr == "total") {
                std::string seconds;
                in >> seconds;
                continue;
            }
            counts[addr] = n;
        }
        return counts;
    }

  private:
    Process process_;
};

struct SourceLine {
    uint64_t pass_packets = 0, pass_bytes = 0, drop_packets = 0, drop_bytes = 0;
    std::string blocked_by;
    bool operator==(const SourceLine&) const = default;
};

std::ostream& operator<<(std::ostream& os, const SourceLine& s) {
    return os << fmt::format("pass {}/{}B drop {}/{}B by {}", s.pass_packets, s.pass_bytes,
                             s.drop_packets, s.drop_bytes, s.blocked_by);
}

// `probelog xdp ARGS...` from the root namespace (the socket is a file).
Finished xdp_cli(std::vector<std::string> args) {
    args.insert(args.begin(), {probelog_bin(), "xdp"});
    return run(args);
}

std::map<std::string, SourceLine> stats(const std::vector<std::string>& where) {
    std::vector<std::string> args = where;
    args.push_back("stats");
    Finished f = xdp_cli(args);
    EXPECT_EQ(f.exit_code, 0) << f.err;
    std::map<std::string, SourceLine> out;
    std::istringstream in(f.out);
    std::string line;
    bool table = false;
    while (std::getline(in, line)) {
        if (line.starts_with("SOURCE ")) {
            table = true;
            continue;
        }
        if (!table) continue;
        std::istringstream row(line);
        std::string addr;
        SourceLine s;
        row >> addr >> s.pass_packets >> s.pass_bytes >> s.drop_packets >> s.drop_bytes >>
            s.blocked_by;
        out[addr] = s;
    }
    return out;
}

// Waits (bounded) until the agent has counted what the test sent: veth
// delivery may finish a moment after the sender returns.
void wait_for_counts(const std::vector<std::string>& where,
                     const std::map<std::string, SourceLine>& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::map<std::string, SourceLine> now;
    for (;;) {
        now = stats(where);
        bool all = true;
        for (const auto& [addr, line] : want)
            all = all && now.count(addr) != 0 && now[addr] == line;
        if (all || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const auto& [addr, line] : want) {
        ASSERT_EQ(now.count(addr), 1u) << "no stats line for " << addr;
        EXPECT_EQ(now[addr], line) << addr;
    }
}

std::unique_ptr<Process> start_agent(const TestNet& net, std::vector<std::string> args) {
    args.insert(args.begin(), probelog_bin());
    auto p = std::make_unique<Process>(net.in_receiver(args));
    EXPECT_TRUE(p->wait_for_stderr(kReady)) << p->err();
    return p;
}

Finished stop_agent(Process& p, int sig = SIGINT) {
    p.signal(sig);
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    return f;
}

std::vector<const JsonRecord*> of_type(const std::vector<JsonRecord>& records,
                                       std::string_view type) {
    return select(records, [&](const JsonRecord& r) { return r.str("event_type") == type; });
}

// The last xdp_source record of `src` (its totals when it was last reported).
const JsonRecord* last_source_record(const std::vector<JsonRecord>& records,
                                     const std::string& src) {
    const JsonRecord* last = nullptr;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "xdp_source" && r.str("src") == src) last = &r;
    }
    return last;
}

size_t line_count(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(XdpE2E, ExactCountsPerSourceBlockedSourceDroppedThenUnblockedLive) {
    PROBELOG_REQUIRE_ROOT();
    TestNet net;
    UdpSink sink(net);
    auto agent = start_agent(net, {"--xdp", net.receiver_if, "--xdp-block", kSrcB, "-o", "json",
                                   "--xdp-interval", "200ms", "--poll-ms", "20"});
    const std::vector<std::string> where = {"-i", net.receiver_if};
    std::string sock = "/run/probelog/xdp-" + net.receiver_if + ".sock";
    EXPECT_NE(agent->err().find(fmt::format("attached to {} ", net.receiver_if)), std::string::npos)
        << agent->err();
    EXPECT_NE(agent->err().find("control socket " + sock), std::string::npos) << agent->err();
    // auto: veth has native XDP.
    EXPECT_NE(agent->err().find("in native mode;"), std::string::npos) << agent->err();
    EXPECT_NE(net.receiver_link().find(" xdp "), std::string::npos) << net.receiver_link();
    struct stat st {};
    ASSERT_EQ(stat(sock.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(has_xdp(net.receiver_link()));

    ASSERT_NO_FATAL_FAILURE(net.send(kSrcA, 7));
    ASSERT_NO_FATAL_FAILURE(net.send(kSrcB, 5));
    ASSERT_NO_FATAL_FAILURE(net.send(kSrc6, 3));
    ASSERT_NO_FATAL_FAILURE(wait_for_counts(where, {{kSrcA, {7, 7 * kFrame4, 0, 0, "-"}},
                                                    {kSrcB, {0, 0, 5, 5 * kFrame4, kSrcB}},
                                                    {kSrc6, {3, 3 * kFrame6, 0, 0, "-"}}}));

    Finished list = xdp_cli({"-i", net.receiver_if, "list"});
    EXPECT_EQ(list.out, fmt::format("{:<43} cli\n", kSrcB));
    Finished unblock = xdp_cli({"-i", net.receiver_if, "unblock", kSrcB});
    ASSERT_EQ(unblock.exit_code, 0) << unblock.err;
    EXPECT_EQ(unblock.out, fmt::format("unblocked {}\n", kSrcB));
    EXPECT_EQ(xdp_cli({"-i", net.receiver_if, "list"}).out, "");

    ASSERT_NO_FATAL_FAILURE(net.send(kSrcB, 4));
    ASSERT_NO_FATAL_FAILURE(
        wait_for_counts(where, {{kSrcB, {4, 4 * kFrame4, 5, 5 * kFrame4, "-"}}}));

    // The receiver saw every passed datagram and none of the dropped ones.
    auto received = sink.stop();
    EXPECT_EQ(received, (std::map<std::string, uint64_t>{{kSrcA, 7}, {kSrcB, 4}, {kSrc6, 3}}));

    Finished f = stop_agent(*agent);
    auto records = parse_json_lines(f.out);
    // One xdp_drop: the blocked source's first drop.
    auto drops = of_type(records, "xdp_drop");
    ASSERT_EQ(drops.size(), 1u) << f.out;
    const JsonRecord& d = *drops[0];
    EXPECT_EQ(d.str("src"), kSrcB);
    EXPECT_EQ(d.str("dst"), kDst4);
    EXPECT_EQ(d.str("interface"), net.receiver_if);
    EXPECT_EQ(d.str("action"), "drop");
    EXPECT_EQ(d.str("proto"), "udp");
    EXPECT_EQ(d.unum("dport"), static_cast<uint64_t>(kPort));
    EXPECT_EQ(d.unum("frame_len"), kFrame4);
    EXPECT_EQ(d.str("rule"), kSrcB);
    // The unblock is on record.
    auto changes = of_type(records, "xdp_blocklist");
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0]->str("action"), "unblock");
    EXPECT_EQ(changes[0]->str("prefix"), kSrcB);
    EXPECT_EQ(changes[0]->str("origin"), "live");
    // Periodic stats, and the sources' totals in their last xdp_source records.
    auto periodic = of_type(records, "xdp_stats");
    ASSERT_GE(periodic.size(), 1u);
    EXPECT_EQ(periodic.back()->str("interface"), net.receiver_if);
    EXPECT_NE(periodic.back()->str("mode"), "<missing>");
    const JsonRecord* a = last_source_record(records, kSrcA);
    ASSERT_NE(a, nullptr) << f.out;
    EXPECT_EQ(a->unum("pass_packets_total"), 7u);
    EXPECT_EQ(a->unum("pass_bytes_total"), 7 * kFrame4);
    const JsonRecord* b = last_source_record(records, kSrcB);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->unum("pass_packets_total"), 4u);
    EXPECT_EQ(b->unum("drop_packets_total"), 5u);
    EXPECT_EQ(b->unum("drop_bytes_total"), 5 * kFrame4);
    const JsonRecord* c = last_source_record(records, kSrc6);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->unum("pass_packets_total"), 3u);
    EXPECT_EQ(c->str("family"), "ipv6");
    EXPECT_NE(f.err.find("xdp: 1 delivered, 0 lost"), std::string::npos) << f.err;

    // Detached, and the socket is gone.
    EXPECT_FALSE(has_xdp(net.receiver_link())) << net.receiver_link();
    EXPECT_NE(access(sock.c_str(), F_OK), 0);
}

TEST(XdpE2E, PrefixAndIpv6BlockedLiveInGenericMode) {
    PROBELOG_REQUIRE_ROOT();
    TestNet net;
    UdpSink sink(net);
    std::string sock = fmt::format("/tmp/probelog-xdp-e2e-{}.sock", net.receiver_if);
    auto agent = start_agent(net, {"--xdp", net.receiver_if, "--xdp-mode", "generic",
                                   "--xdp-socket", sock, "-o", "json", "--poll-ms", "20"});
    EXPECT_NE(agent->err().find("in generic mode"), std::string::npos) << agent->err();
    EXPECT_NE(net.receiver_link().find("xdpgeneric"), std::string::npos) << net.receiver_link();
    const std::vector<std::string> where = {"--socket", sock};

    Finished block = xdp_cli({"--socket", sock, "block", "10.77.2.0/24", "fd77::/64"});
    ASSERT_EQ(block.exit_code, 0) << block.err;
    EXPECT_EQ(block.out, "blocked 10.77.2.0/24\nblocked fd77::/64\n");
    EXPECT_EQ(xdp_cli({"--socket", sock, "list"}).out,
              fmt::format("{:<43} live\n{:<43} live\n", "10.77.2.0/24", "fd77::/64"));
    // Blocking again is not an error.
    EXPECT_EQ(xdp_cli({"--socket", sock, "block", "10.77.2.0/24"}).out,
              "already blocked 10.77.2.0/24\n");

    ASSERT_NO_FATAL_FAILURE(net.send(kSrcC, 6));
    ASSERT_NO_FATAL_FAILURE(net.send(kSrcA, 4));
    ASSERT_NO_FATAL_FAILURE(net.send(kSrc6, 2));
    ASSERT_NO_FATAL_FAILURE(wait_for_counts(where, {{kSrcC, {0, 0, 6, 6 * kFrame4, "10.77.2.0/24"}},
                                                    {kSrcA, {4, 4 * kFrame4, 0, 0, "-"}},
                                                    {kSrc6, {0, 0, 2, 2 * kFrame6, "fd77::/64"}}}));
    auto received = sink.stop();
    EXPECT_EQ(received, (std::map<std::string, uint64_t>{{kSrcA, 4}}));

    Finished f = stop_agent(*agent, SIGTERM);
    auto records = parse_json_lines(f.out);
    auto drops = of_type(records, "xdp_drop");
    ASSERT_EQ(drops.size(), 2u) << f.out;
    std::map<std::string, std::string> rule_of;
    for (const JsonRecord* d : drops)
        rule_of[d->str("src")] = d->str("rule");
    EXPECT_EQ(rule_of,
              (std::map<std::string, std::string>{{kSrcC, "10.77.2.0/24"}, {kSrc6, "fd77::/64"}}));
    EXPECT_EQ(of_type(records, "xdp_blocklist").size(), 2u);
    EXPECT_FALSE(has_xdp(net.receiver_link())) << net.receiver_link();
    EXPECT_NE(access(sock.c_str(), F_OK), 0);
}

TEST(XdpE2E, BlocklistFileIsReloadedOnChangeAndOnSighup) {
    PROBELOG_REQUIRE_ROOT();
    TestNet net;
    std::string dir = fmt::format("/tmp/probelog-xdp-bl-{}", net.receiver_if);
    mkdir(dir.c_str(), 0700);
    std::string file = dir + "/blocklist";
    std::string sock = dir + "/ctl.sock";
    { std::ofstream(file) << "# initial\n" << kSrcB << "   # one host\n"; }
    auto agent = start_agent(net, {"--xdp", net.receiver_if, "--xdp-blocklist", file,
                                   "--xdp-socket", sock, "-o", "json", "--poll-ms", "20"});
    const std::vector<std::string> where = {"--socket", sock};
    EXPECT_EQ(xdp_cli({"--socket", sock, "list"}).out, fmt::format("{:<43} file\n", kSrcB));

    // Replaced the way editors do it: a new file renamed over the old one.
    {
        std::ofstream(file + ".new") << "10.77.2.0/24\n\n# the host is fine now\n";
        ASSERT_EQ(rename((file + ".new").c_str(), file.c_str()), 0);
    }
    ASSERT_TRUE(agent->wait_for_stderr("reloaded (changed)")) << agent->err();
    EXPECT_EQ(xdp_cli({"--socket", sock, "list"}).out,
              fmt::format("{:<43} file\n", "10.77.2.0/24"));
    ASSERT_NO_FATAL_FAILURE(net.send(kSrcB, 3));
    ASSERT_NO_FATAL_FAILURE(net.send(kSrcC, 2));
    ASSERT_NO_FATAL_FAILURE(wait_for_counts(
        where,
        {{kSrcB, {3, 3 * kFrame4, 0, 0, "-"}}, {kSrcC, {0, 0, 2, 2 * kFrame4, "10.77.2.0/24"}}}));

    // A bad line: said with FILE:LINE, and the blocklist stays as it was.
    { std::ofstream(file) << "10.77.2.0/24\n10.77.1.300\n"; }
    std::string expected = fmt::format(
        "{}:2: '10.77.1.300' is not an IPv4 or IPv6 address; keeping the blocklist as it was",
        file);
    ASSERT_TRUE(agent->wait_for_stderr(expected)) << agent->err();
    EXPECT_EQ(xdp_cli({"--socket", sock, "list"}).out,
              fmt::format("{:<43} file\n", "10.77.2.0/24"));

    // SIGHUP re-reads the file, and does not end the run.
    { std::ofstream(file) << "10.77.2.0/24\n" << kSrcA << "\n"; }
    ASSERT_TRUE(agent->wait_for_stderr("1 added, 0 removed, 2 entries")) << agent->err();
    agent->signal(SIGHUP);
    ASSERT_TRUE(agent->wait_for_stderr("reloaded (SIGHUP): 0 added, 0 removed, 2 entries"))
        << agent->err();
    EXPECT_EQ(xdp_cli({"--socket", sock, "list"}).out,
              fmt::format("{:<43} file\n{:<43} file\n", kSrcA, "10.77.2.0/24"));

    stop_agent(*agent);
    EXPECT_FALSE(has_xdp(net.receiver_link()));
    unlink(file.c_str());
    rmdir(dir.c_str());
}

// Attaches a do-nothing XDP program to the receiver's interface the old way
// (netlink, not a link), as another tool would; returns its id.
uint32_t attach_other_program(const TestNet& net) {
    uint32_t id = 0;
    std::thread t([&] {  // a thread may enter another network namespace alone
        int ns = open(("/run/netns/" + net.receiver_ns).c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(ns, 0);
        ASSERT_EQ(setns(ns, CLONE_NEWNET), 0);
        close(ns);
        int ifindex = static_cast<int>(if_nametoindex(net.receiver_if.c_str()));
        ASSERT_GT(ifindex, 0);
        bpf_insn pass[] = {
            {.code = 0xb7, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 2},  // r0 = XDP_PASS
            {.code = 0x95, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},  // exit
        };
        int prog = bpf_prog_load(BPF_PROG_TYPE_XDP, "plx_other", "GPL", pass, 2, nullptr);
        ASSERT_GE(prog, 0) << strerror(errno);
        ASSERT_EQ(bpf_xdp_attach(ifindex, prog, XDP_FLAGS_SKB_MODE, nullptr), 0);
        ASSERT_EQ(bpf_xdp_query_id(ifindex, 0, &id), 0);
        close(prog);  // the interface holds it
    });
    t.join();
    return id;
}

TEST(XdpE2E, RefusesToReplaceAnotherProgramUnlessForced) {
    PROBELOG_REQUIRE_ROOT();
    TestNet net;
    uint32_t other = attach_other_program(net);
    ASSERT_NE(other, 0u);
    std::string sock = fmt::format("/tmp/probelog-xdp-e2e-{}.sock", net.receiver_if);

    Finished refused = run(net.in_receiver(
        {probelog_bin(), "--xdp", net.receiver_if, "--xdp-socket", sock, "-o", "json"}));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err,
              fmt::format("probelog: {} already has an XDP program (id {}, 'plx_other', generic "
                          "mode): probelog does not replace it (--xdp-force does)\n",
                          net.receiver_if, other));
    EXPECT_NE(net.receiver_link().find("xdpgeneric"), std::string::npos);
    EXPECT_NE(access(sock.c_str(), F_OK), 0);  // nothing left behind

    // Forced, and in native mode (veth has native XDP).
    auto agent = start_agent(net, {"--xdp", net.receiver_if, "--xdp-force", "--xdp-mode", "native",
                                   "--xdp-socket", sock, "-o", "json"});
    EXPECT_NE(agent->err().find(fmt::format("removed XDP program {} (plx_other)", other)),
              std::string::npos)
        << agent->err();
    EXPECT_NE(agent->err().find("in native mode"), std::string::npos) << agent->err();
    std::string link = net.receiver_link();
    EXPECT_NE(link.find(" xdp "), std::string::npos) << link;
    EXPECT_EQ(link.find("plx_other"), std::string::npos);
    stop_agent(*agent);
    // The other program was removed for good: nothing is on the interface.
    EXPECT_FALSE(has_xdp(net.receiver_link())) << net.receiver_link();
}

TEST(XdpE2E, AutoModeFallsBackToGenericWhereTheDriverHasNoNativeXdp) {
    PROBELOG_REQUIRE_ROOT();
    TestNet net;  // its receiver namespace's own loopback: no native XDP there
    std::string sock = fmt::format("/tmp/probelog-xdp-e2e-{}.sock", net.receiver_if);
    Finished native = run(net.in_receiver(
        {probelog_bin(), "--xdp", "lo", "--xdp-mode", "native", "--xdp-socket", sock}));
    EXPECT_EQ(native.exit_code, 1);
    EXPECT_EQ(native.err,
              "probelog: cannot attach XDP to lo in native mode: its driver has no native XDP "
              "support (use --xdp-mode generic or auto)\n");
    auto agent = start_agent(net, {"--xdp", "lo", "--xdp-socket", sock, "-o", "json"});
    EXPECT_NE(
        agent->err().find("in generic mode (generic mode because the driver has no native XDP)"),
        std::string::npos)
        << agent->err();
    Finished f = stop_agent(*agent);
    auto records = parse_json_lines(f.out);
    auto periodic = of_type(records, "xdp_stats");
    ASSERT_EQ(periodic.size(), 1u) << f.out;  // the one at exit
    EXPECT_EQ(periodic[0]->str("mode"), "generic");
    EXPECT_EQ(periodic[0]->str("interface"), "lo");
    Finished link = run({ip_bin(), "-n", net.receiver_ns, "link", "show", "dev", "lo"});
    EXPECT_FALSE(has_xdp(link.out)) << link.out;
}

TEST(XdpE2E, DetachedEvenWhenKilledAndTheStaleSocketIsTakenOver) {
    PROBELOG_REQUIRE_ROOT();
    TestNet net;
    std::string sock = fmt::format("/tmp/probelog-xdp-e2e-{}.sock", net.receiver_if);
    auto agent = start_agent(net, {"--xdp", net.receiver_if, "--xdp-socket", sock, "-o", "json"});
    EXPECT_TRUE(has_xdp(net.receiver_link()));
    // A second agent for the same interface stops at the socket, touching nothing.
    Finished second = run(net.in_receiver(
        {probelog_bin(), "--xdp", net.receiver_if, "--xdp-socket", sock, "-o", "json"}));
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_EQ(line_count(second.err), 1u) << second.err;
    EXPECT_NE(second.err.find("another probelog is already listening at " + sock),
              std::string::npos);
    EXPECT_TRUE(has_xdp(net.receiver_link()));

    // SIGKILL: no clean-up code runs, the kernel drops the link with the process.
    agent->signal(SIGKILL);
    agent->wait();
    EXPECT_FALSE(has_xdp(net.receiver_link())) << net.receiver_link();
    Finished stale = xdp_cli({"--socket", sock, "list"});
    EXPECT_EQ(stale.exit_code, 1);
    EXPECT_EQ(stale.err, "probelog: xdp: no probelog agent is listening at " + sock +
                             " (the socket is left over from an agent that is gone)\n");
    auto again = start_agent(net, {"--xdp", net.receiver_if, "--xdp-socket", sock, "-o", "json"});
    EXPECT_EQ(xdp_cli({"--socket", sock, "list"}).exit_code, 0);
    stop_agent(*again);
    EXPECT_FALSE(has_xdp(net.receiver_link()));
}

TEST(XdpE2E, BadInputIsOneClearLine) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--xdp", "plxnosuch0"});
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err,
              "probelog: --xdp: no interface named 'plxnosuch0' here (ip link lists them)\n");

    f = run({probelog_bin(), "--xdp", "plxnosuch0", "--xdp-block", "10.1.2.0/40"});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_EQ(f.err,
              "probelog: --xdp-block: '10.1.2.0/40': prefix length 40 is out of range for IPv4 "
              "(0 to 32)\n");

    // Blocklist file errors, on an interface that exists (the test's own).
    TestNet net;
    std::string file = fmt::format("/tmp/probelog-xdp-bad-{}", getpid());
    { std::ofstream(file) << "# ok\n10.0.0.0/8\nfd00::/7 2001:db8::1\n"; }
    f = run(net.in_receiver({probelog_bin(), "--xdp", net.receiver_if, "--xdp-blocklist", file,
                             "--xdp-socket", file + ".sock"}));
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err, fmt::format("probelog: --xdp-blocklist {}:3: expected one address or prefix "
                                 "per line, found 'fd00::/7 2001:db8::1'\n",
                                 file));
    unlink(file.c_str());
    f = run(net.in_receiver({probelog_bin(), "--xdp", net.receiver_if, "--xdp-blocklist", file,
                             "--xdp-socket", file + ".sock"}));
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err, fmt::format("probelog: --xdp-blocklist {}: cannot read: No such file or "
                                 "directory\n",
                                 file));
    EXPECT_FALSE(has_xdp(net.receiver_link()));

    f = xdp_cli({"-i", "plxnosuch0", "list"});
    EXPECT_EQ(f.exit_code, 1);
    EXPECT_EQ(f.err,
              "probelog: xdp: no probelog agent is listening at /run/probelog/xdp-plxnosuch0.sock "
              "(is probelog --xdp running?)\n");
    f = xdp_cli({"-i", "plxnosuch0", "block", "10.1.2.3/24"});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_EQ(f.err,
              "probelog: xdp: '10.1.2.3/24' has bits set past the prefix length (did you mean "
              "10.1.2.0/24?)\n");
}

}  // namespace
}  // namespace probelog::test
