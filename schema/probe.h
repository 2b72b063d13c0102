/*
 * Dynamic probes (--probe): ONE pre-compiled BPF program pair (bpf/progs/uprobe.bpf.c)
 * serves every probe. What a probe captures is not code but data: a
 * struct pl_probe_config in the pl_probe_configs array map, at the index given
 * to the attachment as its BPF cookie (bpf_get_attach_cookie()).
 *
 * A config is a list of value slots. Each slot says where a value is at the
 * probe site (a register of struct pt_regs, a stack slot relative to the stack
 * pointer, or a constant), and optionally that the value is a pointer to
 * capture bytes from: a NUL-terminated string, or a buffer whose length comes
 * from another location. Slots [0, n_entry) are read by the entry program,
 * slots [n_entry, n_slots) by the return program (return values).
 *
 * Calling conventions are therefore user space's business: the C (SysV
 * x86-64) convention puts parameter i in rdi, rsi, rdx, rcx, r8, r9 then on the
 * stack, and the return value in rax; Go's register ABI uses other registers,
 * passes a string as a (pointer, length) pair (a BUF slot whose length is in a
 * register) and is probed at its RET instructions with the return program
 * attached as a plain uprobe. Entry and return are paired by a key the config
 * selects: the thread (C) or a register's value (Go: the goroutine in r14),
 * plus, optionally, the stack pointer (so that recursive calls pair exactly),
 * or for Go the stack pointer's distance from the goroutine's stack top, which
 * stays the same when the runtime moves the stack.
 */
#ifndef PROBELOG_SCHEMA_PROBE_H
#define PROBELOG_SCHEMA_PROBE_H

#include "event_header.h"

#define PL_PROBE_CONFIG_MAX 512 /* probes (configs) per run */
#define PL_PROBE_SLOTS_MAX 16   /* values per probe: parameters + return values */
#define PL_PROBE_CAP_MAX 2048   /* bytes one str/buf slot may capture */
#define PL_PROBE_DATA_MAX 4096  /* bytes all slots of one call may capture together */
/* data[] is larger than PL_PROBE_DATA_MAX by one capture so that the verifier
 * can check a capture of up to PL_PROBE_CAP_MAX at any offset below PL_PROBE_DATA_MAX. */
#define PL_PROBE_DATA_SIZE (PL_PROBE_DATA_MAX + PL_PROBE_CAP_MAX)

/* Registers by their slot in the x86-64 struct pt_regs (8 bytes each), which is
 * what the BPF program copies and indexes. Fixed by the kernel's uapi. */
enum pl_probe_reg {
    PL_REG_R15 = 0,
    PL_REG_R14 = 1,
    PL_REG_R13 = 2,
    PL_REG_R12 = 3,
    PL_REG_RBP = 4,
    PL_REG_RBX = 5,
    PL_REG_R11 = 6,
    PL_REG_R10 = 7,
    PL_REG_R9 = 8,
    PL_REG_R8 = 9,
    PL_REG_RAX = 10,
    PL_REG_RCX = 11,
    PL_REG_RDX = 12,
    PL_REG_RSI = 13,
    PL_REG_RDI = 14,
    PL_REG_ORIG_RAX = 15,
    PL_REG_RIP = 16,
    PL_REG_CS = 17,
    PL_REG_EFLAGS = 18,
    PL_REG_RSP = 19,
    PL_REG_SS = 20,
    PL_REG_COUNT = 21,
};

enum pl_probe_loc_kind {
    PL_LOC_NONE = 0,
    PL_LOC_REG = 1,   /* the register `reg` */
    PL_LOC_STACK = 2, /* the 8 bytes at (stack pointer + off) in user memory */
    PL_LOC_CONST = 3, /* the constant `imm` */
    PL_LOC_MEM = 4,   /* the 8 bytes at (register `reg` + off) in user memory */
    /* The 8 bytes at (register `reg` + register `index` * scale + off) in user
     * memory: a USDT argument such as 8@(%rdx,%rax,8) (issue 17). */
    PL_LOC_MEM_INDEX = 5,
};

struct pl_probe_loc {
    __u8 kind;  /* enum pl_probe_loc_kind */
    __u8 reg;   /* PL_LOC_REG, PL_LOC_MEM, PL_LOC_MEM_INDEX: enum pl_probe_reg */
    __u8 index; /* PL_LOC_MEM_INDEX: the index register (enum pl_probe_reg) */
    __u8 scale; /* PL_LOC_MEM_INDEX: 1, 2, 4 or 8 */
    __s32 off;  /* PL_LOC_STACK: byte offset from the stack pointer at the probe site;
                   PL_LOC_MEM, PL_LOC_MEM_INDEX: from the register's value */
    __u64 imm;  /* PL_LOC_CONST */
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_loc) == 16, "pl_probe_loc layout changed");

enum pl_probe_capture {
    PL_CAPTURE_NONE = 0, /* the raw 8-byte value */
    PL_CAPTURE_STR = 1,  /* value is a pointer to a NUL-terminated string */
    PL_CAPTURE_BUF = 2,  /* value is a pointer to `len` bytes */
};

/* A field expression (issue 15: `req->hdr.len`, `*(p+8)`) as bounded steps
 * applied to a location's value v: each load replaces v by the 8 bytes at
 * (v + loads[i]) in user memory (a pointer followed); then v += add; then, if
 * size is not 0, v becomes the `size` bytes at v (zero-extended: a member
 * read). A NULL v before a memory access stops the walk (PL_VALUE_NULL), as
 * does memory that cannot be read (PL_VALUE_FAULT); the value's fail_step
 * says which access: 0..n_loads-1 a load, n_loads the final read. */
#define PL_PROBE_PATH_LOADS 8

struct pl_probe_path {
    __u8 n_loads; /* <= PL_PROBE_PATH_LOADS */
    __u8 size;    /* 0, or 1..8: the final read */
    __u16 pad;
    __s32 add;
    __s32 loads[PL_PROBE_PATH_LOADS];
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_path) == 40, "pl_probe_path layout changed");

enum pl_probe_len_mode {
    PL_LEN_COUNT = 0, /* len's value is a count: bytes = count * len_scale */
    PL_LEN_END = 1,   /* len's value is an end pointer (std::vector): bytes = len - value */
};

struct pl_probe_slot {
    struct pl_probe_loc value;
    struct pl_probe_loc len; /* PL_CAPTURE_BUF: where the byte count is */
    __u8 capture;            /* enum pl_probe_capture */
    __u8 len_mode;           /* enum pl_probe_len_mode */
    __u16 cap;       /* STR: most characters kept; BUF: most bytes kept (<= PL_PROBE_CAP_MAX) */
    __u16 len_scale; /* PL_LEN_COUNT: bytes per counted element (0 means 1) */
    __u16 pad;
    struct pl_probe_path value_path; /* applied to value's location */
    struct pl_probe_path len_path;   /* applied to len's location */
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_slot) == 120, "pl_probe_slot layout changed");

enum pl_probe_mode {
    PL_PROBE_MODE_CALL = 0,  /* one record per call at return: slots, latency */
    PL_PROBE_MODE_SPLIT = 1, /* an entry record, and a return record with latency */
    PL_PROBE_MODE_ENTRY = 2, /* entry records only (no return program attached) */
};

enum pl_probe_key_kind {
    PL_KEY_TID = 0, /* entry and return meet on the same thread */
    PL_KEY_REG = 1, /* ... with the same value in register key_reg (Go: r14, the goroutine) */
};

enum pl_probe_config_flags {
    /* The stack pointer is part of the pairing key: at the return site it is
     * the entry's plus ret_sp_delta. Recursive calls then pair exactly. */
    PL_PROBE_KEY_SP = 1u << 0,
    /* Some slot captures bytes: in call mode the entry is kept with its data. */
    PL_PROBE_HAS_DATA = 1u << 1,
    /* With PL_PROBE_KEY_SP: the key is not the stack pointer but its distance
     * below the value at key_base (Go: the goroutine's stack.hi, at r14 + 8).
     * That distance survives the runtime copying the stack elsewhere (which it
     * does to grow or shrink it), so a call made before the copy still pairs
     * with its return after it. */
    PL_PROBE_KEY_SP_BASE = 1u << 2,
};

/* Conditions (`if COND`, issue 16): a postfix program over the captured
 * values, evaluated once the values it reads are captured (at entry, or at
 * return when it reads a return value). A comparison pushes one bit; AND and
 * OR pop two and push one; the record is kept if the last bit is 1. A
 * comparison with a value that could not be read (NULL, fault) is false. */
#define PL_PROBE_COND_OPS 16     /* steps per condition */
#define PL_PROBE_COND_STR 128    /* bytes of string constants per condition */
#define PL_PROBE_COND_STR_ONE 64 /* bytes of one string constant */

enum pl_probe_cond_kind {
    PL_COND_INT = 1,        /* integer comparison `cmp` of the slot's value with imm */
    PL_COND_FLAGS = 2,      /* (value & imm) != 0 */
    PL_COND_STR_EQ = 3,     /* the slot's captured bytes equal the constant */
    PL_COND_STR_PREFIX = 4, /* ... start with the constant */
    PL_COND_AND = 5,
    PL_COND_OR = 6,
};

enum pl_probe_cond_cmp {
    PL_CMP_EQ = 0,
    PL_CMP_NE = 1,
    PL_CMP_LT = 2,
    PL_CMP_LE = 3,
    PL_CMP_GT = 4,
    PL_CMP_GE = 5,
};

struct pl_probe_cond_op {
    __u8 kind;       /* enum pl_probe_cond_kind */
    __u8 cmp;        /* PL_COND_INT: enum pl_probe_cond_cmp */
    __u8 slot;       /* the config slot compared */
    __u8 bit_offset; /* integers: the value is bits [bit_offset, +bits) of the 8 bytes read */
    __u8 bits;       /* 1..64 */
    __u8 is_signed;  /* compare as a signed integer of `bits` bits */
    __u8 str_len;    /* strings: the constant is cond_str[str_off, +str_len) */
    __u8 pad0;
    __u16 str_off;
    __u16 pad1;
    __u32 pad2;
    __u64 imm; /* PL_COND_INT, PL_COND_FLAGS */
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_cond_op) == 24, "pl_probe_cond_op layout changed");

enum pl_probe_cond_at {
    PL_COND_AT_ENTRY = 0,  /* reads entry slots only */
    PL_COND_AT_RETURN = 1, /* reads a return slot: call mode only */
};

struct pl_probe_config {
    __u8 mode;     /* enum pl_probe_mode */
    __u8 n_slots;  /* slots used (<= PL_PROBE_SLOTS_MAX) */
    __u8 n_entry;  /* slots [0, n_entry) are read at entry, the rest at return */
    __u8 key_kind; /* enum pl_probe_key_kind */
    __u8 key_reg;  /* PL_KEY_REG: enum pl_probe_reg */
    __u8 flags;    /* enum pl_probe_config_flags */
    /* `rate N/s`: 0, the probe's own token bucket; K, probe K - 1's. The
     * sites of a USDT probe (a config each) share their first site's. */
    __u16 rate_shared;
    /* stack pointer at the return site minus the entry's: 8 for a uretprobe (the
     * return address has been popped), 0 for a uprobe on a RET instruction. */
    __s32 ret_sp_delta;
    __u32 pad1;
    struct pl_probe_slot slots[PL_PROBE_SLOTS_MAX];
    /* Appended for Go (issue 6). PL_PROBE_KEY_SP_BASE: where the stack's top is. */
    struct pl_probe_loc key_base;
    /* Appended for issue 16: the condition, the rate limit. */
    __u8 n_cond;  /* steps in cond[]; 0: no condition */
    __u8 cond_at; /* enum pl_probe_cond_at */
    __u8 pad2[6];
    /* `rate N/s`: a token bucket of N tokens refilled at N per second, kept as
     * the time the next token is due (GCRA). 0: no limit. */
    __u64 rate_interval_ns; /* 1e9 / N */
    __u64 rate_burst_ns;    /* N * rate_interval_ns: how far ahead the bucket may be spent */
    struct pl_probe_cond_op cond[PL_PROBE_COND_OPS];
    char cond_str[PL_PROBE_COND_STR];
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_config) == 16 + 120 * PL_PROBE_SLOTS_MAX + 16 + 24 +
                                                       24 * PL_PROBE_COND_OPS + PL_PROBE_COND_STR,
                 "pl_probe_config layout changed");

/* Per probe and cpu (the probe_stats map): what happened to its calls. The
 * record of a call is the call record (call mode) or the entry record (split
 * and entry modes); split mode's return records are not counted here.
 *   calls = filtered + passed + (calls still in flight or never returned)
 *   passed = records sent + rate_limited + lost */
struct pl_probe_stats {
    __u64 calls;        /* hits that passed the pid, comm and cgroup filters */
    __u64 filtered;     /* calls whose condition was false */
    __u64 passed;       /* calls whose condition held (or without one), at the record */
    __u64 rate_limited; /* records dropped by `rate N/s` */
    __u64 lost;         /* records the ring buffer had no room for */
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_stats) == 40, "pl_probe_stats layout changed");

/* The rate limit's state per probe (the probe_rate map). */
struct pl_probe_rate {
    __u64 next_ns; /* boot-clock time the bucket is spent up to */
};

enum pl_probe_stage {
    PL_PROBE_STAGE_CALL = 0,   /* entry and return slots, latency */
    PL_PROBE_STAGE_ENTRY = 1,  /* entry slots only */
    PL_PROBE_STAGE_RETURN = 2, /* return slots only, latency */
};

enum pl_probe_value_flags {
    PL_VALUE_TRUNCATED = 1u << 0, /* STR/BUF: more bytes than the cap */
    PL_VALUE_FAULT = 1u << 1,     /* user memory could not be read */
    PL_VALUE_NULL = 1u << 2,      /* STR/BUF: the pointer was NULL */
    /* STR/BUF at entry: the memory was not paged in at entry (BPF cannot fault
     * it in), so it was read when the call returned. Call mode only. */
    PL_VALUE_AT_RETURN = 1u << 3,
    /* With NULL or FAULT: a field expression's path failed (at fail_step):
     * nothing was captured. */
    PL_VALUE_PATH = 1u << 4,
};

enum pl_probe_event_flags {
    PL_PROBE_EV_RETRY = 1u << 0, /* an entry capture faulted: retry it at return */
};

#define PL_FAIL_IN_LEN 0x80

/* One value slot as read. */
struct pl_probe_value {
    __u64 value;    /* the raw 8 bytes (STR and BUF: the pointer) */
    __u64 len;      /* BUF: the byte count as read (before the cap) */
    __u16 data_off; /* STR, BUF: the captured bytes are data[data_off, +data_len) */
    __u16 data_len; /* (strings without their NUL) */
    __u8 flags;     /* enum pl_probe_value_flags */
    /* NULL or FAULT in a field expression: the memory access that failed
     * (struct pl_probe_path), | PL_FAIL_IN_LEN if in the length's path. */
    __u8 fail_step;
    __u8 pad[2];
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_value) == 24, "pl_probe_value layout changed");

#define PL_PROBE_AREA_SIZE (PL_PROBE_SLOTS_MAX * 24 + PL_PROBE_DATA_SIZE)

/*
 * The event carries the slots [first_slot, first_slot + n_values) of its probe
 * (entry: the entry slots; return: the return slots; call: all), then the
 * captured bytes: area[] holds n_values struct pl_probe_value, and data[]
 * starts right after them (at area + 24 * n_values) with data_used bytes.
 * header.size = offsetof(area) + 24 * n_values + data_used.
 */
struct pl_probe_event {
    struct pl_event_header hdr;
    __u32 probe_id; /* index of the config (the attach cookie) */
    __u8 stage;     /* enum pl_probe_stage */
    __u8 first_slot;
    __u8 n_values;
    __u8 flags;       /* enum pl_probe_event_flags */
    __u64 latency_ns; /* CALL and RETURN: return time minus entry time */
    __u16 data_used;
    __u8 pad[6];
    char area[PL_PROBE_AREA_SIZE];
};
PL_STATIC_ASSERT(__builtin_offsetof(struct pl_probe_event, area) == 104,
                 "pl_probe_event layout changed");

/* What an in-flight call without captured bytes keeps (the probe_calls map's
 * value): the event's fixed part and room for every slot's value. */
struct pl_probe_call_head {
    char bytes[104 + PL_PROBE_SLOTS_MAX * 24];
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_call_head) ==
                     __builtin_offsetof(struct pl_probe_event, area) +
                         PL_PROBE_SLOTS_MAX * sizeof(struct pl_probe_value),
                 "pl_probe_call_head layout changed");

/* The in-flight call map's key. */
struct pl_probe_call_key {
    __u32 probe_id;
    __u32 tgid;
    __u64 key; /* the thread id or the key register's value */
    __u64 sp;  /* PL_PROBE_KEY_SP: the entry's stack pointer (with PL_PROBE_KEY_SP_BASE:
                  key_base's value minus it), else 0 */
};
PL_STATIC_ASSERT(sizeof(struct pl_probe_call_key) == 24, "pl_probe_call_key layout changed");

#endif
