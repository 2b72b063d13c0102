// The openssl trace end to end, against real software: an HTTPS server made
// of Debian's python3 (its ssl module: SSL_do_handshake, SSL_read_ex,
// SSL_write_ex) on 127.0.0.1 with a certificate `openssl req` makes, and curl
// as its client (SSL_connect, SSL_read, SSL_write), both on Debian's
// libssl.so.3. What curl's SSL_write took must be what the server's
// SSL_read_ex gave, byte for byte, and the reverse. (`openssl s_server -www`
// reads and writes through an SSL BIO, which calls libssl's internal
// functions, not the public ones any uprobe tracer sees: no use here.)
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/json_lines.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

bool accepts(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    return ok;
}

// The plaintext of one process's records of `event_type`, in order.
std::string plaintext(const std::vector<const JsonRecord*>& records,
                      const std::string& event_type) {
    std::string all;
    for (const JsonRecord* r : records) {
        if (r->str("event_type") == event_type && r->has("data")) all += r->str("data");
    }
    return all;
}

TEST(OpensslE2E, CurlAndSServerPlaintextBothWaysWithSocketsAndLatency) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-openssl-e2e"};
    std::string key = dir.path() + "/key.pem", cert = dir.path() + "/cert.pem";
    ASSERT_EQ(run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-subj",
                   "/CN=localhost", "-days", "1"})
                  .exit_code,
              0);
    std::string script = dir.write("https_server.py", R"(import http.server, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        body = b"hello from probelog's test\n" * 3
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
)");
    uint16_t port = free_port();
    Process server({"/usr/bin/python3", script, std::to_string(port), cert, key});
    for (int i = 0; i < 100 && !accepts(port); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(accepts(port)) << server.err();

    Process p({probelog_bin(), "-o", "json", "--poll-ms", "20", "--trace", "openssl",
               "--openssl-capture", "4096"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    Finished curl =
        run({"/usr/bin/curl", "-sk", "--http1.1", fmt::format("https://127.0.0.1:{}/", port)});
    ASSERT_EQ(curl.exit_code, 0) << curl.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    p.signal(SIGINT);
    Finished f = p.wait();
    server.signal(SIGTERM);
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);
    auto client = select(records, [](const JsonRecord& r) { return r.str("comm") == "curl"; });
    auto srv = select(records, [&](const JsonRecord& r) {
        return r.unum("pid") == static_cast<uint64_t>(server.pid());
    });
    ASSERT_FALSE(client.empty()) << f.out << f.err;
    ASSERT_FALSE(srv.empty()) << f.out << f.err;

    // The request: curl wrote it, s_server read it, the same bytes.
    // (JSON carries the plaintext as text: bytes that are not printable UTF-8 as \xNN.)
    std::string request = plaintext(client, "tls_write");
    EXPECT_TRUE(request.starts_with(
        fmt::format("GET / HTTP/1.1\\x0d\\x0aHost: 127.0.0.1:{}\\x0d\\x0aUser-Agent: curl/", port)))
        << request;
    EXPECT_EQ(plaintext(srv, "tls_read"), request);
    // The response: s_server wrote it, curl read it and printed its body.
    std::string response = plaintext(srv, "tls_write");
    EXPECT_EQ(plaintext(client, "tls_read"), response);
    EXPECT_TRUE(response.starts_with("HTTP/1.0 200 OK\\x0d\\x0a")) << response;
    EXPECT_TRUE(
        response.ends_with("\\x0d\\x0a\\x0d\\x0ahello from probelog's test\\x0ahello from "
                           "probelog's test\\x0ahello from probelog's test\\x0a"))
        << response;
    EXPECT_EQ(curl.out,
              "hello from probelog's test\nhello from probelog's test\nhello from "
              "probelog's test\n");

    for (const JsonRecord* r : client) {
        std::string type = r->str("event_type");
        EXPECT_TRUE(type == "tls_handshake" || type == "tls_read" || type == "tls_write" ||
                    type == "tls_shutdown")
            << r->line();
        EXPECT_EQ(r->str("trace"), "openssl_" + type) << r->line();  // Fluent Bit's field
        EXPECT_GE(r->num("latency_ns"), 0) << r->line();
        EXPECT_TRUE(r->has("ssl_ptr")) << r->line();
        // The socket the call used, when it made a system call (a read that the
        // library answered from its buffer, or one at EOF, may not).
        if (r->has("fd")) {
            EXPECT_EQ(r->str("peer_addr"), "127.0.0.1") << r->line();
            EXPECT_EQ(r->unum("peer_port"), port) << r->line();
        }
        if ((type == "tls_read" || type == "tls_write") && r->num("ret") > 0) {
            EXPECT_EQ(r->unum("bytes"), static_cast<uint64_t>(r->num("ret"))) << r->line();
            EXPECT_TRUE(r->has("data")) << r->line();
            EXPECT_FALSE(r->has("data_truncated")) << r->line();
        }
    }
    auto handshakes = select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == "tls_handshake" && r.num("ret") == 1;
    });
    size_t client_done = 0, server_done = 0;
    for (const JsonRecord* r : handshakes) {
        if (r->str("comm") == "curl") ++client_done;
        if (r->unum("pid") == static_cast<uint64_t>(server.pid())) ++server_done;
    }
    EXPECT_GE(client_done, 1u) << f.out;
    EXPECT_GE(server_done, 1u) << f.out;
    // The server's calls are on its accepted socket: the local port is the listening one.
    size_t server_reads = 0;
    for (const JsonRecord* r : srv) {
        if (r->str("event_type") == "tls_read") {
            ++server_reads;
            EXPECT_EQ(r->str("function"), "SSL_read_ex") << r->line();
        }
        if (r->has("fd")) {
            EXPECT_EQ(r->unum("local_port"), port) << r->line();
        }
    }
    EXPECT_GE(server_reads, 1u) << f.out;
}

TEST(OpensslE2E, ABadCaptureSizeIsOneErrorLine) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--trace", "openssl", "--openssl-capture", "5000"});
    EXPECT_EQ(f.exit_code, 2);
    EXPECT_NE(f.err.find("'5000' is not a byte count from 0 to 4096"), std::string::npos) << f.err;
    f = run({probelog_bin(), "--trace", "openssl", "--openssl-lib", "/nonexistent/libssl.so.3",
             "-d", "1s"});
    EXPECT_NE(f.exit_code, 0);
    EXPECT_NE(f.err.find("--openssl-lib /nonexistent/libssl.so.3: no such file"), std::string::npos)
        << f.err;
}

}  // namespace
}  // namespace probelog::test
