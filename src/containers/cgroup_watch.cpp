#include "containers/cgroup_watch.hpp"

#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace probelog::containers {

namespace {

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_ONLYDIR;

}  // namespace

Result<CgroupWatch> CgroupWatch::open(const std::string& root) {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return errno_error(errno, "inotify_init1: {}", std::strerror(errno));
    CgroupWatch watch(root, fd);
    int root_wd = ::inotify_add_watch(fd, root.c_str(), kMask);
    if (root_wd < 0) {
        return errno_error(errno, "cannot watch {} for new cgroups: {}", root,
                           std::strerror(errno));
    }
    watch.dirs_[root_wd] = "";
    // Below the root: everything there is now (not reported: a walk finds it).
    std::vector<std::string> stack{""};
    while (!stack.empty()) {
        std::string rel = std::move(stack.back());
        stack.pop_back();
        DIR* d = ::opendir((root + rel).c_str());
        if (d == nullptr) continue;
        while (const dirent* e = ::readdir(d)) {
            if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
            std::string child = rel + "/" + e->d_name;
            int wd = ::inotify_add_watch(fd, (root + child).c_str(), kMask);
            if (wd >= 0) watch.dirs_[wd] = child;
            watch.ids_[child] = e->d_ino;
            stack.push_back(std::move(child));
        }
        ::closedir(d);
    }
    return watch;
}

CgroupWatch::CgroupWatch(CgroupWatch&& other) noexcept
    : root_(std::move(other.root_)),
      fd_(other.fd_),
      dirs_(std::move(other.dirs_)),
      ids_(std::move(other.ids_)) {
    other.fd_ = -1;
}

CgroupWatch& CgroupWatch::operator=(CgroupWatch&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        root_ = std::move(other.root_);
        fd_ = other.fd_;
        dirs_ = std::move(other.dirs_);
        ids_ = std::move(other.ids_);
        other.fd_ = -1;
    }
    return *this;
}

CgroupWatch::~CgroupWatch() {
    if (fd_ >= 0) ::close(fd_);
}

void CgroupWatch::add_tree(const std::string& rel, std::vector<Created>* out) {
    std::string full = root_ + rel;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;  // gone already
    // Watch first, then list: a directory made in between is seen either way.
    int wd = ::inotify_add_watch(fd_, full.c_str(), kMask);
    if (wd >= 0) dirs_[wd] = rel;
    ids_[rel] = st.st_ino;
    out->push_back(Created{st.st_ino, rel});
    DIR* d = ::opendir(full.c_str());
    if (d == nullptr) return;
    std::vector<std::string> below;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_type == DT_DIR && e->d_name[0] != '.') below.push_back(rel + "/" + e->d_name);
    }
    ::closedir(d);
    for (const std::string& child : below)
        add_tree(child, out);
}

bool CgroupWatch::take_changes(std::vector<Created>& out, std::vector<uint64_t>& removed) {
    alignas(inotify_event) std::array<char, 16384> buf{};
    bool complete = true;
    for (;;) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n <= 0) break;  // EAGAIN: nothing more
        for (ssize_t at = 0; at < n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + at);
            at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            if ((ev->mask & IN_Q_OVERFLOW) != 0) complete = false;
            if ((ev->mask & IN_IGNORED) != 0) dirs_.erase(ev->wd);  // the directory is gone
            if ((ev->mask & IN_ISDIR) == 0 || ev->len == 0) continue;
            auto dir = dirs_.find(ev->wd);
            if (dir == dirs_.end()) continue;
            std::string rel = dir->second + "/" + ev->name;
            if ((ev->mask & IN_CREATE) != 0) {
                add_tree(rel, &out);
            } else if ((ev->mask & IN_DELETE) != 0) {
                // A cgroup is removed only when empty, so children go first.
                auto id = ids_.find(rel);
                if (id == ids_.end()) continue;
                removed.push_back(id->second);
                ids_.erase(id);
            }
        }
    }
    return complete;
}

}  // namespace probelog::containers
