#include "xdp/blocklist.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <cerrno>
#include <cstring>

namespace probelog::xdp {
namespace {

std::string_view trim(std::string_view s) {
    size_t begin = s.find_first_not_of(" \t\r\v\f");
    if (begin == std::string_view::npos) return {};
    size_t end = s.find_last_not_of(" \t\r\v\f");
    return s.substr(begin, end - begin + 1);
}

}  // namespace

Result<std::vector<Prefix>> parse_blocklist(std::string_view text, std::string_view name) {
    std::vector<Prefix> out;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line.find_first_of(" \t") != std::string_view::npos) {
            return make_error("{}:{}: expected one address or prefix per line, found '{}'", name,
                              line_no, line.substr(0, 64));
        }
        auto prefix = parse_prefix(line);
        if (!prefix) return make_error("{}:{}: {}", name, line_no, prefix.error().message);
        out.push_back(*prefix);
    }
    return out;
}

Result<std::vector<Prefix>> read_blocklist_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("{}: cannot read: {}", path, std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return make_error("{}: cannot read: {}", path, std::strerror(errno));
    return parse_blocklist(text.str(), path);
}

std::string origin_names(uint8_t origins) {
    std::string out;
    for (auto [bit, name] : {std::pair{kOriginCli, "cli"}, std::pair{kOriginFile, "file"},
                             std::pair{kOriginLive, "live"}}) {
        if ((origins & bit) == 0) continue;
        if (!out.empty()) out += ',';
        out += name;
    }
    return out;
}

Result<BlocklistChange> Blocklist::add(std::span<const Prefix> prefixes, uint8_t origin) {
    std::set<Prefix> fresh;
    for (const Prefix& p : prefixes) {
        if (!entries_.contains(p)) fresh.insert(p);
    }
    if (entries_.size() + fresh.size() > capacity_) {
        return make_error("the blocklist would have {} entries; it holds at most {}",
                          entries_.size() + fresh.size(), capacity_);
    }
    BlocklistChange change;
    for (const Prefix& p : prefixes) {
        auto [it, inserted] = entries_.try_emplace(p, 0);
        if (inserted) {
            change.added.push_back(p);
        } else if (it->second != 0 &&
                   std::find(change.added.begin(), change.added.end(), p) == change.added.end()) {
            change.already.push_back(p);
        }
        it->second |= origin;
    }
    return change;
}

Result<BlocklistChange> Blocklist::remove(std::span<const Prefix> prefixes) {
    for (const Prefix& p : prefixes) {
        if (entries_.contains(p)) continue;
        if (auto covering = match(p.addr); covering && covering->len <= p.len) {
            return make_error("{} is not in the blocklist ({} covers it: unblock that)",
                              to_string(p), to_string(*covering));
        }
        return make_error("{} is not in the blocklist", to_string(p));
    }
    BlocklistChange change;
    for (const Prefix& p : prefixes) {
        if (entries_.erase(p) != 0) change.removed.push_back(p);
    }
    return change;
}

Result<BlocklistChange> Blocklist::replace_file(std::span<const Prefix> prefixes) {
    std::set<Prefix> wanted(prefixes.begin(), prefixes.end());
    size_t after = 0;
    for (const auto& [p, origins] : entries_) {
        if (wanted.contains(p) || (origins & ~kOriginFile) != 0) ++after;
    }
    for (const Prefix& p : wanted) {
        if (!entries_.contains(p)) ++after;
    }
    if (after > capacity_) {
        return make_error("the blocklist would have {} entries; it holds at most {}", after,
                          capacity_);
    }
    BlocklistChange change;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (!wanted.contains(it->first)) {
            it->second &= static_cast<uint8_t>(~kOriginFile);
            if (it->second == 0) {
                change.removed.push_back(it->first);
                it = entries_.erase(it);
                continue;
            }
        }
        ++it;
    }
    for (const Prefix& p : wanted) {
        auto [it, inserted] = entries_.try_emplace(p, 0);
        if (inserted) change.added.push_back(p);
        it->second |= kOriginFile;
    }
    return change;
}

std::optional<Prefix> Blocklist::match(const Address& a) const {
    if (entries_.empty()) return std::nullopt;
    for (int bits = 128; bits >= 0; --bits) {
        Prefix p = prefix_from_mapped(a, static_cast<uint32_t>(bits));
        if (entries_.contains(p)) return p;
    }
    return std::nullopt;
}

}  // namespace probelog::xdp
