#include "support/json_lines.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace probelog::test {

JsonRecord::JsonRecord(std::string_view line) : line_(line) {
    doc_.Parse(line_.c_str());
}

std::string JsonRecord::str(const char* key) const {
    if (!has(key) || !doc_[key].IsString()) return "<missing>";
    return {doc_[key].GetString(), doc_[key].GetStringLength()};
}

int64_t JsonRecord::num(const char* key) const {
    if (!has(key) || !doc_[key].IsInt64()) return INT64_MIN;
    return doc_[key].GetInt64();
}

uint64_t JsonRecord::unum(const char* key) const {
    if (!has(key) || !doc_[key].IsUint64()) return UINT64_MAX;
    return doc_[key].GetUint64();
}

double JsonRecord::real(const char* key) const {
    if (!has(key) || !doc_[key].IsNumber()) return -1e300;
    return doc_[key].GetDouble();
}

std::string JsonRecord::raw(const char* key) const {
    if (!has(key)) return "<missing>";
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc_[key].Accept(w);
    return buf.GetString();
}

bool JsonRecord::boolean(const char* key) const {
    return has(key) && doc_[key].IsBool() && doc_[key].GetBool();
}

std::vector<std::string> JsonRecord::strings(const char* key) const {
    std::vector<std::string> out;
    if (!has(key) || !doc_[key].IsArray()) return out;
    for (const auto& v : doc_[key].GetArray()) {
        if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
}

std::vector<std::string> JsonRecord::keys() const {
    std::vector<std::string> out;
    if (!valid()) return out;
    for (const auto& m : doc_.GetObject())
        out.emplace_back(m.name.GetString());
    return out;
}

std::vector<JsonRecord> parse_json_lines(const std::string& text) {
    std::vector<JsonRecord> records;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        if (!line.empty()) {
            records.emplace_back(line);
            EXPECT_TRUE(records.back().valid()) << "not a JSON object: " << line;
        }
        pos = end + 1;
    }
    return records;
}

std::vector<const JsonRecord*> select(const std::vector<JsonRecord>& records,
                                      const std::function<bool(const JsonRecord&)>& keep) {
    std::vector<const JsonRecord*> out;
    for (const JsonRecord& r : records) {
        if (keep(r)) out.push_back(&r);
    }
    return out;
}

}  // namespace probelog::test
