#pragma once
// The XDP blocklist as user space keeps it: which prefixes are blocked and
// where each came from (--xdp-block, the --xdp-blocklist file, or live from
// `probelog xdp block`), and the blocklist file format. Pure: every change
// returns what the kernel's trie must add and remove.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "xdp/address.hpp"

namespace probelog::xdp {

// One entry per line: an address or a prefix. '#' starts a comment (whole line
// or after the entry); blank lines are ignored; duplicates are allowed.
// Errors are "NAME:LINE: what is wrong".
Result<std::vector<Prefix>> parse_blocklist(std::string_view text, std::string_view name);
// Reads and parses a file ("PATH: cannot read: ..." if it cannot be read).
Result<std::vector<Prefix>> read_blocklist_file(const std::string& path);

enum Origin : uint8_t {
    kOriginCli = 1u << 0,   // --xdp-block
    kOriginFile = 1u << 1,  // --xdp-blocklist
    kOriginLive = 1u << 2,  // probelog xdp block
};
// "cli", "file,live", ...
std::string origin_names(uint8_t origins);

struct BlocklistChange {
    std::vector<Prefix> added;    // new in the blocklist: add to the kernel
    std::vector<Prefix> removed;  // gone: delete from the kernel
    std::vector<Prefix> already;  // asked to add, but already blocked
    bool empty() const { return added.empty() && removed.empty(); }
};

class Blocklist {
  public:
    explicit Blocklist(size_t capacity) : capacity_(capacity) {}

    // Blocks each prefix (already blocked ones gain the origin). Fails, changing
    // nothing, if the blocklist would exceed its capacity.
    Result<BlocklistChange> add(std::span<const Prefix> prefixes, uint8_t origin);
    // Unblocks each prefix whatever its origins. Fails, changing nothing, if one
    // is not in the blocklist (naming the entry that covers it, if any).
    Result<BlocklistChange> remove(std::span<const Prefix> prefixes);
    // The file's entries become exactly `prefixes`: entries only the file had
    // and that it no longer lists go; new ones come.
    Result<BlocklistChange> replace_file(std::span<const Prefix> prefixes);

    // The longest blocked prefix that covers `a`.
    std::optional<Prefix> match(const Address& a) const;
    const std::map<Prefix, uint8_t>& entries() const { return entries_; }
    size_t size() const { return entries_.size(); }

  private:
    size_t capacity_;
    std::map<Prefix, uint8_t> entries_;  // prefix -> Origin bits
};

}  // namespace probelog::xdp
