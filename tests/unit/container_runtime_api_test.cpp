// containers/runtime_api: the Docker Engine API's inspect answer (recorded from
// podman 4.3's compatible service, trimmed) to names, image and pod labels; and
// a socket that is not there or refuses.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "containers/runtime_api.hpp"

namespace probelog::containers {
namespace {

constexpr const char* kPodmanInspect = R"({
  "Id": "d6199720c3996a40deb15f74e3e0fae079cead918e53e59418c960fba0a069f3",
  "Created": "2026-12-07T14:10:08.920472594Z",
  "Path": "sleep",
  "Name": "/plsleeper",
  "Image": "sha256:6ad886cac25099664813afc30229b0f447c4d0f79b07567145c6908040d01e9c",
  "Config": {"Hostname": "d6199720c399", "Image": "localhost/pltest:1",
             "Labels": {"io.kubernetes.pod.name": "web-7d9f",
                        "io.kubernetes.pod.namespace": "shop",
                        "io.kubernetes.pod.uid": "8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a"},
             "Cmd": ["sleep", "30"]}
})";

TEST(ContainerRuntimeApi, InspectGivesNameImageAndPodLabels) {
    ContainerInfo info{.id = "d6199720c3996a40deb15f74e3e0fae079cead918e53e59418c960fba0a069f3",
                       .runtime = "podman"};
    ASSERT_TRUE(parse_inspect(kPodmanInspect, info));
    EXPECT_EQ(info.name, "plsleeper");  // without Docker's leading '/'
    EXPECT_EQ(info.image, "localhost/pltest:1");
    EXPECT_EQ(info.pod_name, "web-7d9f");
    EXPECT_EQ(info.pod_namespace, "shop");
    EXPECT_EQ(info.pod_uid, "8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a");
    EXPECT_EQ(info.runtime, "podman");
}

TEST(ContainerRuntimeApi, NoLabelsNoPodAndGarbageChangesNothing) {
    ContainerInfo info{.id = "x"};
    ASSERT_TRUE(parse_inspect(R"({"Id":"abc","Name":"/web","Config":{"Image":"nginx:1"}})", info));
    EXPECT_EQ(info.name, "web");
    EXPECT_EQ(info.image, "nginx:1");
    EXPECT_TRUE(info.pod_name.empty());
    ContainerInfo before = info;
    for (const char* bad : {"", "[]", "{\"message\":\"no such container\"}", "{\"Id\":", "null"}) {
        EXPECT_FALSE(parse_inspect(bad, info)) << bad;
        EXPECT_EQ(info, before) << bad;
    }
}

TEST(ContainerRuntimeApi, SocketsByRuntime) {
    EXPECT_EQ(sockets_for("podman").front(), "/run/podman/podman.sock");
    EXPECT_EQ(sockets_for("docker").front(), "/var/run/docker.sock");
    EXPECT_EQ(sockets_for("").size(), 3u);
    EXPECT_TRUE(sockets_for("containerd").empty());
}

TEST(ContainerRuntimeApi, MissingOrRefusingSocketIsAnErrorNotAWait) {
    ContainerInfo info{.id = "d6199720c3996a40deb15f74e3e0fae079cead918e53e59418c960fba0a069f3"};
    RuntimeApi api(std::chrono::milliseconds(200));
    api.set_sockets({"/nonexistent/probelog.sock"});
    Status st = api.describe(info);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ErrorKind::NotFound);

    // A socket file nobody listens on: connect() is refused at once.
    std::string path = std::filesystem::temp_directory_path() /
                       ("probelog-refuse-" + std::to_string(::getpid()) + ".sock");
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ::unlink(path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);  // bound, never listening
    api.set_sockets({path});
    st = api.describe(info);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find(path), std::string::npos) << st.error().message;
    EXPECT_EQ(st.error().kind, ErrorKind::Resource);
    EXPECT_TRUE(info.name.empty());
    // A socket that gave no answer rests: the next container does not wait on it.
    st = api.describe(info);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ErrorKind::NotFound) << st.error().message;
    ::unlink(path.c_str());
}

}  // namespace
}  // namespace probelog::containers
