#include "control/ctl_request.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <utility>

namespace probelog::control {
namespace {

constexpr std::array<std::pair<CtlVerb, std::string_view>, 7> kVerbs{{
    {CtlVerb::List, "list"},
    {CtlVerb::Stats, "stats"},
    {CtlVerb::Add, "add"},
    {CtlVerb::Remove, "remove"},
    {CtlVerb::Enable, "enable"},
    {CtlVerb::Disable, "disable"},
    {CtlVerb::Xdp, "xdp"},
}};

// The string member `key`, empty if absent; an error if not a string.
Result<std::string> string_member(const rapidjson::Value& doc, const char* key) {
    auto it = doc.FindMember(key);
    if (it == doc.MemberEnd()) return std::string();
    if (!it->value.IsString()) return make_error("request member '{}' is not a string", key);
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

std::string_view verb_name(CtlVerb verb) {
    for (const auto& [v, name] : kVerbs) {
        if (v == verb) return name;
    }
    return "?";
}

std::string encode_request(const CtlRequest& request) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("verb");
    std::string_view verb = verb_name(request.verb);
    w.String(verb.data(), static_cast<rapidjson::SizeType>(verb.size()));
    if (!request.spec.empty()) {
        w.Key("spec");
        w.String(request.spec.data(), static_cast<rapidjson::SizeType>(request.spec.size()));
    }
    if (!request.name.empty()) {
        w.Key("name");
        w.String(request.name.data(), static_cast<rapidjson::SizeType>(request.name.size()));
    }
    if (!request.args.empty()) {
        w.Key("args");
        w.StartArray();
        for (const std::string& a : request.args)
            w.String(a.data(), static_cast<rapidjson::SizeType>(a.size()));
        w.EndArray();
    }
    if (request.json) {
        w.Key("json");
        w.Bool(true);
    }
    if (request.replace) {
        w.Key("replace");
        w.Bool(true);
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

Result<CtlRequest> decode_request(std::string_view line) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return make_error("the request is not a JSON object (use probelog ctl)");
    }
    auto verb = string_member(doc, "verb");
    if (!verb) return verb.error();
    CtlRequest req;
    bool known = false;
    for (const auto& [v, name] : kVerbs) {
        if (name == *verb) {
            req.verb = v;
            known = true;
        }
    }
    if (!known) {
        return make_error(
            "unknown command '{}' (expected list, stats, add, remove, enable, disable or xdp)",
            verb->substr(0, 32));
    }
    auto spec = string_member(doc, "spec");
    if (!spec) return spec.error();
    auto name = string_member(doc, "name");
    if (!name) return name.error();
    req.spec = std::move(*spec);
    req.name = std::move(*name);
    if (auto it = doc.FindMember("args"); it != doc.MemberEnd()) {
        if (!it->value.IsArray()) return make_error("request member 'args' is not a list");
        for (const auto& a : it->value.GetArray()) {
            if (!a.IsString()) return make_error("request member 'args' holds a non-string");
            req.args.emplace_back(a.GetString(), a.GetStringLength());
        }
    }
    if (auto it = doc.FindMember("json"); it != doc.MemberEnd()) req.json = it->value.IsTrue();
    if (auto it = doc.FindMember("replace"); it != doc.MemberEnd()) {
        req.replace = it->value.IsTrue();
    }
    switch (req.verb) {
        case CtlVerb::Add:
            if (req.spec.empty()) return make_error("add: expected a probe spec");
            if (req.replace && req.name.empty()) {
                return make_error("add --replace: name the probe to replace (--name NAME)");
            }
            break;
        case CtlVerb::Remove:
        case CtlVerb::Enable:
        case CtlVerb::Disable:
            if (req.name.empty()) {
                return make_error(
                    "{}: expected the name of a probe or trace (see probelog ctl "
                    "list)",
                    verb_name(req.verb));
            }
            break;
        case CtlVerb::Xdp:
            if (req.args.empty()) return make_error("xdp: expected block, unblock, list or stats");
            break;
        default:
            break;
    }
    return req;
}

}  // namespace probelog::control
