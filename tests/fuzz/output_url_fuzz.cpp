// The -o sink URLs (sinks/output_url.hpp): scheme, host and port, path,
// ?key=value parameters with %XX escapes; and the match patterns they carry.
#include "fuzz_input.hpp"
#include "sinks/output_spec.hpp"
#include "sinks/output_url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace probelog;
    std::string_view text = fuzz::text(data, size);
    auto spec = parse_output_url(text);
    (void)split_host_port(text);
    // A pattern and an event type: the text split at its first newline.
    size_t nl = text.find('\n');
    if (nl != std::string_view::npos)
        (void)match_event_type(text.substr(0, nl), text.substr(nl + 1));
    if (spec.ok()) (void)match_event_type(spec->match, "tls_handshake");
    return 0;
}
