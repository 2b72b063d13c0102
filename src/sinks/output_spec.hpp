#pragma once
// Where records go, as configured by -o and by a config file's [OUTPUT]
// sections. Several outputs may be active at once, each with its own Match.

#include <map>
#include <string>

namespace probelog {

enum class OutputFormat { Auto, Table, Json };

struct OutputSpec {
    std::string kind = "stdout";  // stdout, file, forward, otlp, ...
    std::string target;           // a path or URL; empty for stdout
    OutputFormat format = OutputFormat::Auto;
    std::string match = "*";  // Fluent Bit Match on event_type: "*", "exec", "tcp*"
    std::map<std::string, std::string> params;  // sink-specific settings
};

// Fluent Bit's Match: '*' matches any run of characters, the rest literally.
bool match_event_type(std::string_view pattern, std::string_view event_type);

}  // namespace probelog
