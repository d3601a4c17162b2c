#!/usr/bin/env bash
# Runs bench_validator (median of 5 repetitions) and prints throughput and the ratios
# the goals are stated in:
#   validator / on-demand ceiling (1 thread), 2 threads / 1 thread,
#   redact / privacy off (the privacy scan's cost), counters on / off.
#   benchmarks/run_validator_bench.sh [path/to/bench_validator]
set -euo pipefail
BIN=${1:-$(dirname "$0")/../build/benchmarks/bench_validator}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$BIN" --benchmark_min_time=2 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" >/dev/null
python3 - "$out" <<'PY'
import json, sys
runs = {b["run_name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]
        if b.get("aggregate_name") == "median"}
def rate(name):  # records/s, MB/s of the median run
    b = runs[name]
    return b["items_per_second"], b["bytes_per_second"] / 1e6
print(f"{'benchmark':48} {'records/s':>12} {'MB/s':>9}")
for name in runs:
    r, mb = rate(name)
    print(f"{name:48} {r:12,.0f} {mb:9,.0f}")
t1 = lambda n: rate(f"{n}/real_time/threads:1")[0]
t2 = lambda n: rate(f"{n}/real_time/threads:2")[0]
print()
print(f"validator / on-demand ceiling, 1 thread:  {t1('Validate_PrivacyOff') / t1('Ceiling_OnDemandTouchAll'):.2f}  (goal >= 0.8)")
print(f"validator / on-demand ceiling, 2 threads: {t2('Validate_PrivacyOff') / t2('Ceiling_OnDemandTouchAll'):.2f}")
print(f"validator 2 threads / 1 thread:           {t2('Validate_PrivacyOff') / t1('Validate_PrivacyOff'):.2f}  (goal >= 1.8)")
print(f"ceiling 2 threads / 1 thread:             {t2('Ceiling_OnDemandTouchAll') / t1('Ceiling_OnDemandTouchAll'):.2f}")
print(f"redact / privacy off time, 1 thread:      {t1('Validate_PrivacyOff') / t1('Validate_Redact'):.2f}  (goal <= 1.5)")
print(f"redact / privacy off time, 2 threads:     {t2('Validate_PrivacyOff') / t2('Validate_Redact'):.2f}")
print(f"counters on / off time, 1 thread:         {t1('Validate_CountersOff') / t1('Validate_CountersOn'):.3f}")
PY
