#include "probes/clause_compile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

namespace probelog::probes {
namespace {

using decode::ProbeInfo;
using decode::ProbeSlotInfo;
using decode::ProbeValueKind;

constexpr uint64_t kNsPerSecond = 1000000000;

std::string without_blanks(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    }
    return out;
}

std::optional<size_t> slot_named(const ProbeInfo& info, std::string_view name) {
    for (size_t i = 0; i < info.slots.size(); ++i) {
        if (info.slots[i].name == name) return i;
    }
    return std::nullopt;
}

// The slot that holds an operand's value: a value named as the operand is
// written (a capture's name, a parameter, ret), or a capture of the same
// expression, shown or hidden.
std::optional<size_t> operand_slot(const CaptureSpec& operand, const ProbeSpec& spec,
                                   const ProbeInfo& info) {
    if (operand.steps.empty()) {
        if (auto i = slot_named(info, operand.root); i && !info.slots[*i].hidden) return i;
    }
    std::string expr = without_blanks(operand.expr);
    for (const CaptureSpec& c : spec.captures) {
        if (without_blanks(c.expr) == expr) return slot_named(info, c.name);
    }
    return std::nullopt;
}

std::string value_names(const ProbeInfo& info) {
    std::string out;
    for (const ProbeSlotInfo& s : info.slots) {
        if (s.hidden || s.name.empty()) continue;
        out += out.empty() ? "" : ", ";
        out += s.name;
    }
    return out.empty() ? "none" : out;
}

bool is_string_slot(const ProbeSlotInfo& s) {
    return (s.kind == ProbeValueKind::Str || s.kind == ProbeValueKind::Buf) && s.elem_bytes == 0;
}

bool is_integer_slot(const ProbeSlotInfo& s) {
    switch (s.kind) {
        case ProbeValueKind::Int:
        case ProbeValueKind::Uint:
        case ProbeValueKind::Hex:
        case ProbeValueKind::Bool:
        case ProbeValueKind::Char:
        case ProbeValueKind::Enum:
            return true;
        default:
            return false;
    }
}

uint8_t cmp_of(CondOp op) {
    switch (op) {
        case CondOp::Ne:
            return PL_CMP_NE;
        case CondOp::Lt:
            return PL_CMP_LT;
        case CondOp::Le:
            return PL_CMP_LE;
        case CondOp::Gt:
            return PL_CMP_GT;
        case CondOp::Ge:
            return PL_CMP_GE;
        default:
            return PL_CMP_EQ;
    }
}

class CondCompiler {
  public:
    CondCompiler(const ProbeSpec& spec, CompiledProbe& out) : spec_(spec), out_(out) {}

    Status run() {
        const std::vector<CondItem>& items = spec_.clauses.cond;
        if (items.size() > PL_PROBE_COND_OPS) {
            return make_error("if {}: too many steps: a condition has at most {} comparisons",
                              spec_.clauses.cond_text, (PL_PROBE_COND_OPS + 1) / 2);
        }
        pl_probe_config& cfg = out_.config;
        uint8_t at = PL_COND_AT_ENTRY;
        for (size_t k = 0; k < items.size(); ++k) {
            const CondItem& item = items[k];
            pl_probe_cond_op& op = cfg.cond[k];
            if (item.op == CondOp::And || item.op == CondOp::Or) {
                op.kind = item.op == CondOp::And ? PL_COND_AND : PL_COND_OR;
                continue;
            }
            auto slot = operand_slot(item.operand, spec_, out_.info);
            if (!slot) {
                return make_error("if {}: {} is not a value of this probe (values: {})",
                                  spec_.clauses.cond_text, item.operand.expr,
                                  value_names(out_.info));
            }
            if (*slot >= cfg.n_entry) at = PL_COND_AT_RETURN;
            op.slot = static_cast<uint8_t>(*slot);
            if (Status st = comparison(item, out_.info.slots[*slot], cfg.slots[*slot], op); !st) {
                return st.error().prefixed(fmt::format("if {}: ", spec_.clauses.cond_text));
            }
        }
        if (at == PL_COND_AT_RETURN && cfg.mode != PL_PROBE_MODE_CALL) {
            return make_error(
                "if {}: the condition reads a value of the return, and in --probe-mode {} the "
                "entry record is sent before the call returns: use --probe-mode call",
                spec_.clauses.cond_text, cfg.mode == PL_PROBE_MODE_SPLIT ? "split" : "entry");
        }
        cfg.n_cond = static_cast<uint8_t>(items.size());
        cfg.cond_at = at;
        return {};
    }

  private:
    Status comparison(const CondItem& item, const ProbeSlotInfo& slot, const pl_probe_slot& cs,
                      pl_probe_cond_op& op) {
        const CondLiteral& lit = item.literal;
        std::string_view opt = cond_op_text(item.op);
        if (is_string_slot(slot)) {
            if (lit.kind != CondLiteral::Kind::Str) {
                return make_error("{} is a string: compare it with a \"string\", not {}",
                                  item.operand.expr, lit.text);
            }
            if (item.op != CondOp::Eq && item.op != CondOp::Ne && item.op != CondOp::StartsWith) {
                return make_error("{} is a string: compare it with ==, != or startswith, not {}",
                                  item.operand.expr, opt);
            }
            return string_constant(item, cs, op);
        }
        if (!is_integer_slot(slot)) {
            return make_error(
                "{} cannot be compared (a condition compares integers, pointers, enums and "
                "strings)",
                item.operand.expr);
        }
        if (lit.kind == CondLiteral::Kind::Str) {
            return make_error("{} is a number: compare it with a number, not the string \"{}\"",
                              item.operand.expr, lit.text);
        }
        if (item.op == CondOp::StartsWith) {
            return make_error("{} is a number: startswith compares strings", item.operand.expr);
        }
        uint32_t bits = slot.bit_size != 0 ? slot.bit_size : slot.bytes * 8U;
        if (bits == 0 || bits > 64) bits = 64;
        bool is_signed = slot.kind == ProbeValueKind::Int ||
                         (slot.kind == ProbeValueKind::Enum && slot.is_signed);
        op.bit_offset = slot.bit_offset;
        op.bits = static_cast<uint8_t>(bits);
        op.is_signed = is_signed ? 1 : 0;
        auto imm = integer_of(item, slot, bits, is_signed);
        if (!imm) return imm.error();
        op.imm = *imm;
        if (item.op == CondOp::Flags) {
            op.kind = PL_COND_FLAGS;
            if (lit.negative) {
                return make_error("{} & {}: flags are a positive mask", item.operand.expr,
                                  lit.text);
            }
        } else {
            op.kind = PL_COND_INT;
            op.cmp = cmp_of(item.op);
        }
        return {};
    }

    Result<uint64_t> integer_of(const CondItem& item, const ProbeSlotInfo& slot, uint32_t bits,
                                bool is_signed) {
        const CondLiteral& lit = item.literal;
        if (lit.kind == CondLiteral::Kind::Name) {
            for (const auto& [value, name] : slot.enumerators) {
                if (name == lit.text) return static_cast<uint64_t>(value);
            }
            if (slot.kind == ProbeValueKind::Enum) {
                std::string names;
                for (const auto& e : slot.enumerators)
                    names += (names.empty() ? "" : ", ") + e.second;
                return make_error("'{}' is not an enumerator of {}'s type (enumerators: {})",
                                  lit.text, item.operand.expr, names);
            }
            return make_error("'{}' is not a number (a condition compares {} with a number)",
                              lit.text, item.operand.expr);
        }
        if (lit.negative) {
            if (!is_signed) {
                return make_error("{} is unsigned: compare it with a number from 0, not {}",
                                  item.operand.expr, lit.text);
            }
            if (lit.value > (uint64_t{1} << (bits - 1))) {
                return make_error("{} does not fit {}, a signed {}-bit value", lit.text,
                                  item.operand.expr, bits);
            }
            return ~lit.value + 1;  // two's complement
        }
        uint64_t max = bits >= 64 ? UINT64_MAX : (uint64_t{1} << (is_signed ? bits - 1 : bits)) - 1;
        if (lit.value > max) {
            return make_error("{} does not fit {}, a{} {}-bit value", lit.text, item.operand.expr,
                              is_signed ? " signed" : "n unsigned", bits);
        }
        return lit.value;
    }

    Status string_constant(const CondItem& item, const pl_probe_slot& cs, pl_probe_cond_op& op) {
        const std::string& text = item.literal.text;
        op.kind = item.op == CondOp::StartsWith ? PL_COND_STR_PREFIX : PL_COND_STR_EQ;
        op.cmp = item.op == CondOp::Ne ? PL_CMP_NE : PL_CMP_EQ;
        if (text.size() > PL_PROBE_COND_STR_ONE) {
            return make_error("\"{}\" is longer than the {} bytes a condition's string may have",
                              text, PL_PROBE_COND_STR_ONE);
        }
        if (text.size() > cs.cap) {
            return make_error(
                "\"{}\" is longer than the {} bytes captured of {}: raise --probe-str-max (or "
                "--probe-buf-max)",
                text, cs.cap, item.operand.expr);
        }
        if (str_used_ + text.size() > PL_PROBE_COND_STR) {
            return make_error("the condition's strings take more than {} bytes together",
                              PL_PROBE_COND_STR);
        }
        std::copy(text.begin(), text.end(), out_.config.cond_str + str_used_);
        op.str_off = static_cast<uint16_t>(str_used_);
        op.str_len = static_cast<uint8_t>(text.size());
        str_used_ += text.size();
        return {};
    }

    const ProbeSpec& spec_;
    CompiledProbe& out_;
    size_t str_used_ = 0;
};

// log "TEXT {VALUE}": each reference names a field of the record.
Status compile_message(const ProbeSpec& spec, CompiledProbe& out) {
    ProbeInfo& info = out.info;
    if (slot_named(info, "message")) {
        return make_error(
            "log: a value of this probe is named 'message', the field the message "
            "goes in: rename it (NAME = EXPR)");
    }
    for (const LogPart& part : spec.clauses.log) {
        if (!part.is_ref) {
            info.message.push_back({part.text, false});
            continue;
        }
        std::optional<size_t> slot = operand_slot(part.ref, spec, info);
        if (slot && !info.slots[*slot].hidden) {
            info.message.push_back({info.slots[*slot].name, true});
            continue;
        }
        if (part.ref.steps.empty() && is_reserved_field(part.ref.root) &&
            part.ref.root != "message" && part.ref.root != "ret") {
            info.message.push_back({part.ref.root, true});  // pid, comm, latency_ns...
            continue;
        }
        return make_error(
            "log: {{{}}} is not a value of this probe's records (values: {}; and pid, tid, comm, "
            "latency_ns...): capture it, as in {{ {} }}",
            part.text, value_names(info), part.text);
    }
    return {};
}

}  // namespace

std::vector<CaptureSpec> condition_captures(const ProbeSpec& spec, const ProbeInfo& info) {
    std::vector<CaptureSpec> out;
    for (const CondItem& item : spec.clauses.cond) {
        if (item.op == CondOp::And || item.op == CondOp::Or) continue;
        if (operand_slot(item.operand, spec, info)) continue;
        std::string expr = without_blanks(item.operand.expr);
        bool again = std::any_of(out.begin(), out.end(), [&](const CaptureSpec& c) {
            return without_blanks(c.expr) == expr;
        });
        if (again) continue;
        CaptureSpec c = item.operand;
        c.hidden = true;
        c.name = fmt::format("_cond{}", out.size());
        out.push_back(std::move(c));
    }
    return out;
}

Status compile_clauses(const ProbeSpec& spec, CompiledProbe& out) {
    if (!spec.clauses.cond.empty()) {
        if (Status st = CondCompiler(spec, out).run(); !st) return st;
    }
    if (spec.clauses.has_log) {
        if (Status st = compile_message(spec, out); !st) return st;
    }
    if (uint64_t n = spec.clauses.rate_per_s; n != 0) {
        out.config.rate_interval_ns = kNsPerSecond / n;
        out.config.rate_burst_ns = n * out.config.rate_interval_ns;
    }
    return {};
}

}  // namespace probelog::probes
