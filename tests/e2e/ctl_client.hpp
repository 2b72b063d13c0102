#pragma once
// `probelog ctl` from the end-to-end tests of live changes (ctl_e2e_test.cpp,
// policy_e2e_test.cpp): requests to an agent's --control-socket, and the
// records a busy agent wrote to a file (its stdout would fill its pipe while
// the test talks to it).
#include <rapidjson/document.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/json_lines.hpp"
#include "support/process.hpp"

namespace probelog::test {

inline Finished ctl(const std::string& sock, std::vector<std::string> args) {
    args.insert(args.begin(), {probelog_bin(), "ctl", "--socket", sock});
    return run(args, std::chrono::seconds(30));
}

// The records `probe` delivered, from `probelog ctl stats -o json` (-1: not listed).
inline int64_t probe_delivered(const std::string& sock, const std::string& probe) {
    Finished f = ctl(sock, {"-o", "json", "stats"});
    rapidjson::Document doc;
    doc.Parse(f.out.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("probes")) return -1;
    for (const auto& p : doc["probes"].GetArray()) {
        if (p["name"].GetString() == probe) return p["delivered"].GetInt64();
    }
    return -1;
}

// Waits (10 s at most) until `probe` has delivered at least `n` records.
inline bool wait_delivered(const std::string& sock, const std::string& probe, int64_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (probe_delivered(sock, probe) >= n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

// The records an agent wrote to `path` (-o file://PATH).
inline std::vector<JsonRecord> records_in(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_json_lines(text.str());
}

}  // namespace probelog::test
