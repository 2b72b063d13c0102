#include "sinks/factory.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "common/parse.hpp"
#include "sinks/json_sink.hpp"
#include "sinks/output_url.hpp"
#include "sinks/table_sink.hpp"

namespace probelog {
namespace {

std::unique_ptr<Sink> make_stdout_sink(OutputFormat format) {
    bool tty = ::isatty(STDOUT_FILENO) != 0;
    if (format == OutputFormat::Json || (format == OutputFormat::Auto && !tty)) {
        return std::make_unique<JsonSink>(STDOUT_FILENO);
    }
    size_t width = 0;
    winsize ws{};
    if (tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) width = ws.ws_col;
    return std::make_unique<TableSink>(STDOUT_FILENO, width);
}

class NullSink final : public Sink {
  public:
    void write(const Record&) override {}
    Status flush() override { return {}; }
};

// An output's params with lower-case keys; remembers which keys were asked
// for so that unknown ones can be reported.
class Settings {
  public:
    Settings(const OutputSpec& spec, std::string kind) : kind_(std::move(kind)) {
        for (const auto& [k, v] : spec.params)
            values_[lower(k)] = v;
        (void)find("alias");
        (void)find("match");
    }

    const std::string* find(const std::string& key) {
        known_.insert(key);
        auto it = values_.find(key);
        return it == values_.end() ? nullptr : &it->second;
    }

    Result<std::string> text(const std::string& key, const std::string& fallback) {
        const std::string* v = find(key);
        return v != nullptr ? *v : fallback;
    }

    Result<bool> flag(const std::string& key, bool fallback) {
        const std::string* v = find(key);
        if (v == nullptr) return fallback;
        if (std::optional<bool> b = parse_bool(*v)) return *b;
        return make_error("{}: {}='{}' is not true or false", kind_, key, *v);
    }

    Result<uint64_t> number(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max) {
        const std::string* v = find(key);
        if (v == nullptr) return fallback;
        auto n = parse_uint(*v);
        if (!n || *n < min || *n > max) {
            return make_error("{}: {}='{}' is not a number from {} to {}", kind_, key, *v, min,
                              max);
        }
        return *n;
    }

    Result<uint64_t> size(const std::string& key, uint64_t fallback) {
        const std::string* v = find(key);
        if (v == nullptr) return fallback;
        auto n = parse_size(*v);
        if (!n) return make_error("{}: {}: {}", kind_, key, n.error().message);
        return *n;
    }

    Result<std::chrono::milliseconds> duration(const std::string& key,
                                               std::chrono::milliseconds fallback) {
        const std::string* v = find(key);
        if (v == nullptr) return fallback;
        auto d = parse_duration(*v);
        if (!d) return make_error("{}: {}: {}", kind_, key, d.error().message);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
        if (ms.count() <= 0) return make_error("{}: {}='{}' is too short", kind_, key, *v);
        return ms;
    }

    Result<uint16_t> port(uint16_t fallback, bool zero_ok) {
        auto n = number("port", fallback, zero_ok ? 0 : 1, 65535);
        if (!n) return n.error();
        return static_cast<uint16_t>(*n);
    }

    // Every key given was one the kind knows.
    Status finish() const {
        for (const auto& [k, v] : values_) {
            if (known_.count(k) != 0) continue;
            std::string names;
            for (const std::string& n : known_)
                names += (names.empty() ? "" : ", ") + n;
            return make_error("{}: unknown setting '{}' (known: {})", kind_, k, names);
        }
        return {};
    }

  private:
    std::string kind_;
    std::map<std::string, std::string> values_;
    std::set<std::string> known_;
};

// `var` names a variable: it cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PL_TRY(var, expr)                           \
    auto var##_result = (expr);                     \
    if (!var##_result) return var##_result.error(); \
    auto var = std::move(*var##_result)
// NOLINTEND(bugprone-macro-parentheses)

Status queue_settings(Settings& s, QueueSettings& q) {
    PL_TRY(queue_size, s.number("queue_size", q.queue_size, 1, 100'000'000));
    PL_TRY(batch_size, s.number("batch_size", q.batch_size, 1, 1'000'000));
    PL_TRY(retry_wait, s.duration("retry_wait", q.retry_wait));
    PL_TRY(retry_max_wait, s.duration("retry_max_wait", q.retry_max_wait));
    PL_TRY(timeout, s.duration("timeout", q.timeout));
    PL_TRY(grace, s.duration("grace", q.grace));
    q.queue_size = queue_size;
    q.batch_size = batch_size;
    q.retry_wait = retry_wait;
    q.retry_max_wait = std::max(retry_max_wait, retry_wait);
    q.timeout = timeout;
    q.grace = grace;
    return {};
}

// A spec built by hand (or a config file) may carry the URL only in target.
OutputSpec with_target_params(const OutputSpec& spec) {
    if (spec.target.find("://") == std::string::npos) return spec;
    auto parsed = parse_output_url(spec.target);
    if (!parsed) return spec;
    OutputSpec merged = spec;
    for (const auto& [k, v] : parsed->params) {
        bool present = std::any_of(spec.params.begin(), spec.params.end(),
                                   [&](const auto& kv) { return lower(kv.first) == k; });
        if (!present) merged.params[k] = v;
    }
    return merged;
}

std::string sink_name(const OutputSpec& spec) {
    for (const auto& [k, v] : spec.params) {
        if (lower(k) == "alias" && !v.empty()) return v;
    }
    return canonical_kind(spec.kind);
}

}  // namespace

std::string canonical_kind(std::string_view kind) {
    std::string k = lower(kind);
    if (k == "opentelemetry") return "otlp";
    if (k == "prometheus_exporter") return "prometheus";
    return k;
}

Result<ForwardConfig> forward_config(const OutputSpec& in) {
    OutputSpec spec = with_target_params(in);
    Settings s(spec, "forward");
    ForwardConfig c;
    PL_TRY(host, s.text("host", c.host));
    PL_TRY(port, s.port(c.port, false));
    PL_TRY(unix_path, s.text("unix_path", ""));
    PL_TRY(tag, s.text("tag", c.tag));
    PL_TRY(ack, s.flag("require_ack_response", false));
    PL_TRY(send_options, s.flag("send_options", false));
    PL_TRY(time_as_integer, s.flag("time_as_integer", false));
    c.host = host;
    c.port = port;
    c.unix_path = unix_path;
    c.tag = tag;
    c.require_ack = ack;
    c.send_options = send_options;
    c.time_as_integer = time_as_integer;
    if (c.tag.empty()) return make_error("forward: tag must not be empty");
    if (c.host.empty() && c.unix_path.empty()) return make_error("forward: no host given");
    if (Status st = queue_settings(s, c.queue); !st) return st.error();
    if (Status st = s.finish(); !st) return st.error();
    return c;
}

Result<OtlpConfig> otlp_config(const OutputSpec& in) {
    OutputSpec spec = with_target_params(in);
    Settings s(spec, "otlp");
    OtlpConfig c;
    c.queue.batch_size = 512;
    PL_TRY(host, s.text("host", c.host));
    PL_TRY(port, s.port(c.port, false));
    PL_TRY(uri, s.text("logs_uri", c.logs_uri));
    PL_TRY(service, s.text("service_name", c.service_name));
    PL_TRY(host_name, s.text("host_name", ""));
    PL_TRY(compress, s.text("compress", ""));
    c.host = host;
    c.port = port;
    c.logs_uri = uri;
    c.service_name = service;
    c.host_name = host_name;
    if (!compress.empty() && lower(compress) != "gzip")
        return make_error("otlp: compress='{}' is not supported (gzip is)", compress);
    c.gzip = !compress.empty();
    if (c.host.empty()) return make_error("otlp: no host given");
    if (!c.logs_uri.starts_with('/')) c.logs_uri = std::string("/") + c.logs_uri;
    if (Status st = queue_settings(s, c.queue); !st) return st.error();
    if (Status st = s.finish(); !st) return st.error();
    return c;
}

Result<FileConfig> file_config(const OutputSpec& spec) {
    Settings s(spec, "file");
    FileConfig c;
    PL_TRY(path, s.text("path", spec.target));
    PL_TRY(file, s.text("file", ""));  // Fluent Bit's out_file: Path is a directory, File a name
    PL_TRY(rotate_size, s.size("rotate_size", 0));
    PL_TRY(rotate_keep, s.number("rotate_keep", c.rotate_keep, 0, 1000));
    PL_TRY(format, s.text("format", "json"));
    PL_TRY(make_dirs, s.flag("mkdir", false));
    c.path = file.empty() ? path : (path.empty() ? file : path + "/" + file);
    c.rotate_size = rotate_size;
    c.rotate_keep = static_cast<uint32_t>(rotate_keep);
    c.make_dirs = make_dirs;
    if (c.path.empty()) return make_error("file: no path given (file:///PATH or path=...)");
    if (lower(format) != "json" && lower(format) != "jsonl")
        return make_error("file: format='{}' is not supported (json lines only)", format);
    if (Status st = s.finish(); !st) return st.error();
    return c;
}

Result<MetricsEndpoint> metrics_endpoint(const OutputSpec& in) {
    OutputSpec spec = with_target_params(in);
    Settings s(spec, "prometheus");
    MetricsEndpoint m;
    PL_TRY(host, s.text("host", m.host));
    PL_TRY(port, s.port(m.port, true));
    m.host = host.empty() ? "127.0.0.1" : host;
    m.port = port;
    if (Status st = s.finish(); !st) return st.error();
    return m;
}

Status check_output(const OutputSpec& spec) {
    std::string kind = canonical_kind(spec.kind);
    if (kind == "stdout" || kind == "null") {
        Settings s(spec, kind);
        if (kind == "stdout") (void)s.find("format");
        return s.finish();
    }
    if (kind == "forward") {
        auto c = forward_config(spec);
        return c ? Status() : Status(c.error());
    }
    if (kind == "otlp") {
        auto c = otlp_config(spec);
        return c ? Status() : Status(c.error());
    }
    if (kind == "file") {
        auto c = file_config(spec);
        return c ? Status() : Status(c.error());
    }
    if (kind == "prometheus") {
        auto c = metrics_endpoint(spec);
        return c ? Status() : Status(c.error());
    }
    return make_error("unknown output '{}' (known: stdout, null, file, forward, otlp, prometheus)",
                      spec.kind);
}

Result<OutputSpec> parse_output(std::string_view text) {
    auto spec = parse_output_url(text);
    if (!spec) return spec.error();
    if (Status st = check_output(*spec); !st) return st.error();
    return spec;
}

Result<std::unique_ptr<Sink>> make_sink(const OutputSpec& spec) {
    if (Status st = check_output(spec); !st) return st.error();
    std::string kind = canonical_kind(spec.kind);
    std::string name = sink_name(spec);
    std::unique_ptr<Sink> sink;
    if (kind == "stdout") {
        OutputFormat format = spec.format;
        for (const auto& [k, v] : spec.params) {
            if (lower(k) != "format") continue;
            std::string f = lower(v);
            if (f == "json" || f == "jsonl" || f == "json_lines") {
                format = OutputFormat::Json;
            } else if (f == "table") {
                format = OutputFormat::Table;
            } else {
                return make_error("stdout: format='{}' is not json or table", v);
            }
        }
        sink = make_stdout_sink(format);
    } else if (kind == "null") {
        sink = std::make_unique<NullSink>();
    } else if (kind == "forward") {
        sink = make_forward_sink(name, *forward_config(spec));
    } else if (kind == "otlp") {
        sink = make_otlp_sink(name, *otlp_config(spec));
    } else if (kind == "file") {
        auto file = FileSink::open(name, *file_config(spec));
        if (!file) return file.error();
        sink = std::move(*file);
    } else {
        return make_error("output '{}' does not take records", spec.kind);
    }
    std::string match = spec.match;
    for (const auto& [k, v] : spec.params) {
        if (lower(k) == "match" && match == "*") match = v;
    }
    if (match != "*") sink = std::make_unique<MatchingSink>(match, std::move(sink));
    return sink;
}

}  // namespace probelog
