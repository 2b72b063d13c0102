#pragma once
// Names, images and pod labels from a container runtime's Docker Engine API
// (Docker's /var/run/docker.sock, podman's compatible service at
// /run/podman/podman.sock): GET /containers/<id>/json over the unix socket.
// Blocking, with short timeouts: only on the Enricher's worker thread.

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "containers/container_info.hpp"

namespace probelog::containers {

// Fills name, image and the Kubernetes pod labels (io.kubernetes.pod.name,
// .namespace, .uid) of `info` from an inspect answer. False if the text is not
// a container's inspect JSON; then `info` is unchanged.
bool parse_inspect(std::string_view json, ContainerInfo& info);

// The sockets to ask, in order, for a container of `runtime` (empty: unknown).
std::vector<std::string> sockets_for(std::string_view runtime);

class RuntimeApi {
  public:
    explicit RuntimeApi(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000))
        : timeout_(timeout) {}
    // Only these sockets, whatever the runtime (tests; --container-socket).
    void set_sockets(std::vector<std::string> sockets) { sockets_ = std::move(sockets); }

    // Asks the runtime about `info.id` and fills what it says. A socket that is
    // not there, refuses or does not know the id is skipped; the error of the
    // last one tried comes back if none answered. A socket that did not answer
    // at all (refused, timed out) is not asked again for kRetryAfter, so that
    // a hung runtime costs one timeout, not one per container.
    Status describe(ContainerInfo& info);

    static constexpr std::chrono::seconds kRetryAfter{30};

  private:
    Status ask(const std::string& socket, ContainerInfo& info) const;

    std::chrono::milliseconds timeout_;
    std::vector<std::string> sockets_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> down_until_;
};

}  // namespace probelog::containers
