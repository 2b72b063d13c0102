#!/usr/bin/env bash
# Installs the Debian 12 packages probelog needs to build and test.
# Idempotent and silent when everything is already installed.
#
# `install-deps.sh ship`: those the shipping targets need besides (make
# static, deb, test-deb, image; docs/INSTALL.md), which `make test` does not.
set -euo pipefail

packages=(
    build-essential cmake pkg-config make binutils
    clang-16 llvm-16 clang-format-16 clang-tidy-16
    libasan8 libubsan1 libclang-rt-16-dev
    libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libzstd-dev
    libcapstone-dev libfmt-dev libcli11-dev libyaml-cpp-dev
    libmsgpack-cxx-dev rapidjson-dev libcpp-httplib-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    golang-go iproute2 iputils-ping prometheus
    bpftrace libbpf-tools curl openssl
    podman runc busybox-static
    systemtap-sdt-dev python3 dnsmasq-base bind9-dnsutils
)
if [[ ${1:-} == ship ]]; then
    # libdw.a needs libbz2.a (libdw-dev does not depend on libbz2-dev); the
    # package's tools; the fresh Debian root of make test-deb; podman kube
    # play's pause process and the Kubernetes API's types (make test-kube).
    packages=(libbz2-dev help2man debhelper lintian mmdebstrap podman runc curl
              catatonit python3-kubernetes python3-yaml bash-completion)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [[ $EUID -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root (sudo make ...) or install them with apt-get" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: apt-get failed (output above)" >&2
    exit 1
fi
echo "install-deps: done" >&2
