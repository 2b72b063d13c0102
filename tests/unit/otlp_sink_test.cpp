// The OTLP/HTTP sink against a cpp-httplib receiver in the test: the decoded
// request (resource, scope, LogRecords with typed attributes), retries on the
// status codes the spec calls retryable, and refusals counted as lost.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "sinks/otlp_sink.hpp"

namespace probelog {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kTime = 1795303585123456789;

void fill(Record& r, uint64_t n, std::string_view type = "exec") {
    static const char kArgs[] = "/bin/echo\0hello world\0";
    begin_record(r, type, PL_TRACE_EXEC, kTime + static_cast<int64_t>(n));
    r.add_uint("pid", 4242, kCommon);
    r.add_uint("n", n);
    r.add_int("error_raw", -3);
    r.add_bool("args_truncated", false);
    r.add_float("ratio", 0.5);
    r.add_hex("flags", 0x80000);
    r.add_str_list("args", std::string_view(kArgs, sizeof(kArgs) - 1), 2);
    r.add_str("bad", std::string_view("a\xff", 2));
    r.add_uint("big", UINT64_MAX);
}

// An OTLP/HTTP receiver: answers each request with the next status of
// `statuses` (then 200) and keeps every request.
class Receiver {
  public:
    explicit Receiver(std::vector<int> statuses = {}) : statuses_(std::move(statuses)) {
        server_.Post("/v1/logs", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            size_t i = requests_.size();
            requests_.push_back(req);
            res.status = i < statuses_.size() ? statuses_[i] : 200;
            res.set_content(res.status == 200 ? partial_ : "{}", "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running())
            std::this_thread::sleep_for(1ms);
    }
    ~Receiver() {
        server_.stop();
        thread_.join();
    }
    int port() const { return port_; }
    void set_partial(std::string body) {
        std::lock_guard lock(mutex_);
        partial_ = std::move(body);
    }
    std::vector<httplib::Request> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    bool wait_for(size_t n) {
        for (int i = 0; i < 2000; ++i) {
            {
                std::lock_guard lock(mutex_);
                if (requests_.size() >= n) return true;
            }
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

  private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    std::vector<int> statuses_;
    std::vector<httplib::Request> requests_;
    std::string partial_ = "{}";
};

OtlpConfig config_for(const Receiver& rx) {
    OtlpConfig c;
    c.port = static_cast<uint16_t>(rx.port());
    c.queue.retry_wait = 20ms;
    c.queue.retry_max_wait = 100ms;
    c.queue.timeout = 2s;
    return c;
}

const rapidjson::Value* attribute(const rapidjson::Value& attrs, const char* key) {
    for (const auto& a : attrs.GetArray()) {
        if (std::string_view(a["key"].GetString()) == key) return &a["value"];
    }
    return nullptr;
}

size_t records_in(const httplib::Request& req) {
    rapidjson::Document doc;
    doc.Parse(req.body.c_str());
    return doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"].Size();
}

TEST(OtlpSink, RequestCarriesResourceScopeAndOneLogRecordPerRecord) {
    Receiver rx;
    auto sink = make_otlp_sink("otlp.test", config_for(rx));
    Record r;
    fill(r, 1);
    sink->write(r);
    fill(r, 2, "lost");
    sink->write(r);
    ASSERT_TRUE(sink->flush().ok());
    ASSERT_TRUE(rx.wait_for(1));
    ASSERT_TRUE(sink->close().ok());
    auto reqs = rx.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].path, "/v1/logs");
    EXPECT_EQ(reqs[0].get_header_value("Content-Type"), "application/json");

    rapidjson::Document doc;
    doc.Parse(reqs[0].body.c_str());
    ASSERT_FALSE(doc.HasParseError()) << reqs[0].body;
    ASSERT_EQ(doc["resourceLogs"].Size(), 1u);
    const auto& rl = doc["resourceLogs"][0];
    const auto& res_attrs = rl["resource"]["attributes"];
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    EXPECT_STREQ((*attribute(res_attrs, "service.name"))["stringValue"].GetString(), "probelog");
    EXPECT_STREQ((*attribute(res_attrs, "host.name"))["stringValue"].GetString(), host);
    const auto& sl = rl["scopeLogs"][0];
    EXPECT_STREQ(sl["scope"]["name"].GetString(), "probelog");
    const auto& logs = sl["logRecords"];
    ASSERT_EQ(logs.Size(), 2u);

    const auto& lr = logs[0];
    EXPECT_STREQ(lr["timeUnixNano"].GetString(), std::to_string(kTime + 1).c_str());
    EXPECT_TRUE(lr["observedTimeUnixNano"].IsString());
    EXPECT_EQ(lr["severityNumber"].GetInt(), 9);
    EXPECT_STREQ(lr["severityText"].GetString(), "INFO");
    EXPECT_STREQ(lr["body"]["stringValue"].GetString(), "exec");
    const auto& a = lr["attributes"];
    ASSERT_EQ(a.Size(), 11u);  // one per field, in record order
    EXPECT_STREQ(a[0]["key"].GetString(), "time");
    EXPECT_STREQ(a[0]["value"]["stringValue"].GetString(), "2026-11-21T23:26:25.123456790Z");
    EXPECT_STREQ((*attribute(a, "event_type"))["stringValue"].GetString(), "exec");
    EXPECT_STREQ((*attribute(a, "pid"))["intValue"].GetString(), "4242");
    EXPECT_STREQ((*attribute(a, "n"))["intValue"].GetString(), "1");
    EXPECT_STREQ((*attribute(a, "error_raw"))["intValue"].GetString(), "-3");
    EXPECT_FALSE((*attribute(a, "args_truncated"))["boolValue"].GetBool());
    EXPECT_EQ((*attribute(a, "ratio"))["doubleValue"].GetDouble(), 0.5);
    EXPECT_STREQ((*attribute(a, "flags"))["stringValue"].GetString(), "0x80000");
    const auto& args = (*attribute(a, "args"))["arrayValue"]["values"];
    ASSERT_EQ(args.Size(), 2u);
    EXPECT_STREQ(args[0]["stringValue"].GetString(), "/bin/echo");
    EXPECT_STREQ(args[1]["stringValue"].GetString(), "hello world");
    EXPECT_STREQ((*attribute(a, "bad"))["stringValue"].GetString(), "a\xEF\xBF\xBD");
    EXPECT_STREQ((*attribute(a, "big"))["stringValue"].GetString(), "18446744073709551615");

    EXPECT_EQ(logs[1]["severityNumber"].GetInt(), 13);  // loss reports are warnings
    EXPECT_STREQ(logs[1]["body"]["stringValue"].GetString(), "lost");
    EXPECT_EQ(sink->stats()->sent.load(), 2u);
}

TEST(OtlpSink, RetryableStatusesAreRetriedUntilAccepted) {
    Receiver rx({503, 429, 502});
    auto sink = make_otlp_sink("otlp.retry", config_for(rx));
    Record r;
    for (uint64_t i = 0; i < 5; ++i) {
        fill(r, i);
        sink->write(r);
    }
    ASSERT_TRUE(sink->flush().ok());
    ASSERT_TRUE(rx.wait_for(4));
    ASSERT_TRUE(sink->close().ok());
    auto reqs = rx.requests();
    ASSERT_EQ(reqs.size(), 4u);
    for (const auto& req : reqs)
        EXPECT_EQ(records_in(req), 5u);
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->sent.load(), 5u);
    EXPECT_EQ(st->retries.load(), 3u);
    EXPECT_EQ(st->lost(), 0u);
}

TEST(OtlpSink, RefusedAndPartiallyRejectedRecordsAreCountedAsLost) {
    Receiver rx({400});
    rx.set_partial(R"({"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"x"}})");
    OtlpConfig c = config_for(rx);
    auto sink = make_otlp_sink("otlp.refused", c);
    Record r;
    for (uint64_t i = 0; i < 3; ++i) {
        fill(r, i);
        sink->write(r);
    }
    ASSERT_TRUE(sink->flush().ok());
    ASSERT_TRUE(rx.wait_for(1));
    std::this_thread::sleep_for(200ms);
    for (uint64_t i = 3; i < 8; ++i) {
        fill(r, i);
        sink->write(r);
    }
    ASSERT_TRUE(sink->flush().ok());
    ASSERT_TRUE(rx.wait_for(2));
    ASSERT_TRUE(sink->close().ok());
    EXPECT_EQ(rx.requests().size(), 2u);  // a 400 is not retried
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->rejected.load(), 3u + 2u);
    EXPECT_EQ(st->sent.load(), 3u);
    EXPECT_EQ(st->lost_by_trace[PL_TRACE_EXEC].load(), 5u);
}

TEST(OtlpSink, GzipBodiesDecodeToTheSameRequest) {
    Receiver rx;
    OtlpConfig c = config_for(rx);
    c.gzip = true;
    auto sink = make_otlp_sink("otlp.gzip", c);
    Record r;
    fill(r, 1);
    sink->write(r);
    ASSERT_TRUE(sink->flush().ok());
    ASSERT_TRUE(rx.wait_for(1));
    ASSERT_TRUE(sink->close().ok());
    auto reqs = rx.requests();
    EXPECT_EQ(reqs[0].get_header_value("Content-Encoding"), "gzip");
    EXPECT_EQ(records_in(reqs[0]), 1u);  // httplib inflated it
}

TEST(OtlpSink, DestinationDownKeepsRecordsQueuedThenDelivers) {
    int port = 0;
    {
        Receiver probe;  // a port that was free a moment ago
        port = probe.port();
    }
    OtlpConfig c;
    c.port = static_cast<uint16_t>(port);
    c.queue.retry_wait = 20ms;
    c.queue.retry_max_wait = 100ms;
    c.queue.queue_size = 4;
    auto sink = make_otlp_sink("otlp.down", c);
    Record r;
    for (uint64_t i = 0; i < 6; ++i) {
        fill(r, i);
        sink->write(r);
    }
    ASSERT_TRUE(sink->flush().ok());
    std::this_thread::sleep_for(300ms);
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->dropped.load(), 2u);
    EXPECT_EQ(st->queued.load(), 4u);
    EXPECT_GE(st->retries.load(), 1u);
}

TEST(OtlpEncoding, RequestPrefixAndSuffixMakeValidJson) {
    OtlpConfig c;
    c.host_name = "h\"1";
    c.service_name = "svc";
    std::string body = otlp_request_prefix(c);
    Record r;
    fill(r, 0);
    encode_otlp_log_record(r, kTime, body);
    body.push_back(',');
    encode_otlp_log_record(r, kTime, body);
    body.append(otlp_request_suffix());
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    ASSERT_FALSE(doc.HasParseError()) << body;
    const auto& attrs = doc["resourceLogs"][0]["resource"]["attributes"];
    EXPECT_STREQ((*attribute(attrs, "host.name"))["stringValue"].GetString(), "h\"1");
    EXPECT_STREQ((*attribute(attrs, "service.name"))["stringValue"].GetString(), "svc");
    EXPECT_EQ(doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"].Size(), 2u);
}

// Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP date, against the
// clock given; anything else is ignored (the sink's own backoff applies).
TEST(OtlpRetryAfter, SecondsAndHttpDatesAreTheWaitAsked) {
    using std::chrono::milliseconds;
    const int64_t now = int64_t{784111777} * 1'000'000'000;  // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(parse_retry_after("2", now), milliseconds(2000));
    EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now), milliseconds(3000));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now), milliseconds(0));  // past
    EXPECT_EQ(parse_retry_after("99999999999", now), std::chrono::hours(24));
    EXPECT_EQ(parse_retry_after("", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("-1", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT+1", now), std::nullopt);
}

}  // namespace
}  // namespace probelog
