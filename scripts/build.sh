#!/usr/bin/env bash
# Configures and builds SkillStream (Release) into ${BUILD_DIR:-build}. Extra
# arguments go to CMake's configure step, e.g. -DSKILLSTREAM_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
