// `probelog ctl` requests (control/ctl_request.hpp): what the client encodes
// is what the agent decodes, and what the agent refuses it says in one line.
#include <gtest/gtest.h>

#include "control/ctl_request.hpp"

namespace probelog::control {
namespace {

TEST(CtlRequest, RoundTripsEveryVerbWithSpacesAndQuotesInSpecs) {
    CtlRequest add;
    add.verb = CtlVerb::Add;
    add.spec = R"(./app:f(char* s) { s } if s == "a b" log "x=\"{s}\"")";
    add.name = "f";
    add.replace = true;
    add.json = true;
    std::string line = encode_request(add);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
    auto back = decode_request(line);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->verb, CtlVerb::Add);
    EXPECT_EQ(back->spec, add.spec);
    EXPECT_EQ(back->name, "f");
    EXPECT_TRUE(back->replace);
    EXPECT_TRUE(back->json);

    CtlRequest xdp;
    xdp.verb = CtlVerb::Xdp;
    xdp.args = {"block", "10.0.0.0/8"};
    auto x = decode_request(encode_request(xdp));
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(x->args, xdp.args);
    for (CtlVerb v : {CtlVerb::List, CtlVerb::Stats}) {
        CtlRequest r;
        r.verb = v;
        auto d = decode_request(encode_request(r));
        ASSERT_TRUE(d.ok());
        EXPECT_EQ(d->verb, v);
        EXPECT_FALSE(d->json);
    }
}

TEST(CtlRequest, RefusesWhatTheVerbCannotDo) {
    EXPECT_EQ(decode_request("list").error().message,
              "the request is not a JSON object (use probelog ctl)");
    EXPECT_EQ(decode_request(R"({"verb":"explode"})").error().message,
              "unknown command 'explode' (expected list, stats, add, remove, enable, disable or "
              "xdp)");
    EXPECT_EQ(decode_request(R"({"verb":"add"})").error().message, "add: expected a probe spec");
    EXPECT_EQ(decode_request(R"({"verb":"add","spec":"x:f","replace":true})").error().message,
              "add --replace: name the probe to replace (--name NAME)");
    EXPECT_EQ(decode_request(R"({"verb":"remove"})").error().message,
              "remove: expected the name of a probe or trace (see probelog ctl list)");
    EXPECT_EQ(decode_request(R"({"verb":"xdp","args":[]})").error().message,
              "xdp: expected block, unblock, list or stats");
    EXPECT_EQ(decode_request(R"({"verb":"add","spec":7})").error().message,
              "request member 'spec' is not a string");
    EXPECT_EQ(decode_request(R"({"verb":"xdp","args":[1]})").error().message,
              "request member 'args' holds a non-string");
}

}  // namespace
}  // namespace probelog::control
