#include "containers/enricher.hpp"

namespace probelog::containers {

Enricher::Enricher(std::unique_ptr<Resolver> resolver)
    : resolver_(std::move(resolver)), worker_([this] { run(); }) {}

Enricher::~Enricher() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_one();
    worker_.join();
}

void Enricher::enrich(uint64_t cgroup_id, uint32_t ns_pid, Record& r) {
    if (answers_ready_.load(std::memory_order_acquire)) adopt_answers();
    auto it = cache_.find(cgroup_id);
    if (it == cache_.end()) {
        // First sight of this cgroup: ask the worker, send this record as it is.
        // (The one allocation is per cgroup, not per record.)
        cache_.emplace(cgroup_id, Entry{});
        ++stats_.lookups;
        ++stats_.without_yet;
        {
            std::lock_guard lock(mu_);  // the worker holds it only to swap vectors
            requests_.push_back(cgroup_id);
            ++in_flight_;
        }
        wake_.notify_one();
        return;
    }
    const Entry& e = it->second;
    if (e.state == State::Pending) ++stats_.without_yet;
    if (e.state != State::Container) return;
    const ContainerInfo& c = e.info;
    // The terminal table shows the container by name (by id until it has
    // one) and the pod; the rest is for the structured outputs.
    if (!c.id.empty()) r.add_str("container_id", c.id, c.name.empty() ? kFieldNone : kHideInTable);
    if (!c.runtime.empty()) r.add_str("container_runtime", c.runtime, kHideInTable);
    if (!c.name.empty()) r.add_str("container_name", c.name);
    if (!c.image.empty()) r.add_str("container_image", c.image, kHideInTable);
    if (!c.pod_name.empty()) r.add_str("pod_name", c.pod_name);
    if (!c.pod_namespace.empty()) r.add_str("pod_namespace", c.pod_namespace);
    if (!c.pod_uid.empty()) r.add_str("pod_uid", c.pod_uid, kHideInTable);
    if (ns_pid != 0) r.add_uint("ns_pid", ns_pid, kHideInTable);
}

void Enricher::prefetch(const std::vector<uint64_t>& ids) {
    {
        std::lock_guard lock(mu_);
        for (uint64_t id : ids) {
            if (!cache_.emplace(id, Entry{}).second) continue;
            ++stats_.lookups;
            requests_.push_back(id);
            ++in_flight_;
        }
    }
    wake_.notify_one();
}

void Enricher::adopt_answers() {
    std::vector<Answer> answers;
    {
        // Never wait for the worker: if it holds the lock, take them next time.
        std::unique_lock lock(mu_, std::try_to_lock);
        if (!lock.owns_lock()) return;
        answers.swap(answers_);
        answers_ready_.store(false, std::memory_order_relaxed);
    }
    for (Answer& a : answers) {
        if (a.gone) {
            // Dropped after the grace period (poll): its last records may
            // still be in the ring buffer.
            if (cache_.contains(a.cgroup_id))
                gone_.push_back(Gone{a.cgroup_id, std::chrono::steady_clock::now()});
            continue;
        }
        Entry& e = cache_[a.cgroup_id];
        if (a.info) {
            if (e.state != State::Container) ++stats_.containers;
            e.state = State::Container;
            e.info = std::move(*a.info);
            if (on_container_) on_container_(a.cgroup_id, e.info);
        } else {
            e.state = State::Host;
        }
    }
}

void Enricher::poll(std::chrono::steady_clock::duration grace) {
    if (answers_ready_.load(std::memory_order_acquire)) adopt_answers();
    if (gone_.empty()) return;
    auto cutoff = std::chrono::steady_clock::now() - grace;
    size_t kept = 0;
    for (const Gone& g : gone_) {
        if (g.at > cutoff) {
            gone_[kept++] = g;
            continue;
        }
        auto it = cache_.find(g.cgroup_id);
        if (it == cache_.end()) continue;
        bool container = it->second.state == State::Container;
        cache_.erase(it);
        if (container && on_gone_) on_gone_(g.cgroup_id);
    }
    gone_.resize(kept);
}

void Enricher::wait_idle() {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return in_flight_ == 0; });
    lock.unlock();
    // Only this thread adopts; the worker is idle, so the lock is free.
    while (answers_ready_.load(std::memory_order_acquire))
        adopt_answers();
}

void Enricher::watch(std::chrono::milliseconds interval) {
    {
        std::lock_guard lock(mu_);
        watch_interval_ = interval;
    }
    wake_.notify_one();
}

void Enricher::run() {
    std::vector<uint64_t> ids;
    for (;;) {
        bool discover = false;
        {
            std::unique_lock lock(mu_);
            auto ready = [this] { return stop_ || !requests_.empty(); };
            if (watch_interval_.count() > 0) {
                discover = !wake_.wait_for(lock, watch_interval_, ready);
            } else {
                // watch() ends this wait: the next round waits with its interval.
                wake_.wait(lock, [&] { return ready() || watch_interval_.count() > 0; });
            }
            if (stop_) return;
            ids.clear();
            ids.swap(requests_);
        }
        size_t counted = ids.size();  // the discovered ones were never in flight
        if (discover) {
            std::vector<uint64_t> gone;
            std::vector<uint64_t> found = resolver_->discover(gone);
            ids.insert(ids.end(), found.begin(), found.end());
            if (!gone.empty()) {
                std::vector<Answer> batch;
                batch.reserve(gone.size());
                for (uint64_t id : gone)
                    batch.push_back(Answer{id, std::nullopt, true});
                post(std::move(batch), 0);
            }
        }
        if (!ids.empty()) process(ids, counted);
    }
}

void Enricher::process(const std::vector<uint64_t>& ids, size_t counted) {
    std::vector<std::optional<ContainerInfo>> found;
    resolver_->resolve(ids, found);
    found.resize(ids.size());
    // What the cgroup paths say goes out first; names may take the runtime a while.
    std::vector<Answer> batch;
    std::vector<size_t> named;
    for (size_t i = 0; i < ids.size(); ++i) {
        batch.push_back(Answer{ids[i], found[i]});
        if (found[i] && !found[i]->id.empty()) named.push_back(i);
    }
    post(std::move(batch), named.empty() ? counted : 0);
    if (named.empty()) return;
    batch = {};
    for (size_t i : named) {
        if (resolver_->describe(*found[i])) batch.push_back(Answer{ids[i], found[i]});
    }
    post(std::move(batch), counted);
}

void Enricher::post(std::vector<Answer>&& batch, size_t done) {
    {
        std::lock_guard lock(mu_);
        for (Answer& a : batch)
            answers_.push_back(std::move(a));
        answers_ready_.store(true, std::memory_order_release);
        in_flight_ -= done;
    }
    if (done != 0) idle_.notify_all();
}

}  // namespace probelog::containers
