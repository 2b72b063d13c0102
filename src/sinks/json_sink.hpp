#pragma once
// JSON lines: one object per record, fields in the record's order.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "sinks/fd_writer.hpp"
#include "sinks/sink.hpp"

namespace probelog {

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
    rapidjson::Writer<rapidjson::StringBuffer> writer_;
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
