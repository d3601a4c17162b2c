#!/usr/bin/env bash
# `skillstream bench` against a kcat pass-through, on the same embedded broker
# (`skillstream broker`, its own process), in the same run. The mock broker is one
# thread on a shared machine: compare the two, don't quote absolute numbers.
#
#   benchmarks/pipeline_bench.sh [--records N] [--partitions P] [--workers W]
#                                [--processor full|none] [--binary PATH]
#
#   1. skillstream bench --brokers B ...   generated records produced by its own
#      thread while the pipeline (in-process) routes them to clean / dead-letter;
#      it reports records/s after the group join, CPU per record, RSS and latency.
#   2. kcat -C ... -e | kcat -P ...         bench's input topic copied as is to a
#      pass-through topic (no validation), timed with /usr/bin/time (wall time,
#      user+sys of both kcat processes, the larger one's peak RSS).
# skillstream's rate counts from its group join; kcat (assign mode) joins no group.
# Neither figure includes the broker's CPU (its own process).
set -euo pipefail

RECORDS=200000
PARTITIONS=64
WORKERS=0
PROCESSOR=full
BIN="${SKILLSTREAM_BINARY:-$(dirname "$0")/../build/apps/skillstream}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records|--count) RECORDS="$2"; shift 2 ;;
    --partitions) PARTITIONS="$2"; shift 2 ;;
    --binary) BIN="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --processor) PROCESSOR="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$BIN" ]] || { echo "skillstream binary not found: $BIN (use --binary)" >&2; exit 2; }
command -v kcat >/dev/null || { echo "kcat is required" >&2; exit 2; }

WORK="$(mktemp -d /tmp/skillstream-bench-XXXXXX)"
BROKER_PID=""
cleanup() {
  if [[ -n "$BROKER_PID" ]]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The broker: first stdout line is the bootstrap address. The mock keeps ~5 MiB per
# partition: P partitions must hold the N records (~1.1 KB each) twice over.
mkfifo "$WORK/broker.out"
"$BIN" broker --partitions "$PARTITIONS" \
  --topics bench.in,bench.clean,bench.dlq,passthrough >"$WORK/broker.out" 2>"$WORK/broker.err" </dev/null &
BROKER_PID=$!
exec 3<"$WORK/broker.out"
read -r BROKERS <&3
echo "broker: $BROKERS ($PARTITIONS partitions per topic)"

echo "running skillstream bench ($RECORDS records, processor $PROCESSOR)..."
"$BIN" bench --brokers "$BROKERS" --existing-topics --topic-prefix bench \
  --records "$RECORDS" --partitions "$PARTITIONS" --workers "$WORKERS" \
  --processor "$PROCESSOR" --fetch-wait-max-ms 10 --json >"$WORK/bench.json" 2>"$WORK/bench.err" \
  || { echo "skillstream bench failed:"; tail -5 "$WORK/bench.err"; cat "$WORK/bench.json"; exit 1; }

echo "running kcat pass-through of the same input..."
/usr/bin/time -v -o "$WORK/kcat.time" bash -c "kcat -C -b '$BROKERS' -t bench.in -o beginning -e -q -D '\n' -X fetch.wait.max.ms=10 \
  | kcat -P -b '$BROKERS' -t passthrough -D '\n' -X linger.ms=5 -X message.max.bytes=50000000"
OUT_PASS=0  # the pass-through topic's high watermarks
for ((p = 0; p < PARTITIONS; p++)); do
  hw=$(kcat -Q -b "$BROKERS" -t "passthrough:$p:-1" 2>/dev/null | awk '{print $NF}')
  OUT_PASS=$((OUT_PASS + ${hw:-0}))
done

field() { grep -F "$1" "$WORK/kcat.time" | awk -F': ' '{print $2}'; }
secs() { echo "$1" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
WALL=$(secs "$(field 'Elapsed (wall clock)')")
USER_S=$(field 'User time'); SYS_S=$(field 'System time'); RSS_KB=$(field 'Maximum resident')

/usr/bin/python3 - "$WORK/bench.json" "$OUT_PASS" "$WALL" "$USER_S" "$SYS_S" "$RSS_KB" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
n_pass, wall, user, sys_s, rss_kb = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
mb = b["mb_per_s"] * b["busy_s"]  # the input's MB
print()
print(f"{'':14} {'records':>9} {'records/s':>10} {'MB/s':>7} {'CPU us/rec':>11} {'peak RSS MB':>12}")
print(f"{'skillstream':14} {b['records']:>9} {b['records_per_s']:>10.0f} {b['mb_per_s']:>7.1f} "
      f"{b['cpu_us_per_record']:>11.1f} {b['peak_rss_bytes'] / 2**20:>12.0f}")
print(f"{'kcat pipe':14} {n_pass:>9} {n_pass / wall:>10.0f} {mb / wall:>7.1f} "
      f"{(user + sys_s) / max(n_pass, 1) * 1e6:>11.1f} {rss_kb / 1024:>12.0f}")
print()
print(f"skillstream: after a {b['join_s']:.2f} s group join (kcat's assign-mode consumer has none); "
      f"CPU is the process minus its producing thread; kcat's is both processes; "
      f"processor {b['processor']} (simdjson {b['kernel']})")
print(f"ratio skillstream / kcat records/s: {b['records_per_s'] / max(n_pass / wall, 1e-9):.2f}")
if n_pass < b["records"]:
    # kcat's producer skips empty lines: the generator's empty_payload records.
    print(f"kcat copied {n_pass} of {b['records']} records (it skips empty records)")
PYEOF
