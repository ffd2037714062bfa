#!/usr/bin/env bash
# Sets up Strongroom on this host and deploys the sample application. It
# installs missing host packages and builds and installs the binary. Then it
# starts a local registry and the platform, builds and pushes the sample
# image, applies examples/ and waits until every instance is healthy.
# Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

registry_dir=/var/lib/strongroom-registry
registry_address=127.0.0.1:5000
image=$registry_address/samples/httpd:1.0

scripts/install-deps.sh

echo "building strongroom (release)"
cargo build --release --locked --quiet -p strongroom
install -m 0755 target/release/strongroom /usr/local/bin/strongroom

scripts/registry.sh start "$registry_dir" "$registry_address"
strongroom up
scripts/build-sample-image.sh "$image"

strongroom apply -f examples/
strongroom wait application web --tenant retail --for healthy --timeout 180s
strongroom get applications

echo
echo "The sample application answers on every instance address:"
strongroom get application web --tenant retail -o json \
  | python3 -c 'import json,sys; [print("  http://%s:8080/" % i["ip"]) for i in json.load(sys.stdin)["status"]["instances"]]'
echo
echo "Try: strongroom describe application web   |   strongroom logs web --follow"
echo "Stop: strongroom down   (containers keep running; add --purge to remove everything)"
echo "Stop the registry: scripts/registry.sh stop $registry_dir"
