// containers/enricher, cgroup_tree, path_resolver: records of container tasks
// get the container's fields once the worker has answered, never before and
// never for host tasks; the reader never waits.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "containers/cgroup_tree.hpp"
#include "containers/cgroup_watch.hpp"
#include "containers/enricher.hpp"
#include "containers/path_resolver.hpp"
#include "pipeline/record.hpp"

namespace probelog::containers {
namespace {

const std::string kId = "fa568557ec6c38d99766bfacdc51af86fc3cb1db0a029bcae571691d3b50ce8e";

// Answers from a table; can be held back to show that the reader does not wait.
class FakeResolver : public Resolver {
  public:
    explicit FakeResolver(std::map<uint64_t, ContainerInfo> table) : table_(std::move(table)) {}
    void resolve(const std::vector<uint64_t>& ids,
                 std::vector<std::optional<ContainerInfo>>& out) override {
        std::lock_guard hold(gate);  // a test holding the gate stalls the worker here
        ++calls;
        out.clear();
        for (uint64_t id : ids) {
            auto it = table_.find(id);
            out.push_back(it == table_.end() ? std::nullopt
                                             : std::optional<ContainerInfo>(it->second));
        }
    }
    std::vector<uint64_t> discover(std::vector<uint64_t>& gone) override {
        std::lock_guard hold(gate);
        gone.swap(removed);
        std::vector<uint64_t> out;
        out.swap(appeared);
        return out;
    }
    bool describe(ContainerInfo& info) override {
        if (!names) return false;
        info.name = "web";
        info.image = "localhost/pltest:1";
        return true;
    }
    std::mutex gate;
    std::atomic<int> calls{0};
    std::vector<uint64_t> appeared;  // what discover() finds next (under gate)
    std::vector<uint64_t> removed;   // and what it finds gone
    bool names = false;

  private:
    std::map<uint64_t, ContainerInfo> table_;
};

std::string str_field(const Record& r, std::string_view name) {
    const Field* f = r.find(name);
    return f == nullptr ? std::string("<none>") : std::string(f->value.str);
}

void fresh(Record& r) {
    begin_record(r, "exec", 1, 0);
    r.add_uint("pid", 42);
}

TEST(ContainerEnricher, FirstRecordGoesOutBareThenEveryRecordHasTheFields) {
    auto fake = std::make_unique<FakeResolver>(
        std::map<uint64_t, ContainerInfo>{{82, ContainerInfo{.id = kId, .runtime = "podman"}}});
    FakeResolver* resolver = fake.get();
    Enricher e(std::move(fake));
    Record r;
    {
        std::lock_guard stall(resolver->gate);
        fresh(r);
        e.enrich(82, 1, r);  // returns although the worker is stuck
        EXPECT_EQ(r.find("container_id"), nullptr);
        fresh(r);
        e.enrich(82, 1, r);
        EXPECT_EQ(r.find("container_id"), nullptr);
    }
    e.wait_idle();
    fresh(r);
    e.enrich(82, 7, r);
    EXPECT_EQ(str_field(r, "container_id"), kId);
    EXPECT_EQ(str_field(r, "container_runtime"), "podman");
    EXPECT_EQ(r.find("container_name"), nullptr);
    EXPECT_EQ(r.find("container_id")->flags, kFieldNone);  // no name: the table shows the id
    EXPECT_EQ(r.find("pod_uid"), nullptr);
    ASSERT_NE(r.find("ns_pid"), nullptr);
    EXPECT_EQ(r.find("ns_pid")->value.u, 7u);
    EXPECT_EQ(resolver->calls.load(), 1);  // asked once per cgroup
    EXPECT_EQ(e.stats().lookups, 1u);
    EXPECT_EQ(e.stats().containers, 1u);
    EXPECT_EQ(e.stats().without_yet, 2u);
}

TEST(ContainerEnricher, HostTasksGetNoFields) {
    Enricher e(std::make_unique<FakeResolver>(std::map<uint64_t, ContainerInfo>{}));
    Record r;
    fresh(r);
    e.enrich(1, 42, r);
    e.wait_idle();
    fresh(r);
    e.enrich(1, 42, r);
    ASSERT_EQ(r.fields().size(), 3u);  // time, event_type, pid: nothing added
    EXPECT_EQ(e.stats().containers, 0u);
}

TEST(ContainerEnricher, NamesFromTheRuntimeAndPods) {
    auto fake = std::make_unique<FakeResolver>(std::map<uint64_t, ContainerInfo>{
        {82, ContainerInfo{.id = kId, .runtime = "podman"}},
        {90, ContainerInfo{.pod_uid = "8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a"}}});
    fake->names = true;
    Enricher e(std::move(fake));
    e.prefetch({82, 90});
    e.wait_idle();
    Record r;
    fresh(r);
    e.enrich(82, 1, r);
    EXPECT_EQ(str_field(r, "container_name"), "web");
    EXPECT_EQ(str_field(r, "container_image"), "localhost/pltest:1");
    // The table shows the name, not the 64-digit id.
    EXPECT_EQ(r.find("container_id")->flags, kHideInTable);
    EXPECT_EQ(r.find("container_name")->flags, kFieldNone);
    fresh(r);
    e.enrich(90, 1, r);  // a pod's own cgroup: no container, not described
    EXPECT_EQ(r.find("container_id"), nullptr);
    EXPECT_EQ(r.find("container_name"), nullptr);
    EXPECT_EQ(str_field(r, "pod_uid"), "8a3c3b0e-5c1f-4b8e-9a4a-2f0d3c1e7b6a");
    EXPECT_EQ(e.stats().without_yet, 0u);  // prefetched: known from the first record
}

TEST(ContainerEnricher, RoomForTheFieldsInAFullRecord) {
    Enricher e(std::make_unique<FakeResolver>(
        std::map<uint64_t, ContainerInfo>{{82, ContainerInfo{.id = kId,
                                                             .runtime = "podman",
                                                             .name = "n",
                                                             .image = "i",
                                                             .pod_uid = "u",
                                                             .pod_name = "p",
                                                             .pod_namespace = "ns"}}}));
    e.prefetch({82});
    e.wait_idle();
    Record r;
    begin_record(r, "probe", 9, 0);
    while (!r.full())
        r.add_uint("x", 1);
    e.enrich(82, 1, r);
    EXPECT_EQ(r.fields().size(), Record::kMaxFields + Record::kEnrichmentFields);
    EXPECT_EQ(str_field(r, "container_id"), kId);
    EXPECT_NE(r.find("ns_pid"), nullptr);
}

TEST(ContainerEnricher, WatchFindsContainersWithoutAnyRecordAndTellsOnce) {
    auto fake = std::make_unique<FakeResolver>(
        std::map<uint64_t, ContainerInfo>{{82, ContainerInfo{.id = kId, .runtime = "podman"}}});
    FakeResolver* resolver = fake.get();
    fake->names = true;
    Enricher e(std::move(fake));
    std::vector<std::pair<uint64_t, std::string>> told;
    e.set_on_container([&](uint64_t id, const ContainerInfo& c) { told.emplace_back(id, c.name); });
    e.watch(std::chrono::milliseconds(5));
    {
        std::lock_guard hold(resolver->gate);
        resolver->appeared = {82, 3};  // a container and a host cgroup appear
    }
    // No record arrives (a kernel filter would drop them all): poll() adopts.
    for (int i = 0; i < 2000 && told.size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        e.poll();
    }
    // Once from the path, once more with the runtime's names.
    ASSERT_EQ(told.size(), 2u);
    EXPECT_EQ(told[0], (std::pair<uint64_t, std::string>{82, ""}));
    EXPECT_EQ(told[1], (std::pair<uint64_t, std::string>{82, "web"}));
    size_t containers = 0;
    e.for_each_container([&](uint64_t id, const ContainerInfo& c) {
        ++containers;
        EXPECT_EQ(id, 82u);
        EXPECT_EQ(c.id, kId);
    });
    EXPECT_EQ(containers, 1u);
    Record r;
    fresh(r);
    e.enrich(3, 1, r);  // the host cgroup was found too: known, no fields, no lookup
    EXPECT_EQ(r.find("container_id"), nullptr);
    EXPECT_EQ(e.stats().lookups, 0u);

    // The container's cgroup is removed: its entry stays for the grace period
    // (records of its last tasks may still be in the ring), then goes.
    std::vector<uint64_t> gone_told;
    e.set_on_gone([&](uint64_t id) { gone_told.push_back(id); });
    {
        std::lock_guard hold(resolver->gate);
        resolver->removed = {82, 3};
    }
    size_t before = e.cached();
    for (int i = 0; i < 2000 && e.cached() == before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        e.poll(std::chrono::hours(1));  // not yet
        fresh(r);
        e.enrich(82, 1, r);
        ASSERT_EQ(str_field(r, "container_id"), kId);
        e.poll(std::chrono::nanoseconds(0));  // now
    }
    EXPECT_EQ(e.cached(), before - 2);
    EXPECT_EQ(gone_told, std::vector<uint64_t>{82});  // containers only
}

// A directory tree stands in for the cgroup hierarchy: ids are inode numbers.
class CgroupTreeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("probelog-cgtree-" + std::to_string(::getpid()));
        std::filesystem::remove_all(root_);
        std::filesystem::create_directories(root_ / "libpod_parent" / ("libpod-" + kId));
        std::filesystem::create_directories(root_ / "system.slice" / "ssh.service");
        std::ofstream(root_ / "cgroup.procs") << "1\n";  // files are not cgroups
    }
    void TearDown() override { std::filesystem::remove_all(root_); }
    uint64_t ino(const std::filesystem::path& p) {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0);
        return st.st_ino;
    }
    std::filesystem::path root_;
};

TEST_F(CgroupTreeTest, WalkMapsInodesToPaths) {
    CgroupTree tree(root_.string());
    EXPECT_EQ(tree.path_of(ino(root_)), std::nullopt);  // not walked yet
    EXPECT_EQ(tree.rescan(), 5u);
    EXPECT_EQ(tree.path_of(ino(root_)), "/");
    EXPECT_EQ(tree.path_of(ino(root_ / "libpod_parent" / ("libpod-" + kId))),
              "/libpod_parent/libpod-" + kId);
    EXPECT_EQ(tree.path_of(ino(root_ / "system.slice" / "ssh.service")),
              "/system.slice/ssh.service");
    EXPECT_EQ(tree.ids().size(), 5u);
}

TEST_F(CgroupTreeTest, ResolverWalksAgainForANewCgroup) {
    PathResolver resolver(CgroupTree(root_.string()), {});
    std::filesystem::create_directories(root_ / "machine.slice" / ("libpod-" + kId + ".scope"));
    uint64_t container = ino(root_ / "machine.slice" / ("libpod-" + kId + ".scope"));
    uint64_t host = ino(root_ / "system.slice" / "ssh.service");
    std::vector<std::optional<ContainerInfo>> out;
    resolver.resolve({container, host, 999999999}, out);
    ASSERT_EQ(out.size(), 3u);
    ASSERT_TRUE(out[0].has_value());
    EXPECT_EQ(out[0]->id, kId);
    EXPECT_EQ(out[0]->runtime, "podman");
    EXPECT_FALSE(out[1].has_value());
    EXPECT_FALSE(out[2].has_value());  // gone (or never there): no fields
}

TEST_F(CgroupTreeTest, WatchReportsNewDirectoriesAndWhatIsAlreadyBelowThem) {
    auto watch = CgroupWatch::open(root_.string());
    ASSERT_TRUE(watch.ok()) << watch.error().message;
    std::vector<CgroupWatch::Created> created;
    std::vector<uint64_t> removed;
    EXPECT_TRUE(watch->take_changes(created, removed));
    EXPECT_TRUE(created.empty());  // what was there at open is not new
    EXPECT_TRUE(removed.empty());

    // A container's scope with its sub-cgroup made at once (before the watch
    // of the scope could see the second mkdir), and one in an old directory.
    std::filesystem::path scope = root_ / "machine.slice" / ("libpod-" + kId + ".scope");
    std::filesystem::create_directories(scope / "container");
    std::filesystem::create_directories(root_ / "system.slice" / "new.service");
    std::ofstream(root_ / "system.slice" / "cgroup.kill") << "";  // a file: not a cgroup
    EXPECT_TRUE(watch->take_changes(created, removed));
    std::map<std::string, uint64_t> got;
    for (const auto& c : created)
        got[c.path] = c.id;
    EXPECT_EQ(got,
              (std::map<std::string, uint64_t>{
                  {"/machine.slice", ino(root_ / "machine.slice")},
                  {"/machine.slice/libpod-" + kId + ".scope", ino(scope)},
                  {"/machine.slice/libpod-" + kId + ".scope/container", ino(scope / "container")},
                  {"/system.slice/new.service", ino(root_ / "system.slice" / "new.service")},
              }));
    // Later ones below a new directory are watched too.
    created.clear();
    std::filesystem::create_directories(scope / "container" / "inner");
    EXPECT_TRUE(watch->take_changes(created, removed));
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].path, "/machine.slice/libpod-" + kId + ".scope/container/inner");

    // Removals, by id: one made since open, and one that was there at open.
    uint64_t inner = created[0].id;
    uint64_t ssh = ino(root_ / "system.slice" / "ssh.service");
    std::filesystem::remove(scope / "container" / "inner");
    std::filesystem::remove(root_ / "system.slice" / "ssh.service");
    created.clear();
    EXPECT_TRUE(watch->take_changes(created, removed));
    EXPECT_TRUE(created.empty());
    std::sort(removed.begin(), removed.end());
    std::vector<uint64_t> want{inner, ssh};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(removed, want);
}

TEST_F(CgroupTreeTest, ResolverDiscoversThroughTheWatch) {
    auto watch = CgroupWatch::open(root_.string());
    ASSERT_TRUE(watch.ok()) << watch.error().message;
    CgroupTree tree(root_.string());
    tree.rescan();
    PathResolver resolver(std::move(tree), {}, std::move(*watch));
    std::vector<uint64_t> gone;
    EXPECT_TRUE(resolver.discover(gone).empty());
    std::filesystem::path scope = root_ / ("libpod-" + kId);
    std::filesystem::create_directories(scope);
    uint64_t ino_of_scope = ino(scope);
    std::vector<uint64_t> fresh = resolver.discover(gone);
    ASSERT_EQ(fresh, std::vector<uint64_t>{ino(scope)});
    std::vector<std::optional<ContainerInfo>> out;
    resolver.resolve(fresh, out);  // known from the watch: no walk needed
    ASSERT_TRUE(out[0].has_value());
    EXPECT_EQ(out[0]->id, kId);
    EXPECT_TRUE(resolver.discover(gone).empty());  // reported once
    std::filesystem::remove(scope);
    EXPECT_TRUE(resolver.discover(gone).empty());
    EXPECT_EQ(gone, std::vector<uint64_t>{ino_of_scope});
}

TEST(CgroupMount, UnifiedHybridAndNone) {
    EXPECT_EQ(*find_cgroup2_mount("sysfs /sys sysfs rw 0 0\n"
                                  "cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n"),
              "/sys/fs/cgroup");
    // This machine's hybrid layout.
    EXPECT_EQ(*find_cgroup2_mount("tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
                                  "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
                                  "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"),
              "/sys/fs/cgroup/unified");
    auto none = find_cgroup2_mount("cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().kind, ErrorKind::Unsupported);
}

TEST(CgroupMount, V1MemoryControllerWhereThereIsNoV2) {
    constexpr const char* kHybrid =
        "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
        "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
    auto v2 = find_cgroup_root(kHybrid);
    ASSERT_TRUE(v2.ok());
    EXPECT_EQ(v2->path, "/sys/fs/cgroup/unified");
    EXPECT_FALSE(v2->v1_memory);
    auto forced = find_cgroup_root(kHybrid, true);
    ASSERT_TRUE(forced.ok());
    EXPECT_EQ(forced->path, "/sys/fs/cgroup/memory");
    EXPECT_TRUE(forced->v1_memory);
    // v1 only, memory mounted with another controller.
    auto v1 = find_cgroup_root(
        "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
        "cgroup /sys/fs/cgroup/mem cgroup rw,memory,hugetlb 0 0\n");
    ASSERT_TRUE(v1.ok());
    EXPECT_EQ(v1->path, "/sys/fs/cgroup/mem");
    EXPECT_TRUE(v1->v1_memory);
    auto none = find_cgroup_root("cgroup /sys/fs/cgroup/cpu cgroup rw,memoryx,cpu 0 0\n");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().kind, ErrorKind::Unsupported);
}

}  // namespace
}  // namespace probelog::containers
