#pragma once
// How the values of field expressions are shown (decode/probe.cpp): bitfields,
// enums by name, floats read from memory, arrays of numbers as a nested array
// (msgpack in the record's arena, which every sink already renders), null
// for a value behind a NULL pointer. Allocation-free.

#include <cstdint>
#include <string_view>

#include "decode/probe.hpp"

namespace probelog::decode {

// The bitfield's bits of a value read from memory (unsigned), if it is one.
uint64_t extract_bits(const ProbeSlotInfo& slot, uint64_t v);

// Adds a scalar of kind Int, Uint, Enum or Float read from memory.
void add_member_value(const ProbeSlotInfo& slot, uint64_t v, Record& out);

// Adds a null value (msgpack nil).
void add_null(std::string_view name, Record& out);

// Adds the elements in `bytes` (slot.elem_bytes each) as an array. Returns
// false if the record's arena could not hold them all (the array is cut).
bool add_elements(const ProbeSlotInfo& slot, std::string_view bytes, Record& out);

// Adds a Go interface (error, any) from its three slots (ProbeValueKind::
// GoInterface): NAME_type, the dynamic type's name; NAME, the value when the
// type says what it is (a string, an errors.New or fmt.Errorf error: the
// message; a number; a bool), else the data pointer; null for a nil interface.
struct InterfaceWords {
    uint64_t type = 0;
    uint8_t type_flags = 0;
    uint64_t first = 0;     // the first word at the data pointer
    std::string_view text;  // the string at the data pointer, if any
    uint8_t text_flags = 0;
    uint64_t data = 0;
    uint8_t data_flags = 0;
    uint8_t data_fail_step = 0;
};
void add_interface(const ProbeSlotInfo& slot, const InterfaceWords& words, uint32_t pid,
                   Record& out);

// Adds NAME_error for a field expression that met a NULL pointer or
// unreadable memory at access `fail_step` (schema/probe.h).
void add_path_error(const ProbeSlotInfo& slot, uint8_t flags, uint8_t fail_step, Record& out);

// A capture's bytes (Str, Buf) behind a NULL or unreadable pointer
// (slot.bytes_access): null and the error naming it.
void add_bytes_error(const ProbeSlotInfo& slot, uint8_t flags, Record& out);

}  // namespace probelog::decode
