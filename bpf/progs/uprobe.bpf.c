/*
 * uprobe: the one generic program pair behind every --probe.
 *
 * pl_probe_entry runs at a probed address (a uprobe), pl_probe_return where the
 * call returns (a uretprobe for C; for Go, a plain uprobe on each RET
 * instruction). Both find their probe's struct pl_probe_config (schema/probe.h)
 * by the attach cookie and do what it says: read value slots from registers or
 * the stack, capture strings and buffers from user memory, pair entry and
 * return in probe_calls, and emit one pl_probe_event per record.
 *
 * Slots are read in a bpf_loop callback: the verifier checks it once, whatever
 * the number of slots.
 */
#include "pl/common.bpf.h"
#include "probe.h"

#define EVENT_FIXED_SIZE __builtin_offsetof(struct pl_probe_event, data)

PL_STATIC_ASSERT(sizeof(struct pt_regs) == PL_REG_COUNT * 8, "pt_regs is not 21 registers");
PL_STATIC_ASSERT(__builtin_offsetof(struct pt_regs, sp) == PL_REG_RSP * 8, "pt_regs.sp moved");
PL_STATIC_ASSERT(__builtin_offsetof(struct pt_regs, di) == PL_REG_RDI * 8, "pt_regs.di moved");
PL_STATIC_ASSERT(__builtin_offsetof(struct pt_regs, ax) == PL_REG_RAX * 8, "pt_regs.ax moved");
PL_STATIC_ASSERT((PL_PROBE_DATA_MAX & (PL_PROBE_DATA_MAX - 1)) == 0, "DATA_MAX: a power of two");

/* Written by user space after load, before any attachment; read-only here. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PL_PROBE_CONFIG_MAX);
    __uint(map_flags, BPF_F_RDONLY_PROG);
    __type(key, __u32);
    __type(value, struct pl_probe_config);
} pl_probe_configs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_probe_event);
} probe_scratch SEC(".maps");

/* The event without data[]. */
struct probe_event_head {
    char bytes[EVENT_FIXED_SIZE];
};

/* Calls in flight whose entry captured no bytes: the event's fixed part (in
 * split mode only its entry time is used). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct pl_probe_call_key);
    __type(value, struct probe_event_head);
} probe_calls SEC(".maps");

/* Calls in flight in call mode whose probe captures bytes: the whole event. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct pl_probe_call_key);
    __type(value, struct pl_probe_event);
} probe_calls_data SEC(".maps");

/* The state of one pass over slots, shared with the bpf_loop callbacks. */
struct capture {
    __u64 regs[PL_REG_COUNT]; /* the registers at the probe site */
    const struct pl_probe_config* cfg;
    struct pl_probe_event* e;
    __u32 first; /* the first slot of this pass */
    __u32 used;  /* bytes of e->data[] used */
    __u8 retry;  /* a capture faulted */
};

static __always_inline __u64 read_loc(const struct pl_probe_loc* loc, const struct capture* c,
                                      __u8* flags) {
    __u8 kind = loc->kind;
    if (kind == PL_LOC_REG) {
        __u32 r = loc->reg;
        if (r >= PL_REG_COUNT) return 0;
        return c->regs[r];
    }
    if (kind == PL_LOC_STACK) {
        __u64 v = 0;
        const void* at = (const void*)(c->regs[PL_REG_RSP] + (__s64)loc->off);
        if (bpf_probe_read_user(&v, sizeof(v), at) != 0) *flags |= PL_VALUE_FAULT;
        return v;
    }
    if (kind == PL_LOC_CONST) return loc->imm;
    return 0;
}

/* Copies slot s's string or buffer at ptr (len bytes for a buffer) to the end
 * of e->data[], and records where. Returns false if the memory was unreadable. */
static __always_inline bool capture_bytes(struct capture* c, struct pl_probe_event* e, __u32 s,
                                          const struct pl_probe_slot* slot, __u64 ptr, __u64 len,
                                          __u8* flags) {
    __u32 off = c->used;
    __u32 kept = 0;
    bool ok = true;
    __u32 n = slot->cap;
    if (slot->capture == PL_CAPTURE_BUF) {
        if (len > n)
            *flags |= PL_VALUE_TRUNCATED;
        else
            n = len;
    } else {
        n += 2; /* cap characters, one more to see truncation, the NUL */
    }
    if (n > PL_PROBE_CAP_MAX) n = PL_PROBE_CAP_MAX;
    if (off >= PL_PROBE_DATA_MAX) {
        *flags |= PL_VALUE_TRUNCATED; /* user space sizes caps so that this cannot happen */
    } else if (ptr == 0) {
        if (slot->capture == PL_CAPTURE_STR || len > 0) *flags |= PL_VALUE_NULL;
    } else if (slot->capture == PL_CAPTURE_STR) {
        long r =
            bpf_probe_read_user_str(&e->data[off & (PL_PROBE_DATA_MAX - 1)], n, (const void*)ptr);
        if (r <= 0) {
            ok = false;
        } else {
            kept = r - 1;
            if (kept > slot->cap) {
                kept = slot->cap;
                *flags |= PL_VALUE_TRUNCATED;
            }
        }
    } else if (n > 0) {
        if (bpf_probe_read_user(&e->data[off & (PL_PROBE_DATA_MAX - 1)], n, (const void*)ptr) == 0)
            kept = n;
        else
            ok = false;
    }
    e->data_off[s] = off;
    e->data_len[s] = kept;
    c->used = off + kept;
    return ok;
}

static long capture_slot(__u32 i, struct capture* c) {
    __u32 s = c->first + i;
    if (s >= PL_PROBE_SLOTS_MAX) return 1;
    const struct pl_probe_slot* slot = &c->cfg->slots[s];
    struct pl_probe_event* e = c->e;
    __u8 flags = 0;
    __u64 v = read_loc(&slot->value, c, &flags);
    e->values[s] = v;
    e->lens[s] = 0;
    e->data_off[s] = 0;
    e->data_len[s] = 0;
    if (slot->capture == PL_CAPTURE_STR || slot->capture == PL_CAPTURE_BUF) {
        __u64 len = 0;
        if (slot->capture == PL_CAPTURE_BUF) len = read_loc(&slot->len, c, &flags);
        e->lens[s] = len;
        if (!capture_bytes(c, e, s, slot, v, len, &flags)) {
            flags |= PL_VALUE_FAULT;
            c->retry = 1;
        }
    }
    e->value_flags[s] = flags;
    return 0;
}

/* At return, call mode: reads again the entry captures that faulted (memory
 * the process had not touched yet; the call usually has by now). */
static long retry_slot(__u32 s, struct capture* c) {
    if (s >= PL_PROBE_SLOTS_MAX) return 1;
    struct pl_probe_event* e = c->e;
    const struct pl_probe_slot* slot = &c->cfg->slots[s];
    __u8 flags = e->value_flags[s];
    if (!(flags & PL_VALUE_FAULT) || slot->capture == PL_CAPTURE_NONE) return 0;
    flags &= ~(PL_VALUE_FAULT | PL_VALUE_TRUNCATED);
    if (capture_bytes(c, e, s, slot, e->values[s], e->lens[s], &flags))
        flags |= PL_VALUE_AT_RETURN;
    else
        flags |= PL_VALUE_FAULT;
    e->value_flags[s] = flags;
    return 0;
}

/* Reads slots [first, end) of the config into c->e. */
static __always_inline void capture_slots(struct capture* c, __u32 first, __u32 end) {
    if (end > PL_PROBE_SLOTS_MAX) end = PL_PROBE_SLOTS_MAX;
    if (first >= end) return;
    c->first = first;
    bpf_loop(end - first, capture_slot, c, 0);
}

static __always_inline void clear_slots(struct pl_probe_event* e) {
    __builtin_memset(e->data_len, 0, sizeof(e->data_len));
    __builtin_memset(e->value_flags, 0, sizeof(e->value_flags));
}

static __always_inline __u32 event_size(__u32 used) {
    if (used > PL_PROBE_DATA_MAX) used = PL_PROBE_DATA_MAX;
    return EVENT_FIXED_SIZE + used;
}

static __always_inline void make_key(struct pl_probe_call_key* k, const struct pl_probe_config* cfg,
                                     __u32 id, const struct capture* c, bool at_return) {
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    k->probe_id = id;
    k->tgid = pid_tgid >> 32;
    k->key = (__u32)pid_tgid;
    if (cfg->key_kind == PL_KEY_REG) {
        __u32 r = cfg->key_reg;
        if (r < PL_REG_COUNT) k->key = c->regs[r];
    }
    k->sp = 0;
    if (cfg->flags & PL_PROBE_KEY_SP) {
        k->sp = c->regs[PL_REG_RSP];
        if (at_return) k->sp -= (__s64)cfg->ret_sp_delta;
    }
}

static __always_inline const struct pl_probe_config* config_of(void* ctx, __u32* id) {
    *id = (__u32)bpf_get_attach_cookie(ctx);
    return bpf_map_lookup_elem(&pl_probe_configs, id);
}

static __always_inline struct pl_probe_event* scratch_event(void) {
    __u32 zero = 0;
    return bpf_map_lookup_elem(&probe_scratch, &zero);
}

SEC("uprobe")
int pl_probe_entry(struct pt_regs* ctx) {
    __u32 id;
    const struct pl_probe_config* cfg = config_of(ctx, &id);
    if (!cfg) return 0;
    if (!pl_pass_filters()) return 0;
    struct pl_probe_event* e = scratch_event();
    if (!e) return 0;

    struct capture c;
    __builtin_memcpy(c.regs, ctx, sizeof(c.regs));
    c.cfg = cfg;
    c.e = e;
    c.used = 0;
    c.retry = 0;
    e->probe_id = id;
    e->n_slots = cfg->n_slots;
    e->latency_ns = 0;
    clear_slots(e);
    capture_slots(&c, 0, cfg->n_entry);
    e->data_used = c.used;
    e->flags = c.retry ? PL_PROBE_EV_RETRY : 0;
    __u32 size = event_size(c.used);

    __u8 mode = cfg->mode;
    e->stage = mode == PL_PROBE_MODE_CALL ? PL_PROBE_STAGE_CALL : PL_PROBE_STAGE_ENTRY;
    pl_fill_header(&e->hdr, PL_EVENT_PROBE, PL_TRACE_PROBE, size, 0);
    if (mode != PL_PROBE_MODE_CALL) {
        pl_output(&e->hdr, PL_TRACE_PROBE, size);
        if (mode != PL_PROBE_MODE_SPLIT) return 0;
    }

    struct pl_probe_call_key k;
    make_key(&k, cfg, id, &c, false);
    long err;
    if (mode == PL_PROBE_MODE_CALL && (cfg->flags & PL_PROBE_HAS_DATA))
        err = bpf_map_update_elem(&probe_calls_data, &k, e, BPF_ANY);
    else
        err = bpf_map_update_elem(&probe_calls, &k, e, BPF_ANY);
    if (err != 0) pl_count_map_full(PL_TRACE_PROBE);
    return 0;
}

SEC("uretprobe")
int pl_probe_return(struct pt_regs* ctx) {
    __u32 id;
    const struct pl_probe_config* cfg = config_of(ctx, &id);
    if (!cfg) return 0;
    /* No filters: only calls whose entry passed them are in flight. */
    struct capture c;
    __builtin_memcpy(c.regs, ctx, sizeof(c.regs));
    c.cfg = cfg;
    struct pl_probe_call_key k;
    make_key(&k, cfg, id, &c, true);
    __u64 now = bpf_ktime_get_boot_ns();

    if (cfg->mode == PL_PROBE_MODE_CALL && (cfg->flags & PL_PROBE_HAS_DATA)) {
        /* Complete the stored event where it is and emit it from there. */
        c.retry = 0;
        struct pl_probe_event* p = bpf_map_lookup_elem(&probe_calls_data, &k);
        if (!p) return 0;
        c.e = p;
        c.used = p->data_used;
        if (p->flags & PL_PROBE_EV_RETRY) {
            __u32 n = cfg->n_entry;
            if (n > PL_PROBE_SLOTS_MAX) n = PL_PROBE_SLOTS_MAX;
            bpf_loop(n, retry_slot, &c, 0);
        }
        capture_slots(&c, cfg->n_entry, cfg->n_slots);
        p->data_used = c.used;
        p->latency_ns = now - p->hdr.boot_ns;
        __u32 size = event_size(c.used);
        p->hdr.size = size;
        pl_output(&p->hdr, PL_TRACE_PROBE, size);
        bpf_map_delete_elem(&probe_calls_data, &k);
        return 0;
    }

    struct pl_probe_event* p = bpf_map_lookup_elem(&probe_calls, &k);
    if (!p) return 0;
    struct pl_probe_event* e = scratch_event();
    if (!e) return 0;
    if (cfg->mode == PL_PROBE_MODE_CALL) {
        __builtin_memcpy(e, p, EVENT_FIXED_SIZE);
        e->latency_ns = now - e->hdr.boot_ns;
    } else {
        e->latency_ns = now - p->hdr.boot_ns;
        e->probe_id = id;
        e->n_slots = cfg->n_slots;
        e->stage = PL_PROBE_STAGE_RETURN;
        e->flags = 0;
        clear_slots(e);
    }
    bpf_map_delete_elem(&probe_calls, &k);
    c.e = e;
    c.used = 0;
    c.retry = 0;
    capture_slots(&c, cfg->n_entry, cfg->n_slots);
    e->data_used = c.used;
    __u32 size = event_size(c.used);
    if (cfg->mode == PL_PROBE_MODE_CALL)
        e->hdr.size = size;
    else
        pl_fill_header(&e->hdr, PL_EVENT_PROBE, PL_TRACE_PROBE, size, 0);
    pl_output(&e->hdr, PL_TRACE_PROBE, size);
    return 0;
}
