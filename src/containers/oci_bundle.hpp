#pragma once
// Names, images and pods from a container's OCI bundle: the config.json that
// every runtime hands its OCI runtime (runc, crun) carries the Kubernetes
// annotations that containerd's and cri-o's CRI put there. containerd speaks
// only gRPC, and any runtime's API may be down: the bundle is a file, read
// off the hot path (the Enricher's worker), once per container.

#include <string>
#include <string_view>
#include <vector>

#include "containers/container_info.hpp"

namespace probelog::containers {

// Fills the fields of `info` that are still empty from a bundle's config.json
// annotations: containerd's CRI (io.kubernetes.cri.container-name,
// .image-name, .sandbox-name, .sandbox-namespace, .sandbox-uid) and cri-o's
// (io.kubernetes.container.name, io.kubernetes.cri-o.ImageName,
// io.kubernetes.pod.name, .namespace, .uid). False if the text is not an OCI
// config with annotations; `info` is then unchanged.
bool parse_bundle_annotations(std::string_view config_json, ContainerInfo& info);

// Where the config.json of container `id` may be, under `root` ("" for the
// host's /): containerd's task bundles (every namespace: k8s.io, moby, ...),
// cri-o's and podman's userdata (run and lib roots).
std::vector<std::string> bundle_config_candidates(std::string_view id,
                                                  const std::string& root = "");

// parse_bundle_annotations on the first candidate that exists (files over
// 4 MiB are not read). False if none was found or none parsed.
bool describe_from_bundle(ContainerInfo& info, const std::string& root = "");

}  // namespace probelog::containers
