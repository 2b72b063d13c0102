#pragma once
// probelog started as a user starts it, for the end-to-end tests of the traces:
// attached and ready before the test causes its activity, stopped with Ctrl-C.

#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/json_lines.hpp"
#include "support/process.hpp"

namespace probelog::test {

inline std::unique_ptr<Process> start_probelog(std::vector<std::string> args) {
    args.insert(args.begin(), probelog_bin());
    auto p = std::make_unique<Process>(args);
    EXPECT_TRUE(p->wait_for_stderr("Ctrl-C to stop")) << p->err();
    return p;
}

inline std::vector<JsonRecord> stop_and_parse(Process& p) {
    p.signal(SIGINT);
    Finished f = p.wait();
    EXPECT_EQ(f.exit_code, 0) << f.err;
    return parse_json_lines(f.out);
}

// The records of one event type from one process.
inline std::vector<const JsonRecord*> of(const std::vector<JsonRecord>& records,
                                         const std::string& event_type, pid_t pid) {
    return select(records, [&](const JsonRecord& r) {
        return r.str("event_type") == event_type && r.unum("pid") == static_cast<uint64_t>(pid);
    });
}

// Those of `records` that `keep` accepts.
inline std::vector<const JsonRecord*> where(const std::vector<const JsonRecord*>& records,
                                            const std::function<bool(const JsonRecord&)>& keep) {
    std::vector<const JsonRecord*> out;
    for (const JsonRecord* r : records) {
        if (keep(*r)) out.push_back(r);
    }
    return out;
}

}  // namespace probelog::test
