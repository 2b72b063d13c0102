#include "containers/runtime_api.hpp"

#include <httplib.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace probelog::containers {

namespace {

std::string_view string_member(const rapidjson::Value& obj, const char* name) {
    if (!obj.IsObject()) return {};
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

const rapidjson::Value* object_member(const rapidjson::Value& obj, const char* name) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(name);
    return it != obj.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

}  // namespace

bool parse_inspect(std::string_view json, ContainerInfo& info) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject() || string_member(doc, "Id").empty()) return false;
    std::string_view name = string_member(doc, "Name");
    if (name.starts_with('/')) name.remove_prefix(1);  // Docker's "/web"
    if (!name.empty()) info.name = name;
    if (const rapidjson::Value* config = object_member(doc, "Config")) {
        // The image as the user named it; "Image" at the top is its sha256 id.
        std::string_view image = string_member(*config, "Image");
        if (!image.empty()) info.image = image;
        if (const rapidjson::Value* labels = object_member(*config, "Labels")) {
            auto set = [&](std::string& field, const char* label) {
                std::string_view v = string_member(*labels, label);
                if (!v.empty()) field = v;
            };
            set(info.pod_name, "io.kubernetes.pod.name");
            set(info.pod_namespace, "io.kubernetes.pod.namespace");
            set(info.pod_uid, "io.kubernetes.pod.uid");
        }
    }
    return true;
}

std::vector<std::string> sockets_for(std::string_view runtime) {
    // containerd and cri-o speak CRI (gRPC), not this API.
    if (!runtime.empty() && runtime != "docker" && runtime != "podman") return {};
    std::vector<std::string> podman = {"/run/podman/podman.sock"};
    std::vector<std::string> docker = {"/var/run/docker.sock", "/run/docker.sock"};
    // The container's own runtime first; the other one too (a podman container
    // may be served by the docker-compatible socket, and the runtime of a
    // kubepods cgroupfs path is not known).
    std::vector<std::string> out = runtime == "docker" ? docker : podman;
    const std::vector<std::string>& other = runtime == "docker" ? podman : docker;
    out.insert(out.end(), other.begin(), other.end());
    return out;
}

Status RuntimeApi::describe(ContainerInfo& info) {
    std::vector<std::string> sockets = sockets_.empty() ? sockets_for(info.runtime) : sockets_;
    Status last = make_error(ErrorKind::NotFound, "no container runtime API socket to ask about {}",
                             info.id.substr(0, 12));
    for (const std::string& socket : sockets) {
        struct stat st {};
        if (::stat(socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        auto now = std::chrono::steady_clock::now();
        if (auto down = down_until_.find(socket); down != down_until_.end()) {
            if (now < down->second) continue;
            down_until_.erase(down);
        }
        last = ask(socket, info);
        if (last) return last;
        // No answer at all (as opposed to an HTTP error): rest this socket.
        if (last.error().kind == ErrorKind::Resource) down_until_[socket] = now + kRetryAfter;
    }
    return last;
}

Status RuntimeApi::ask(const std::string& socket, ContainerInfo& info) const {
    httplib::Client client(socket, 80);
    client.set_address_family(AF_UNIX);
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout_);
    auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout_ - secs);
    client.set_connection_timeout(secs.count(), usecs.count());
    client.set_read_timeout(secs.count(), usecs.count());
    client.set_write_timeout(secs.count(), usecs.count());
    // httplib would send the socket path as the Host, which the API rejects.
    auto res =
        client.Get("/containers/" + info.id + "/json", httplib::Headers{{"Host", "localhost"}});
    if (!res) {
        // Resource: the socket gave no answer (refused, timed out, cut off).
        return make_error(ErrorKind::Resource, "container runtime at {}: {}", socket,
                          httplib::to_string(res.error()));
    }
    if (res->status != 200) {
        return make_error(res->status == 404 ? ErrorKind::NotFound : ErrorKind::Failed,
                          "container runtime at {}: HTTP {} for container {}", socket, res->status,
                          info.id.substr(0, 12));
    }
    if (!parse_inspect(res->body, info)) {
        return make_error("container runtime at {}: not a container's description", socket);
    }
    return {};
}

}  // namespace probelog::containers
