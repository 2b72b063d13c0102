/*
 * uprobe: the one generic program pair behind every --probe.
 *
 * pl_probe_entry runs at a probed address (a uprobe), pl_probe_return where the
 * call returns (a uretprobe for C; for Go, a plain uprobe on each RET
 * instruction, never a uretprobe: the Go runtime moves goroutine stacks and
 * would carry the hijacked return address along). Both find their probe's struct pl_probe_config
 * (schema/probe.h) by the attach cookie and do what it says: read value slots from registers or the
 * stack, capture strings and buffers from user memory, pair entry and return in probe_calls, and
 * emit one pl_probe_event per record.
 *
 * Every step is a global subprogram, which the verifier checks once (see
 * "Verification" below).
 */
#include "pl/common.bpf.h"
#include "probe.h"

#define EVENT_FIXED_SIZE __builtin_offsetof(struct pl_probe_event, area)
#define VALUE_SIZE sizeof(struct pl_probe_value)
/* The event's fixed part and room for every slot: what an in-flight call keeps. */
#define EVENT_HEAD_SIZE sizeof(struct pl_probe_call_head)

PL_STATIC_ASSERT(sizeof(struct pt_regs) == PL_REG_COUNT * 8, "pt_regs is not 21 registers");
PL_STATIC_ASSERT(__builtin_offsetof(struct pt_regs, sp) == PL_REG_RSP * 8, "pt_regs.sp moved");
PL_STATIC_ASSERT(__builtin_offsetof(struct pt_regs, di) == PL_REG_RDI * 8, "pt_regs.di moved");
PL_STATIC_ASSERT(__builtin_offsetof(struct pt_regs, ax) == PL_REG_RAX * 8, "pt_regs.ax moved");
PL_STATIC_ASSERT((PL_PROBE_DATA_MAX & (PL_PROBE_DATA_MAX - 1)) == 0, "DATA_MAX: a power of two");
PL_STATIC_ASSERT((PL_PROBE_COND_STR & (PL_PROBE_COND_STR - 1)) == 0, "COND_STR: a power of two");

/* Written by user space after load, before any attachment; the programs only
 * read it. (Not BPF_F_RDONLY_PROG: the verifier would not let its values be
 * passed to the global subprograms below, which may write their arguments.) */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PL_PROBE_CONFIG_MAX);
    __type(key, __u32);
    __type(value, struct pl_probe_config);
} pl_probe_configs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_probe_event);
} probe_scratch SEC(".maps");

/* Calls in flight whose entry captured no bytes: the event without data (in
 * split mode only its entry time is used). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct pl_probe_call_key);
    __type(value, struct pl_probe_call_head);
} probe_calls SEC(".maps");

/* Calls in flight in call mode whose probe captures bytes: the whole event. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct pl_probe_call_key);
    __type(value, struct pl_probe_event);
} probe_calls_data SEC(".maps");

/* What happened to each probe's calls, per cpu (schema/probe.h). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, PL_PROBE_CONFIG_MAX);
    __type(key, __u32);
    __type(value, struct pl_probe_stats);
} probe_stats SEC(".maps");

/* `rate N/s`: each probe's token bucket, shared by every cpu. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PL_PROBE_CONFIG_MAX);
    __type(key, __u32);
    __type(value, struct pl_probe_rate);
} probe_rate SEC(".maps");

/*
 * Verification. The config is data the verifier cannot see, so it has to
 * check every path of the capture, path and condition interpreter below. As
 * static (inlined) functions, or as bpf_loop callbacks that see the caller's
 * state, that meant every path once per call site and per combination of what
 * came before: 800 000 instructions and seconds of kernel time per run. Each
 * step that branches on the config is therefore a global subprogram
 * (__noinline, not static): the verifier checks it once, on its own, with its
 * arguments as unknown values and its pointers as memory of their type's size,
 * and a call to it costs a call site one instruction. The price: no pointer may
 * travel inside a structure (struct capture is plain memory), pointer arguments
 * may be NULL, and a call costs a few ns per record: what has few paths (a
 * location, the header, the output) stays inline, and an empty path, no
 * condition or no rate limit is decided before the call.
 */

/* The state of one pass over slots: plain memory (no pointers). */
struct capture {
    __u64 regs[PL_REG_COUNT]; /* the registers at the probe site */
    __u32 event_first;        /* the config slot of the event's first value */
    __u32 data_base;          /* where data[] starts in e->area: 24 * the event's values */
    __u32 used;               /* bytes of data[] used */
    __u32 retry;              /* a capture faulted */
};

/* Where data[] starts in the event's area (bounded for the verifier). */
static __always_inline __u32 data_base(const struct capture* c) {
    __u32 base = c->data_base;
    if (base > PL_PROBE_SLOTS_MAX * VALUE_SIZE) base = PL_PROBE_SLOTS_MAX * VALUE_SIZE;
    return base;
}

/* Config slot s (masked where the verifier sees it: the compiler may otherwise
 * index with a copy it computed before the caller's bounds check). */
static __always_inline const struct pl_probe_slot* slot_at(const struct pl_probe_config* cfg,
                                                           __u32 s) {
    asm volatile("" : "+r"(s));
    return &cfg->slots[s & (PL_PROBE_SLOTS_MAX - 1)];
}

static __always_inline struct pl_probe_value* value_at(struct pl_probe_event* e, __u32 i) {
    return (struct pl_probe_value*)&e->area[(i & (PL_PROBE_SLOTS_MAX - 1)) * VALUE_SIZE];
}

/* A location's value at the probe site; an unreadable one sets PL_VALUE_FAULT in *flags. */
static __always_inline __u64 read_loc(const struct pl_probe_loc* loc, const struct capture* c,
                                      __u8* flags) {
    __u8 kind = loc->kind;
    if (kind == PL_LOC_REG) {
        __u32 r = loc->reg;
        if (r >= PL_REG_COUNT) return 0;
        return c->regs[r];
    }
    if (kind == PL_LOC_CONST) return loc->imm;
    __u64 addr;
    if (kind == PL_LOC_STACK) {
        addr = c->regs[PL_REG_RSP] + (__s64)loc->off;
    } else if (kind == PL_LOC_MEM) {
        __u32 r = loc->reg;
        if (r >= PL_REG_COUNT) return 0;
        addr = c->regs[r] + (__s64)loc->off;
    } else if (kind == PL_LOC_MEM_INDEX) {
        __u32 r = loc->reg;
        __u32 x = loc->index;
        if (r >= PL_REG_COUNT || x >= PL_REG_COUNT) return 0;
        addr = c->regs[r] + c->regs[x] * (__u64)loc->scale + (__s64)loc->off;
    } else {
        return 0;
    }
    __u64 v = 0;
    if (bpf_probe_read_user(&v, sizeof(v), (const void*)addr) != 0) *flags |= PL_VALUE_FAULT;
    return v;
}

/* read_loc where it is not worth its paths to the caller (make_key). */
__noinline __u64 pl_probe_read_loc(const struct pl_probe_loc* loc, const struct capture* c,
                                   __u8* flags) {
    if (!loc || !c || !flags) return 0;
    return read_loc(loc, c, flags);
}

/* Copies a slot's string or buffer at v->value (v->len bytes for a buffer) to
 * the end of the event's data, and records where in v. 0 if the memory was
 * unreadable. */
__noinline int pl_probe_capture_bytes(struct capture* c, struct pl_probe_value* v,
                                      const struct pl_probe_slot* slot, struct pl_probe_event* e) {
    if (!c || !v || !slot || !e) return 1;
    __u64 ptr = v->value;
    __u64 len = v->len;
    __u32 off = c->used;
    __u32 kept = 0;
    int ok = 1;
    __u32 n = slot->cap;
    if (slot->capture == PL_CAPTURE_BUF) {
        if (len > n)
            v->flags |= PL_VALUE_TRUNCATED;
        else
            n = len;
    } else {
        n += 2; /* cap characters, one more to see truncation, the NUL */
    }
    if (n > PL_PROBE_CAP_MAX) n = PL_PROBE_CAP_MAX;
    __u32 at = data_base(c) + (off & (PL_PROBE_DATA_MAX - 1));
    if (off >= PL_PROBE_DATA_MAX) {
        v->flags |= PL_VALUE_TRUNCATED; /* user space sizes caps so that this cannot happen */
    } else if (ptr == 0) {
        if (slot->capture == PL_CAPTURE_STR || len > 0) v->flags |= PL_VALUE_NULL;
    } else if (slot->capture == PL_CAPTURE_STR) {
        long r = bpf_probe_read_user_str(&e->area[at], n, (const void*)ptr);
        if (r <= 0) {
            ok = 0;
        } else {
            kept = r - 1;
            if (kept > slot->cap) {
                kept = slot->cap;
                v->flags |= PL_VALUE_TRUNCATED;
            }
        }
    } else if (n > 0) {
        if (bpf_probe_read_user(&e->area[at], n, (const void*)ptr) == 0)
            kept = n;
        else
            ok = 0;
    }
    v->data_off = off;
    v->data_len = kept;
    c->used = off + kept;
    return ok;
}

/* Applies a field expression's steps (struct pl_probe_path) to v. On a NULL
 * pointer or unreadable memory, flags the value and says where (fail_step). */
__noinline __u64 pl_probe_walk_path(__u64 v, const struct pl_probe_path* p,
                                    struct pl_probe_value* out, __u32 tag) {
    if (!p || !out) return 0;
    __u32 n = p->n_loads;
    if (n > PL_PROBE_PATH_LOADS) n = PL_PROBE_PATH_LOADS;
    for (__u32 i = 0; i < PL_PROBE_PATH_LOADS && i < n; i++) {
        __u64 next = 0;
        if (v == 0) {
            out->flags |= PL_VALUE_NULL | PL_VALUE_PATH;
            out->fail_step = tag | i;
            return 0;
        }
        if (bpf_probe_read_user(&next, sizeof(next), (const void*)(v + (__s64)p->loads[i])) != 0) {
            out->flags |= PL_VALUE_FAULT | PL_VALUE_PATH;
            out->fail_step = tag | i;
            return 0;
        }
        v = next;
    }
    __u32 size = p->size;
    if (v == 0 && (n > 0 || size > 0 || p->add != 0)) {
        out->flags |= PL_VALUE_NULL | PL_VALUE_PATH;
        out->fail_step = tag | n;
        return 0;
    }
    v += (__s64)p->add;
    if (size == 0) return v;
    if (size > 8) size = 8;
    __u64 read = 0;
    if (bpf_probe_read_user(&read, size, (const void*)v) != 0) {
        out->flags |= PL_VALUE_FAULT | PL_VALUE_PATH;
        out->fail_step = tag | n;
        return 0;
    }
    return read;
}

/* walk_path, without a call for the usual empty path (no field expression). */
static __always_inline __u64 apply_path(__u64 v, const struct pl_probe_path* p,
                                        struct pl_probe_value* out, __u32 tag) {
    if (p->n_loads == 0 && p->size == 0 && p->add == 0) return v;
    return pl_probe_walk_path(v, p, out, tag);
}

/* A buffer's byte count from its length's value (a count or an end pointer). */
static __always_inline __u64 byte_count(const struct pl_probe_slot* slot, __u64 value, __u64 len) {
    if (slot->len_mode == PL_LEN_END) return len > value ? len - value : 0;
    __u64 scale = slot->len_scale;
    if (scale > 1) {
        if (len > 0xffffffffULL) len = 0xffffffffULL; /* no overflow; the cap applies anyway */
        len *= scale;
    }
    return len;
}

/* Reads one slot into v. */
__noinline int pl_probe_capture_slot(struct capture* c, const struct pl_probe_slot* slot,
                                     struct pl_probe_event* e, struct pl_probe_value* v) {
    if (!c || !slot || !e || !v) return 0;
    v->flags = 0;
    v->fail_step = 0;
    v->len = 0;
    v->data_off = 0;
    v->data_len = 0;
    v->value = apply_path(read_loc(&slot->value, c, &v->flags), &slot->value_path, v, 0);
    __u8 capture = slot->capture;
    if (capture != PL_CAPTURE_STR && capture != PL_CAPTURE_BUF) return 0;
    if (capture == PL_CAPTURE_BUF) {
        __u64 len =
            apply_path(read_loc(&slot->len, c, &v->flags), &slot->len_path, v, PL_FAIL_IN_LEN);
        v->len = byte_count(slot, v->value, len);
    }
    if (v->flags & PL_VALUE_PATH) return 0; /* nothing to capture from */
    if (!pl_probe_capture_bytes(c, v, slot, e)) {
        v->flags |= PL_VALUE_FAULT;
        c->retry = 1;
    }
    return 0;
}

/* Reads config slots [first, end) into e. */
__noinline int pl_probe_capture_slots(struct capture* c, const struct pl_probe_config* cfg,
                                      struct pl_probe_event* e, __u32 first, __u32 end) {
    if (!c || !cfg || !e) return 0;
    for (__u32 i = 0; i < PL_PROBE_SLOTS_MAX; i++) {
        __u32 s = first + i;
        if (s >= end || s >= PL_PROBE_SLOTS_MAX) break;
        pl_probe_capture_slot(c, slot_at(cfg, s), e, value_at(e, s - c->event_first));
    }
    return 0;
}

/* At return, call mode: reads again the entry captures [0, n) that faulted
 * (memory the process had not touched yet; the call usually has by now). */
__noinline int pl_probe_retry_slots(struct capture* c, const struct pl_probe_config* cfg,
                                    struct pl_probe_event* e, __u32 n) {
    if (!c || !cfg || !e) return 0;
    for (__u32 s = 0; s < PL_PROBE_SLOTS_MAX; s++) {
        if (s >= n) break;
        const struct pl_probe_slot* slot = slot_at(cfg, s);
        struct pl_probe_value* v = value_at(e, s);
        if (!(v->flags & PL_VALUE_FAULT) || (v->flags & PL_VALUE_PATH) ||
            slot->capture == PL_CAPTURE_NONE)
            continue;
        v->flags &= ~(PL_VALUE_FAULT | PL_VALUE_TRUNCATED);
        if (pl_probe_capture_bytes(c, v, slot, e))
            v->flags |= PL_VALUE_AT_RETURN;
        else
            v->flags |= PL_VALUE_FAULT;
    }
    return 0;
}

/* Starts an event that carries config slots [first, first + n). */
static __always_inline void start_event(struct capture* c, struct pl_probe_event* e, __u32 id,
                                        __u8 stage, __u32 first, __u32 n) {
    if (n > PL_PROBE_SLOTS_MAX) n = PL_PROBE_SLOTS_MAX;
    c->event_first = first;
    c->data_base = n * VALUE_SIZE;
    c->used = 0;
    c->retry = 0;
    e->probe_id = id;
    e->stage = stage;
    e->first_slot = first;
    e->n_values = n;
    e->flags = 0;
    e->latency_ns = 0;
}

static __always_inline __u32 event_size(const struct capture* c) {
    __u32 used = c->used;
    if (used > PL_PROBE_DATA_MAX) used = PL_PROBE_DATA_MAX;
    return EVENT_FIXED_SIZE + data_base(c) + used;
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
        if (cfg->flags & PL_PROBE_KEY_SP_BASE) {
            /* Go: the distance below the goroutine's stack top, the same after
             * the runtime copied the stack. An unreadable top leaves the plain
             * stack pointer (entry and return then still meet if it did not move). */
            __u8 fault = 0;
            __u64 top = pl_probe_read_loc(&cfg->key_base, c, &fault);
            if (!fault) k->sp = top - k->sp;
        }
    }
}

/* The slot's value as an integer of op->bits bits at op->bit_offset. */
static __always_inline __u64 cond_int(const struct pl_probe_cond_op* op, __u64 v) {
    __u32 off = op->bit_offset & 63;
    __u32 bits = op->bits;
    v >>= off;
    if (bits == 0 || bits >= 64) return v;
    __u64 mask = (1ULL << bits) - 1;
    v &= mask;
    if (op->is_signed && (v >> (bits - 1)) & 1) v |= ~mask;
    return v;
}

static __always_inline bool cond_compare(const struct pl_probe_cond_op* op, __u64 v) {
    __u64 imm = op->imm;
    bool s = op->is_signed;
    switch (op->cmp) {
        case PL_CMP_EQ:
            return v == imm;
        case PL_CMP_NE:
            return v != imm;
        case PL_CMP_LT:
            return s ? (__s64)v < (__s64)imm : v < imm;
        case PL_CMP_LE:
            return s ? (__s64)v <= (__s64)imm : v <= imm;
        case PL_CMP_GT:
            return s ? (__s64)v > (__s64)imm : v > imm;
        case PL_CMP_GE:
            return s ? (__s64)v >= (__s64)imm : v >= imm;
    }
    return false;
}

/* The slot's captured bytes against the constant: equal (1), or starting with
 * it; 0 otherwise. */
__noinline int pl_probe_cond_bytes(const struct pl_probe_config* cfg,
                                   const struct pl_probe_cond_op* op, struct pl_probe_event* e,
                                   const struct pl_probe_value* v) {
    if (!cfg || !op || !e || !v) return 0;
    __u32 n = op->str_len;
    __u32 have = v->data_len;
    if (n > PL_PROBE_COND_STR_ONE) return 0;
    if (op->kind == PL_COND_STR_EQ) {
        if (have != n || (v->flags & PL_VALUE_TRUNCATED)) return 0;
    } else if (have < n) {
        return 0;
    }
    __u32 at = (__u32)e->n_values * VALUE_SIZE + v->data_off;
    __u32 k = op->str_off;
    for (__u32 i = 0; i < PL_PROBE_COND_STR_ONE; i++) {
        if (i >= n) break;
        __u32 a = at + i;
        __u32 b = k + i;
        /* Hidden from the compiler, so that it indexes with the values checked
         * below and not with copies it computed before (which the verifier
         * would find unbounded). */
        asm volatile("" : "+r"(a), "+r"(b));
        if (a >= PL_PROBE_AREA_SIZE || b >= PL_PROBE_COND_STR) return 0;
        if (e->area[a] != cfg->cond_str[b]) return 0;
    }
    return 1;
}

/* One step of the condition: the bit stack after it (the last bit in bit 0). */
__noinline __u32 pl_probe_cond_step(const struct pl_probe_config* cfg,
                                    const struct pl_probe_cond_op* op, struct pl_probe_event* e,
                                    __u32 stack) {
    if (!cfg || !op || !e) return 0;
    __u8 kind = op->kind;
    if (kind == PL_COND_AND || kind == PL_COND_OR) {
        __u32 b = stack & 1;
        __u32 a = (stack >> 1) & 1;
        __u32 r = kind == PL_COND_AND ? (a & b) : (a | b);
        return ((stack >> 2) << 1) | r;
    }
    const struct pl_probe_value* v = value_at(e, op->slot);
    bool r = false;
    if (!(v->flags & (PL_VALUE_NULL | PL_VALUE_FAULT))) {
        if (kind == PL_COND_INT)
            r = cond_compare(op, cond_int(op, v->value));
        else if (kind == PL_COND_FLAGS)
            r = (cond_int(op, v->value) & op->imm) != 0;
        else if (kind == PL_COND_STR_EQ || kind == PL_COND_STR_PREFIX)
            r = pl_probe_cond_bytes(cfg, op, e, v) != (op->cmp == PL_CMP_NE);
    }
    return (stack << 1) | (r ? 1 : 0);
}

/* The probe's condition on the values of e (whose first value is slot 0): 1 if it holds. */
__noinline int pl_probe_cond_holds(const struct pl_probe_config* cfg, struct pl_probe_event* e) {
    if (!cfg || !e) return 1;
    __u32 n = cfg->n_cond;
    if (n == 0) return 1;
    __u32 stack = 0;
    for (__u32 i = 0; i < PL_PROBE_COND_OPS; i++) {
        if (i >= n) break;
        stack = pl_probe_cond_step(cfg, &cfg->cond[i & (PL_PROBE_COND_OPS - 1)], e, stack);
    }
    return stack & 1;
}

/* `rate N/s`: takes a token from the probe's bucket if there is one (1). GCRA: the
 * bucket is the time up to which tokens are spent; a call may spend ahead of
 * now by at most the burst. A compare-and-swap keeps cpus from spending the
 * same token; after a few collisions the call is dropped (and counted). */
__noinline int pl_probe_rate_allows(const struct pl_probe_config* cfg, __u32 id, __u64 now) {
    if (!cfg) return 1;
    __u64 interval = cfg->rate_interval_ns;
    if (interval == 0) return 1;
    __u32 bucket = cfg->rate_shared ? (__u32)cfg->rate_shared - 1 : id;
    struct pl_probe_rate* r = bpf_map_lookup_elem(&probe_rate, &bucket);
    if (!r) return 1;
    for (int i = 0; i < 4; i++) {
        __u64 spent = r->next_ns;
        __u64 next = (spent > now ? spent : now) + interval;
        if (next - now > cfg->rate_burst_ns) return 0;
        if (__sync_val_compare_and_swap(&r->next_ns, spent, next) == spent) return 1;
    }
    return 0;
}

static __always_inline struct pl_probe_stats* stats_of(__u32 id) {
    return bpf_map_lookup_elem(&probe_stats, &id);
}

/* A call's record passed its condition: counted, rate-limited, sent. */
static __always_inline void send_record(const struct pl_probe_config* cfg, __u32 id,
                                        struct pl_probe_stats* stats, struct pl_probe_event* e,
                                        __u32 size, __u64 now) {
    if (stats) __sync_fetch_and_add(&stats->passed, 1);
    if (cfg->rate_interval_ns != 0 && !pl_probe_rate_allows(cfg, id, now)) {
        if (stats) __sync_fetch_and_add(&stats->rate_limited, 1);
        return;
    }
    if (!pl_output(&e->hdr, PL_TRACE_PROBE, size) && stats) __sync_fetch_and_add(&stats->lost, 1);
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
    PL_FLOOR_GATE(0);
    __u32 id;
    const struct pl_probe_config* cfg = config_of(ctx, &id);
    if (!cfg) return 0;
    if (!pl_pass_filters()) return 0;
    struct pl_probe_stats* stats = stats_of(id);
    if (stats) __sync_fetch_and_add(&stats->calls, 1);
    struct pl_probe_event* e = scratch_event();
    if (!e) return 0;

    struct capture c;
    __builtin_memcpy(c.regs, ctx, sizeof(c.regs));
    __u8 mode = cfg->mode;
    if (mode == PL_PROBE_MODE_CALL)
        start_event(&c, e, id, PL_PROBE_STAGE_CALL, 0, cfg->n_slots);
    else
        start_event(&c, e, id, PL_PROBE_STAGE_ENTRY, 0, cfg->n_entry);
    pl_probe_capture_slots(&c, cfg, e, 0, cfg->n_entry);
    e->data_used = c.used;
    e->flags = c.retry ? PL_PROBE_EV_RETRY : 0;
    __u32 size = event_size(&c);
    pl_fill_header(&e->hdr, PL_EVENT_PROBE, PL_TRACE_PROBE, size, 0);
    if (cfg->cond_at == PL_COND_AT_ENTRY && cfg->n_cond != 0 && !pl_probe_cond_holds(cfg, e)) {
        if (stats) __sync_fetch_and_add(&stats->filtered, 1);
        return 0; /* no record, no call in flight */
    }
    if (mode != PL_PROBE_MODE_CALL) {
        /* The entry record is the call's record: a rate-limited call leaves no
         * return record either. */
        if (stats) __sync_fetch_and_add(&stats->passed, 1);
        if (cfg->rate_interval_ns != 0 && !pl_probe_rate_allows(cfg, id, e->hdr.boot_ns)) {
            if (stats) __sync_fetch_and_add(&stats->rate_limited, 1);
            return 0;
        }
        if (!pl_output(&e->hdr, PL_TRACE_PROBE, size) && stats)
            __sync_fetch_and_add(&stats->lost, 1);
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
    PL_FLOOR_GATE(0);
    __u32 id;
    const struct pl_probe_config* cfg = config_of(ctx, &id);
    if (!cfg) return 0;
    /* No filters: only calls whose entry passed them are in flight. */
    struct capture c;
    __builtin_memcpy(c.regs, ctx, sizeof(c.regs));
    struct pl_probe_call_key k;
    make_key(&k, cfg, id, &c, true);
    __u64 now = bpf_ktime_get_boot_ns();

    if (cfg->mode == PL_PROBE_MODE_CALL) {
        /* Complete the stored event (where it is if it has data) and emit it. */
        struct pl_probe_event* e;
        bool has_data = cfg->flags & PL_PROBE_HAS_DATA;
        struct pl_probe_event* p;
        if (has_data) {
            p = bpf_map_lookup_elem(&probe_calls_data, &k);
            if (!p) return 0;
            e = p;
        } else {
            p = bpf_map_lookup_elem(&probe_calls, &k);
            if (!p) return 0;
            e = scratch_event();
            if (!e) return 0;
            __builtin_memcpy(e, p, EVENT_HEAD_SIZE);
            bpf_map_delete_elem(&probe_calls, &k);
        }
        c.event_first = 0;
        c.data_base = (__u32)e->n_values * VALUE_SIZE;
        c.used = e->data_used;
        c.retry = 0;
        if (e->flags & PL_PROBE_EV_RETRY) pl_probe_retry_slots(&c, cfg, e, cfg->n_entry);
        pl_probe_capture_slots(&c, cfg, e, cfg->n_entry, cfg->n_slots);
        e->data_used = c.used;
        e->latency_ns = now - e->hdr.boot_ns;
        __u32 size = event_size(&c);
        e->hdr.size = size;
        struct pl_probe_stats* stats = stats_of(id);
        if (cfg->cond_at == PL_COND_AT_RETURN && cfg->n_cond != 0 && !pl_probe_cond_holds(cfg, e)) {
            if (stats) __sync_fetch_and_add(&stats->filtered, 1);
        } else {
            send_record(cfg, id, stats, e, size, now);
        }
        if (has_data) bpf_map_delete_elem(&probe_calls_data, &k);
        return 0;
    }

    /* Split mode: a return record with the return slots and the latency. */
    struct pl_probe_event* p = bpf_map_lookup_elem(&probe_calls, &k);
    if (!p) return 0;
    __u64 start = p->hdr.boot_ns;
    bpf_map_delete_elem(&probe_calls, &k);
    struct pl_probe_event* e = scratch_event();
    if (!e) return 0;
    __u32 first = cfg->n_entry;
    __u32 n = cfg->n_slots > first ? cfg->n_slots - first : 0;
    start_event(&c, e, id, PL_PROBE_STAGE_RETURN, first, n);
    e->latency_ns = now - start;
    pl_probe_capture_slots(&c, cfg, e, first, cfg->n_slots);
    e->data_used = c.used;
    __u32 size = event_size(&c);
    pl_fill_header(&e->hdr, PL_EVENT_PROBE, PL_TRACE_PROBE, size, 0);
    pl_output(&e->hdr, PL_TRACE_PROBE, size);
    return 0;
}
