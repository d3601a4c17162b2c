#!/usr/bin/env bash
# Fuzzes the record path (tests/fuzz/fuzz_record_path.cpp) with libFuzzer under ASan +
# UBSan for ${FUZZ_SECONDS:-60} seconds. Needs the normal build (build/apps/skillstream,
# from scripts/build.sh) for the seed corpus: the conformance samples
# (tests/data/conformance.jsonl), one file per line, plus `skillstream generate` output.
# Exits non-zero on any crash, leak, sanitizer report or property violation; crash
# files stay in build-fuzz/.
# Extra arguments go to libFuzzer (e.g. a crash file to reproduce it).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build-fuzz
seconds=${FUZZ_SECONDS:-60}
samples=${SKILLSTREAM_SAMPLES:-tests/data/conformance.jsonl}
skillstream=${SKILLSTREAM_BIN:-build/apps/skillstream}

CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSKILLSTREAM_FUZZ=ON -DSKILLSTREAM_BUILD_TESTS=OFF -DSKILLSTREAM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" --target fuzz_record_path -j2

# The seed corpus is made here, not committed: one record per file.
seed="$build_dir/seed"
corpus="$build_dir/corpus"
rm -rf "$seed"
mkdir -p "$seed" "$corpus"
split_lines() {  # split_lines PREFIX < lines
  local prefix=$1 n=0 line
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s' "$line" >"$seed/$prefix-$((n += 1))"
  done
}
if [[ -f $samples ]]; then
  split_lines conformance <"$samples"
else
  echo "fuzz.sh: no samples at $samples; seeding from the generator only" >&2
fi
"$skillstream" generate --count 200 --invalid-ratio 0.5 --secret-ratio 0.3 | split_lines generated

# -artifact_prefix keeps crash-*, leak-* and timeout-* files in build-fuzz/. New inputs
# go to corpus/ (kept between runs); seed/ is read only.
status=0
(
  cd "$build_dir"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ./tests/fuzz/fuzz_record_path -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -dict=../tests/fuzz/session_log.dict -artifact_prefix=./ \
      -print_final_stats=1 "$@" corpus/ seed/
) || status=$?
if ((status != 0)); then
  echo "fuzz.sh: fuzz_record_path failed (exit $status); crash files:" >&2
  ls -1 "$build_dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' >&2 || true
fi
exit "$status"
