#include "common/msgpack_walk.hpp"

#include <fmt/format.h>

#include <array>
#include <msgpack.hpp>

namespace probelog {
namespace {

// Drives an emitter (or, with none, only checks) from msgpack-c++'s parser.
class Visitor : public msgpack::null_visitor {
  public:
    explicit Visitor(MsgpackEmitter* out) : out_(out) {}

    // A scalar in a key position names the key; elsewhere it is a value.
    bool visit_nil() {
        return in_key_ ? key_text("null") : emit([](MsgpackEmitter& e) { e.null(); });
    }
    bool visit_boolean(bool v) {
        return in_key_ ? key_text(v ? "true" : "false")
                       : emit([v](MsgpackEmitter& e) { e.boolean(v); });
    }
    bool visit_positive_integer(uint64_t v) {
        return in_key_ ? number_key(v) : emit([v](MsgpackEmitter& e) { e.uint64(v); });
    }
    bool visit_negative_integer(int64_t v) {
        return in_key_ ? number_key(v) : emit([v](MsgpackEmitter& e) { e.int64(v); });
    }
    bool visit_float32(float v) { return visit_float64(v); }
    bool visit_float64(double v) {
        return in_key_ ? number_key(v) : emit([v](MsgpackEmitter& e) { e.float64(v); });
    }
    bool visit_str(const char* v, uint32_t size) {
        std::string_view s(v, size);
        return in_key_ ? key_text(s) : emit([s](MsgpackEmitter& e) { e.str(s); });
    }
    bool visit_bin(const char* v, uint32_t size) {
        if (in_key_) return refuse("a map key that is binary data");
        std::string_view s(v, size);
        return emit([s](MsgpackEmitter& e) { e.bin(s); });
    }
    bool visit_ext(const char* v, uint32_t size) {
        if (in_key_) return refuse("a map key that is an extension value");
        // The first byte is the extension's type.
        auto type = static_cast<int8_t>(v[0]);
        std::string_view data(v + 1, size - 1);
        return emit([type, data](MsgpackEmitter& e) { e.ext(type, data); });
    }
    bool start_array(uint32_t n) {
        if (in_key_) return refuse("a map key that is an array");
        if (!deeper()) return false;
        return emit([n](MsgpackEmitter& e) { e.begin_array(n); });
    }
    bool end_array() {
        --depth_;
        return emit([](MsgpackEmitter& e) { e.end_array(); });
    }
    bool start_map(uint32_t n) {
        if (in_key_) return refuse("a map key that is a map");
        if (!deeper()) return false;
        return emit([n](MsgpackEmitter& e) { e.begin_map(n); });
    }
    bool start_map_key() {
        in_key_ = true;
        return true;
    }
    bool end_map_key() {
        in_key_ = false;
        return true;
    }
    bool end_map() {
        --depth_;
        return emit([](MsgpackEmitter& e) { e.end_map(); });
    }
    void parse_error(size_t /*parsed*/, size_t /*error_at*/) {
        if (problem_ == nullptr) problem_ = "not msgpack (malformed)";
    }
    void insufficient_bytes(size_t /*parsed*/, size_t /*at*/) {
        if (problem_ == nullptr) problem_ = "truncated msgpack (the capture ends inside an object)";
    }

    const char* problem() const { return problem_; }

  private:
    template <typename Fn>
    bool emit(Fn&& fn) {
        if (out_ != nullptr) fn(*out_);
        return true;
    }
    bool refuse(const char* why) {
        problem_ = why;
        return false;
    }
    bool deeper() {
        if (++depth_ > kMsgpackMaxDepth) {
            static_assert(kMsgpackMaxDepth == 32, "the message below names the limit");
            return refuse("msgpack nested deeper than 32 levels");
        }
        return true;
    }
    bool key_text(std::string_view text) {
        if (out_ != nullptr) out_->key(text);
        return true;
    }
    template <typename Number>
    bool number_key(Number v) {
        if (out_ == nullptr) return true;
        std::array<char, 32> buf{};
        auto n = fmt::format_to_n(buf.data(), buf.size(), "{}", v).size;
        out_->key({buf.data(), n});
        return true;
    }

    MsgpackEmitter* out_;
    uint32_t depth_ = 0;
    bool in_key_ = false;
    const char* problem_ = nullptr;
};

}  // namespace

MsgpackCheck check_msgpack(std::string_view bytes) {
    MsgpackCheck out;
    if (bytes.empty()) {
        out.problem = "no bytes to decode as msgpack";
        return out;
    }
    size_t off = 0;
    while (off < bytes.size()) {
        Visitor check(nullptr);
        size_t before = off;
        if (!msgpack::parse(bytes.data(), bytes.size(), off, check) || off <= before) {
            out.problem = check.problem() != nullptr ? check.problem() : "not msgpack";
            out.count = 0;
            return out;
        }
        ++out.count;
    }
    return out;
}

void walk_msgpack(std::string_view bytes, uint32_t count, MsgpackEmitter& out) {
    if (count != 1) out.begin_array(count);
    size_t off = 0;
    for (uint32_t i = 0; i < count && off < bytes.size(); ++i) {
        Visitor walk(&out);
        msgpack::parse(bytes.data(), bytes.size(), off, walk);
    }
    if (count != 1) out.end_array();
}

}  // namespace probelog
