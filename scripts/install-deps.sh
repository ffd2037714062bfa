#!/usr/bin/env bash
# Installs the Debian packages Strongroom needs on this host and does
# nothing for those already present. Run as root.
set -euo pipefail

packages=(
  runc                          # OCI runtime (default)
  crun                          # OCI runtime (where the cgroup layout allows)
  conmon                        # per-container monitor
  containernetworking-plugins   # CNI plugins: bridge, host-local, portmap
  golang-github-containers-common  # default seccomp profile
  nftables iptables iproute2    # isolation rules, namespaces, links
  docker-registry               # CNCF Distribution, reference registry
  skopeo umoci buildah          # third-party image tools for the sample image and tests
  busybox-static                # the sample image's software
  podman                        # benchmark baseline
  curl ca-certificates
  procps util-linux             # kill, mount and setsid used by the scripts and tests
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "all host packages present"
  exit 0
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
