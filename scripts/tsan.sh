#!/usr/bin/env bash
# ThreadSanitizer run of the worker pool and the in-process Kafka pipeline tests
# (KafkaPipeline*, including the fault tests). Builds into ${BUILD_DIR:-build-tsan}
# with -DSKILLSTREAM_TSAN=ON; only the test executables that are run are built.
#
# tests/tsan.supp suppresses librdkafka's own internals only (each entry says why);
# tests/support/tsan_c11_threads.cpp makes librdkafka's C11 threads visible to TSan
# and tells it the order in which librdkafka publishes a new mutex to another thread.
# A report in project code fails the run: fix the race, never suppress it. Every test
# runs once: a failure is a finding, not something to retry (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-tsan}
jobs=$(( $(nproc) < 2 ? $(nproc) : 2 ))
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKILLSTREAM_TSAN=ON \
  -DSKILLSTREAM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j"$jobs" --target validator_tests kafka_pipeline_tests kafka_fault_tests
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir "$build_dir" -R 'OrderedWorkerPool|KafkaPipeline' --output-on-failure \
  --timeout 600
