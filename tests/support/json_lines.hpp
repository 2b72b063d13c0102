#pragma once
// probelog's JSON lines output, parsed for assertions.

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace probelog::test {

class JsonRecord {
  public:
    explicit JsonRecord(std::string_view line);
    bool valid() const { return !doc_.HasParseError() && doc_.IsObject(); }
    bool has(const char* key) const { return valid() && doc_.HasMember(key); }
    std::string str(const char* key) const;
    int64_t num(const char* key) const;
    uint64_t unum(const char* key) const;
    bool boolean(const char* key) const;
    double real(const char* key) const;      // any number as a double (-1e300 if none)
    std::string raw(const char* key) const;  // the value as compact JSON ("<missing>")
    std::vector<std::string> strings(const char* key) const;
    std::vector<std::string> keys() const;
    const std::string& line() const { return line_; }

  private:
    std::string line_;
    rapidjson::Document doc_;
};

// Every line of `text`; lines that are not JSON objects make the test fail.
std::vector<JsonRecord> parse_json_lines(const std::string& text);

std::vector<const JsonRecord*> select(const std::vector<JsonRecord>& records,
                                      const std::function<bool(const JsonRecord&)>& keep);

}  // namespace probelog::test
