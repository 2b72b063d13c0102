#pragma once
// A captured msgpack value as JSON through a rapidjson-style writer (the JSON
// lines output and the terminal table). Binary data and extension values,
// which JSON lacks, become base64 text and {"ext_type": N, "data": base64}.

#include <cmath>
#include <string>
#include <string_view>

#include "common/msgpack_walk.hpp"
#include "common/utf8.hpp"
#include "sinks/encode_util.hpp"

namespace probelog {

template <typename Writer>
class MsgpackToJson final : public MsgpackEmitter {
  public:
    explicit MsgpackToJson(Writer& writer) : w_(writer) {}

    void null() override { w_.Null(); }
    void boolean(bool v) override { w_.Bool(v); }
    void int64(int64_t v) override { w_.Int64(v); }
    void uint64(uint64_t v) override { w_.Uint64(v); }
    void float64(double v) override {
        if (std::isfinite(v)) {
            w_.Double(v);
        } else {
            w_.Null();  // JSON has no NaN or infinity
        }
    }
    void str(std::string_view v) override { text(v); }
    void bin(std::string_view v) override { base64(v); }
    void ext(int8_t type, std::string_view data) override {
        w_.StartObject();
        w_.Key("ext_type");
        w_.Int(type);
        w_.Key("data");
        base64(data);
        w_.EndObject();
    }
    void begin_array(uint32_t /*size*/) override { w_.StartArray(); }
    void end_array() override { w_.EndArray(); }
    void begin_map(uint32_t /*size*/) override { w_.StartObject(); }
    void key(std::string_view text) override {
        std::string_view clean = clean_utf8(text, scratch_);
        w_.Key(clean.data(), static_cast<unsigned>(clean.size()));
    }
    void end_map() override { w_.EndObject(); }

  private:
    void text(std::string_view v) {
        std::string_view clean = clean_utf8(v, scratch_);
        w_.String(clean.data(), static_cast<unsigned>(clean.size()));
    }
    void base64(std::string_view v) {
        scratch_.clear();
        append_base64(scratch_, v);
        w_.String(scratch_.data(), static_cast<unsigned>(scratch_.size()));
    }

    Writer& w_;
    std::string scratch_;
};

}  // namespace probelog
