// The bounded queue between the event loop and a sink's I/O thread.
#include <gtest/gtest.h>

#include <thread>

#include "sinks/record_queue.hpp"

namespace probelog {
namespace {

using namespace std::chrono_literals;

auto now() {
    return std::chrono::steady_clock::now();
}

TEST(RecordQueue, BoundCountsQueuedAndPeekedRecords) {
    RecordQueue q(3, 64);
    EXPECT_TRUE(q.push("a", "1", 1));
    EXPECT_TRUE(q.push("a", "22", 1));
    std::vector<RecordQueue::Entry> batch;
    q.peek(batch, 10, 1 << 20, now());  // peeked, not popped: still counted
    EXPECT_EQ(batch.size(), 2u);
    EXPECT_TRUE(q.push("b", "333", 2));
    EXPECT_FALSE(q.push("b", "4444", 2));
    EXPECT_EQ(q.size(), 3u);
    q.pop(2);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_TRUE(q.push("c", "55555", 3));
    q.peek(batch, 10, 1 << 20, now());
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0].key, "b");
    EXPECT_EQ(batch[0].body, "333");
    EXPECT_EQ(batch[0].trace, 2);
    EXPECT_EQ(batch[1].body, "55555");
}

TEST(RecordQueue, KeepsOrderAcrossBlocksAndOversizedEntries) {
    RecordQueue q(10000, 100);  // tiny blocks: many of them
    std::string big(500, 'x');
    for (int i = 0; i < 1000; ++i) {
        std::string body = i % 97 == 0 ? big + std::to_string(i) : std::to_string(i);
        ASSERT_TRUE(q.push("k", body, 0));
    }
    std::vector<RecordQueue::Entry> batch;
    int next = 0;
    while (q.size() > 0) {
        q.peek(batch, 7, 1 << 20, now());
        ASSERT_FALSE(batch.empty());
        for (const auto& e : batch) {
            std::string want = next % 97 == 0 ? big + std::to_string(next) : std::to_string(next);
            ASSERT_EQ(e.body, want);
            ++next;
        }
        q.pop(batch.size());
    }
    EXPECT_EQ(next, 1000);
    // Reused from the start once empty.
    EXPECT_TRUE(q.push("k", "again", 0));
    q.peek(batch, 7, 1 << 20, now());
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ(batch[0].body, "again");
}

TEST(RecordQueue, PeekLimitsBytesButTakesAtLeastOne) {
    RecordQueue q(100);
    ASSERT_TRUE(q.push("", std::string(100, 'a'), 0));
    ASSERT_TRUE(q.push("", std::string(100, 'b'), 0));
    std::vector<RecordQueue::Entry> batch;
    q.peek(batch, 10, 50, now());
    EXPECT_EQ(batch.size(), 1u);
    q.peek(batch, 10, 250, now());
    EXPECT_EQ(batch.size(), 2u);
}

TEST(RecordQueue, ConsumerWaitsForNotifyOrAFullBatch) {
    RecordQueue q(100);
    std::vector<RecordQueue::Entry> batch;
    ASSERT_TRUE(q.push("", "x", 0));
    auto t0 = now();
    q.peek(batch, 10, 1 << 20, t0 + 200ms);  // not notified: waits, then takes it anyway
    EXPECT_GE(now() - t0, 150ms);
    EXPECT_EQ(batch.size(), 1u);

    std::thread producer([&] {
        std::this_thread::sleep_for(50ms);
        q.notify();
    });
    t0 = now();
    q.peek(batch, 10, 1 << 20, t0 + 10s);
    EXPECT_LT(now() - t0, 5s);
    producer.join();

    q.pop(1);
    std::thread filler([&] {
        for (int i = 0; i < 10; ++i)
            ASSERT_TRUE(q.push("", "y", 0));
    });
    t0 = now();
    q.peek(batch, 10, 1 << 20, t0 + 10s);  // a full batch wakes it without notify
    EXPECT_LT(now() - t0, 5s);
    filler.join();

    std::thread waker([&] {
        std::this_thread::sleep_for(50ms);
        q.wake();
    });
    t0 = now();
    q.sleep_until(t0 + 10s);
    EXPECT_LT(now() - t0, 5s);
    waker.join();
}

TEST(RecordQueue, PopEachReportsTraces) {
    RecordQueue q(10);
    ASSERT_TRUE(q.push("", "a", 1));
    ASSERT_TRUE(q.push("", "b", 6));
    ASSERT_TRUE(q.push("", "c", 1));
    std::vector<uint16_t> traces;
    q.pop_each(3, [&](uint16_t t) { traces.push_back(t); });
    EXPECT_EQ(traces, (std::vector<uint16_t>{1, 6, 1}));
    EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace probelog
