#include "containers/oci_bundle.hpp"

#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace probelog::containers {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = 4u << 20;

struct AnnotationKeys {
    const char* name;
    const char* image;
    const char* pod_name;
    const char* pod_namespace;
    const char* pod_uid;
};

// containerd's CRI plugin, then cri-o (and the kubelet's labels it copies).
constexpr AnnotationKeys kKeySets[] = {
    {"io.kubernetes.cri.container-name", "io.kubernetes.cri.image-name",
     "io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.sandbox-namespace",
     "io.kubernetes.cri.sandbox-uid"},
    {"io.kubernetes.container.name", "io.kubernetes.cri-o.ImageName", "io.kubernetes.pod.name",
     "io.kubernetes.pod.namespace", "io.kubernetes.pod.uid"},
};

void fill(std::string& field, const rapidjson::Value& annotations, const char* key) {
    if (!field.empty()) return;
    auto it = annotations.FindMember(key);
    if (it != annotations.MemberEnd() && it->value.IsString())
        field.assign(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

bool parse_bundle_annotations(std::string_view config_json, ContainerInfo& info) {
    rapidjson::Document doc;
    doc.Parse(config_json.data(), config_json.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    auto it = doc.FindMember("annotations");
    if (it == doc.MemberEnd() || !it->value.IsObject()) return false;
    for (const AnnotationKeys& keys : kKeySets) {
        fill(info.name, it->value, keys.name);
        fill(info.image, it->value, keys.image);
        fill(info.pod_name, it->value, keys.pod_name);
        fill(info.pod_namespace, it->value, keys.pod_namespace);
        fill(info.pod_uid, it->value, keys.pod_uid);
    }
    return true;
}

std::vector<std::string> bundle_config_candidates(std::string_view id, const std::string& root) {
    std::vector<std::string> out;
    std::string name(id);
    std::error_code ec;
    // containerd (and docker through it): one directory per namespace.
    std::string tasks = root + "/run/containerd/io.containerd.runtime.v2.task";
    for (const auto& ns : std::filesystem::directory_iterator(tasks, ec))
        out.push_back(ns.path().string() + "/" + name + "/config.json");
    for (const char* storage : {"/run/containers/storage", "/var/lib/containers/storage"})
        out.push_back(root + storage + "/overlay-containers/" + name + "/userdata/config.json");
    return out;
}

bool describe_from_bundle(ContainerInfo& info, const std::string& root) {
    if (info.id.empty()) return false;
    for (const std::string& path : bundle_config_candidates(info.id, root)) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) continue;
        if (std::filesystem::file_size(path, ec) > kMaxConfigBytes || ec) continue;
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        if (parse_bundle_annotations(text.str(), info)) return true;
    }
    return false;
}

}  // namespace probelog::containers
