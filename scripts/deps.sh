#!/usr/bin/env bash
# Install every build and test dependency from Debian 12 packages
# (dpdk-dev for dpdk-testpmd, the latency lab's ceiling; python3-matplotlib
# for its plots).
# Skips apt-get entirely when everything is already installed.
set -euo pipefail
pkgs=(meson ninja-build pkg-config gcc clang clang-format libclang-rt-14-dev
      libdpdk-dev dpdk libnuma-dev libjemalloc-dev libluajit-5.1-dev libhiredis-dev
      redis-server redis-tools redis-sentinel tcl
      python3 python3-redis python3-pytest python3-scapy python3-matplotlib iproute2 procps
      ethtool dpdk-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts a redis-server service on install; our tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
fi
