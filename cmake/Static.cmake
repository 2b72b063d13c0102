# PROBELOG_STATIC: adds `probelog-static`, probelog linked statically (make
# static; docs/INSTALL.md). It links the very objects and libraries that
# `probelog` links: only the link step differs, so it costs one link and two
# extra files, not a second build.
#
# Every library comes from Debian 12's own static archives (-dev packages):
# libbpf.a, libelf.a, libdw.a (with liblzma.a, libbz2.a, libz.a),
# libcapstone.a, libyaml-cpp.a, libssl.a/libcrypto.a, libbrotli*.a, glibc's
# libc.a/libresolv.a and GCC's libstdc++.a. Two have no archive in Debian, and
# their missing half is compiled here from upstream's source of the very
# version Debian ships:
#   - fmt 9.1.0 (libfmt-dev ships only libfmt.so): src/format.cc
#     (third_party/fmt/README.md);
#   - cpp-httplib 0.11.4 (libcpp-httplib-dev ships only the .so): the
#     implementation half, made with Debian's patch as Debian makes it
#     (third_party/cpp-httplib/README.md).
#
# How: each library's link interface names both the shared and the static
# libraries, chosen by the linking target's PROBELOG_STATIC_LINK property.
# Sets PROBELOG_FMT and PROBELOG_YAML_CPP, what the libraries link.
set(PROBELOG_FMT fmt::fmt)
set(PROBELOG_YAML_CPP yaml-cpp)
if(NOT PROBELOG_STATIC)
    return()
endif()
if(PROBELOG_SANITIZE OR PROBELOG_FUZZ)
    message(FATAL_ERROR "PROBELOG_STATIC does not go with the sanitizers or the fuzz build")
endif()

set(static_link "$<BOOL:$<TARGET_PROPERTY:PROBELOG_STATIC_LINK>>")

# A target's link interface: its own items for an ordinary link, the given
# ones for a static link.
function(probelog_static_alternative target)
    get_target_property(shared ${target} INTERFACE_LINK_LIBRARIES)
    set(items)
    foreach(item ${shared})
        list(APPEND items "$<$<NOT:${static_link}>:${item}>")
    endforeach()
    foreach(item ${ARGN})
        list(APPEND items "$<${static_link}:${item}>")
    endforeach()
    set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES ${items})
endfunction()

# libbpf, libelf, libdw, capstone: pkg-config --static's library names; with
# -static the linker takes each one's .a.
foreach(pc LIBBPF LIBELF LIBDW CAPSTONE)
    probelog_static_alternative(PkgConfig::${pc} ${${pc}_STATIC_LIBRARIES})
endforeach()

# fmt: an archive of its one source file, compiled with the FMT_SHARED that
# Debian's fmt::fmt gives its users (as every other object is).
add_library(probelog_fmt STATIC EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/third_party/fmt/format.cc)
target_compile_definitions(probelog_fmt PUBLIC FMT_SHARED)
add_library(probelog_fmt_link INTERFACE)
target_link_libraries(probelog_fmt_link INTERFACE
    "$<$<NOT:${static_link}>:fmt::fmt>" "$<${static_link}:probelog_fmt>")
set(PROBELOG_FMT probelog_fmt_link)

# yaml-cpp: Debian's libyaml-cpp.a.
find_library(PROBELOG_YAML_CPP_A NAMES libyaml-cpp.a REQUIRED)
add_library(probelog_yaml_cpp_link INTERFACE)
target_link_libraries(probelog_yaml_cpp_link INTERFACE
    "$<$<NOT:${static_link}>:yaml-cpp>" "$<${static_link}:${PROBELOG_YAML_CPP_A}>")
target_include_directories(probelog_yaml_cpp_link INTERFACE
    $<TARGET_PROPERTY:yaml-cpp,INTERFACE_INCLUDE_DIRECTORIES>)
set(PROBELOG_YAML_CPP probelog_yaml_cpp_link)

# cpp-httplib: the implementation half against Debian's header, which must be
# of the same version.
file(STRINGS /usr/include/httplib.h httplib_version REGEX "define CPPHTTPLIB_VERSION")
if(NOT httplib_version MATCHES "\"0\\.11\\.4\"")
    message(FATAL_ERROR "PROBELOG_STATIC: third_party/cpp-httplib/httplib.cc is 0.11.4, "
                        "/usr/include/httplib.h is not (${httplib_version}); see third_party/cpp-httplib/README.md")
endif()
add_library(probelog_httplib STATIC EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/third_party/cpp-httplib/httplib.cc)
target_compile_options(probelog_httplib PRIVATE ${HTTPLIB_CFLAGS_OTHER})
# What cpp-httplib.pc --static lists after -lcpp-httplib: ssl, crypto, z,
# brotli, dl (pthread is in glibc's libc.a).
set(httplib_deps ${HTTPLIB_STATIC_LIBRARIES})
list(REMOVE_ITEM httplib_deps cpp-httplib)
target_link_libraries(probelog_httplib PRIVATE ${httplib_deps})
probelog_static_alternative(PkgConfig::HTTPLIB probelog_httplib ${httplib_deps})

# The executable: probelog's main, every library, -static.
add_executable(probelog-static EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/src/agent/main.cpp)
set_target_properties(probelog-static PROPERTIES PROBELOG_STATIC_LINK ON)
target_compile_options(probelog-static PRIVATE ${PROBELOG_WARNINGS})
target_link_libraries(probelog-static PRIVATE probelog_agent)
target_link_options(probelog-static PRIVATE -static)
