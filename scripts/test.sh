#!/usr/bin/env bash
# The tests, from a fresh Debian 12 machine: installs what is needed, builds, and runs
# every unit and integration test (integration tests start the embedded broker on
# 127.0.0.1 themselves), with the `real-kafka` label (a real Kafka via scripts/kafka.sh;
# skipped, exit 77, without java/mvn or the jars). With --sanitize, also builds and runs
# them all again under AddressSanitizer + UndefinedBehaviorSanitizer (but real-kafka).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 600

if [[ ${1:-} == --sanitize ]]; then
  BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo bash scripts/build.sh \
    -DSKILLSTREAM_SANITIZE=ON -DSKILLSTREAM_BUILD_BENCH=OFF
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j2 --timeout 900 -LE real-kafka
fi
