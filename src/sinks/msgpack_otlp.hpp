#pragma once
// A captured msgpack value as an OTLP AnyValue (proto3 JSON): maps become
// kvlistValue, arrays arrayValue, binary bytesValue, an extension value a
// kvlist {ext_type, data}; 64-bit integers are strings, as proto3 JSON wants.

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "common/msgpack_walk.hpp"
#include "common/utf8.hpp"
#include "sinks/encode_util.hpp"

namespace probelog {

template <typename Writer>
class MsgpackToAnyValue final : public MsgpackEmitter {
  public:
    explicit MsgpackToAnyValue(Writer& writer) : w_(writer) {}

    void null() override {
        w_.StartObject();  // an AnyValue with no value set
        w_.EndObject();
        after_value();
    }
    void boolean(bool v) override {
        w_.StartObject();
        w_.Key("boolValue");
        w_.Bool(v);
        w_.EndObject();
        after_value();
    }
    void int64(int64_t v) override {
        integer(fmt::format_to_n(buf_.data(), buf_.size(), "{}", v).size);
    }
    void uint64(uint64_t v) override {
        if (v > static_cast<uint64_t>(INT64_MAX)) {  // beyond intValue: as text
            auto n = fmt::format_to_n(buf_.data(), buf_.size(), "{}", v).size;
            string_value("stringValue", {buf_.data(), n});
            return;
        }
        integer(fmt::format_to_n(buf_.data(), buf_.size(), "{}", v).size);
    }
    void float64(double v) override {
        w_.StartObject();
        w_.Key("doubleValue");
        if (std::isfinite(v)) {
            w_.Double(v);
        } else {
            w_.String(std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
        }
        w_.EndObject();
        after_value();
    }
    void str(std::string_view v) override { string_value("stringValue", clean_utf8(v, scratch_)); }
    void bin(std::string_view v) override {
        scratch_.clear();
        append_base64(scratch_, v);
        string_value("bytesValue", scratch_);
    }
    void ext(int8_t type, std::string_view data) override {
        begin_map(2);
        key("ext_type");
        int64(type);
        key("data");
        bin(data);
        end_map();
    }
    void begin_array(uint32_t /*size*/) override {
        w_.StartObject();
        w_.Key("arrayValue");
        w_.StartObject();
        w_.Key("values");
        w_.StartArray();
        open_.push_back(false);
    }
    void end_array() override { close(); }
    void begin_map(uint32_t /*size*/) override {
        w_.StartObject();
        w_.Key("kvlistValue");
        w_.StartObject();
        w_.Key("values");
        w_.StartArray();
        open_.push_back(true);
    }
    // A map's entry: {"key": K, "value": AnyValue}, closed after the value.
    void key(std::string_view text) override {
        w_.StartObject();
        w_.Key("key");
        std::string_view clean = clean_utf8(text, scratch_);
        w_.String(clean.data(), static_cast<unsigned>(clean.size()));
        w_.Key("value");
    }
    void end_map() override { close(); }

  private:
    void integer(size_t n) {
        w_.StartObject();
        w_.Key("intValue");
        w_.String(buf_.data(), static_cast<unsigned>(n));
        w_.EndObject();
        after_value();
    }
    void string_value(const char* kind, std::string_view s) {
        w_.StartObject();
        w_.Key(kind);
        w_.String(s.data(), static_cast<unsigned>(s.size()));
        w_.EndObject();
        after_value();
    }
    void close() {
        w_.EndArray();
        w_.EndObject();
        w_.EndObject();
        open_.pop_back();
        after_value();
    }
    // A value that completes a map entry closes the entry's object.
    void after_value() {
        if (!open_.empty() && open_.back()) w_.EndObject();
    }

    Writer& w_;
    std::vector<bool> open_;  // the containers open: true for a map
    std::array<char, 24> buf_{};
    std::string scratch_;
};

}  // namespace probelog
