# Compiles every bpf/progs/*.bpf.c with clang (-target bpf, CO-RE) and turns each
# object into a bpftool skeleton (build/bpf/<name>.skel.h, struct pl_<name>):
# the skeleton embeds the object's ELF bytes, so the probelog binary needs no .o
# files at run time, and names its programs, maps and constants as members, so
# C++ reaches them by type, not by string (src/bpf/skeleton.hpp).

find_program(BPF_CLANG NAMES clang-16 clang REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(PROBELOG_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "BTF used to generate vmlinux.h (the build host's kernel by default)")
set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})

if(NOT EXISTS ${PROBELOG_VMLINUX_BTF})
    message(FATAL_ERROR "no kernel BTF at ${PROBELOG_VMLINUX_BTF}: build on a kernel with "
        "CONFIG_DEBUG_INFO_BTF=y or pass -DPROBELOG_VMLINUX_BTF=/path/to/vmlinux")
endif()

add_custom_command(
    OUTPUT ${BPF_GEN_DIR}/vmlinux.h
    COMMAND ${BPFTOOL} btf dump file ${PROBELOG_VMLINUX_BTF} format c > ${BPF_GEN_DIR}/vmlinux.h.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${BPF_GEN_DIR}/vmlinux.h.tmp ${BPF_GEN_DIR}/vmlinux.h
    COMMENT "Generating vmlinux.h from ${PROBELOG_VMLINUX_BTF}")

file(GLOB BPF_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/progs/*.bpf.c)
file(GLOB BPF_HEADERS CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/bpf/include/pl/*.h ${CMAKE_SOURCE_DIR}/schema/*.h)

set(BPF_CFLAGS -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Wno-unused-function
    -I${BPF_GEN_DIR} -I${CMAKE_SOURCE_DIR}/bpf/include -I${CMAKE_SOURCE_DIR}/schema)
if(PROBELOG_WERROR)
    list(APPEND BPF_CFLAGS -Werror)
endif()

set(BPF_SKELETONS)
set(BPF_NAMES)
foreach(src ${BPF_SOURCES})
    get_filename_component(name ${src} NAME_WE)   # exec.bpf.c -> exec
    set(obj ${BPF_GEN_DIR}/${name}.bpf.o)
    set(skel ${BPF_GEN_DIR}/${name}.skel.h)
    add_custom_command(
        OUTPUT ${obj}
        COMMAND ${BPF_CLANG} ${BPF_CFLAGS} -c ${src} -o ${obj}
        DEPENDS ${src} ${BPF_HEADERS} ${BPF_GEN_DIR}/vmlinux.h
        COMMENT "BPF ${name}.bpf.c")
    add_custom_command(
        OUTPUT ${skel}
        COMMAND ${BPFTOOL} gen skeleton ${obj} name pl_${name} > ${skel}.tmp
        COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
        DEPENDS ${obj}
        COMMENT "Skeleton ${name}")
    list(APPEND BPF_SKELETONS ${skel})
    list(APPEND BPF_NAMES ${name})
endforeach()

add_custom_target(bpf_skeletons DEPENDS ${BPF_SKELETONS})
