#!/usr/bin/env bash
# make deb: the Debian package of the probelog built in BUILD, into OUT
# (docs/INSTALL.md). Stages the binary, the man page generated from its
# --help (help2man), and packaging/ next to a copy of packaging/debian/, then
# lets debhelper make the .deb (service enabling, conffiles, stripping,
# shared library Depends), and runs lintian over it: any error fails.
#
#   scripts/build-deb.sh [BUILD [OUT]]      (default: build build/deb)
#   DBGSYM=1 scripts/build-deb.sh ...       also probelog-dbgsym_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build/deb}
bin=$build/probelog
[[ -x $bin ]] || { echo "build-deb: no $bin (make build first)" >&2; exit 1; }

version=$("$bin" --version | awk '{print $NF}')
changelog_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
if [[ $changelog_version != "$version-"* ]]; then
    echo "build-deb: packaging/debian/changelog is at $changelog_version, probelog --version" \
         "says $version: add a changelog entry" >&2
    exit 1
fi

stage=$out/probelog-$version
rm -rf "$out"
mkdir -p "$stage/staged/docs"
cp -r packaging/debian "$stage/debian"
cp packaging/systemd/probelog.service "$stage/debian/probelog.service"
cp "$bin" "$stage/staged/probelog"
cp packaging/etc/probelog.yaml "$stage/staged/probelog.yaml"
cp packaging/bash-completion/probelog "$stage/staged/probelog.bash-completion"
cp README.md "$stage/staged/"
cp docs/CONFIG.md docs/OUTPUTS.md docs/PROBES.md docs/TRACES.md docs/XDP.md "$stage/staged/docs/"

# The man page: from --help (the option tables), with packaging/man/probelog.h2m.
help2man --no-info --section=8 --version-string="$version" \
    --include=packaging/man/probelog.h2m --output="$stage/staged/probelog.8" "$bin"

# The debug symbols package (probelog-dbgsym, ~25 MB, two minutes of xz on
# 2 cores) only when asked for: DBGSYM=1.
if [[ ${DBGSYM:-0} != 1 ]]; then
    export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }noautodbgsym"
fi
# Reproducible: the changelog's date for every file's time.
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l packaging/debian/changelog -S Timestamp)
(cd "$stage" && dpkg-buildpackage --build=binary --no-sign -d >../build.log 2>&1) || {
    tail -n 40 "$out/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
    exit 1
}
deb=$(ls "$out"/probelog_"$version"-*_amd64.deb)
echo "build-deb: $deb"

# lintian: errors fail, warnings are shown.
lintian --fail-on error --suppress-tags-from-file packaging/lintian-ignore "$deb" | tee "$out/lintian.log"
