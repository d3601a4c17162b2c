#!/usr/bin/env bash
# Runs bench_validator (median of 5 repetitions) and prints throughput and the ratios
# the goals are stated in:
#   validator / on-demand ceiling (1 thread), 2 threads / 1 thread,
#   redact / privacy off (the privacy scan's cost), counters on / off.
#   benchmarks/run_validator_bench.sh [path/to/bench_validator]
#   benchmarks/run_validator_bench.sh --max-errors [path/to/bench_validator]
#     only the max_errors 1 vs 16 benchmarks (valid records; rejects with one defect
#     each; rejects with several), 15 repetitions
#     in random interleaved order, medians and the spread of the valid-record runs.
set -euo pipefail
if [[ ${1:-} == --max-errors ]]; then
  BIN=${2:-$(dirname "$0")/../build/benchmarks/bench_validator}
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  "$BIN" --benchmark_filter='^MaxErrors_' --benchmark_min_time=0.5 --benchmark_repetitions=15 \
    --benchmark_enable_random_interleaving=true --benchmark_format=json \
    --benchmark_out="$out" >/dev/null
  python3 - "$out" <<'PY'
import json, statistics, sys
runs = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") == "iteration":
        runs.setdefault(b["run_name"].replace("/real_time", ""), []).append(b)
# Wall-clock rate, and the rate on CPU time (steadier on a shared machine): records per
# second of one iteration over the 20,000-record corpus.
def wall(b): return b["items_per_second"]
def cpu(b): return 20000 / (b["cpu_time"] / 1e3)  # cpu_time in ms (kMillisecond)
print(f"{'benchmark':28} {'median rec/s':>13} {'min':>10} {'max':>10} {'CPU rec/s':>10} {'defects/rec':>11}")
med, medc = {}, {}
for name, rs in runs.items():
    rates = [wall(r) for r in rs]
    med[name], medc[name] = statistics.median(rates), statistics.median(cpu(r) for r in rs)
    d = rs[0].get("defects_per_record", float("nan"))
    print(f"{name:28} {med[name]:13,.0f} {min(rates):10,.0f} {max(rates):10,.0f} {medc[name]:10,.0f} {d:11.2f}")
print()
for label, base in (("valid records           ", "MaxErrors_Valid"),
                    ("rejects, one defect each", "MaxErrors_Rejects"),
                    ("rejects, several defects", "MaxErrors_ManyDefects")):
    a, b = f"{base}/1", f"{base}/16"
    print(f"{label}: max_errors 16 / 1 throughput {med[b] / med[a]:.3f} wall, "
          f"{medc[b] / medc[a]:.3f} CPU")
PY
  exit 0
fi
BIN=${1:-$(dirname "$0")/../build/benchmarks/bench_validator}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$BIN" --benchmark_filter='^(Ceiling|Validate)_' --benchmark_min_time=2 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
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
