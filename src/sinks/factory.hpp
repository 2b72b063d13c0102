#pragma once
// Builds the sink an OutputSpec describes. New sink kinds are added here.
//
// Every sink setting is an OutputSpec param (keys case-insensitive), so an -o
// URL's query and a config file's [OUTPUT] section map onto the same thing;
// docs/OUTPUTS.md lists them. Unknown keys are errors (a typo should not be
// silently ignored).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "sinks/file_sink.hpp"
#include "sinks/forward_sink.hpp"
#include "sinks/otlp_sink.hpp"
#include "sinks/output_spec.hpp"
#include "sinks/sink.hpp"

namespace probelog {

// Fluent Bit's plugin names are accepted as aliases: opentelemetry -> otlp,
// prometheus_exporter -> prometheus.
std::string canonical_kind(std::string_view kind);

// The settings of each kind, checked (nothing is opened or connected).
Result<ForwardConfig> forward_config(const OutputSpec& spec);
Result<OtlpConfig> otlp_config(const OutputSpec& spec);
Result<FileConfig> file_config(const OutputSpec& spec);
struct MetricsEndpoint {
    std::string host = "127.0.0.1";
    uint16_t port = 9464;  // 0: any free port
};
Result<MetricsEndpoint> metrics_endpoint(const OutputSpec& spec);

// Checks an output's kind and settings without opening anything, so that the
// command line and config files fail early with a clear message.
Status check_output(const OutputSpec& spec);

// One -o value: "json", "table" (stdout), or an output URL, parsed and checked.
Result<OutputSpec> parse_output(std::string_view text);

// The record sink for `spec` (not for kind prometheus: that is the agent's
// metrics endpoint). Its name is params["alias"], or the kind.
Result<std::unique_ptr<Sink>> make_sink(const OutputSpec& spec);

// Only records whose event_type matches `pattern` reach `inner`.
class MatchingSink final : public Sink {
  public:
    MatchingSink(std::string pattern, std::unique_ptr<Sink> inner)
        : pattern_(std::move(pattern)), inner_(std::move(inner)) {}
    void write(const Record& record) override {
        if (match_event_type(pattern_, record.event_type())) inner_->write(record);
    }
    Status flush() override { return inner_->flush(); }
    bool broken() const override { return inner_->broken(); }
    const SinkStats* stats() const override { return inner_->stats(); }
    void begin_close() override { inner_->begin_close(); }
    Status close() override { return inner_->close(); }

  private:
    std::string pattern_;
    std::unique_ptr<Sink> inner_;
};

}  // namespace probelog
