#pragma once
// JSON lines: one object per record, fields in the record's order.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "sinks/fd_writer.hpp"
#include "sinks/sink.hpp"

namespace probelog {

// True if `s` can go into a JSON string as is: ASCII without control
// characters, quotes or backslashes.
bool is_plain_json(std::string_view s);

// rapidjson's Writer with a fast path for text that needs no escaping (nearly
// every key and value): copied while checked, instead of a table lookup and a
// push per byte. Anything else goes through rapidjson's escaping.
class JsonWriter final : public rapidjson::Writer<rapidjson::StringBuffer> {
  public:
    using Writer::Writer;
    // A key or string value; invalid UTF-8 is replaced through `scratch`.
    void Text(std::string_view s, std::string& scratch);
    // A key or value known to be plain (is_plain_json).
    void PlainText(std::string_view s) {
        Prefix(rapidjson::kStringType);
        char* out = os_->Push(s.size() + 2);
        out[0] = '"';
        std::memcpy(out + 1, s.data(), s.size());
        out[s.size() + 1] = '"';
    }
};

// Encodes records as JSON objects. Keeps its buffer and writer between records,
// so encoding allocates nothing once warm. The view returned by encode() is
// valid until the next call.
class JsonEncoder {
  public:
    JsonEncoder() : writer_(buffer_) {}
    JsonEncoder(const JsonEncoder&) = delete;
    JsonEncoder& operator=(const JsonEncoder&) = delete;
    std::string_view encode(const Record& record);

  private:
    void write_value(const Value& v);
    void write_string(std::string_view s);

    rapidjson::StringBuffer buffer_;
    JsonWriter writer_;
    Rfc3339Formatter time_;
    std::string scratch_;
};

// Appends one record as a JSON object (no newline) to `out` (convenience; a
// sink that writes many records keeps a JsonEncoder instead).
void write_json_record(const Record& record, FdWriter& out);

class JsonSink final : public Sink {
  public:
    explicit JsonSink(int fd) : out_(fd) {}
    void write(const Record& record) override;
    Status flush() override { return out_.flush(); }
    bool broken() const override { return out_.broken(); }

  private:
    FdWriter out_;
    JsonEncoder encoder_;
};

}  // namespace probelog
