// The blocklist file format (errors as FILE:LINE) and the blocklist model:
// what each change asks the kernel to add and remove.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "xdp/blocklist.hpp"

namespace probelog::xdp {
namespace {

Prefix P(std::string_view text) {
    auto p = parse_prefix(text);
    EXPECT_TRUE(p.ok()) << text;
    return p.ok() ? *p : Prefix{};
}

std::vector<std::string> texts(const std::vector<Prefix>& prefixes) {
    std::vector<std::string> out;
    for (const Prefix& p : prefixes)
        out.push_back(to_string(p));
    return out;
}

using Strings = std::vector<std::string>;

TEST(XdpBlocklistFile, EntriesCommentsAndBlankLines) {
    auto r = parse_blocklist(
        "# bad actors\n"
        "10.1.2.0/24\n"
        "\n"
        "   192.0.2.7   # one host\n"
        "\t2001:db8::/32\r\n"
        "#10.9.9.9\n"
        "10.1.2.0/24\n"
        "fd00::1",
        "list.txt");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(texts(*r),
              (Strings{"10.1.2.0/24", "192.0.2.7", "2001:db8::/32", "10.1.2.0/24", "fd00::1"}));
    EXPECT_TRUE(parse_blocklist("", "empty").ok());
    EXPECT_TRUE(parse_blocklist("\n# nothing\n  \n", "empty")->empty());
}

TEST(XdpBlocklistFile, ErrorsSayFileAndLine) {
    EXPECT_EQ(parse_blocklist("10.0.0.0/8\n# ok\n10.1.2.300\n", "/etc/bl.txt").error().message,
              "/etc/bl.txt:3: '10.1.2.300' is not an IPv4 or IPv6 address");
    EXPECT_EQ(parse_blocklist("\n\n\n\n10.1.2.5/24 # typo\n", "f").error().message,
              "f:5: '10.1.2.5/24' has bits set past the prefix length (did you mean 10.1.2.0/24?)");
    EXPECT_EQ(parse_blocklist("10.0.0.1 10.0.0.2\n", "f").error().message,
              "f:1: expected one address or prefix per line, found '10.0.0.1 10.0.0.2'");
    EXPECT_EQ(parse_blocklist("::/200\n", "f").error().message,
              "f:1: '::/200': prefix length 200 is out of range for IPv6 (0 to 128)");
}

TEST(XdpBlocklistFile, ReadsAFileOrSaysWhyNot) {
    std::string path = "/tmp/probelog-bl-" + std::to_string(getpid());
    { std::ofstream(path) << "10.0.0.0/8\nbogus\n"; }
    EXPECT_EQ(read_blocklist_file(path).error().message,
              path + ":2: 'bogus' is not an IPv4 or IPv6 address");
    { std::ofstream(path) << "10.0.0.0/8\n"; }
    EXPECT_EQ(read_blocklist_file(path)->size(), 1u);
    unlink(path.c_str());
    EXPECT_EQ(read_blocklist_file(path).error().message,
              path + ": cannot read: No such file or directory");
}

TEST(XdpBlocklist, AddReportsOnlyNewEntriesAndKeepsOrigins) {
    Blocklist b(100);
    auto c = b.add(std::vector<Prefix>{P("10.0.0.0/8"), P("::1")}, kOriginCli);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(texts(c->added), (Strings{"10.0.0.0/8", "::1"}));
    c = b.add(std::vector<Prefix>{P("10.0.0.0/8"), P("192.0.2.1")}, kOriginLive);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(texts(c->added), (Strings{"192.0.2.1"}));
    EXPECT_EQ(texts(c->already), (Strings{"10.0.0.0/8"}));
    EXPECT_EQ(b.entries().at(P("10.0.0.0/8")), kOriginCli | kOriginLive);
    EXPECT_EQ(origin_names(b.entries().at(P("10.0.0.0/8"))), "cli,live");
    EXPECT_EQ(b.size(), 3u);
}

TEST(XdpBlocklist, CapacityIsCheckedBeforeAnythingChanges) {
    Blocklist b(2);
    ASSERT_TRUE(b.add(std::vector<Prefix>{P("10.0.0.1")}, kOriginLive).ok());
    auto c = b.add(std::vector<Prefix>{P("10.0.0.1"), P("10.0.0.2"), P("10.0.0.3")}, kOriginLive);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "the blocklist would have 3 entries; it holds at most 2");
    EXPECT_EQ(b.size(), 1u);
}

TEST(XdpBlocklist, RemoveIsAllOrNothingAndPointsAtTheCoveringEntry) {
    Blocklist b(100);
    ASSERT_TRUE(b.add(std::vector<Prefix>{P("10.1.2.0/24"), P("2001:db8::/32")}, kOriginFile).ok());
    auto c = b.remove(std::vector<Prefix>{P("2001:db8::/32"), P("10.1.2.5")});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "10.1.2.5 is not in the blocklist (10.1.2.0/24 covers it: unblock that)");
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(b.remove(std::vector<Prefix>{P("192.0.2.1")}).error().message,
              "192.0.2.1 is not in the blocklist");
    c = b.remove(std::vector<Prefix>{P("10.1.2.0/24")});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(texts(c->removed), (Strings{"10.1.2.0/24"}));
    EXPECT_EQ(b.size(), 1u);
}

TEST(XdpBlocklist, ReplacingTheFileKeepsOtherOrigins) {
    Blocklist b(100);
    ASSERT_TRUE(b.add(std::vector<Prefix>{P("10.0.0.1")}, kOriginCli).ok());
    ASSERT_TRUE(b.add(std::vector<Prefix>{P("10.0.0.2")}, kOriginLive).ok());
    auto c = b.replace_file(std::vector<Prefix>{P("10.0.0.1"), P("10.0.0.3"), P("10.0.0.4")});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(texts(c->added), (Strings{"10.0.0.3", "10.0.0.4"}));
    EXPECT_TRUE(c->removed.empty());
    // The file drops .1 (also from the command line: stays) and .3 (file only: goes).
    c = b.replace_file(std::vector<Prefix>{P("10.0.0.4"), P("10.0.0.5")});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(texts(c->added), (Strings{"10.0.0.5"}));
    EXPECT_EQ(texts(c->removed), (Strings{"10.0.0.3"}));
    EXPECT_EQ(b.entries().at(P("10.0.0.1")), kOriginCli);
    EXPECT_EQ(b.entries().at(P("10.0.0.2")), kOriginLive);
    EXPECT_EQ(b.size(), 4u);
    // Unchanged file: no change.
    EXPECT_TRUE(b.replace_file(std::vector<Prefix>{P("10.0.0.4"), P("10.0.0.5")})->empty());
}

TEST(XdpBlocklist, MatchFindsTheLongestPrefix) {
    Blocklist b(100);
    ASSERT_TRUE(b.add(std::vector<Prefix>{P("10.0.0.0/8"), P("10.1.2.0/24"), P("2001:db8::/32")},
                      kOriginLive)
                    .ok());
    EXPECT_EQ(to_string(*b.match(*parse_address("10.1.2.3"))), "10.1.2.0/24");
    EXPECT_EQ(to_string(*b.match(*parse_address("10.9.9.9"))), "10.0.0.0/8");
    EXPECT_EQ(to_string(*b.match(*parse_address("2001:db8::5"))), "2001:db8::/32");
    EXPECT_FALSE(b.match(*parse_address("192.0.2.1")).has_value());
    EXPECT_FALSE(b.match(*parse_address("2001:db9::1")).has_value());
}

}  // namespace
}  // namespace probelog::xdp
