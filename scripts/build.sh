#!/usr/bin/env bash
# Build the release tree (build/) and, with --asan, the sanitizer tree
# (build-asan/: debug, AddressSanitizer + UndefinedBehaviorSanitizer).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release
fi
ninja -C build
if [ "${1:-}" = "--asan" ]; then
  if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan --buildtype=debug -Db_sanitize=address,undefined \
      -Db_lundef=false
  fi
  ninja -C build-asan
fi
