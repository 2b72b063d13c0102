#!/usr/bin/env bash
# make image: localhost/probelog:VERSION (and :latest), FROM scratch with the
# static probelog (make static) and deploy/container/probelog.yaml
# (Containerfile). No registry is needed: podman builds from a staged
# context.
#
#   scripts/build-image.sh build/static/probelog [STAGE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: build-image.sh PROBELOG_STATIC [STAGE_DIR]}
stage=${2:-build/image}
version=$("$bin" --version | awk '{print $NF}')
rm -rf "$stage"
mkdir -p "$stage"
cp Containerfile "$stage/Containerfile"
cp "$bin" "$stage/probelog"
cp deploy/container/probelog.yaml "$stage/probelog.yaml"
podman build --quiet -f "$stage/Containerfile" -t "localhost/probelog:$version" \
    -t localhost/probelog:latest "$stage" >/dev/null
echo "build-image: localhost/probelog:$version ($(podman image inspect --format '{{.Size}}' "localhost/probelog:$version") bytes)"
