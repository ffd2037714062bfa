#!/usr/bin/env bash
# Builds the sample web image (BusyBox httpd from Debian's busybox-static,
# run by samples/httpd/start-httpd as an unprivileged user on port 8080) with umoci, and pushes it
# with skopeo to a registry.
#
# Usage: scripts/build-sample-image.sh REGISTRY[:PORT]/REPOSITORY:TAG [FORMAT]
#   FORMAT is oci (default) or v2s2 (Docker schema 2). SAMPLE_ARCH sets the
#   architecture written in the image configuration (default amd64).
# Plain HTTP is used for the registry, so give only a loopback registry.
set -euo pipefail

target=${1:?usage: build-sample-image.sh REGISTRY/REPOSITORY:TAG [oci|v2s2]}
format=${2:-oci}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

umoci init --layout "$work/layout"
umoci new --image "$work/layout:sample"
umoci unpack --image "$work/layout:sample" "$work/bundle" >/dev/null

rootfs="$work/bundle/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/www" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in sh httpd cat echo ls sleep wget nc id ps kill; do
  ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:web server:/www:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nwww:x:1000:\n' >"$rootfs/etc/group"
cp "$here/samples/httpd/index.html" "$rootfs/www/index.html"
install -m 0755 "$here/samples/httpd/start-httpd" "$rootfs/bin/start-httpd"
chown -R 1000:1000 "$rootfs/www"

umoci repack --image "$work/layout:sample" "$work/bundle" >/dev/null
umoci config --image "$work/layout:sample" \
  --config.user www \
  --config.workingdir /www \
  --config.entrypoint /bin/start-httpd \
  --config.exposedports 8080/tcp \
  --config.env PATH=/bin \
  --os linux --architecture "${SAMPLE_ARCH:-amd64}"

skopeo copy --quiet --format "$format" --dest-tls-verify=false \
  "oci:$work/layout:sample" "docker://$target"
echo "pushed $target ($format)"
