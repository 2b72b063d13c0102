#pragma once
// A field's value as plain text, for a sentence a person reads (a probe's
// `log "..."` message): strings as they are (no quotes), integers in decimal,
// pointers in hex, bytes in their format, a msgpack value as compact JSON.

#include <string>

#include "pipeline/record.hpp"

namespace probelog {

void append_value_text(std::string& out, const Value& v);

}  // namespace probelog
