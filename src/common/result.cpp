#include "common/result.hpp"

#include <cerrno>

namespace probelog {

std::string_view error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return "usage";
        case ErrorKind::NotFound:
            return "not found";
        case ErrorKind::Permission:
            return "permission";
        case ErrorKind::Unsupported:
            return "unsupported";
        case ErrorKind::Rejected:
            return "rejected";
        case ErrorKind::Resource:
            return "resource";
        case ErrorKind::Failed:
            break;
    }
    return "failed";
}

ErrorKind Error::kind_of_errno(int err) {
    switch (err) {
        case EPERM:
        case EACCES:
            return ErrorKind::Permission;
        case ENOENT:
        case ESRCH:
        case ENODEV:
        case ENXIO:
            return ErrorKind::NotFound;
        case EOPNOTSUPP:
        case ENOSYS:
            return ErrorKind::Unsupported;
        case ENOMEM:
        case EBUSY:
        case E2BIG:
        case EMFILE:
        case ENFILE:
        case ENOSPC:
            return ErrorKind::Resource;
        default:
            return ErrorKind::Failed;
    }
}

}  // namespace probelog
