// The probelog binary with its network and file outputs, against receivers
// the tests start themselves: a Fluent Forward receiver (msgpack-c++), an
// OTLP/HTTP receiver (cpp-httplib), Debian's real Prometheus server, and
// rotating files.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "support/forward_receiver.hpp"
#include "support/json_lines.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kReady = "Ctrl-C to stop";

// "2026-11-21T23:44:33.891069719Z" as ns since the epoch.
int64_t rfc3339_ns(const std::string& t) {
    std::tm tm{};
    strptime(t.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    return int64_t{timegm(&tm)} * 1'000'000'000 + std::stoll(t.substr(20, 9));
}

// A JSON value and a Forward value, both as comparable text.
std::string text_of(const rapidjson::Value& v) {
    if (v.IsString()) return v.GetString();
    if (v.IsBool()) return v.GetBool() ? "true" : "false";
    if (v.IsUint64()) return std::to_string(v.GetUint64());
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsDouble()) return fmt::format("{}", v.GetDouble());
    if (v.IsArray()) {
        std::string out = "[";
        for (const auto& e : v.GetArray())
            out += text_of(e) + "|";
        return out + "]";
    }
    return "?";
}

std::string text_of(const FieldValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return x;
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                std::string out = "[";
                for (const auto& e : x)
                    out += e + "|";
                return out + "]";
            } else if constexpr (std::is_same_v<T, std::monostate>) {
                return "?";
            } else {
                return fmt::format("{}", x);
            }
        },
        v);
}

TEST(SinksE2E, ForwardCarriesEveryFieldOfTheJsonRecordWithTagAndNanosecondTime) {
    PROBELOG_REQUIRE_ROOT();
    ForwardReceiver rx;
    std::string token = unique_token("fwd");
    Finished f = run({probelog_bin(), "--trace", "exec", "--poll-ms", "20", "-o", "json", "-o",
                      fmt::format("forward://127.0.0.1:{}", rx.port()), "--", "/bin/true", token,
                      "two words"});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    // Records already queued are delivered before probelog exits.
    std::vector<JsonRecord> records = parse_json_lines(f.out);
    auto json = select(records, [&](const JsonRecord& r) { return r.str("argv1") == token; });
    ASSERT_EQ(json.size(), 1u) << f.out;
    std::vector<ForwardEvent> fwd;
    for (const ForwardEvent& e : rx.events()) {
        if (e.str("argv1") == token) fwd.push_back(e);
    }
    ASSERT_EQ(fwd.size(), 1u) << rx.events().size() << " events";
    EXPECT_TRUE(rx.errors().empty());
    const ForwardEvent& e = fwd[0];
    EXPECT_EQ(e.tag, "probelog.exec");
    ASSERT_TRUE(e.event_time) << "EventTime (ext type 0) expected";
    EXPECT_EQ(e.time_ns(), rfc3339_ns(json[0]->str("time")));

    rapidjson::Document doc;
    doc.Parse(json[0]->line().c_str());
    ASSERT_EQ(e.fields.size(), doc.MemberCount());
    size_t i = 0;
    for (const auto& m : doc.GetObject()) {
        const auto& [key, value] = e.fields[i++];
        EXPECT_EQ(key, m.name.GetString());
        EXPECT_EQ(text_of(value), text_of(m.value)) << key;
    }
    EXPECT_EQ(e.str("event_type"), "exec");
    EXPECT_EQ(e.str("argv2"), "two words");
    EXPECT_NE(f.err.find(fmt::format("output forward.0 (127.0.0.1:{}): ", rx.port())),
              std::string::npos)
        << f.err;
    EXPECT_NE(f.err.find(" sent, 0 lost"), std::string::npos) << f.err;
}

TEST(SinksE2E, OtlpReceiverGetsTheExecAsALogRecord) {
    PROBELOG_REQUIRE_ROOT();
    httplib::Server server;
    std::mutex mutex;
    std::vector<std::string> bodies;
    server.Post("/v1/logs", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        bodies.push_back(req.body);
        res.set_content("{}", "application/json");
    });
    int port = server.bind_to_any_port("127.0.0.1");
    std::thread t([&] { server.listen_after_bind(); });
    std::string token = unique_token("otlp");
    Finished f =
        run({probelog_bin(), "--trace", "exec", "--poll-ms", "20", "-o",
             fmt::format("otlp+http://127.0.0.1:{}/v1/logs", port), "--", "/bin/true", token});
    server.stop();
    t.join();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    int found = 0;
    for (const std::string& body : bodies) {
        rapidjson::Document doc;
        doc.Parse(body.c_str());
        ASSERT_FALSE(doc.HasParseError()) << body;
        for (const auto& lr : doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"].GetArray()) {
            std::map<std::string, std::string> attrs;
            for (const auto& a : lr["attributes"].GetArray()) {
                const auto& v = a["value"];
                attrs[a["key"].GetString()] =
                    v.HasMember("stringValue")
                        ? v["stringValue"].GetString()
                        : (v.HasMember("intValue") ? v["intValue"].GetString() : "");
            }
            if (attrs["argv1"] != token) continue;
            ++found;
            EXPECT_STREQ(lr["body"]["stringValue"].GetString(), "exec");
            EXPECT_EQ(std::stoll(lr["timeUnixNano"].GetString()), rfc3339_ns(attrs["time"]));
            EXPECT_EQ(attrs["filename"], "/bin/true");
            EXPECT_EQ(attrs["event_type"], "exec");
            EXPECT_FALSE(attrs["pid"].empty());
        }
    }
    EXPECT_EQ(found, 1) << bodies.size() << " requests";
}

TEST(SinksE2E, FileRotationKeepsEveryExecOnceAndInOrderAndMatchSelectsPerSink) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-e2e"};
    std::string path = dir.file("execs.jsonl");
    std::string token = unique_token("rot");
    constexpr int kExecs = 60;
    Finished f =
        run({probelog_bin(), "--trace", "exec", "--poll-ms", "20", "-o",
             fmt::format("file://{}?rotate_size=4K&rotate_keep=1000", path), "-o",
             fmt::format("file://{}?match=lost", dir.file("lost.jsonl")), "--", "/bin/sh", "-c",
             fmt::format("i=0; while [ $i -lt {} ]; do /bin/true {}-$i; i=$((i+1)); done", kExecs,
                         token)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::vector<std::string> files;
    for (int i = 1000; i >= 1; --i) {
        if (fs::exists(fmt::format("{}.{}", path, i)))
            files.push_back(fmt::format("{}.{}", path, i));
    }
    files.push_back(path);
    EXPECT_GE(files.size(), 5u) << "the records should have filled several files";
    std::vector<int> seen;
    for (const std::string& p : files) {
        EXPECT_LT(fs::file_size(p), 4096u + 2048u) << p;
        for (const JsonRecord& r : parse_json_lines(read_file(p))) {
            std::string a = r.str("argv1");
            if (a.rfind(token + "-", 0) == 0) seen.push_back(std::stoi(a.substr(token.size() + 1)));
        }
    }
    std::vector<int> expected;
    for (int i = 0; i < kExecs; ++i)
        expected.push_back(i);
    EXPECT_EQ(seen, expected);
    // The second file sink matches only `lost` records: nothing was lost.
    EXPECT_TRUE(fs::exists(dir.file("lost.jsonl")));
    EXPECT_EQ(read_file(dir.file("lost.jsonl")), "");
}

// Debian's Prometheus server, scraping one target every second.
class Prometheus {
  public:
    Prometheus(const TempDir& dir, uint16_t target_port) : port_(free_port()) {
        std::string config = dir.file("prometheus.yml");
        std::ofstream(config) << fmt::format(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: probelog\n    static_configs:\n"
            "      - targets: ['127.0.0.1:{}']\n",
            target_port);
        log_ = dir.file("prometheus.log");
        process_ = std::make_unique<Process>(std::vector<std::string>{
            "/bin/sh", "-c",
            fmt::format("exec /usr/bin/prometheus --config.file={} --storage.tsdb.path={} "
                        "--web.listen-address=127.0.0.1:{} >{} 2>&1",
                        config, dir.file("data"), port_, log_)});
    }
    ~Prometheus() {
        process_->signal(SIGTERM);
        (void)process_->wait(std::chrono::seconds(10));
    }

    // The value of an instant query's single sample, or "" when it has none yet.
    std::string query(const std::string& promql) {
        httplib::Client client("127.0.0.1", port_);
        auto res =
            client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
        if (!res || res->status != 200) return "";
        rapidjson::Document doc;
        doc.Parse(res->body.c_str());
        if (doc.HasParseError() || !doc.HasMember("data")) return "";
        const auto& result = doc["data"]["result"];
        if (!result.IsArray() || result.Size() != 1) return "";
        return result[0]["value"][1].GetString();
    }

    // Polls until every query returns its expected value (or the timeout passes).
    bool wait_for(const std::map<std::string, std::string>& expected,
                  std::map<std::string, std::string>& last,
                  std::chrono::seconds timeout = std::chrono::seconds(60)) {
        auto until = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            bool all = true;
            for (const auto& [q, want] : expected) {
                last[q] = query(q);
                all = all && last[q] == want;
            }
            if (all) return true;
            if (std::chrono::steady_clock::now() >= until) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    }

    std::string log() const { return read_file(log_); }

  private:
    uint16_t port_;
    std::string log_;
    std::unique_ptr<Process> process_;
};

TEST(SinksE2E, RealPrometheusScrapesRecordAndLossCountersAndPromtoolAccepts) {
    PROBELOG_REQUIRE_ROOT();
    if (!fs::exists("/usr/bin/prometheus") || !fs::exists("/usr/bin/promtool")) {
        FAIL() << "prometheus is not installed (scripts/install-deps.sh installs it)";
    }
    TempDir dir{"probelog-e2e"};
    uint16_t dead = free_port();  // nothing listens: the forward sink's queue fills
    // 7 execs: the sh, five true, the sleep. The forward queue holds 2: 5 dropped.
    auto p = std::make_unique<Process>(std::vector<std::string>{
        probelog_bin(), "--trace", "exec", "--poll-ms", "20", "-o", "null", "-o",
        fmt::format("forward://127.0.0.1:{}?queue_size=2&retry_wait=100ms&grace=200ms", dead),
        "--metrics", "127.0.0.1:0", "--", "/bin/sh", "-c",
        "for i in 1 2 3 4 5; do /bin/true; done; exec /bin/sleep 120"});
    ASSERT_TRUE(p->wait_for_stderr(kReady)) << p->err();
    std::smatch m;
    std::string err = p->err();
    ASSERT_TRUE(std::regex_search(err, m, std::regex("metrics at http://127.0.0.1:(\\d+)/metrics")))
        << err;
    auto metrics_port = static_cast<uint16_t>(std::stoi(m[1]));

    Prometheus prom(dir, metrics_port);
    std::map<std::string, std::string> expected = {
        {R"(probelog_records_total{trace="exec"})", "7"},
        {R"(probelog_kernel_events_total{trace="exec"})", "7"},
        {R"(probelog_lost_events_total{trace="exec",stage="ring_buffer"})", "0"},
        {R"(probelog_lost_events_total{trace="exec",stage="sink:forward.0"})", "5"},
        {R"(probelog_sink_dropped_records_total{sink="forward.0",reason="queue_full"})", "5"},
        {R"(probelog_sink_records_total{sink="forward.0"})", "7"},
        {R"(probelog_sink_queued_records{sink="forward.0"})", "2"},
        {R"(probelog_sink_up{sink="forward.0"})", "0"},
        {R"(probelog_ringbuf_size_bytes)", "4194304"},
        {R"(up{job="probelog"})", "1"},
    };
    std::map<std::string, std::string> got;
    bool ok = prom.wait_for(expected, got);
    for (const auto& [q, want] : expected)
        EXPECT_EQ(got[q], want) << q;
    if (!ok) ADD_FAILURE() << "prometheus log:\n" << prom.log();

    // The endpoint's text passes promtool's checks (format and naming lint).
    httplib::Client client("127.0.0.1", metrics_port);
    auto res = client.Get("/metrics");
    ASSERT_TRUE(res);
    std::string text_file = dir.file("metrics.txt");
    std::ofstream(text_file) << res->body;
    Finished check = run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + text_file});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err << "\n" << res->body;

    p->signal(SIGTERM);  // passed on to the command; probelog ends with it
    Finished f = p->wait();
    EXPECT_NE(
        f.err.find(fmt::format(
            "output forward.0 (127.0.0.1:{}): 0 sent, 7 lost (5 queue full, 2 unsent at exit)",
            dead)),
        std::string::npos)
        << f.err;
}

}  // namespace
}  // namespace probelog::test
