// The Forward sink against a receiver that decodes with msgpack-c++: tags,
// EventTime, every field, acknowledgements, and the queue while the receiver
// is down (nothing lost within the bound; every drop beyond it counted).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <msgpack.hpp>
#include <iostream>
#include <thread>

#include "sinks/factory.hpp"
#include "sinks/forward_sink.hpp"
#include "support/forward_receiver.hpp"

namespace probelog {
namespace {

using test::FieldValue;
using test::ForwardEvent;
using test::ForwardReceiver;
using namespace std::chrono_literals;

// 2026-11-21T23:26:25.123456789Z
constexpr int64_t kTime = 1795303585123456789;

// A record like the exec trace's, numbered by `n` (field "n" and argv1).
void fill(Record& r, uint64_t n, std::string_view type = "exec") {
    static const char kArgs[] = "/bin/echo\0hello world\0";
    begin_record(r, type, PL_TRACE_EXEC, kTime + static_cast<int64_t>(n));
    r.add_uint("pid", 4242, kCommon);
    r.add_str("comm", "echo", kCommon);
    r.add_uint("n", n);
    r.add_int("error_raw", -3);
    r.add_bool("args_truncated", false);
    r.add_float("ratio", 0.5);
    r.add_hex("flags", 0x80000);
    r.add_str_list("args", std::string_view(kArgs, sizeof(kArgs) - 1), 2);
    r.add_bytes("raw", std::string_view("\x00\xab", 2));
}

ForwardConfig config_for(const ForwardReceiver& rx) {
    ForwardConfig c;
    c.host = "127.0.0.1";
    c.port = rx.port();
    c.queue.retry_wait = 20ms;
    c.queue.retry_max_wait = 200ms;
    c.queue.timeout = 2s;
    c.queue.grace = 2s;
    return c;
}

uint64_t n_of(const ForwardEvent& e) {
    const FieldValue* v = e.find("n");
    return v != nullptr && std::holds_alternative<uint64_t>(*v) ? std::get<uint64_t>(*v) : ~0ULL;
}

std::vector<uint64_t> numbers(const std::vector<ForwardEvent>& events) {
    std::vector<uint64_t> out;
    for (const auto& e : events)
        out.push_back(n_of(e));
    return out;
}

std::vector<uint64_t> iota(uint64_t from, uint64_t to) {
    std::vector<uint64_t> out;
    for (uint64_t i = from; i < to; ++i)
        out.push_back(i);
    return out;
}

void write_n(Sink& sink, uint64_t from, uint64_t to) {
    Record r;
    for (uint64_t i = from; i < to; ++i) {
        fill(r, i);
        sink.write(r);
    }
    ASSERT_TRUE(sink.flush().ok());
}

TEST(ForwardEncoding, EntryIsEventTimeAndAMapOfEveryField) {
    Record r;
    fill(r, 7);
    std::string bytes;
    encode_forward_entry(r, false, bytes);
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size());
    const msgpack::object& o = oh.get();
    ASSERT_EQ(o.type, msgpack::type::ARRAY);
    ASSERT_EQ(o.via.array.size, 2u);
    const msgpack::object& t = o.via.array.ptr[0];
    ASSERT_EQ(t.type, msgpack::type::EXT);
    EXPECT_EQ(t.via.ext.type(), 0);
    ASSERT_EQ(t.via.ext.size, 8u);
    const auto* b = reinterpret_cast<const unsigned char*>(t.via.ext.data());
    uint32_t sec = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
    uint32_t nsec = (uint32_t{b[4]} << 24) | (uint32_t{b[5]} << 16) | (uint32_t{b[6]} << 8) | b[7];
    EXPECT_EQ(sec, 1795303585u);
    EXPECT_EQ(nsec, 123456789u + 7);

    const msgpack::object& m = o.via.array.ptr[1];
    ASSERT_EQ(m.type, msgpack::type::MAP);
    ASSERT_EQ(m.via.map.size, 11u);
    auto key = [&](uint32_t i) { return m.via.map.ptr[i].key.as<std::string>(); };
    auto val = [&](uint32_t i) -> const msgpack::object& { return m.via.map.ptr[i].val; };
    EXPECT_EQ(key(0), "time");
    EXPECT_EQ(val(0).as<std::string>(), "2026-11-21T23:26:25.123456796Z");
    EXPECT_EQ(key(1), "event_type");
    EXPECT_EQ(val(1).as<std::string>(), "exec");
    EXPECT_EQ(key(2), "pid");
    EXPECT_EQ(val(2).type, msgpack::type::POSITIVE_INTEGER);
    EXPECT_EQ(val(2).as<uint64_t>(), 4242u);
    EXPECT_EQ(val(3).as<std::string>(), "echo");
    EXPECT_EQ(key(4), "n");
    EXPECT_EQ(val(4).as<uint64_t>(), 7u);
    EXPECT_EQ(val(5).type, msgpack::type::NEGATIVE_INTEGER);
    EXPECT_EQ(val(5).as<int64_t>(), -3);
    EXPECT_EQ(val(6).type, msgpack::type::BOOLEAN);
    EXPECT_FALSE(val(6).as<bool>());
    EXPECT_EQ(val(7).type, msgpack::type::FLOAT64);
    EXPECT_EQ(val(7).as<double>(), 0.5);
    EXPECT_EQ(val(8).as<std::string>(), "0x80000");
    EXPECT_EQ(val(9).as<std::vector<std::string>>(),
              (std::vector<std::string>{"/bin/echo", "hello world"}));
    EXPECT_EQ(key(10), "raw");
    EXPECT_EQ(val(10).as<std::string>(), "00ab");
}

TEST(ForwardEncoding, TimeAsIntegerForOldFluentd) {
    Record r;
    fill(r, 0);
    std::string bytes;
    encode_forward_entry(r, true, bytes);
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size());
    const msgpack::object& t = oh.get().via.array.ptr[0];
    ASSERT_EQ(t.type, msgpack::type::POSITIVE_INTEGER);
    EXPECT_EQ(t.as<uint64_t>(), 1795303585u);
}

TEST(ForwardSink, TagTimeAndEveryFieldReachTheReceiver) {
    ForwardReceiver rx;
    auto sink = make_forward_sink("forward.test", config_for(rx));
    Record r;
    fill(r, 1, "exec");
    sink->write(r);
    fill(r, 2, "exit");
    sink->write(r);
    fill(r, 3, "exec");
    sink->write(r);
    ASSERT_TRUE(sink->flush().ok());
    ASSERT_TRUE(rx.wait_for_events(3));
    auto events = rx.events();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_TRUE(rx.errors().empty()) << rx.errors()[0];
    EXPECT_EQ(events[0].tag, "probelog.exec");
    EXPECT_EQ(events[1].tag, "probelog.exit");
    EXPECT_EQ(events[2].tag, "probelog.exec");
    EXPECT_EQ(rx.messages(), 3u);  // one Forward message per run of one tag
    for (size_t i = 0; i < 3; ++i) {
        const ForwardEvent& e = events[i];
        EXPECT_TRUE(e.event_time);
        EXPECT_EQ(e.time_ns(), kTime + static_cast<int64_t>(i + 1));
        EXPECT_EQ(n_of(e), i + 1);
        EXPECT_TRUE(e.chunk.empty());  // no options without acks
        std::vector<std::string> keys;
        for (const auto& [k, v] : e.fields)
            keys.push_back(k);
        EXPECT_EQ(keys,
                  (std::vector<std::string>{"time", "event_type", "pid", "comm", "n", "error_raw",
                                            "args_truncated", "ratio", "flags", "args", "raw"}));
        EXPECT_EQ(e.str("event_type"), i == 1 ? "exit" : "exec");
        EXPECT_EQ(std::get<uint64_t>(*e.find("pid")), 4242u);
        EXPECT_EQ(e.str("comm"), "echo");
        EXPECT_EQ(std::get<int64_t>(*e.find("error_raw")), -3);
        EXPECT_EQ(std::get<bool>(*e.find("args_truncated")), false);
        EXPECT_EQ(std::get<double>(*e.find("ratio")), 0.5);
        EXPECT_EQ(e.str("flags"), "0x80000");
        EXPECT_EQ(std::get<std::vector<std::string>>(*e.find("args")),
                  (std::vector<std::string>{"/bin/echo", "hello world"}));
        EXPECT_EQ(e.str("raw"), "00ab");
    }
    ASSERT_TRUE(sink->close().ok());
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->sent.load(), 3u);
    EXPECT_EQ(st->lost(), 0u);
}

TEST(ForwardSink, ConfiguredTagAndUnixSocket) {
    std::string path = fmt::format("/tmp/probelog-fwd-{}.sock", ::getpid());
    ForwardReceiver rx(path);
    ForwardConfig c = config_for(rx);
    c.unix_path = path;
    c.tag = "k8s.{event_type}.node1";
    auto sink = make_forward_sink("forward.unix", c);
    write_n(*sink, 0, 5);
    ASSERT_TRUE(rx.wait_for_events(5));
    auto events = rx.events();
    EXPECT_EQ(numbers(events), iota(0, 5));
    EXPECT_EQ(events[0].tag, "k8s.exec.node1");
    EXPECT_EQ(rx.messages(), 1u);  // one batch
}

TEST(ForwardSink, AcknowledgedChunksCountAsSentOnlyWhenAcked) {
    ForwardReceiver rx;
    rx.set_ack(false);
    ForwardConfig c = config_for(rx);
    c.require_ack = true;
    c.queue.timeout = 300ms;  // how long to wait for an ack
    auto sink = make_forward_sink("forward.ack", c);
    write_n(*sink, 0, 4);
    ASSERT_TRUE(rx.wait_for_events(4));
    std::this_thread::sleep_for(100ms);
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->sent.load(), 0u) << "nothing is acknowledged yet";
    EXPECT_EQ(st->queued.load(), 4u);
    // Unacknowledged chunks are sent again (after a reconnect) until acked.
    ASSERT_TRUE(rx.wait_for_events(8, 10s));
    rx.set_ack(true);
    auto until = std::chrono::steady_clock::now() + 10s;
    while (st->sent.load() < 4 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(st->sent.load(), 4u);
    EXPECT_GE(st->retries.load(), 1u);
    EXPECT_EQ(st->lost(), 0u);
    auto events = rx.events();
    ASSERT_GE(events.size(), 8u);
    // Every message carried a chunk id (16 random bytes, base64), new per attempt.
    EXPECT_EQ(events[0].chunk.size(), 24u);
    EXPECT_NE(events[0].chunk, events[4].chunk);
    EXPECT_EQ(numbers({events.begin(), events.begin() + 4}), iota(0, 4));
    EXPECT_EQ(numbers({events.end() - 4, events.end()}), iota(0, 4));
}

// The receiver goes away for a few seconds while records keep coming; all of
// them arrive once it is back, in order, none twice.
void down_and_up(bool ack) {
    ForwardReceiver rx;
    ForwardConfig c = config_for(rx);
    c.require_ack = ack;
    c.queue.queue_size = 100;
    auto sink = make_forward_sink("forward.outage", c);
    write_n(*sink, 0, 10);
    ASSERT_TRUE(rx.wait_for_events(10));

    rx.stop();
    auto down_at = std::chrono::steady_clock::now();
    for (uint64_t i = 10; i < 40; i += 3) {  // records flow for two seconds
        write_n(*sink, i, std::min<uint64_t>(i + 3, 40));
        std::this_thread::sleep_for(200ms);
    }
    std::this_thread::sleep_until(down_at + 3s);
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->queued.load(), 30u);
    EXPECT_GE(st->retries.load(), 2u);
    EXPECT_FALSE(st->connected.load());
    EXPECT_EQ(rx.events().size(), 10u);

    rx.start();
    ASSERT_TRUE(rx.wait_for_events(40)) << rx.events().size();
    std::this_thread::sleep_for(300ms);  // anything extra would show up now
    EXPECT_EQ(numbers(rx.events()), iota(0, 40));
    ASSERT_TRUE(sink->close().ok());
    EXPECT_EQ(st->sent.load(), 40u);
    EXPECT_EQ(st->dropped.load(), 0u);
    EXPECT_EQ(st->lost(), 0u);
    EXPECT_GE(rx.connections(), 2u);
}

TEST(ForwardSink, ReceiverDownThenUpLosesNothingWithinTheQueueBound) {
    down_and_up(false);
}

TEST(ForwardSink, ReceiverDownThenUpLosesNothingWithAcks) {
    down_and_up(true);
}

TEST(ForwardSink, OverflowBeyondTheBoundIsCountedExactly) {
    ForwardReceiver rx;
    rx.stop();  // nobody listens: connects are refused
    ForwardConfig c = config_for(rx);
    c.queue.queue_size = 10;
    auto sink = make_forward_sink("forward.full", c);
    write_n(*sink, 0, 25);
    std::this_thread::sleep_for(300ms);  // a few failed attempts
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->accepted.load(), 25u);
    EXPECT_EQ(st->dropped.load(), 15u);
    EXPECT_EQ(st->lost_by_trace[PL_TRACE_EXEC].load(), 15u);
    EXPECT_EQ(st->queued.load(), 10u);
    EXPECT_GE(st->retries.load(), 1u);

    rx.start();
    ASSERT_TRUE(rx.wait_for_events(10));
    std::this_thread::sleep_for(300ms);
    // The queued ten are the oldest ones: a full queue drops the newest.
    EXPECT_EQ(numbers(rx.events()), iota(0, 10));
    ASSERT_TRUE(sink->close().ok());
    EXPECT_EQ(st->sent.load(), 10u);
    EXPECT_EQ(st->dropped.load(), 15u);
    EXPECT_EQ(st->unsent.load(), 0u);
    EXPECT_EQ(st->lost(), 15u);
}

TEST(ForwardSink, WhatIsStillQueuedAtExitIsCountedAsUnsent) {
    ForwardReceiver rx;
    rx.stop();
    ForwardConfig c = config_for(rx);
    c.queue.grace = 300ms;
    auto sink = make_forward_sink("forward.exit", c);
    write_n(*sink, 0, 7);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(sink->close().ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    const SinkStats* st = sink->stats();
    EXPECT_EQ(st->unsent.load(), 7u);
    EXPECT_EQ(st->lost(), 7u);
    EXPECT_EQ(st->lost_by_trace[PL_TRACE_EXEC].load(), 7u);
}

TEST(ForwardSink, AWriteNeverWaitsForADeadDestination) {
    ForwardReceiver rx;
    rx.stop();
    ForwardConfig c = config_for(rx);
    c.host = "192.0.2.1";  // TEST-NET-1: connects hang until the timeout
    c.queue.timeout = 5s;
    c.queue.grace = 100ms;
    auto sink = make_forward_sink("forward.slow", c);
    auto t0 = std::chrono::steady_clock::now();
    write_n(*sink, 0, 1000);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(sink->stats()->dropped.load(), 0u);
    // Closing cuts a pending connect short at the grace period, not the timeout.
    t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(sink->close().ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(sink->stats()->unsent.load(), 1000u);
}

TEST(ForwardSink, AStalledReceiverNeverSlowsWritesAndOnlyAFullQueueDrops) {
    // A listener that never accepts nor reads: connects succeed (the kernel's
    // backlog), then the socket buffers fill and sends stall until the timeout.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int small = 4096;  // accepted-by-the-kernel connections inherit it: they fill fast
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ASSERT_EQ(::listen(fd, 1), 0);
    ForwardConfig c;
    c.port = ntohs(addr.sin_port);
    c.queue.queue_size = 20000;
    c.queue.timeout = 1s;
    c.queue.grace = 200ms;
    auto sink = make_forward_sink("forward.stalled", c);
    Record r;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < 60000; ++i) {  // about 15 MB encoded: far beyond socket buffers
        fill(r, i);
        sink->write(r);
        if (i % 1000 == 0) {
            ASSERT_TRUE(sink->flush().ok());
        }
    }
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_LT(took, 3s) << "writes must not wait for the destination";
    std::this_thread::sleep_for(300ms);
    const SinkStats* st = sink->stats();
    uint64_t sent = st->sent.load();
    EXPECT_LT(sent, 60000u) << "the destination should have stalled";
    std::cout << "stalled receiver: " << sent << " records went into socket buffers\n";
    // Every record is sent, queued or counted as dropped: none vanishes.
    EXPECT_EQ(sent + st->queued.load() + st->dropped.load(), 60000u);
    EXPECT_GE(st->dropped.load(), 60000u - 20000u - sent);
    ASSERT_TRUE(sink->close().ok());
    EXPECT_EQ(st->sent.load() + st->lost(), 60000u);
    ::close(fd);
}

TEST(ForwardSink, FactoryBuildsItFromAUrlSpecWithItsMatch) {
    ForwardReceiver rx;
    OutputSpec spec;
    spec.kind = "forward";
    spec.params = {{"Host", "127.0.0.1"},
                   {"Port", std::to_string(rx.port())},
                   {"Tag", "pl"},
                   {"alias", "fb"},
                   {"Match", "ex*"}};
    auto sink = make_sink(spec);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    Record r;
    fill(r, 1, "exit");
    (*sink)->write(r);
    fill(r, 2, "signal");
    (*sink)->write(r);
    fill(r, 3, "tcp");
    (*sink)->write(r);
    ASSERT_TRUE((*sink)->flush().ok());
    ASSERT_TRUE(rx.wait_for_events(1));
    ASSERT_TRUE((*sink)->close().ok());
    auto events = rx.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].tag, "pl");
    EXPECT_EQ(n_of(events[0]), 1u);
    EXPECT_EQ((*sink)->stats()->name, "fb");
    EXPECT_EQ((*sink)->stats()->target, fmt::format("127.0.0.1:{}", rx.port()));
}

}  // namespace
}  // namespace probelog
