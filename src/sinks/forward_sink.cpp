#include "sinks/forward_sink.hpp"

#include <array>
#include <cstring>
#include <msgpack.hpp>
#include <random>

#include "common/clock.hpp"
#include "common/utf8.hpp"
#include "sinks/encode_util.hpp"

namespace probelog {
namespace {

// msgpack's Stream concept over a std::string.
struct StringStream {
    std::string* out;
    void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<StringStream>;

void pack_str(Packer& pk, std::string_view s) {
    pk.pack_str(static_cast<uint32_t>(s.size()));
    pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void pack_event_time(Packer& pk, int64_t ns, bool as_integer) {
    if (ns <= 0) ns = realtime_now_ns();
    auto sec = static_cast<uint32_t>(ns / 1'000'000'000);
    auto nsec = static_cast<uint32_t>(ns % 1'000'000'000);
    if (as_integer) {
        pk.pack_uint32(sec);
        return;
    }
    std::array<char, 8> b{};
    for (int i = 0; i < 4; ++i) {
        b[i] = static_cast<char>(sec >> (24 - 8 * i));
        b[4 + i] = static_cast<char>(nsec >> (24 - 8 * i));
    }
    pk.pack_ext(8, 0);
    pk.pack_ext_body(b.data(), 8);
}

void pack_value(Packer& pk, StringStream& stream, const Value& v, std::string& scratch) {
    switch (v.kind) {
        case ValueKind::Int:
            pk.pack_int64(v.i);
            break;
        case ValueKind::Uint:
            pk.pack_uint64(v.u);
            break;
        case ValueKind::Bool:
            if (v.b) {
                pk.pack_true();
            } else {
                pk.pack_false();
            }
            break;
        case ValueKind::Float:
            pk.pack_double(v.f);
            break;
        case ValueKind::Str:
            pack_str(pk, v.str);
            break;
        case ValueKind::Hex: {
            std::array<char, 20> buf{};
            pack_str(pk, format_hex(v.u, buf.data()));
            break;
        }
        case ValueKind::Time: {
            std::array<char, kRfc3339Size> buf{};
            pack_str(pk, format_rfc3339(v.i, buf.data()));
            break;
        }
        case ValueKind::StrList:
            pk.pack_array(v.count);
            {
                uint32_t n = 0;
                StrListView(v.str, v.count).for_each([&](std::string_view s) {
                    pack_str(pk, s);
                    ++n;
                });
                for (; n < v.count; ++n)
                    pack_str(pk, {});  // keep the declared array length
            }
            break;
        case ValueKind::Bytes:
            scratch.clear();
            append_hex_bytes(scratch, v.str);
            pack_str(pk, scratch);
            break;
        case ValueKind::Text:
            scratch.clear();
            append_escaped_text(scratch, v.str);
            pack_str(pk, scratch);
            break;
        case ValueKind::Base64:
            scratch.clear();
            append_base64(scratch, v.str);
            pack_str(pk, scratch);
            break;
        case ValueKind::Msgpack:
            // Already msgpack (checked when decoded): carried as it is, so
            // Fluent Bit receives the original value, binary and ext included.
            if (v.count != 1) pk.pack_array(v.count);
            stream.write(v.str.data(), v.str.size());
            break;
    }
}

class ForwardTransport final : public Transport {
  public:
    explicit ForwardTransport(const ForwardConfig& config)
        : config_(config), rng_(std::random_device{}()) {}

    void encode(const Record& record, std::string_view& key, std::string_view& body) override {
        expand_tag(tag_, config_.tag, record.event_type());
        entry_.clear();
        encode_forward_entry(record, config_.time_as_integer, entry_);
        key = tag_;
        body = entry_;
    }

    Delivery deliver(std::span<const RecordQueue::Entry> batch, net::Deadline deadline) override {
        Delivery d;
        // A peer that closed since the last send: reconnect before writing
        // into a dead connection (which would lose that write silently).
        if (sock_.valid() && net::peer_closed(sock_)) sock_.close();
        if (!sock_.valid()) {
            auto s = config_.unix_path.empty()
                         ? net::connect_tcp(config_.host, config_.port, deadline)
                         : net::connect_unix(config_.unix_path, deadline);
            if (!s) {
                d.error = s.error();
                return d;
            }
            sock_ = std::move(*s);
            acks_.clear();
        }
        build_messages(batch);
        if (Status st = net::send_all(sock_, out_, deadline); !st) {
            d.error = st;
            return d;
        }
        if (!config_.require_ack) {
            d.sent = batch.size();
            return d;
        }
        return await_acks(deadline);
    }

    void disconnect() override { sock_.close(); }

  private:
    struct Message {
        size_t entries = 0;
        std::string chunk;
        bool acked = false;
    };

    void build_messages(std::span<const RecordQueue::Entry> batch) {
        out_.clear();
        messages_.clear();
        StringStream stream{&out_};
        Packer pk(stream);
        size_t i = 0;
        while (i < batch.size()) {
            size_t j = i + 1;
            while (j < batch.size() && batch[j].key == batch[i].key)
                ++j;
            Message m;
            m.entries = j - i;
            bool options = config_.require_ack || config_.send_options;
            pk.pack_array(options ? 3 : 2);
            pack_str(pk, batch[i].key);
            pk.pack_array(static_cast<uint32_t>(m.entries));
            for (size_t k = i; k < j; ++k)
                out_.append(batch[k].body);
            if (options) {
                pk.pack_map(config_.require_ack ? 2 : 1);
                pack_str(pk, "size");
                pk.pack_uint64(m.entries);
                if (config_.require_ack) {
                    std::array<char, 16> id{};
                    for (size_t b = 0; b < id.size(); b += 8) {
                        uint64_t r = rng_();
                        std::memcpy(id.data() + b, &r, 8);
                    }
                    append_base64(m.chunk, {id.data(), id.size()});
                    pack_str(pk, "chunk");
                    pack_str(pk, m.chunk);
                }
            }
            messages_.push_back(std::move(m));
            i = j;
        }
    }

    // Reads {"ack": id} answers until every message is acknowledged or the
    // deadline passes; delivered = the entries of the leading acknowledged messages.
    Delivery await_acks(net::Deadline deadline) {
        Delivery d;
        size_t pending = messages_.size();
        while (pending > 0) {
            std::array<char, 4096> buf{};
            auto n = net::recv_some(sock_, buf.data(), buf.size(), deadline);
            if (!n || *n == 0) {
                d.error = n ? make_error("connection closed before the acknowledgement")
                            : make_error("waiting for an acknowledgement: {}", n.error().message);
                break;
            }
            acks_.append(buf.data(), *n);
            size_t used = 0;
            try {
                while (used < acks_.size()) {
                    size_t off = used;
                    msgpack::object_handle oh = msgpack::unpack(acks_.data(), acks_.size(), off);
                    used = off;
                    std::string_view ack = ack_of(oh.get());
                    for (Message& m : messages_) {
                        if (!m.acked && m.chunk == ack) {
                            m.acked = true;
                            --pending;
                            break;
                        }
                    }
                }
            } catch (const msgpack::insufficient_bytes&) {
                // The rest of an answer is still on its way.
            } catch (const msgpack::unpack_error& e) {
                d.error = make_error("malformed acknowledgement: {}", e.what());
                break;
            }
            acks_.erase(0, used);
        }
        for (const Message& m : messages_) {
            if (!m.acked) break;
            d.sent += m.entries;
        }
        return d;
    }

    static std::string_view ack_of(const msgpack::object& o) {
        if (o.type != msgpack::type::MAP) return {};
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
            const msgpack::object_kv& kv = o.via.map.ptr[i];
            if (kv.key.type == msgpack::type::STR && kv.val.type == msgpack::type::STR &&
                std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == "ack") {
                return {kv.val.via.str.ptr, kv.val.via.str.size};
            }
        }
        return {};
    }

    ForwardConfig config_;
    // Event loop thread.
    std::string tag_;
    std::string entry_;
    // I/O thread.
    net::Socket sock_;
    std::string out_;
    std::vector<Message> messages_;
    std::mt19937_64 rng_;
    std::string acks_;  // received bytes not yet decoded
};

}  // namespace

std::string ForwardConfig::target() const {
    if (!unix_path.empty()) return "unix:" + unix_path;
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

void encode_forward_entry(const Record& record, bool time_as_integer, std::string& out) {
    StringStream stream{&out};
    Packer pk(stream);
    std::string scratch;
    pk.pack_array(2);
    pack_event_time(pk, record.time_ns(), time_as_integer);
    pk.pack_map(static_cast<uint32_t>(record.fields().size()));
    for (const Field& f : record.fields()) {
        pack_str(pk, f.name);
        pack_value(pk, stream, f.value, scratch);
    }
}

std::unique_ptr<Sink> make_forward_sink(std::string name, const ForwardConfig& config) {
    return std::make_unique<QueuedSink>(std::move(name), config.target(), config.queue,
                                        std::make_unique<ForwardTransport>(config));
}

}  // namespace probelog
