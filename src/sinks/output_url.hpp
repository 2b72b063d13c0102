#pragma once
// The text of one -o value, parsed into an OutputSpec:
//
//   json | jsonl | table | null            stdout (or nothing), as before
//   forward://HOST[:PORT]                  Fluent Forward over TCP (port 24224)
//   forward+tcp://HOST[:PORT]              the same
//   forward+unix:///PATH                   Fluent Forward over a Unix socket
//   otlp+http://HOST[:PORT][/PATH]         OTLP/HTTP logs (port 4318, path /v1/logs)
//   otlp://...                             the same
//   file://PATH                            JSON lines to PATH (file:///var/log/x.jsonl)
//   prometheus://HOST[:PORT]               the /metrics endpoint (as --metrics)
//
// Any of them may end in ?key=value&key=value: the sink's settings (the keys of
// OutputSpec.params, case-insensitive, %XX-decoded), plus `match` (Fluent Bit's
// Match on event_type) and `alias` (the sink's name in metrics and messages).
// The URL's host, port and path are stored as params too (host, port,
// unix_path, logs_uri, path), so that a config file's [OUTPUT] section that
// sets the same keys builds the same spec.

#include <string_view>

#include "common/result.hpp"
#include "sinks/output_spec.hpp"

namespace probelog {

Result<OutputSpec> parse_output_url(std::string_view text);

// host[:port], [v6]:port, or :port. Port stays empty when not given.
struct HostPort {
    std::string host;
    std::string port;
};
Result<HostPort> split_host_port(std::string_view text);

}  // namespace probelog
