#pragma once
// Recoverable errors as values: a Result holds either a value or an Error. An
// Error has a kind (what a caller decides on), the errno behind it when there
// is one, and a message written for the user (what failed, why, and what to do
// about it). Callers branch on the kind, never on the text; the message is
// printed in one place (the agent's say()).

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace probelog {

enum class ErrorKind {
    Failed,       // anything else: the message says what
    Usage,        // bad input from the user (an option, a spec, a config file)
    NotFound,     // a file, process, interface, symbol or hook that is not there
    Permission,   // EPERM/EACCES: needs root or a capability
    Unsupported,  // this kernel or host lacks a feature (a hook, a helper, a map type)
    Rejected,     // the BPF verifier rejected a program (the message has its log)
    Resource,     // ENOMEM, EBUSY, E2BIG, EMFILE...: a limit was hit
};

std::string_view error_kind_name(ErrorKind kind);

struct Error {
    std::string message;
    ErrorKind kind = ErrorKind::Failed;
    int err = 0;  // the errno behind it, 0 if none

    // The kind that fits an errno from a system call or libbpf.
    static ErrorKind kind_of_errno(int err);
    // The same error with `prefix` ("--probe 'x': ") before its message.
    Error prefixed(std::string_view prefix) const {
        return Error{std::string(prefix) + message, kind, err};
    }
};

template <typename... Args>
Error make_error(fmt::format_string<Args...> format, Args&&... args) {
    return Error{fmt::format(format, std::forward<Args>(args)...)};
}

template <typename... Args>
Error make_error(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
    return Error{fmt::format(format, std::forward<Args>(args)...), kind};
}

// An error from a failed system call or libbpf function that set `err`: its
// kind follows the errno.
template <typename... Args>
Error errno_error(int err, fmt::format_string<Args...> format, Args&&... args) {
    return Error{fmt::format(format, std::forward<Args>(args)...), Error::kind_of_errno(err), err};
}

// Holds exactly one of a value and an error. (Two optionals rather than a
// std::variant: clang's static analyzer cannot follow a variant's storage and
// took every copied Error's kind for garbage.)
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : value_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }

    T& value() & { return value_.value(); }
    const T& value() const& { return value_.value(); }
    T&& value() && { return std::move(value_).value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return error_.value(); }

  private:
    std::optional<T> value_;
    std::optional<Error> error_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }

  private:
    std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace probelog
