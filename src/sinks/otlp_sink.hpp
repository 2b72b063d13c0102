#pragma once
// OpenTelemetry logs over HTTP: POST {host}:{port}{logs_uri} with an
// ExportLogsServiceRequest in OTLP/JSON (the protocol's http/json encoding).
// One LogRecord per record: timeUnixNano from the record's time, body = the
// event type, one attribute per field (same names and order as the JSON
// lines). Resource attributes: service.name (probelog) and host.name.
// Retries follow the OTLP spec: 429, 502, 503, 504 and network errors are
// retried with backoff, or after the wait the answer's Retry-After asks for
// (seconds or an HTTP date); other errors reject the batch (counted as lost).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sinks/queued_sink.hpp"

namespace probelog {

struct OtlpConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 4318;
    std::string logs_uri = "/v1/logs";
    std::string service_name = "probelog";
    std::string host_name;  // empty: this machine's name
    bool gzip = false;      // Content-Encoding: gzip
    QueueSettings queue;

    std::string target() const;  // "http://127.0.0.1:4318/v1/logs"
};

// One LogRecord object (JSON), appended to `out`.
void encode_otlp_log_record(const Record& record, int64_t observed_ns, std::string& out);
// The request around comma-joined LogRecords: prefix + records + suffix.
std::string otlp_request_prefix(const OtlpConfig& config);
std::string_view otlp_request_suffix();

// The wait an HTTP Retry-After value asks for (delay-seconds or an HTTP date,
// against `now_ns`, the realtime clock), at most a day; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_ns);

std::unique_ptr<Sink> make_otlp_sink(std::string name, const OtlpConfig& config);

}  // namespace probelog
