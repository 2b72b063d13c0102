#pragma once
// Text from traced processes (paths, arguments, probe strings) is bytes, not
// necessarily UTF-8; every output format wants valid UTF-8. One repair for all.

#include <string>
#include <string_view>

namespace probelog {

// `s` when it is valid UTF-8; otherwise a copy in `scratch` with every invalid
// byte replaced by U+FFFD. ASCII text (nearly all of it) is checked 8 bytes at
// a time and returned without a copy.
std::string_view clean_utf8(std::string_view s, std::string& scratch);

// Bytes shown as text that says exactly what they were (a probe's ':text'
// format): printable UTF-8 as it is; control characters, DEL, invalid UTF-8
// and every other byte as \xNN; a backslash as '\\'. Appended to `out`.
void append_escaped_text(std::string& out, std::string_view bytes);

}  // namespace probelog
