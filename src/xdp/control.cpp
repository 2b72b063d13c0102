#include "xdp/control.hpp"

namespace probelog::xdp {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    size_t pos = 0;
    while (pos < line.size()) {
        size_t begin = line.find_first_not_of(" \t\r\n", pos);
        if (begin == std::string_view::npos) break;
        size_t end = line.find_first_of(" \t\r\n", begin);
        if (end == std::string_view::npos) end = line.size();
        words.push_back(line.substr(begin, end - begin));
        pos = end;
    }
    return words;
}

}  // namespace

Result<Request> parse_request(std::string_view line) {
    auto words = split_words(line);
    if (words.empty()) return make_error("empty request (expected block, unblock, list or stats)");
    Request req;
    std::string_view verb = words[0];
    if (verb == "block") {
        req.verb = Verb::Block;
    } else if (verb == "unblock") {
        req.verb = Verb::Unblock;
    } else if (verb == "list") {
        req.verb = Verb::List;
    } else if (verb == "stats") {
        req.verb = Verb::Stats;
    } else {
        return make_error("unknown command '{}' (expected block, unblock, list or stats)",
                          verb.substr(0, 32));
    }
    bool takes_prefixes = req.verb == Verb::Block || req.verb == Verb::Unblock;
    if (takes_prefixes && words.size() < 2) {
        return make_error("{}: expected at least one address or prefix (e.g. {} 10.1.2.0/24)", verb,
                          verb);
    }
    if (!takes_prefixes && words.size() > 1) {
        return make_error("{}: takes no arguments", verb);
    }
    for (size_t i = 1; i < words.size(); ++i) {
        auto p = parse_prefix(words[i]);
        if (!p) return p.error();
        req.prefixes.push_back(*p);
    }
    return req;
}

Result<std::string> request_line(const std::vector<std::string>& words) {
    std::string line;
    for (const std::string& w : words) {
        if (!line.empty()) line += ' ';
        line += w;
    }
    if (auto req = parse_request(line); !req) return req.error();
    return line + "\n";
}

}  // namespace probelog::xdp
