#include "sinks/factory.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include "sinks/file_sink.hpp"
#include "sinks/json_sink.hpp"
#include "sinks/table_sink.hpp"

namespace probelog {
namespace {

std::unique_ptr<Sink> make_stdout_sink(OutputFormat format) {
    bool tty = ::isatty(STDOUT_FILENO) != 0;
    if (format == OutputFormat::Json || (format == OutputFormat::Auto && !tty)) {
        return std::make_unique<JsonSink>(STDOUT_FILENO);
    }
    size_t width = 0;
    winsize ws{};
    if (tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) width = ws.ws_col;
    return std::make_unique<TableSink>(STDOUT_FILENO, width);
}

}  // namespace

Result<std::unique_ptr<Sink>> make_sink(const OutputSpec& spec) {
    std::unique_ptr<Sink> sink;
    if (spec.kind == "stdout") {
        sink = make_stdout_sink(spec.format);
    } else if (spec.kind == "file") {
        auto it = spec.params.find("mkdir");
        auto file = FileSink::open(spec.target, it != spec.params.end() && it->second == "true");
        if (!file) return file.error();
        sink = std::move(*file);
    } else {
        return make_error("unknown output '{}'", spec.kind);
    }
    if (spec.match != "*") sink = std::make_unique<MatchingSink>(spec.match, std::move(sink));
    return sink;
}

}  // namespace probelog
