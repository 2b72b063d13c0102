#pragma once
// Fluent Forward protocol (Fluent Bit, Fluentd) over TCP or a Unix socket.
// Records go out in Forward mode, one message per run of records with the
// same tag:  [tag, [[EventTime, {field: value, ...}], ...], options]
// EventTime is msgpack ext type 0 (seconds and nanoseconds, big-endian), so
// the kernel's nanosecond timestamps survive. With require_ack_response each
// message carries {"chunk": id} and counts as delivered only when the peer
// answers {"ack": id}; unacknowledged messages are sent again after a
// reconnect (at least once). Without it, delivery ends at the socket.

#include <memory>
#include <string>
#include <string_view>

#include "sinks/queued_sink.hpp"

namespace probelog {

struct ForwardConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 24224;
    std::string unix_path;                      // set: a Unix socket instead of TCP
    std::string tag = "probelog.{event_type}";  // {event_type} is replaced per record
    bool require_ack = false;
    bool send_options = false;     // options {"size": n} even without acks
    bool time_as_integer = false;  // whole seconds instead of EventTime (old Fluentd)
    QueueSettings queue;

    std::string target() const;  // "127.0.0.1:24224" or "unix:/path"
};

// One [time, record] entry, msgpack-encoded, appended to `out`.
void encode_forward_entry(const Record& record, bool time_as_integer, std::string& out);

std::unique_ptr<Sink> make_forward_sink(std::string name, const ForwardConfig& config);

}  // namespace probelog
