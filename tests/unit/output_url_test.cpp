// -o URLs and sink settings: what each form means, and the errors.
#include <gtest/gtest.h>

#include "sinks/factory.hpp"
#include "sinks/output_url.hpp"
#include "support/error_text.hpp"

namespace probelog {
namespace {

using Params = std::map<std::string, std::string>;

OutputSpec parsed(std::string_view text) {
    auto r = parse_output(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.error().message;
    return r.ok() ? *r : OutputSpec{};
}

std::string error_of(std::string_view text) {
    return error_text(parse_output(text));
}

TEST(OutputUrl, StdoutFormsAsBefore) {
    EXPECT_EQ(parsed("json").format, OutputFormat::Json);
    EXPECT_EQ(parsed("jsonl").format, OutputFormat::Json);
    EXPECT_EQ(parsed("table").format, OutputFormat::Table);
    EXPECT_EQ(parsed("table").kind, "stdout");
    EXPECT_EQ(parsed("null").kind, "null");
    OutputSpec s = parsed("json?match=exec*&alias=screen");
    EXPECT_EQ(s.match, "exec*");
    EXPECT_EQ(s.params, (Params{{"alias", "screen"}}));
}

TEST(OutputUrl, ForwardTcpAndUnix) {
    OutputSpec s = parsed("forward://127.0.0.1:24224");
    EXPECT_EQ(s.kind, "forward");
    EXPECT_EQ(s.target, "forward://127.0.0.1:24224");
    EXPECT_EQ(s.params, (Params{{"host", "127.0.0.1"}, {"port", "24224"}}));

    s = parsed("forward://fluent-bit.local");
    EXPECT_EQ(s.params, (Params{{"host", "fluent-bit.local"}}));
    auto c = forward_config(s);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->port, 24224);  // the default
    EXPECT_EQ(c->tag, "probelog.{event_type}");
    EXPECT_FALSE(c->require_ack);
    EXPECT_EQ(c->queue.queue_size, 10000u);

    s = parsed(
        "forward+tcp://[::1]:9000?Require_ack_response=true&tag=pl.{event_type}&"
        "queue_size=10&retry_wait=50ms&retry_max_wait=2s&timeout=3s&grace=1s&"
        "batch_size=100&match=tcp*&time_as_integer=on&send_options=yes");
    EXPECT_EQ(s.match, "tcp*");
    c = forward_config(s);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->port, 9000);
    EXPECT_EQ(c->target(), "[::1]:9000");
    EXPECT_EQ(c->tag, "pl.{event_type}");
    EXPECT_TRUE(c->require_ack);
    EXPECT_TRUE(c->time_as_integer);
    EXPECT_TRUE(c->send_options);
    EXPECT_EQ(c->queue.queue_size, 10u);
    EXPECT_EQ(c->queue.batch_size, 100u);
    EXPECT_EQ(c->queue.retry_wait.count(), 50);
    EXPECT_EQ(c->queue.retry_max_wait.count(), 2000);
    EXPECT_EQ(c->queue.timeout.count(), 3000);
    EXPECT_EQ(c->queue.grace.count(), 1000);

    s = parsed("forward+unix:///run/fluent-bit/in.sock");
    EXPECT_EQ(s.params, (Params{{"unix_path", "/run/fluent-bit/in.sock"}}));
    c = forward_config(s);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->target(), "unix:/run/fluent-bit/in.sock");
}

TEST(OutputUrl, FluentBitStyleParamsBuildTheSameConfig) {
    // What a config file's [OUTPUT] section maps to: Name -> kind, keys -> params.
    OutputSpec spec;
    spec.kind = "forward";
    spec.params = {{"Host", "10.1.2.3"},
                   {"Port", "24225"},
                   {"Tag", "x"},
                   {"Require_ack_response", "On"},
                   {"Queue_Size", "5"}};
    auto a = forward_config(spec);
    auto b = forward_config(
        parsed("forward://10.1.2.3:24225?tag=x&require_ack_response=on&queue_size=5"));
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a->host, b->host);
    EXPECT_EQ(a->port, b->port);
    EXPECT_EQ(a->tag, b->tag);
    EXPECT_EQ(a->require_ack, b->require_ack);
    EXPECT_EQ(a->queue.queue_size, b->queue.queue_size);

    OutputSpec otel;
    otel.kind = "opentelemetry";  // Fluent Bit's plugin name
    otel.params = {{"Host", "collector"}, {"Port", "4318"}, {"Logs_uri", "/otlp/v1/logs"}};
    EXPECT_TRUE(check_output(otel).ok());
    auto o = otlp_config(otel);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->target(), "http://collector:4318/otlp/v1/logs");

    OutputSpec prom;
    prom.kind = "prometheus_exporter";
    prom.params = {{"host", "0.0.0.0"}, {"port", "2021"}};
    auto m = metrics_endpoint(prom);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->host, "0.0.0.0");
    EXPECT_EQ(m->port, 2021);

    // A spec with only the URL in target (no params) works too.
    OutputSpec bare;
    bare.kind = "forward";
    bare.target = "forward://h:1234";
    auto f = forward_config(bare);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->host, "h");
    EXPECT_EQ(f->port, 1234);
}

TEST(OutputUrl, OtlpDefaultsAndPath) {
    OutputSpec s = parsed("otlp+http://127.0.0.1:4318/v1/logs");
    EXPECT_EQ(s.kind, "otlp");
    EXPECT_EQ(s.params,
              (Params{{"host", "127.0.0.1"}, {"port", "4318"}, {"logs_uri", "/v1/logs"}}));
    auto c = otlp_config(parsed("otlp://collector"));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->port, 4318);
    EXPECT_EQ(c->logs_uri, "/v1/logs");
    EXPECT_EQ(c->service_name, "probelog");
    EXPECT_FALSE(c->gzip);
    EXPECT_EQ(c->queue.batch_size, 512u);
    c = otlp_config(parsed("otlp+http://c:1/x/logs?compress=gzip&service_name=agent"));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->logs_uri, "/x/logs");
    EXPECT_TRUE(c->gzip);
    EXPECT_EQ(c->service_name, "agent");
}

TEST(OutputUrl, FilePathsAndRotation) {
    OutputSpec s = parsed("file:///var/log/probelog.jsonl?rotate_size=10M&rotate_keep=3");
    EXPECT_EQ(s.kind, "file");
    EXPECT_EQ(s.target, "/var/log/probelog.jsonl");
    auto c = file_config(s);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->path, "/var/log/probelog.jsonl");
    EXPECT_EQ(c->rotate_size, 10u << 20);
    EXPECT_EQ(c->rotate_keep, 3u);
    EXPECT_EQ(parsed("file://out.jsonl").target, "out.jsonl");  // relative
    EXPECT_EQ(parsed("file:///tmp/a%3Fb.jsonl").target, "/tmp/a%3Fb.jsonl");
    OutputSpec fb;  // Fluent Bit's out_file: Path is a directory, File a name
    fb.kind = "file";
    fb.params = {{"Path", "/var/log"}, {"File", "pl.jsonl"}};
    EXPECT_EQ(file_config(fb)->path, "/var/log/pl.jsonl");
}

TEST(OutputUrl, Prometheus) {
    OutputSpec s = parsed("prometheus://0.0.0.0:9100");
    EXPECT_EQ(s.kind, "prometheus");
    auto m = metrics_endpoint(s);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->host, "0.0.0.0");
    EXPECT_EQ(m->port, 9100);
}

TEST(OutputUrl, ErrorsNameTheProblem) {
    EXPECT_EQ(error_of("gopher://x"),
              "unknown output scheme 'gopher://' (expected forward, forward+unix, otlp+http, file "
              "or prometheus)");
    EXPECT_EQ(error_of("forward://"), "'forward://': expected forward://HOST[:PORT]");
    EXPECT_EQ(error_of("forward://h:99999"),
              "forward: port='99999' is not a number from 1 to 65535");
    EXPECT_EQ(error_of("forward://h:0"), "forward: port='0' is not a number from 1 to 65535");
    EXPECT_EQ(error_of("forward://::1:24224"),
              "'::1:24224': put an IPv6 address in brackets, [::1]:24224");
    EXPECT_EQ(error_of("forward://h?requre_ack_response=true"),
              "forward: unknown setting 'requre_ack_response' (known: alias, batch_size, grace, "
              "host, match, port, queue_size, require_ack_response, retry_max_wait, retry_wait, "
              "send_options, tag, time_as_integer, timeout, unix_path)");
    EXPECT_EQ(error_of("forward://h?require_ack_response=maybe"),
              "forward: require_ack_response='maybe' is not true or false");
    EXPECT_EQ(error_of("forward://h?queue_size=0"),
              "forward: queue_size='0' is not a number from 1 to 100000000");
    EXPECT_EQ(error_of("forward://h?retry_wait=soon"),
              "forward: retry_wait: 'soon' is not a duration (examples: 500ms, 10s, 2m, 1h)");
    EXPECT_EQ(error_of("forward://h?novalue"), "'forward://h?novalue': 'novalue' is not key=value");
    EXPECT_EQ(error_of("otlp+http://h?compress=zstd"),
              "otlp: compress='zstd' is not supported (gzip is)");
    EXPECT_EQ(error_of("file:///tmp/x?rotate_size=big"),
              "file: rotate_size: 'big' is not a size (examples: 4096, 256K, 4M, 1G)");
    EXPECT_EQ(error_of("json?color=on"),
              "stdout: unknown setting 'color' (known: alias, format, match)");
}

TEST(OutputUrl, SplitHostPort) {
    auto hp = split_host_port("[fe80::1]:80");
    ASSERT_TRUE(hp.ok());
    EXPECT_EQ(hp->host, "fe80::1");
    EXPECT_EQ(hp->port, "80");
    hp = split_host_port(":9464");
    ASSERT_TRUE(hp.ok());
    EXPECT_EQ(hp->host, "");
    EXPECT_EQ(hp->port, "9464");
    EXPECT_FALSE(split_host_port("h:").ok());
    EXPECT_FALSE(split_host_port("[::1").ok());
}

}  // namespace
}  // namespace probelog
