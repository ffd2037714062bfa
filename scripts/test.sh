#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, and every unit and
# integration test against real components (runc, conmon, CNI plugins,
# nftables, docker-registry, skopeo, umoci). Installs missing host
# packages first. Run as root: the tests create containers, network
# namespaces and bridges, and remove them again.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

