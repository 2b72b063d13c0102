#include "sinks/otlp_sink.hpp"

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <ctime>
#include <optional>

#include "common/clock.hpp"
#include "common/utf8.hpp"
#include "sinks/encode_util.hpp"
#include "sinks/msgpack_otlp.hpp"

namespace probelog {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

class Encoder {
  public:
    Encoder() : w_(buffer_) {}

    // Starts a new document, reusing the buffer's and the writer's memory.
    void begin() {
        buffer_.Clear();
        w_.Reset(buffer_);
    }
    std::string_view text() const { return {buffer_.GetString(), buffer_.GetSize()}; }

    void string(std::string_view s) {
        s = clean_utf8(s, scratch_);
        w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    }
    void key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
    // proto3 JSON: 64-bit integers are strings.
    void int64_string(int64_t v) {
        std::array<char, 24> buf{};
        auto n = fmt::format_to_n(buf.data(), buf.size(), "{}", v).size;
        w_.String(buf.data(), static_cast<rapidjson::SizeType>(n));
    }
    void string_value(std::string_view s) {
        w_.StartObject();
        key("stringValue");
        string(s);
        w_.EndObject();
    }

    void any_value(const Value& v) {
        switch (v.kind) {
            case ValueKind::Int:
                w_.StartObject();
                key("intValue");
                int64_string(v.i);
                w_.EndObject();
                break;
            case ValueKind::Uint:
                if (v.u <= static_cast<uint64_t>(INT64_MAX)) {
                    w_.StartObject();
                    key("intValue");
                    int64_string(static_cast<int64_t>(v.u));
                    w_.EndObject();
                } else {
                    std::array<char, 24> buf{};
                    auto n = fmt::format_to_n(buf.data(), buf.size(), "{}", v.u).size;
                    string_value({buf.data(), n});
                }
                break;
            case ValueKind::Bool:
                w_.StartObject();
                key("boolValue");
                w_.Bool(v.b);
                w_.EndObject();
                break;
            case ValueKind::Float:
                w_.StartObject();
                key("doubleValue");
                if (std::isfinite(v.f)) {
                    w_.Double(v.f);
                } else {
                    w_.String(std::isnan(v.f) ? "NaN" : (v.f > 0 ? "Infinity" : "-Infinity"));
                }
                w_.EndObject();
                break;
            case ValueKind::Str:
                string_value(v.str);
                break;
            case ValueKind::Hex: {
                std::array<char, 20> buf{};
                string_value(format_hex(v.u, buf.data()));
                break;
            }
            case ValueKind::Time: {
                std::array<char, kRfc3339Size> buf{};
                string_value(format_rfc3339(v.i, buf.data()));
                break;
            }
            case ValueKind::StrList:
                w_.StartObject();
                key("arrayValue");
                w_.StartObject();
                key("values");
                w_.StartArray();
                StrListView(v.str, v.count).for_each([&](std::string_view s) { string_value(s); });
                w_.EndArray();
                w_.EndObject();
                w_.EndObject();
                break;
            case ValueKind::Bytes:
                hex_.clear();
                append_hex_bytes(hex_, v.str);
                string_value(hex_);
                break;
            case ValueKind::Text:
                hex_.clear();
                append_escaped_text(hex_, v.str);
                string_value(hex_);
                break;
            case ValueKind::Base64:
                hex_.clear();
                append_base64(hex_, v.str);
                string_value(hex_);
                break;
            case ValueKind::Msgpack: {
                MsgpackToAnyValue<Writer> any(w_);
                walk_msgpack(v.str, v.count, any);
                break;
            }
        }
    }

    void attribute(std::string_view k, std::string_view v) {
        w_.StartObject();
        key("key");
        string(k);
        key("value");
        string_value(v);
        w_.EndObject();
    }

    void log_record(const Record& r, int64_t observed_ns) {
        int64_t t = r.time_ns() > 0 ? r.time_ns() : observed_ns;
        bool warn = r.event_type() == "lost";
        w_.StartObject();
        key("timeUnixNano");
        int64_string(t);
        key("observedTimeUnixNano");
        int64_string(observed_ns);
        key("severityNumber");
        w_.Int(warn ? 13 : 9);  // WARN for loss reports, INFO otherwise
        key("severityText");
        w_.String(warn ? "WARN" : "INFO");
        // A probe's message (log "...") is the body; other records have their
        // event type there. Every other field is an attribute.
        const Field* message = r.find("message");
        if (message != nullptr && message->value.kind != ValueKind::Str) message = nullptr;
        key("body");
        string_value(message != nullptr ? message->value.str : r.event_type());
        key("attributes");
        w_.StartArray();
        for (const Field& f : r.fields()) {
            if (&f == message) continue;
            w_.StartObject();
            key("key");
            string(f.name);
            key("value");
            any_value(f.value);
            w_.EndObject();
        }
        w_.EndArray();
        w_.EndObject();
    }

    Writer& writer() { return w_; }

  private:
    rapidjson::StringBuffer buffer_;
    Writer w_;
    std::string scratch_;
    std::string hex_;
};

// The longest Retry-After taken as given: a day (a larger one is a mistake,
// and records would only wait in a full queue meanwhile).
constexpr std::chrono::milliseconds kRetryAfterMax = std::chrono::hours(24);

bool retryable(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
}

class OtlpTransport final : public Transport {
  public:
    explicit OtlpTransport(const OtlpConfig& config)
        : config_(config), prefix_(otlp_request_prefix(config)) {}

    void encode(const Record& record, std::string_view& key, std::string_view& body) override {
        encoder_.begin();
        encoder_.log_record(record, realtime_now_ns());
        key = {};
        body = encoder_.text();
    }

    Delivery deliver(std::span<const RecordQueue::Entry> batch, net::Deadline deadline) override {
        Delivery d;
        if (!client_) {
            client_ = std::make_unique<httplib::Client>(config_.host, config_.port);
            client_->set_keep_alive(true);
            client_->set_compress(config_.gzip);
        }
        auto left = std::max<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          deadline.effective() - std::chrono::steady_clock::now())
                                          .count(),
                                      1000);
        client_->set_connection_timeout(std::chrono::microseconds(left));
        client_->set_read_timeout(std::chrono::microseconds(left));
        client_->set_write_timeout(std::chrono::microseconds(left));

        request_.assign(prefix_);
        for (size_t i = 0; i < batch.size(); ++i) {
            if (i > 0) request_.push_back(',');
            request_.append(batch[i].body);
        }
        request_.append(otlp_request_suffix());
        auto res = client_->Post(config_.logs_uri, request_, "application/json");
        if (!res) {
            d.error = make_error("cannot send: {}", httplib::to_string(res.error()));
            return d;
        }
        if (res->status >= 200 && res->status < 300) {
            d.sent = batch.size();
            size_t refused = rejected_in(res->body);
            d.sent -= std::min(refused, d.sent);
            d.rejected = batch.size() - d.sent;
            return d;
        }
        if (retryable(res->status)) {
            std::string after = res->get_header_value("Retry-After");
            d.retry_after = parse_retry_after(after, realtime_now_ns());
            d.error = d.retry_after ? make_error("answered HTTP {} (Retry-After: {})", res->status,
                                                 after.substr(0, 64))
                                    : make_error("answered HTTP {}", res->status);
            return d;
        }
        // The destination will never take these: count them and go on.
        d.rejected = batch.size();
        if (!warned_) {
            warned_ = true;
            fmt::print(stderr, "probelog: OTLP {} refused {} records: HTTP {} {}\n",
                       config_.target(), batch.size(), res->status, res->body.substr(0, 200));
        }
        return d;
    }

    void disconnect() override { client_.reset(); }

  private:
    // partialSuccess.rejectedLogRecords of an ExportLogsServiceResponse.
    static size_t rejected_in(const std::string& body) {
        if (body.empty()) return 0;
        rapidjson::Document doc;
        doc.Parse(body.data(), body.size());
        if (doc.HasParseError() || !doc.IsObject()) return 0;
        auto ps = doc.FindMember("partialSuccess");
        if (ps == doc.MemberEnd() || !ps->value.IsObject()) return 0;
        auto n = ps->value.FindMember("rejectedLogRecords");
        if (n == ps->value.MemberEnd()) return 0;
        if (n->value.IsUint64()) return n->value.GetUint64();
        if (n->value.IsString()) return std::strtoull(n->value.GetString(), nullptr, 10);
        return 0;
    }

    OtlpConfig config_;
    std::string prefix_;
    Encoder encoder_;  // event loop thread
    // I/O thread.
    std::unique_ptr<httplib::Client> client_;
    std::string request_;
    bool warned_ = false;
};

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_ns) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    int64_t wait_ms = 0;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // delay-seconds
        if (value.size() > 9) return kRetryAfterMax;
        int64_t seconds = 0;
        std::from_chars(value.data(), value.data() + value.size(), seconds);
        wait_ms = seconds * 1000;
    } else {
        // HTTP-date, in its preferred form: "Sun, 06 Nov 1994 08:49:37 GMT".
        std::string text(value);
        std::tm tm{};
        const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (end == nullptr || *end != '\0') return std::nullopt;
        int64_t at_ms = int64_t{::timegm(&tm)} * 1000;
        wait_ms = std::max<int64_t>(at_ms - now_ns / 1'000'000, 0);
    }
    return std::min(std::chrono::milliseconds(wait_ms), kRetryAfterMax);
}

std::string OtlpConfig::target() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return fmt::format("http://{}:{}{}", h, port, logs_uri);
}

void encode_otlp_log_record(const Record& record, int64_t observed_ns, std::string& out) {
    Encoder e;
    e.begin();
    e.log_record(record, observed_ns);
    out.append(e.text());
}

std::string otlp_request_prefix(const OtlpConfig& config) {
    std::string host = config.host_name;
    if (host.empty()) {
        std::array<char, 256> buf{};
        if (::gethostname(buf.data(), buf.size() - 1) == 0) host = buf.data();
    }
    Encoder e;
    e.begin();
    Writer& w = e.writer();
    w.StartObject();
    e.key("resourceLogs");
    w.StartArray();
    w.StartObject();
    e.key("resource");
    w.StartObject();
    e.key("attributes");
    w.StartArray();
    e.attribute("service.name", config.service_name);
    e.attribute("host.name", host);
    w.EndArray();
    w.EndObject();
    e.key("scopeLogs");
    w.StartArray();
    w.StartObject();
    e.key("scope");
    w.StartObject();
    e.key("name");
    w.String("probelog");
    e.key("version");
    w.String(PROBELOG_VERSION);
    w.EndObject();
    e.key("logRecords");
    // The writer's state is left open: the records and the suffix complete it.
    std::string out(e.text());
    out.append(":[");
    return out;
}

std::string_view otlp_request_suffix() {
    return "]}]}]}";
}

std::unique_ptr<Sink> make_otlp_sink(std::string name, const OtlpConfig& config) {
    return std::make_unique<QueuedSink>(std::move(name), config.target(), config.queue,
                                        std::make_unique<OtlpTransport>(config));
}

}  // namespace probelog
