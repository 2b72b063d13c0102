// The DWARF type graph (symbols/dwarf_types.hpp) over the field test programs:
// probe_fields (C, DWARF 5 and 4), probe_fields_cpp and go_fields. C offsets
// are compared with offsetof over the program's own header; Go's are the
// ones go_fields checks with unsafe.Offsetof when it starts.
#include "symbols/dwarf_types.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "support/process.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"
#include "testprogs/probes/probe_fields.h"

namespace probelog::symbols {
namespace {

// A test program's ELF file and DWARF (which reads through the file's handle).
struct Program {
    explicit Program(const std::string& name) : file(open_file(name)), dwarf(open_dwarf(file)) {}

    static ElfFile open_file(const std::string& name) {
        auto f = ElfFile::open(test::testprog(name));
        if (!f) throw std::runtime_error(f.error().message);
        return std::move(*f);
    }
    static DwarfInfo open_dwarf(const ElfFile& f) {
        auto d = DwarfInfo::open(f);
        if (!d) throw std::runtime_error(f.path() + ": no DWARF");
        return std::move(*d);
    }

    FunctionTypes function(std::string_view name) const {
        auto found = find_functions(file, name);
        if (found.size() != 1) throw std::runtime_error(std::string(name) + ": not one function");
        auto fn = function_types(dwarf, found[0]->address);
        if (!fn) throw std::runtime_error(std::string(name) + ": no DWARF function");
        return *fn;
    }
    TypeDesc describe(TypeRef t) const { return describe_type(dwarf, t); }
    // The member `name` of `type`, which must exist.
    MemberDesc member(TypeRef type, std::string_view name) const {
        auto m = find_member(dwarf, type, name);
        if (!m) throw std::runtime_error("no member " + std::string(name));
        return *m;
    }
    // What a pointer (or reference) points to.
    TypeRef deref(TypeRef ptr) const {
        TypeDesc d = describe(ptr);
        if (d.kind != TypeKind::Pointer || !d.target)
            throw std::runtime_error(d.name + ": not a pointer");
        return d.target;
    }

    ElfFile file;
    DwarfInfo dwarf;
};

const Program& c_program() {
    static const Program p("probe_fields");
    return p;
}

TypeRef request_type(const Program& p) {
    FunctionTypes fn = p.function("pf_handle_request");
    EXPECT_EQ(fn.names, std::vector<std::string>{"req"});
    return p.deref(fn.types.at(0));
}

TEST(DwarfTypes, CFunctionParametersAndReturn) {
    const Program& p = c_program();
    FunctionTypes fn = p.function("pf_handle_request");
    ASSERT_EQ(fn.types.size(), 1u);
    TypeDesc req = p.describe(fn.types[0]);
    EXPECT_EQ(req.kind, TypeKind::Pointer);
    EXPECT_EQ(req.size, 8u);
    EXPECT_EQ(req.name, "struct pf_request *");
    TypeDesc ret = p.describe(fn.ret);
    EXPECT_EQ(ret.kind, TypeKind::Signed);
    EXPECT_EQ(ret.size, 8u);
    EXPECT_EQ(ret.name, "long int");

    TypeDesc s = p.describe(req.target);
    EXPECT_EQ(s.kind, TypeKind::Struct);
    EXPECT_EQ(s.name, "struct pf_request");
    EXPECT_EQ(s.size, sizeof(pf_request));
    EXPECT_FALSE(s.incomplete);

    TypeDesc v = p.describe(TypeRef{});
    EXPECT_EQ(v.kind, TypeKind::Void);
    EXPECT_FALSE(function_types(p.dwarf, 1));
}

TEST(DwarfTypes, CMembersInOrderWithCompilerOffsets) {
    const Program& p = c_program();
    std::vector<MemberDesc> members = type_members(p.dwarf, request_type(p));
    std::vector<std::string> names;
    for (const MemberDesc& m : members)
        names.push_back(m.name);
    EXPECT_EQ(names,
              (std::vector<std::string>{"method", "path", "hdr", "conn", "urgent", "retries",
                                        "kind", "u", "ratio", "weight", "samples", "neg", "grid"}));
    auto at = [&](std::string_view name) { return p.member(request_type(p), name).offset; };
    EXPECT_EQ(at("method"), offsetof(pf_request, method));
    EXPECT_EQ(at("path"), offsetof(pf_request, path));
    EXPECT_EQ(at("hdr"), offsetof(pf_request, hdr));
    EXPECT_EQ(at("conn"), offsetof(pf_request, conn));
    EXPECT_EQ(at("u"), offsetof(pf_request, u));
    EXPECT_EQ(at("ratio"), offsetof(pf_request, ratio));
    EXPECT_EQ(at("weight"), offsetof(pf_request, weight));
    EXPECT_EQ(at("samples"), offsetof(pf_request, samples));
    EXPECT_EQ(at("neg"), offsetof(pf_request, neg));
    EXPECT_EQ(at("grid"), offsetof(pf_request, grid));
    EXPECT_FALSE(find_member(p.dwarf, request_type(p), "nope"));
    for (const MemberDesc& m : members)
        EXPECT_FALSE(m.base_or_embedded) << m.name;
}

TEST(DwarfTypes, CNestedStructsAndPointers) {
    const Program& p = c_program();
    TypeRef req = request_type(p);
    MemberDesc hdr = p.member(req, "hdr");
    EXPECT_EQ(p.describe(hdr.type).name, "struct pf_header");
    MemberDesc len = p.member(hdr.type, "content_length");
    EXPECT_EQ(hdr.offset + len.offset, offsetof(pf_request, hdr.content_length));
    TypeDesc len_type = p.describe(len.type);
    EXPECT_EQ(len_type.kind, TypeKind::Unsigned);
    EXPECT_EQ(len_type.size, 4u);
    EXPECT_EQ(len_type.name, "uint32_t");  // the typedef's name, looked through
    EXPECT_EQ(hdr.offset + p.member(hdr.type, "flags").offset, offsetof(pf_request, hdr.flags));
    MemberDesc host = p.member(hdr.type, "host");
    EXPECT_EQ(hdr.offset + host.offset, offsetof(pf_request, hdr.host));
    TypeDesc host_type = p.describe(host.type);
    EXPECT_EQ(host_type.kind, TypeKind::Array);
    EXPECT_EQ(host_type.count, 32u);
    EXPECT_EQ(host_type.elem_size, 1u);
    EXPECT_EQ(host_type.size, 32u);
    EXPECT_EQ(host_type.name, "char[32]");
    EXPECT_EQ(p.describe(host_type.target).kind, TypeKind::Char);

    // req->conn->peer->name, req->conn->peer->port
    TypeRef conn = p.deref(p.member(req, "conn").type);
    EXPECT_EQ(p.describe(conn).name, "struct pf_conn");
    MemberDesc peer_ptr = p.member(conn, "peer");
    EXPECT_EQ(peer_ptr.offset, offsetof(pf_conn, peer));
    TypeRef peer = p.deref(peer_ptr.type);
    MemberDesc name = p.member(peer, "name");
    EXPECT_EQ(name.offset, offsetof(pf_peer, name));
    EXPECT_EQ(p.describe(name.type).count, 16u);
    MemberDesc port = p.member(peer, "port");
    EXPECT_EQ(port.offset, offsetof(pf_peer, port));
    EXPECT_EQ(p.describe(port.type).kind, TypeKind::Unsigned);

    // const char *path: a pointer to const char, the const looked through.
    TypeDesc path = p.describe(p.member(req, "path").type);
    EXPECT_EQ(path.name, "const char *");
    EXPECT_EQ(p.describe(path.target).kind, TypeKind::Char);
    EXPECT_EQ(p.describe(path.target).name, "const char");
}

void expect_bitfields(const Program& p) {
    TypeRef req = request_type(p);
    // One unsigned int at 64: urgent bit 0, retries bits 1-3, kind bits 4-7.
    MemberDesc urgent = p.member(req, "urgent");
    MemberDesc retries = p.member(req, "retries");
    MemberDesc kind = p.member(req, "kind");
    EXPECT_EQ(urgent.offset, 64u);
    EXPECT_EQ(urgent.bit_offset, 0u);
    EXPECT_EQ(urgent.bit_size, 1u);
    EXPECT_EQ(retries.offset, 64u);
    EXPECT_EQ(retries.bit_offset, 1u);
    EXPECT_EQ(retries.bit_size, 3u);
    EXPECT_EQ(kind.offset, 64u);
    EXPECT_EQ(kind.bit_offset, 4u);
    EXPECT_EQ(kind.bit_size, 4u);
    TypeDesc t = p.describe(kind.type);
    EXPECT_EQ(t.kind, TypeKind::Unsigned);
    EXPECT_EQ(t.size, 4u);
    EXPECT_EQ(p.member(req, "path").bit_size, 0u);
    // The layout the bits encode, checked on a real object.
    pf_request r{};
    r.retries = 5;
    r.kind = 9;
    uint32_t word = 0;
    std::memcpy(&word, reinterpret_cast<const char*>(&r) + kind.offset, 4);
    EXPECT_EQ((word >> retries.bit_offset) & 7u, 5u);
    EXPECT_EQ((word >> kind.bit_offset) & 15u, 9u);
}

TEST(DwarfTypes, CBitfieldsDwarf5) {
    expect_bitfields(c_program());
}

TEST(DwarfTypes, CBitfieldsDwarf4) {
    expect_bitfields(Program("probe_fields_dwarf4"));
}

TEST(DwarfTypes, CUnionEnumArraysScalars) {
    const Program& p = c_program();
    TypeRef req = request_type(p);
    TypeDesc u = p.describe(p.member(req, "u").type);
    EXPECT_EQ(u.kind, TypeKind::Union);
    EXPECT_EQ(u.size, 8u);
    MemberDesc id = p.member(p.member(req, "u").type, "id");
    MemberDesc score = p.member(p.member(req, "u").type, "score");
    EXPECT_EQ(id.offset, 0u);
    EXPECT_EQ(score.offset, 0u);
    EXPECT_EQ(p.describe(id.type).kind, TypeKind::Unsigned);
    EXPECT_EQ(p.describe(score.type).kind, TypeKind::Float);
    EXPECT_EQ(p.describe(score.type).size, 8u);

    MemberDesc method = p.member(req, "method");
    TypeDesc e = p.describe(method.type);
    EXPECT_EQ(e.kind, TypeKind::Enum);
    EXPECT_EQ(e.size, 4u);
    EXPECT_FALSE(e.is_signed);
    EXPECT_EQ(e.name, "enum pf_method");
    std::vector<Enumerator> values = type_enumerators(p.dwarf, method.type);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0].name, "PF_GET");
    EXPECT_EQ(values[0].value, PF_GET);
    EXPECT_EQ(values[1].name, "PF_POST");
    EXPECT_EQ(values[1].value, PF_POST);
    EXPECT_TRUE(type_enumerators(p.dwarf, req).empty());
    EXPECT_TRUE(type_members(p.dwarf, method.type).empty());

    TypeDesc samples = p.describe(p.member(req, "samples").type);
    EXPECT_EQ(samples.kind, TypeKind::Array);
    EXPECT_EQ(samples.count, 4u);
    EXPECT_EQ(samples.elem_size, 2u);
    EXPECT_EQ(samples.name, "int16_t[4]");
    TypeDesc s16 = p.describe(samples.target);
    EXPECT_EQ(s16.kind, TypeKind::Signed);
    EXPECT_EQ(s16.size, 2u);

    // uint8_t grid[2][3]: an array of 2 arrays of 3.
    TypeDesc grid = p.describe(p.member(req, "grid").type);
    EXPECT_EQ(grid.kind, TypeKind::Array);
    EXPECT_EQ(grid.count, 2u);
    EXPECT_EQ(grid.elem_size, 3u);
    EXPECT_EQ(grid.size, 6u);
    EXPECT_EQ(grid.name, "uint8_t[2][3]");
    TypeDesc row = p.describe(grid.target);
    EXPECT_EQ(row.kind, TypeKind::Array);
    EXPECT_EQ(row.count, 3u);
    EXPECT_EQ(row.elem_size, 1u);
    EXPECT_EQ(row.name, "uint8_t[3]");
    EXPECT_EQ(p.describe(row.target).kind, TypeKind::Unsigned);

    TypeDesc ratio = p.describe(p.member(req, "ratio").type);
    EXPECT_EQ(ratio.kind, TypeKind::Float);
    EXPECT_EQ(ratio.size, 8u);
    TypeDesc weight = p.describe(p.member(req, "weight").type);
    EXPECT_EQ(weight.kind, TypeKind::Float);
    EXPECT_EQ(weight.size, 4u);
    TypeDesc neg = p.describe(p.member(req, "neg").type);
    EXPECT_EQ(neg.kind, TypeKind::Signed);
    EXPECT_EQ(neg.size, 8u);
    EXPECT_EQ(neg.name, "int64_t");
}

TEST(DwarfTypes, CRecursiveListIsFollowedStepByStep) {
    const Program& p = c_program();
    FunctionTypes fn = p.function("pf_walk");
    TypeRef node = p.deref(fn.types.at(0));
    // n->next->next->... nine times: always struct pf_node, next at 8.
    TypeRef cur = node;
    for (int i = 0; i < 9; ++i) {
        MemberDesc next = p.member(cur, "next");
        EXPECT_EQ(next.offset, offsetof(pf_node, next));
        cur = p.deref(next.type);
        EXPECT_EQ(cur, node);
    }
    EXPECT_EQ(p.member(cur, "value").offset, offsetof(pf_node, value));
}

TEST(DwarfTypes, CDeclarationResolvedInAnotherUnit) {
    const Program& p = c_program();
    FunctionTypes fn = p.function("pf_handle_opaque");
    TypeRef opaque = p.deref(fn.types.at(0));
    TypeDesc d = p.describe(opaque);
    EXPECT_EQ(d.kind, TypeKind::Struct);
    EXPECT_FALSE(d.incomplete);
    EXPECT_EQ(d.size, 24u);
    EXPECT_EQ(d.name, "struct pf_opaque");
    EXPECT_EQ(p.member(opaque, "secret").offset, 8u);
    EXPECT_EQ(p.member(opaque, "label").offset, 16u);
}

TEST(DwarfTypes, CVoidPointerHasNoTarget) {
    Program p("probe_target");
    FunctionTypes fn = p.function("pt_ptr");
    TypeDesc d = p.describe(fn.types.at(0));
    EXPECT_EQ(d.kind, TypeKind::Pointer);
    EXPECT_FALSE(d.target);
    EXPECT_EQ(p.describe(d.target).kind, TypeKind::Void);
    EXPECT_EQ(p.describe(p.function("pt_add_ints").ret).kind, TypeKind::Signed);
}

TEST(DwarfTypes, CxxBaseClassAndLibstdcxxTypes) {
    Program p("probe_fields_cpp");
    FunctionTypes fn = p.function("PfSession::serve");
    EXPECT_EQ(fn.names, (std::vector<std::string>{"this", "n"}));
    TypeRef session = p.deref(fn.types.at(0));
    TypeDesc s = p.describe(session);
    EXPECT_EQ(s.kind, TypeKind::Struct);
    EXPECT_EQ(s.size, 120u);
    EXPECT_EQ(p.describe(fn.types.at(1)).kind, TypeKind::Signed);

    std::vector<MemberDesc> members = type_members(p.dwarf, session);
    ASSERT_FALSE(members.empty());
    EXPECT_EQ(members[0].name, "pf_base");
    EXPECT_TRUE(members[0].base_or_embedded);
    MemberDesc base_id = p.member(session, "base_id");  // found in the base class
    EXPECT_EQ(base_id.offset, 0u);
    EXPECT_EQ(p.describe(base_id.type).kind, TypeKind::Signed);

    MemberDesc user = p.member(session, "user");
    EXPECT_EQ(user.offset, 8u);
    TypeDesc str = p.describe(user.type);
    EXPECT_EQ(str.kind, TypeKind::CxxString);
    EXPECT_EQ(str.size, 32u);
    EXPECT_TRUE(type_members(p.dwarf, user.type).empty());
    EXPECT_EQ(p.member(session, "long_user").offset, 80u);
    EXPECT_EQ(p.describe(p.member(session, "long_user").type).kind, TypeKind::CxxString);

    MemberDesc tag = p.member(session, "tag");
    EXPECT_EQ(tag.offset, 40u);
    TypeDesc view = p.describe(tag.type);
    EXPECT_EQ(view.kind, TypeKind::CxxStringView);
    EXPECT_EQ(view.size, 16u);

    MemberDesc ids = p.member(session, "ids");
    EXPECT_EQ(ids.offset, 56u);
    TypeDesc vec = p.describe(ids.type);
    EXPECT_EQ(vec.kind, TypeKind::CxxVector);
    EXPECT_EQ(vec.size, 24u);
    EXPECT_EQ(vec.elem_size, 4u);
    TypeDesc elem = p.describe(vec.target);
    EXPECT_EQ(elem.kind, TypeKind::Signed);
    EXPECT_EQ(elem.name, "int");

    EXPECT_EQ(p.member(session, "count").offset, 112u);
}

const Program& go_program() {
    static const Program p("go_fields");
    return p;
}

TEST(DwarfTypes, GoFunctionParameters) {
    const Program& p = go_program();
    FunctionTypes fn = p.function("main.handle");
    EXPECT_EQ(fn.names, (std::vector<std::string>{"req", "meta", "err", "tags", "~r0"}));
    ASSERT_EQ(fn.types.size(), 5u);
    EXPECT_FALSE(fn.ret);

    TypeDesc req = p.describe(fn.types[0]);
    EXPECT_EQ(req.kind, TypeKind::Pointer);
    EXPECT_EQ(req.name, "*main.Request");
    TypeDesc request = p.describe(req.target);
    EXPECT_EQ(request.kind, TypeKind::Struct);
    EXPECT_EQ(request.name, "main.Request");
    EXPECT_EQ(request.size, 168u);

    TypeDesc meta = p.describe(fn.types[1]);
    EXPECT_EQ(meta.kind, TypeKind::GoInterface);
    EXPECT_TRUE(meta.go_empty_interface);
    EXPECT_EQ(meta.size, 16u);
    EXPECT_EQ(meta.name, "interface {}");
    TypeDesc err = p.describe(fn.types[2]);
    EXPECT_EQ(err.kind, TypeKind::GoInterface);
    EXPECT_FALSE(err.go_empty_interface);
    EXPECT_EQ(err.size, 16u);
    EXPECT_EQ(err.name, "error");
    TypeDesc tags = p.describe(fn.types[3]);
    EXPECT_EQ(tags.kind, TypeKind::GoMap);
    EXPECT_EQ(tags.size, 8u);
    EXPECT_EQ(tags.name, "map[string]int");
    EXPECT_EQ(p.describe(tags.target).name, "int");  // the value type
    TypeDesc r0 = p.describe(fn.types[4]);
    EXPECT_EQ(r0.kind, TypeKind::Signed);
    EXPECT_EQ(r0.size, 8u);
}

TEST(DwarfTypes, GoStructFieldsAndEmbedding) {
    const Program& p = go_program();
    TypeRef req = p.deref(p.function("main.handle").types.at(0));
    std::vector<MemberDesc> members = type_members(p.dwarf, req);
    ASSERT_FALSE(members.empty());
    EXPECT_EQ(members[0].name, "Base");
    EXPECT_TRUE(members[0].base_or_embedded);
    EXPECT_EQ(members[0].offset, 0u);
    // Fields of the embedded Base, found through it.
    MemberDesc id = p.member(req, "ID");
    EXPECT_EQ(id.offset, 0u);
    EXPECT_EQ(p.describe(id.type).kind, TypeKind::Signed);
    MemberDesc name = p.member(req, "Name");
    EXPECT_EQ(name.offset, 8u);
    EXPECT_EQ(p.describe(name.type).kind, TypeKind::GoString);
    EXPECT_FALSE(name.base_or_embedded);

    MemberDesc method = p.member(req, "Method");
    EXPECT_EQ(method.offset, 24u);
    TypeDesc str = p.describe(method.type);
    EXPECT_EQ(str.kind, TypeKind::GoString);
    EXPECT_EQ(str.size, 16u);
    EXPECT_EQ(str.name, "string");

    // r.URL.Path through the pointer
    MemberDesc url = p.member(req, "URL");
    EXPECT_EQ(url.offset, 40u);
    TypeRef u = p.deref(url.type);
    EXPECT_EQ(p.describe(u).name, "main.URL");
    EXPECT_EQ(p.member(u, "Path").offset, 32u);
    EXPECT_EQ(p.describe(p.member(u, "Path").type).kind, TypeKind::GoString);
    MemberDesc port = p.member(u, "Port");
    EXPECT_EQ(port.offset, 48u);
    EXPECT_EQ(p.describe(port.type).kind, TypeKind::Unsigned);
    EXPECT_EQ(p.describe(port.type).size, 2u);

    MemberDesc body = p.member(req, "Body");
    EXPECT_EQ(body.offset, 48u);
    TypeDesc bytes = p.describe(body.type);
    EXPECT_EQ(bytes.kind, TypeKind::GoSlice);
    EXPECT_EQ(bytes.size, 24u);
    EXPECT_EQ(bytes.elem_size, 1u);
    EXPECT_EQ(bytes.name, "[]uint8");
    EXPECT_EQ(p.describe(bytes.target).kind, TypeKind::Unsigned);
    MemberDesc sizes = p.member(req, "Sizes");
    EXPECT_EQ(sizes.offset, 72u);
    TypeDesc ints = p.describe(sizes.type);
    EXPECT_EQ(ints.kind, TypeKind::GoSlice);
    EXPECT_EQ(ints.elem_size, 8u);
    EXPECT_EQ(p.describe(ints.target).kind, TypeKind::Signed);

    MemberDesc hdr = p.member(req, "Hdr");
    EXPECT_EQ(hdr.offset, 96u);
    EXPECT_EQ(p.member(hdr.type, "ContentLength").offset, 0u);
    EXPECT_EQ(p.member(hdr.type, "Flags").offset, 8u);

    MemberDesc next = p.member(req, "Next");
    EXPECT_EQ(next.offset, 112u);
    EXPECT_EQ(p.deref(next.type), req);  // the same type, not a loop
    MemberDesc labels = p.member(req, "Labels");
    EXPECT_EQ(labels.offset, 120u);
    EXPECT_EQ(p.describe(labels.type).kind, TypeKind::GoMap);
    MemberDesc meta = p.member(req, "Meta");
    EXPECT_EQ(meta.offset, 128u);
    EXPECT_EQ(p.describe(meta.type).kind, TypeKind::GoInterface);
    EXPECT_TRUE(p.describe(meta.type).go_empty_interface);
    MemberDesc pair = p.member(req, "Pair");
    EXPECT_EQ(pair.offset, 144u);
    TypeDesc arr = p.describe(pair.type);
    EXPECT_EQ(arr.kind, TypeKind::Array);
    EXPECT_EQ(arr.count, 2u);
    EXPECT_EQ(arr.elem_size, 4u);
    EXPECT_EQ(arr.name, "[2]int32");
    MemberDesc ok = p.member(req, "Ok");
    EXPECT_EQ(ok.offset, 152u);
    EXPECT_EQ(p.describe(ok.type).kind, TypeKind::Bool);
    MemberDesc score = p.member(req, "Score");
    EXPECT_EQ(score.offset, 160u);
    EXPECT_EQ(p.describe(score.type).kind, TypeKind::Float);
}

}  // namespace
}  // namespace probelog::symbols
