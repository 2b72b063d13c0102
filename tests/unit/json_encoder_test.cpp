// The JSON encoder against a plain rapidjson Writer, byte for byte,
// on randomized records: every value kind, escapes, control bytes, UTF-8
// (guards any future fast path in the encoder).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "sinks/json_sink.hpp"

namespace probelog {
namespace {

std::string reference_json(const Record& r) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    for (const Field& f : r.fields()) {
        w.Key(f.name.data(), static_cast<rapidjson::SizeType>(f.name.size()));
        const Value& v = f.value;
        switch (v.kind) {
            case ValueKind::Int:
                w.Int64(v.i);
                break;
            case ValueKind::Uint:
                w.Uint64(v.u);
                break;
            case ValueKind::Bool:
                w.Bool(v.b);
                break;
            case ValueKind::Float:
                w.Double(v.f);
                break;
            case ValueKind::Str:
                w.String(v.str.data(), static_cast<rapidjson::SizeType>(v.str.size()));
                break;
            case ValueKind::Hex:
                w.String(fmt::format("0x{:x}", v.u).c_str());
                break;
            case ValueKind::Time: {
                char buf[kRfc3339Size];
                auto t = format_rfc3339(v.i, buf);
                w.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
                break;
            }
            case ValueKind::StrList:
                w.StartArray();
                StrListView(v.str, v.count).for_each([&](std::string_view s) {
                    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
                });
                w.EndArray();
                break;
            case ValueKind::Bytes: {
                std::string hex;
                for (char c : v.str)
                    hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
                w.String(hex.c_str());
                break;
            }
            case ValueKind::Text:
            case ValueKind::Base64:
            case ValueKind::Msgpack:
                ADD_FAILURE() << "no reference for formatted bytes (bytes_format_test.cpp)";
                break;
        }
    }
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

// Valid UTF-8 text mixing plain ASCII, escapes and multibyte characters.
std::string random_text(std::mt19937& rng) {
    static const std::vector<std::string> pieces = {"a",
                                                    "Z",
                                                    "0",
                                                    " ",
                                                    "/bin/echo",
                                                    "\"",
                                                    "\\",
                                                    "\n",
                                                    "\t",
                                                    "\r",
                                                    std::string(1, '\0'),
                                                    "\x01",
                                                    "\x1f",
                                                    "\x7f",
                                                    "é",
                                                    "日本",
                                                    "😀",
                                                    "--flag=value",
                                                    "path with spaces",
                                                    "{",
                                                    "}"};
    std::uniform_int_distribution<size_t> count(0, 24);
    std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
    std::string s;
    for (size_t n = count(rng); n > 0; --n)
        s += pieces[pick(rng)];
    return s;
}

TEST(JsonEncoder, MatchesRapidjsonByteForByteOnRandomRecords) {
    std::mt19937 rng(20261121);
    JsonEncoder encoder;
    for (int round = 0; round < 3000; ++round) {
        std::vector<std::string> storage;  // the record holds views
        storage.reserve(64);
        Record r;
        std::uniform_int_distribution<int> kind(0, 8);
        std::uniform_int_distribution<int> fields(1, 20);
        int n = fields(rng);
        for (int i = 0; i < n; ++i) {
            storage.push_back(i % 3 == 0 ? random_text(rng) : fmt::format("field_{}", i));
            std::string_view name = storage.back();
            switch (kind(rng)) {
                case 0:
                    r.add_int(name, static_cast<int64_t>(rng()) -
                                        (1LL << 31) * static_cast<int64_t>(rng() % 3));
                    break;
                case 1:
                    r.add_uint(name, (static_cast<uint64_t>(rng()) << 32) | rng());
                    break;
                case 2:
                    r.add_bool(name, rng() % 2 == 0);
                    break;
                case 3:
                    r.add_float(name, static_cast<double>(rng()) / 7.0 - 1e6);
                    break;
                case 4:
                    storage.push_back(random_text(rng));
                    r.add_str(name, storage.back());
                    break;
                case 5:
                    r.add_hex(name, rng());
                    break;
                case 6:
                    r.add_time(name, 1795303585123456789LL + static_cast<int64_t>(rng()));
                    break;
                case 7: {
                    std::string packed;
                    uint32_t items = rng() % 5;
                    for (uint32_t k = 0; k < items; ++k)
                        packed += random_text(rng) + '\0';
                    // A packed list cannot hold strings with NULs: drop them.
                    std::string clean;
                    uint32_t real = 0;
                    for (char c : packed) {
                        clean += c;
                        if (c == '\0') ++real;
                    }
                    storage.push_back(clean);
                    r.add_str_list(name, storage.back(), real);
                    break;
                }
                default:
                    storage.push_back(random_text(rng));
                    r.add_bytes(name, storage.back());
                    break;
            }
        }
        std::string expected = reference_json(r);
        ASSERT_EQ(std::string(encoder.encode(r)), expected) << "round " << round;
        rapidjson::Document doc;
        ASSERT_FALSE(doc.Parse(expected.c_str(), expected.size()).HasParseError());
    }
}

TEST(JsonEncoder, PlainTextCheckFindsEverySpecialByteAtEveryPosition) {
    for (size_t n = 0; n <= 40; ++n) {
        std::string s(n, 'a');
        EXPECT_TRUE(is_plain_json(s)) << n;
        for (size_t pos = 0; pos < n; ++pos) {
            for (int c : {0x00, 0x01, 0x1f, 0x22, 0x5c, 0x80, 0xc3, 0xff}) {
                std::string t = s;
                t[pos] = static_cast<char>(c);
                EXPECT_FALSE(is_plain_json(t)) << "length " << n << " byte " << c << " at " << pos;
            }
            for (int c : {0x20, 0x2f, 0x21, 0x23, 0x5b, 0x5d, 0x7f}) {
                std::string t = s;
                t[pos] = static_cast<char>(c);
                EXPECT_TRUE(is_plain_json(t)) << "length " << n << " byte " << c << " at " << pos;
            }
        }
    }
}

TEST(JsonEncoder, NonFiniteFloatsBecomeNull) {
    JsonEncoder encoder;
    Record r;
    r.add_float("nan", std::nan(""));
    r.add_float("x", 1.5);
    EXPECT_EQ(encoder.encode(r), R"({"nan":null,"x":1.5})");
}

}  // namespace
}  // namespace probelog
