#include "sinks/output_url.hpp"

#include <algorithm>

#include "common/parse.hpp"

namespace probelog {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
        int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return make_error("bad %-escape in '{}'", s);
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

Status parse_query(std::string_view query, OutputSpec& spec) {
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (item.empty()) continue;
        size_t eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return make_error("'{}' is not key=value", item);
        }
        auto key = percent_decode(item.substr(0, eq));
        auto value = percent_decode(item.substr(eq + 1));
        if (!key) return key.error();
        if (!value) return value.error();
        std::string k = lower(*key);
        if (k == "match") {
            spec.match = *value;
        } else {
            spec.params[k] = *value;
        }
    }
    return {};
}

void set_host_port(const HostPort& hp, OutputSpec& spec) {
    if (!hp.host.empty()) spec.params["host"] = hp.host;
    if (!hp.port.empty()) spec.params["port"] = hp.port;
}

}  // namespace

Result<HostPort> split_host_port(std::string_view text) {
    HostPort hp;
    if (text.starts_with('[')) {
        size_t close = text.find(']');
        if (close == std::string_view::npos) return make_error("'{}': missing ']'", text);
        hp.host = std::string(text.substr(1, close - 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return make_error("'{}': expected :PORT after ']'", text);
            hp.port = std::string(rest.substr(1));
        }
    } else {
        size_t colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon) {
            return make_error("'{}': put an IPv6 address in brackets, [::1]:24224", text);
        }
        hp.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) hp.port = std::string(text.substr(colon + 1));
    }
    if (hp.port.empty() && text.ends_with(':')) return make_error("'{}': empty port", text);
    return hp;
}

Result<OutputSpec> parse_output_url(std::string_view text) {
    OutputSpec spec;
    std::string_view query;
    // A file path may contain '?'; only the last one starts the settings.
    size_t q = text.rfind('?');
    std::string_view main = text;
    if (q != std::string_view::npos) {
        main = text.substr(0, q);
        query = text.substr(q + 1);
    }
    size_t sep = main.find("://");
    if (sep == std::string_view::npos) {
        std::string name = lower(main);
        if (name == "json" || name == "jsonl") {
            spec.format = OutputFormat::Json;
        } else if (name == "table") {
            spec.format = OutputFormat::Table;
        } else if (name == "null") {
            spec.kind = "null";
        } else if (name == "stdout") {
        } else {
            return make_error(
                "unknown output '{}' (expected json, table, null, or a URL: forward://HOST:PORT, "
                "forward+unix:///PATH, otlp+http://HOST:PORT/v1/logs, file:///PATH, "
                "prometheus://HOST:PORT)",
                text);
        }
        if (Status st = parse_query(query, spec); !st) return st.error();
        return spec;
    }

    std::string scheme = lower(main.substr(0, sep));
    std::string_view rest = main.substr(sep + 3);
    spec.target = std::string(text.substr(0, q));
    if (scheme == "forward" || scheme == "forward+tcp" || scheme == "fluent") {
        spec.kind = "forward";
        if (rest.empty()) return make_error("'{}': expected forward://HOST[:PORT]", text);
        auto hp = split_host_port(rest);
        if (!hp) return hp.error();
        set_host_port(*hp, spec);
    } else if (scheme == "forward+unix") {
        spec.kind = "forward";
        if (rest.empty()) return make_error("'{}': expected forward+unix:///PATH", text);
        spec.params["unix_path"] = std::string(rest);
    } else if (scheme == "otlp" || scheme == "otlp+http") {
        spec.kind = "otlp";
        size_t slash = rest.find('/');
        std::string_view authority = rest.substr(0, slash);
        if (authority.empty()) return make_error("'{}': expected otlp+http://HOST[:PORT]", text);
        auto hp = split_host_port(authority);
        if (!hp) return hp.error();
        set_host_port(*hp, spec);
        if (slash != std::string_view::npos && rest.size() > slash + 1)
            spec.params["logs_uri"] = std::string(rest.substr(slash));
    } else if (scheme == "file") {
        spec.kind = "file";
        if (rest.empty()) return make_error("'{}': expected file:///PATH", text);
        spec.target = std::string(rest);
        spec.params["path"] = std::string(rest);
    } else if (scheme == "prometheus") {
        spec.kind = "prometheus";
        auto hp = split_host_port(rest.substr(0, rest.find('/')));
        if (!hp) return hp.error();
        set_host_port(*hp, spec);
    } else {
        return make_error(
            "unknown output scheme '{}://' (expected forward, forward+unix, otlp+http, file or "
            "prometheus)",
            scheme);
    }
    if (Status st = parse_query(query, spec); !st) {
        return make_error("'{}': {}", text, st.error().message);
    }
    return spec;
}

}  // namespace probelog
