#pragma once
// Captured bytes that hold msgpack (a probe's ':msgpack' format, e.g. the
// records Fluent Bit passes to flb_input_log_append), checked once when the
// event is decoded and walked by each output into its own nested value. The
// walk is msgpack-c++'s visitor parser: no allocation, no object tree.

#include <cstdint>
#include <string_view>

namespace probelog {

// What a walk produces, depth first. Map keys come as text: a string key as
// it is, a number, boolean or nil key as its JSON spelling.
class MsgpackEmitter {
  public:
    virtual ~MsgpackEmitter() = default;
    virtual void null() = 0;
    virtual void boolean(bool v) = 0;
    virtual void int64(int64_t v) = 0;
    virtual void uint64(uint64_t v) = 0;
    virtual void float64(double v) = 0;
    virtual void str(std::string_view v) = 0;
    virtual void bin(std::string_view v) = 0;
    virtual void ext(int8_t type, std::string_view data) = 0;
    virtual void begin_array(uint32_t size) = 0;
    virtual void end_array() = 0;
    virtual void begin_map(uint32_t size) = 0;
    virtual void key(std::string_view text) = 0;
    virtual void end_map() = 0;
};

// Deeper nesting is refused (it would only come from a wrong capture).
constexpr uint32_t kMsgpackMaxDepth = 32;

struct MsgpackCheck {
    uint32_t count = 0;             // whole objects, back to back (at least one)
    const char* problem = nullptr;  // or why the bytes are not msgpack (a constant)
};

// Checks that `bytes` are whole msgpack objects: not empty, not truncated, not
// malformed, nested at most kMsgpackMaxDepth, no map key that is an array, a
// map, binary or an extension value. Allocates nothing.
MsgpackCheck check_msgpack(std::string_view bytes);

// Walks bytes that check_msgpack accepted with `count` objects: one
// object as itself, several as one array of them.
void walk_msgpack(std::string_view bytes, uint32_t count, MsgpackEmitter& out);

}  // namespace probelog
