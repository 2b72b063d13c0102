// The dns trace end to end, against real software: Debian's dnsmasq serves
// names the test chooses on 127.0.0.1:53 and [::1]:53 in a network namespace the test
// makes, and dig (bind9's resolver: sendmmsg, recvmsg; over TCP writev and
// read), Go's own resolver (write and read on connected UDP sockets) and
// glibc's getaddrinfo (sendmmsg of A and AAAA, recvfrom) ask it.
// Every field is checked against what the clients print and what dnsmasq
// was told to serve.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

constexpr int kBigRecords = 100;  // A records of big.test: more than fit a UDP answer

// A network namespace with lo up, a resolv.conf for it (`ip netns exec`
// bind-mounts /etc/netns/NAME/resolv.conf), and dnsmasq serving in it.
class DnsLab {
  public:
    // resolv_options: added to resolv.conf's options ("use-vc": glibc over
    // TCP); port: dnsmasq's.
    explicit DnsLab(const TempDir& dir, const std::string& resolv_options = "", int port = 53)
        : name_(fmt::format("pl-dns-{}", ::getpid())), etc_("/etc/netns/" + name_) {
        run({"/usr/sbin/ip", "netns", "del", name_});
        ok_ = run({"/usr/sbin/ip", "netns", "add", name_}).exit_code == 0 &&
              run({"/usr/sbin/ip", "-n", name_, "link", "set", "lo", "up"}).exit_code == 0;
        std::filesystem::create_directories(etc_);
        dir.write("resolv.conf",
                  "nameserver 127.0.0.1\noptions attempts:1 timeout:2 " + resolv_options + "\n");
        std::filesystem::copy_file(dir.path() + "/resolv.conf", etc_ + "/resolv.conf",
                                   std::filesystem::copy_options::overwrite_existing);
        std::string hosts;
        for (int i = 1; i <= kBigRecords; ++i)
            hosts += fmt::format("10.9.0.{} big.test\n", i);
        std::string hosts_file = dir.write("big.hosts", hosts);
        dnsmasq_ = std::make_unique<Process>(
            in({"/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--port=" + std::to_string(port), "--listen-address=127.0.0.1,::1",
                "--bind-interfaces", "--pid-file=", "--user=root", "--log-facility=-",
                "--address=/a.test/10.1.2.3", "--address=/a.test/fd00::5",
                "--host-record=real.test,10.1.2.4,fd00::6", "--cname=c.test,real.test",
                "--address=/missing.test/", "--addn-hosts=" + hosts_file}));
        ok_ = ok_ && dnsmasq_->wait_for_stderr("started, version");
    }
    DnsLab(const DnsLab&) = delete;
    DnsLab& operator=(const DnsLab&) = delete;
    ~DnsLab() {
        if (dnsmasq_) {
            dnsmasq_->signal(SIGTERM);
            dnsmasq_->wait();
        }
        run({"/usr/sbin/ip", "netns", "del", name_});
        std::error_code ec;
        std::filesystem::remove_all(etc_, ec);
    }

    bool ok() const { return ok_; }
    std::string why() const { return dnsmasq_ ? dnsmasq_->err() : "ip netns add failed"; }

    // argv run inside the namespace (ip netns exec execs it: the pid stays).
    std::vector<std::string> in(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {"/usr/sbin/ip", "netns", "exec", name_});
        return argv;
    }

  private:
    std::string name_;
    std::string etc_;
    bool ok_ = false;
    std::unique_ptr<Process> dnsmasq_;
};

struct Dig {
    std::string server;  // the address dig asked
    pid_t pid = -1;
    uint64_t id = 0;  // the id of the answer dig printed (the last one: TCP after TC)
    std::string out;
};

// dig asking 127.0.0.1:port; `answered`: it must get an answer.
Dig dig(const DnsLab& lab, const std::string& name, const std::string& type, int port = 53,
        bool answered = true, const std::string& server = "127.0.0.1") {
    Process p(lab.in({"/usr/bin/dig", "@" + server, "-p", std::to_string(port), "+tries=1",
                      "+time=2", name, type}));
    Dig d{.server = server, .pid = p.pid()};
    Finished f = p.wait();
    d.out = f.out;
    if (answered) {
        EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
    }
    std::smatch m;
    std::string::const_iterator from = d.out.cbegin();
    static const std::regex kId("->>HEADER<<- .* id: ([0-9]+)");
    while (std::regex_search(from, d.out.cend(), m, kId)) {
        d.id = std::stoull(m[1].str());
        from = m[0].second;
    }
    return d;
}

// The first `n` addresses of dig's ANSWER section, in the message's order.
std::vector<std::string> dig_addresses(const std::string& out, size_t n) {
    static const std::regex kA(R"(\tIN\tA\t([0-9.]+))");
    std::vector<std::string> got;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), kA);
         it != std::sregex_iterator() && got.size() < n; ++it)
        got.push_back((*it)[1].str());
    return got;
}

std::vector<const JsonRecord*> dns_of(const std::vector<JsonRecord>& records, pid_t pid,
                                      uint64_t response) {
    return select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "dns" && r.unum("pid") == static_cast<uint64_t>(pid) &&
               r.unum("response") == response;
    });
}

// Two records, the query and the response, in that order whatever order they came in.
std::pair<const JsonRecord*, const JsonRecord*> query_then_response(
    const std::vector<const JsonRecord*>& two) {
    if (two[0]->unum("response") == 1) return {two[1], two[0]};
    return {two[0], two[1]};
}

// What every record of a query to dnsmasq shares.
void expect_common(const JsonRecord& r, const std::string& name, uint64_t type,
                   const std::string& protocol, uint64_t port = 53,
                   const std::string& server = "127.0.0.1") {
    EXPECT_EQ(r.str("query"), name) << r.line();
    EXPECT_EQ(r.unum("query_type"), type) << r.line();
    EXPECT_EQ(r.str("server_addr"), server) << r.line();
    EXPECT_EQ(r.unum("server_port"), port) << r.line();
    EXPECT_EQ(r.str("protocol"), protocol) << r.line();
    EXPECT_EQ(r.num("error_raw"), 0) << r.line();
    EXPECT_FALSE(r.has("malformed")) << r.line();
    EXPECT_FALSE(r.has("unreadable")) << r.line();
}

// dig's one query and its paired response, with dig's id.
const JsonRecord* expect_exchange(const std::vector<JsonRecord>& records, const Dig& d,
                                  const std::string& name, uint64_t type,
                                  const std::string& protocol = "udp") {
    auto queries = where(dns_of(records, d.pid, 0),
                         [&](const JsonRecord& r) { return r.str("protocol") == protocol; });
    auto responses = where(dns_of(records, d.pid, 1),
                           [&](const JsonRecord& r) { return r.str("protocol") == protocol; });
    EXPECT_EQ(queries.size(), 1u) << name << "\n" << d.out;
    EXPECT_EQ(responses.size(), 1u) << name << "\n" << d.out;
    if (queries.size() != 1 || responses.size() != 1) return nullptr;
    const JsonRecord& q = *queries[0];
    const JsonRecord& r = *responses[0];
    expect_common(q, name, type, protocol, 53, d.server);
    expect_common(r, name, type, protocol, 53, d.server);
    EXPECT_EQ(q.unum("txid"), d.id) << q.line();
    EXPECT_EQ(r.unum("txid"), d.id) << r.line();
    EXPECT_EQ(q.unum("latency_ns"), 0u) << q.line();
    EXPECT_GT(r.unum("latency_ns"), 0u) << r.line();
    EXPECT_LT(r.unum("latency_ns"), 2'000'000'000u) << r.line();
    EXPECT_FALSE(r.has("unpaired")) << r.line();
    EXPECT_EQ(q.str("sock"), r.str("sock")) << q.line() << "\n" << r.line();
    EXPECT_EQ(q.str("comm").substr(0, 3), r.str("comm").substr(0, 3));  // dig's threads
    return responses[0];
}

TEST(DnsE2E, DigAAaaaIpv6CnameNxdomainATcpRetryAfterTcAndGo) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-dns-e2e"};
    DnsLab lab(dir);
    ASSERT_TRUE(lab.ok()) << lab.why();
    auto p = start_probelog({"-o", "json", "--poll-ms", "20", "--trace", "dns"});
    Dig a = dig(lab, "a.test", "A");
    Dig aaaa = dig(lab, "a.test", "AAAA");
    Dig cname = dig(lab, "c.test", "A");
    Dig nx = dig(lab, "missing.test", "A");
    Dig big = dig(lab, "big.test", "A");
    Dig v6 = dig(lab, "a.test", "AAAA", 53, true, "::1");
    Process go(lab.in({testprog("go_resolve"), "c.test"}));
    Finished go_done = go.wait();
    EXPECT_EQ(go_done.exit_code, 0) << go_done.err;
    // Go sorts the addresses (RFC 6724): either order.
    EXPECT_TRUE(go_done.out == "10.1.2.4\nfd00::6\n" || go_done.out == "fd00::6\n10.1.2.4\n")
        << go_done.out;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto records = stop_and_parse(*p);

    if (const JsonRecord* r = expect_exchange(records, a, "a.test", 1)) {
        EXPECT_EQ(r->str("rcode_name"), "NOERROR");
        EXPECT_EQ(r->strings("answers"), (std::vector<std::string>{"10.1.2.3"}));
        EXPECT_EQ(r->str("query_type_name"), "A");
    }
    if (const JsonRecord* r = expect_exchange(records, aaaa, "a.test", 28)) {
        EXPECT_EQ(r->strings("answers"), (std::vector<std::string>{"fd00::5"}));
        EXPECT_EQ(r->str("query_type_name"), "AAAA");
    }
    if (const JsonRecord* r = expect_exchange(records, v6, "a.test", 28)) {  // over IPv6
        EXPECT_EQ(r->strings("answers"), (std::vector<std::string>{"fd00::5"}));
    }
    if (const JsonRecord* r = expect_exchange(records, cname, "c.test", 1)) {
        EXPECT_EQ(r->strings("answers"), (std::vector<std::string>{"real.test", "10.1.2.4"}));
        EXPECT_EQ(r->unum("answer_count"), 2u);
    }
    if (const JsonRecord* r = expect_exchange(records, nx, "missing.test", 1)) {
        EXPECT_EQ(r->unum("rcode"), 3u);
        EXPECT_EQ(r->str("rcode_name"), "NXDOMAIN");
        EXPECT_TRUE(r->strings("answers").empty()) << r->line();
    }

    // big.test: over UDP the answer is cut by the server (TC, no pairing
    // lost); dig asks again over TCP, whose id it prints.
    auto udp = where(dns_of(records, big.pid, 1),
                     [](const JsonRecord& r) { return r.str("protocol") == "udp"; });
    ASSERT_EQ(udp.size(), 1u) << big.out;
    EXPECT_TRUE(udp[0]->boolean("tc")) << udp[0]->line();
    EXPECT_GT(udp[0]->unum("latency_ns"), 0u) << udp[0]->line();
    EXPECT_NE(big.out.find("Truncated, retrying in TCP mode"), std::string::npos) << big.out;
    if (const JsonRecord* r = expect_exchange(records, big, "big.test", 1, "tcp")) {
        EXPECT_EQ(r->unum("answer_count"), static_cast<uint64_t>(kBigRecords));
        EXPECT_FALSE(r->has("tc")) << r->line();
        // The kernel keeps the first 512 bytes: the first 16 answers are in them.
        EXPECT_TRUE(r->boolean("copy_truncated")) << r->line();
        EXPECT_GT(r->unum("msg_len"), 1600u) << r->line();
        EXPECT_EQ(r->strings("answers"), dig_addresses(big.out, 16)) << r->line();
    }

    // Go: A and AAAA, each on its own connected socket, written and read.
    for (uint64_t type : {1u, 28u}) {
        auto of_type = select(records, [&](const JsonRecord& r) {
            return r.str("event_type") == "dns" &&
                   r.unum("pid") == static_cast<uint64_t>(go.pid()) && r.unum("query_type") == type;
        });
        ASSERT_EQ(of_type.size(), 2u) << go_done.out;
        const JsonRecord& q = *query_then_response(of_type).first;
        const JsonRecord& r = *query_then_response(of_type).second;
        expect_common(q, "c.test", type, "udp");
        expect_common(r, "c.test", type, "udp");
        EXPECT_EQ(q.unum("response"), 0u) << q.line();
        EXPECT_EQ(r.unum("response"), 1u) << r.line();
        EXPECT_EQ(q.str("syscall"), "write") << q.line();
        EXPECT_EQ(r.str("syscall"), "read") << r.line();
        EXPECT_EQ(q.unum("txid"), r.unum("txid"));
        EXPECT_EQ(q.str("sock"), r.str("sock"));
        EXPECT_GT(r.unum("latency_ns"), 0u) << r.line();
        EXPECT_EQ(r.strings("answers"),
                  (std::vector<std::string>{"real.test", type == 1 ? "10.1.2.4" : "fd00::6"}))
            << r.line();
    }
}

// `probelog_argv` followed by python's getaddrinfo("c.test") in the lab's
// namespace, printing the addresses to stderr.
std::vector<std::string> getaddrinfo_under(std::vector<std::string> probelog_argv,
                                           const DnsLab& lab) {
    for (const std::string& a :
         lab.in({"/usr/bin/python3", "-c",
                 "import socket, sys\n"
                 "for a in socket.getaddrinfo('c.test', 80, proto=socket.IPPROTO_TCP):\n"
                 "    print(a[4][0], file=sys.stderr)\n"}))
        probelog_argv.push_back(a);
    return probelog_argv;
}

// glibc's resolver (getaddrinfo, asking A and AAAA in one sendmmsg), run by
// probelog from a Fluent Bit configuration that names the trace trace_dns.
TEST(DnsE2E, GetaddrinfoFromAFluentBitConfig) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-dns-e2e"};
    DnsLab lab(dir);
    ASSERT_TRUE(lab.ok()) << lab.why();
    std::string conf = dir.write("fluent-bit.conf",
                                 "[INPUT]\n"
                                 "    Name     ebpf\n"
                                 "    Trace    trace_dns\n"
                                 "    poll_ms  20\n"
                                 "[OUTPUT]\n"
                                 "    Name     stdout\n"
                                 "    Match    *\n"
                                 "    Format   json_lines\n");
    Finished f = run(getaddrinfo_under({probelog_bin(), "-c", conf, "--"}, lab));
    ASSERT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.err.find("10.1.2.4"), std::string::npos) << f.err;
    auto records = parse_json_lines(f.out);
    auto dns = select(records, [](const JsonRecord& r) { return r.str("event_type") == "dns"; });
    ASSERT_EQ(dns.size(), 4u) << f.out;
    uint64_t pid = dns[0]->unum("pid");
    for (uint64_t type : {1u, 28u}) {
        auto of_type =
            where(dns, [&](const JsonRecord& r) { return r.unum("query_type") == type; });
        ASSERT_EQ(of_type.size(), 2u) << f.out;
        const JsonRecord& q = *query_then_response(of_type).first;
        const JsonRecord& r = *query_then_response(of_type).second;
        for (const JsonRecord* x : of_type) {
            expect_common(*x, "c.test", type, "udp");
            EXPECT_EQ(x->str("comm"), "python3") << x->line();
            EXPECT_EQ(x->unum("pid"), pid) << x->line();
        }
        EXPECT_EQ(q.unum("response"), 0u) << q.line();
        EXPECT_EQ(q.str("syscall"), "sendmmsg") << q.line();
        EXPECT_EQ(r.unum("response"), 1u) << r.line();
        EXPECT_EQ(r.str("syscall"), "recvfrom") << r.line();
        EXPECT_EQ(q.unum("txid"), r.unum("txid"));
        EXPECT_GT(r.unum("latency_ns"), 0u) << r.line();
        EXPECT_FALSE(r.has("unpaired")) << r.line();
        EXPECT_EQ(r.strings("answers"),
                  (std::vector<std::string>{"real.test", type == 1 ? "10.1.2.4" : "fd00::6"}))
            << r.line();
    }
}

// glibc over TCP (resolv.conf's use-vc): it writes its A and AAAA queries in
// one writev, each after its length, and reads a response's length (2 bytes)
// before its body. The first query of the writev is the one seen (the trace
// reads one message per call; see docs/TRACES.md); its response is read in
// two pieces and still pairs.
TEST(DnsE2E, GetaddrinfoOverTcpReadsTheLengthThenTheBody) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-dns-e2e"};
    DnsLab lab(dir, "use-vc");
    ASSERT_TRUE(lab.ok()) << lab.why();
    Finished f = run(getaddrinfo_under(
        {probelog_bin(), "-o", "json", "--poll-ms", "20", "--trace", "dns", "--"}, lab));
    ASSERT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.err.find("10.1.2.4"), std::string::npos) << f.err;
    auto records = parse_json_lines(f.out);
    auto dns = select(records, [](const JsonRecord& r) { return r.str("event_type") == "dns"; });
    ASSERT_EQ(dns.size(), 2u) << f.out;
    auto [q, r] = query_then_response(dns);
    for (const JsonRecord* x : {q, r}) {
        expect_common(*x, "c.test", 1, "tcp");
        EXPECT_EQ(x->str("comm"), "python3") << x->line();
    }
    EXPECT_EQ(q->str("syscall"), "writev") << q->line();
    EXPECT_EQ(r->str("syscall"), "read") << r->line();
    EXPECT_EQ(q->unum("txid"), r->unum("txid"));
    EXPECT_GT(r->unum("latency_ns"), 0u) << r->line();
    EXPECT_EQ(r->strings("answers"), (std::vector<std::string>{"real.test", "10.1.2.4"}))
        << r->line();
}

// --dns-ports 5353: a server on 5353 is DNS, port 53 no longer is (dig's
// query there, refused, makes no record).
TEST(DnsE2E, DnsPortsReplacesPort53) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-dns-e2e"};
    DnsLab lab(dir, "", 5353);
    ASSERT_TRUE(lab.ok()) << lab.why();
    auto p =
        start_probelog({"-o", "json", "--poll-ms", "20", "--trace", "dns", "--dns-ports", "5353"});
    Dig seen = dig(lab, "a.test", "A", 5353);
    Dig unseen = dig(lab, "a.test", "A", 53, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto records = stop_and_parse(*p);
    auto all = dns_of(records, seen.pid, 0);
    for (const JsonRecord* r : dns_of(records, seen.pid, 1))
        all.push_back(r);
    ASSERT_EQ(all.size(), 2u) << seen.out;
    auto [q, r] = query_then_response(all);
    for (const JsonRecord* x : {q, r}) {
        expect_common(*x, "a.test", 1, "udp", 5353);
        EXPECT_EQ(x->unum("txid"), seen.id) << x->line();
    }
    EXPECT_EQ(r->strings("answers"), (std::vector<std::string>{"10.1.2.3"})) << r->line();
    EXPECT_TRUE(dns_of(records, unseen.pid, 0).empty()) << unseen.out;
    EXPECT_TRUE(dns_of(records, unseen.pid, 1).empty()) << unseen.out;
}

}  // namespace
}  // namespace probelog::test
