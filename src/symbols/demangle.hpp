#pragma once
// C++ names: demangling (libstdc++'s abi::__cxa_demangle) and the parts of a
// demangled name that users type.

#include <string>
#include <string_view>

namespace probelog::symbols {

// "ns::Counter::add(int)" for "_ZN2ns7Counter3addEi"; "" if `name` is not a
// mangled C++ name.
std::string demangle(std::string_view name);

// A demangled function name without its parameter list and trailing
// qualifiers: "ns::Counter::add" for "ns::Counter::add(int) const",
// "ns::F::operator()" for "ns::F::operator()(int)". Function templates keep
// their return type prefix ("int ns::max<int>"): see strip_return_type().
std::string_view strip_parameters(std::string_view demangled);

// The name after a function template's return type: "ns::max<int>" for
// "int ns::max<int>"; the input if there is none.
std::string_view strip_return_type(std::string_view name_without_params);

// Without GCC's ABI tags: "ns::make_name" for "ns::make_name[abi:cxx11]".
std::string strip_abi_tags(std::string_view name);

}  // namespace probelog::symbols
