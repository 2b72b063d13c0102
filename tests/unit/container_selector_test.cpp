// containers/selector: which containers --container and --containers-only keep.
#include <gtest/gtest.h>

#include "containers/selector.hpp"

namespace probelog::containers {
namespace {

const ContainerInfo kWeb{.id = "fa568557ec6c38d99766bfacdc51af86fc3cb1db0a029bcae571691d3b50ce8e",
                         .runtime = "podman",
                         .name = "web"};
const ContainerInfo kDb{.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                        .runtime = "docker",
                        .name = "db"};
const ContainerInfo kPodOnly{.pod_uid = "8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a"};

TEST(ContainerSelector, ByNameOrIdPrefix) {
    ContainerSelection by_name{.names_or_ids = {"web"}};
    EXPECT_TRUE(by_name.active());
    EXPECT_TRUE(by_name.matches(kWeb));
    EXPECT_FALSE(by_name.matches(kDb));
    EXPECT_EQ(by_name.which(kWeb), "web");

    ContainerSelection by_id{.names_or_ids = {"fa5685", "db"}};
    EXPECT_TRUE(by_id.matches(kWeb));
    EXPECT_EQ(by_id.which(kWeb), "fa5685");
    EXPECT_TRUE(by_id.matches(kDb));
    EXPECT_FALSE(by_id.matches(kPodOnly));

    ContainerSelection no_prefix_in_the_middle{.names_or_ids = {"568557"}};
    EXPECT_FALSE(no_prefix_in_the_middle.matches(kWeb));
}

TEST(ContainerSelector, ContainersOnlyKeepsEveryContainerButNoPodCgroup) {
    ContainerSelection only{.containers_only = true};
    EXPECT_TRUE(only.active());
    EXPECT_TRUE(only.matches(kWeb));
    EXPECT_TRUE(only.matches(kDb));
    EXPECT_FALSE(only.matches(kPodOnly));
    EXPECT_FALSE(ContainerSelection{}.active());
}

TEST(ContainerSelector, ValuesAreNamesOrIds) {
    EXPECT_TRUE(check_container_selector("web").ok());
    EXPECT_TRUE(check_container_selector("my_app.v2-1").ok());
    EXPECT_TRUE(check_container_selector("fa5685").ok());
    for (const char* bad : {"", "-web", ".x", "a b", "web/1", "名前"}) {
        Status st = check_container_selector(bad);
        ASSERT_FALSE(st.ok()) << bad;
        EXPECT_EQ(st.error().kind, ErrorKind::Usage);
    }
}

}  // namespace
}  // namespace probelog::containers
