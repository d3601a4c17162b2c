#!/usr/bin/env bash
# The real-broker comparison: skillstream run vs a kcat pass-through vs Kafka's own
# ProducerPerformance/ConsumerPerformance on a broker started by scripts/kafka.sh.
# (The embedded-broker comparison around `skillstream bench` is pipeline_bench.sh.)
# Throughput of `skillstream run` against a kcat pass-through on the same embedded
# broker, in the same run (the mock broker is one thread: compare, don't quote
# absolute numbers).
#
#   benchmarks/pipeline_bench.sh [--count N] [--partitions P] [--binary PATH] [--workers W]
#
# Preloads N generated records (~1 KB) round robin into a P-partition input topic on
# `skillstream broker` (own process), then times
#   1. skillstream run --stop-at-end      (input -> clean / dlq)
#   2. kcat -C ... -e | kcat -P ...       (input -> passthrough topic)
# with /usr/bin/time -v and counts outputs by high watermarks.
#
# Against a real Kafka instead (scripts/kafka.sh start --brokers 1):
#   benchmarks/real_kafka_bench.sh --brokers 127.0.0.1:P --kafka-dir DIR [--count N] [--partitions P]
# creates fresh topics (bench<pid>.*, RF 1) there, runs the same two, and with --kafka-dir
# (the kafka.sh run dir) also Kafka's own ProducerPerformance (N records of the mean
# input size, acks=all, into a topic of its own) and ConsumerPerformance (reading the N
# input records) through `scripts/kafka.sh exec`, in the same run.
set -euo pipefail

COUNT=1000000
PARTITIONS=256
WORKERS=0
BROKERS=""
KAFKA_DIR=""
BIN="${SKILLSTREAM_BINARY:-$(dirname "$0")/../build/apps/skillstream}"
KAFKA_SH="$(cd "$(dirname "$0")/.." && pwd)/scripts/kafka.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) COUNT="$2"; shift 2 ;;
    --partitions) PARTITIONS="$2"; shift 2 ;;
    --binary) BIN="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --brokers) BROKERS="$2"; shift 2 ;;
    --kafka-dir) KAFKA_DIR="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$BIN" ]] || { echo "skillstream binary not found: $BIN (use --binary)" >&2; exit 2; }
command -v kcat >/dev/null || { echo "kcat is required" >&2; exit 2; }
PY=/usr/bin/python3

WORK="$(mktemp -d /tmp/skillstream-bench-XXXXXX)"
BROKER_PID=""
cleanup() {
  if [[ -n "$BROKER_PID" ]]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

T=sessions
if [[ -n "$BROKERS" ]]; then
  # A real broker: topics of this run's own (auto-creation is off on kafka.sh clusters).
  T="bench$$"
  "$PY" - "$BROKERS" "$PARTITIONS" "$T" <<'PYEOF'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({"bootstrap.servers": sys.argv[1]})
names = [sys.argv[3] + s for s in (".raw", ".clean", ".dlq", ".passthrough", ".perf")]
for f in a.create_topics([NewTopic(n, int(sys.argv[2]), 1) for n in names]).values():
    f.result(60)
PYEOF
  echo "broker: $BROKERS (real Kafka; topics $T.*, $PARTITIONS partitions, RF 1)"
else
  # The broker: first stdout line is the bootstrap address.
  mkfifo "$WORK/broker.out"
  "$BIN" broker --partitions "$PARTITIONS" \
    --topics sessions.raw,sessions.clean,sessions.dlq,sessions.passthrough >"$WORK/broker.out" 2>"$WORK/broker.err" </dev/null &
  BROKER_PID=$!
  exec 3<"$WORK/broker.out"
  read -r BROKERS <&3
  echo "broker: $BROKERS ($PARTITIONS partitions per topic)"
fi

# Input: generated records (10% defects, 5% secrets), produced round robin so the
# mock's ~5 MiB/partition retention keeps every record.
echo "preloading $COUNT records..."
"$PY" - "$BROKERS" "$COUNT" "$PARTITIONS" "$BIN" "$T.raw" <<'PYEOF'
import subprocess, sys
from confluent_kafka import Producer
brokers, count, parts, binary, topic = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
p = Producer({"bootstrap.servers": brokers, "linger.ms": 20, "batch.num.messages": 10000,
              "queue.buffering.max.messages": 500000, "message.max.bytes": 50000000})
gen = subprocess.Popen([binary, "generate", "--count", str(count), "--invalid-ratio", "0.1",
                        "--secret-ratio", "0.05"], stdout=subprocess.PIPE)
n = 0
for line in gen.stdout:
    while True:
        try:
            p.produce(topic, line.rstrip(b"\n"), partition=n % parts)
            break
        except BufferError:
            p.poll(0.05)
    n += 1
    if n % 10000 == 0:
        p.poll(0)
gen.wait()
p.flush(120)
print(f"preloaded {n} records")
PYEOF

hw_sum() {  # topic -> sum of high watermarks
  "$PY" - "$BROKERS" "$1" "$PARTITIONS" <<'PYEOF'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "bench-hw"})
print(sum(c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=10)[1]
          for p in range(int(sys.argv[3]))))
c.close()
PYEOF
}
# Readable input: high minus low watermarks. The mock's retention (~5 MiB per
# partition) can drop the oldest records of a partition that holds a 1 MiB
# too_large record; those never reach any consumer.
IN_COUNT=$("$PY" - "$BROKERS" "$PARTITIONS" "$T.raw" <<'PYEOF'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "bench-hw"})
marks = [c.get_watermark_offsets(TopicPartition(sys.argv[3], p), timeout=10) for p in range(int(sys.argv[2]))]
print(sum(high - low for low, high in marks))
c.close()
PYEOF
)
IN_BYTES=$("$PY" - "$BROKERS" "$PARTITIONS" "$T.raw" <<'PYEOF'
import sys
from confluent_kafka import Consumer, TopicPartition
# Bytes: sample the first 2000 records of partition 0 and scale (reading all is slow).
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "bench-bytes", "enable.auto.commit": False})
c.assign([TopicPartition(sys.argv[3], 0, 0)])
total = n = 0
while n < 2000:
    m = c.poll(2)
    if m is None: break
    if m.error(): continue
    total += len(m.value() or b""); n += 1
c.close()
print(int(total / max(n, 1)))
PYEOF
)
echo "input: $IN_COUNT records (mean value ~${IN_BYTES} B)"

CFG="$WORK/bench.toml"
cat >"$CFG" <<TOML
[kafka]
brokers = "$BROKERS"
[kafka.consumer]
"fetch.wait.max.ms" = "10"
"session.timeout.ms" = "6000"
TOML

timed() {  # label cmd... : runs with /usr/bin/time -v into $WORK/label.time
  local label="$1"; shift
  /usr/bin/time -v -o "$WORK/$label.time" "$@"
}
field() { grep -F "$1" "$WORK/$2.time" | awk -F': ' '{print $2}'; }

echo "running skillstream run --stop-at-end..."
timed skillstream "$BIN" run --config "$CFG" --stop-at-end --workers "$WORKERS" --log-level info \
  --input-topic "$T.raw" --clean-topic "$T.clean" --dlq-topic "$T.dlq" --group "bench$$" \
  2>"$WORK/run.err" || { echo "skillstream run failed:"; tail -5 "$WORK/run.err"; exit 1; }
OUT_CLEAN=$(hw_sum "$T.clean")
OUT_DLQ=$(hw_sum "$T.dlq")

echo "running kcat pass-through..."
timed kcat bash -c "kcat -C -b '$BROKERS' -t $T.raw -o beginning -e -q -D '\n' -X fetch.wait.max.ms=10 \
  | kcat -P -b '$BROKERS' -t $T.passthrough -D '\n' -X linger.ms=5 -X message.max.bytes=50000000"
OUT_PASS=$(hw_sum "$T.passthrough")

if [[ -n "$KAFKA_DIR" ]]; then
  # Kafka's own clients (Java 4.4.0) on the same broker: produce-only and consume-only
  # yardsticks; their own rate lines are kept in the output below.
  echo "running ProducerPerformance..."
  timed producerperf bash "$KAFKA_SH" --dir "$KAFKA_DIR" exec ProducerPerformance --topic "$T.perf" \
    --num-records "$COUNT" --record-size "$IN_BYTES" --throughput -1 \
    --producer-props bootstrap.servers="$BROKERS" acks=all >"$WORK/producerperf.out" 2>&1 ||
    { echo "ProducerPerformance failed:"; tail -5 "$WORK/producerperf.out"; exit 1; }
  OUT_PPERF=$(hw_sum "$T.perf")
  echo "running ConsumerPerformance..."
  timed consumerperf bash "$KAFKA_SH" --dir "$KAFKA_DIR" exec ConsumerPerformance \
    --bootstrap-server "$BROKERS" --topic "$T.raw" --messages "$IN_COUNT" --timeout 60000 \
    --group "benchperf$$" >"$WORK/consumerperf.out" 2>&1 ||
    { echo "ConsumerPerformance failed:"; tail -5 "$WORK/consumerperf.out"; exit 1; }
  OUT_CPERF=$(awk -F', *' 'NR>1 && $5 ~ /^[0-9]+$/ {print $5}' "$WORK/consumerperf.out" | tail -1)
fi

secs() {  # "h:mm:ss" or "m:ss.xx" -> seconds
  echo "$1" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'
}
report() {
  local label="$1" out="$2"
  local wall user sys rss
  wall=$(secs "$(field 'Elapsed (wall clock)' "$label")")
  user=$(field 'User time' "$label"); sys=$(field 'System time' "$label")
  rss=$(field 'Maximum resident' "$label")
  awk -v l="$label" -v n="$IN_COUNT" -v b="$IN_BYTES" -v w="$wall" -v u="$user" -v s="$sys" \
      -v r="$rss" -v o="$out" 'BEGIN {
    printf "%-12s %10d %12.0f %9.1f %12.2f %11.0f %12.2f\n", l, o, n / w, n * b / w / 1e6,
           (u + s) / n * 1e6, r / 1024, w }'
}
echo
printf "%-12s %10s %12s %9s %12s %11s %12s\n" "" "outputs" "records/s" "MB/s" "CPU us/rec" "peak RSS MB" "wall s"
report skillstream "$((OUT_CLEAN + OUT_DLQ))"
report kcat "$OUT_PASS"
if [[ -n "$KAFKA_DIR" ]]; then
  report producerperf "$OUT_PPERF"
  report consumerperf "${OUT_CPERF:-0}"
  echo
  echo "ProducerPerformance: $(tail -1 "$WORK/producerperf.out")"
  echo "ConsumerPerformance: $(grep -v '^start.time' "$WORK/consumerperf.out" | tail -1)"
  echo "(producerperf: outputs = records written to its own topic; consumerperf: outputs ="
  echo " records read, nothing written; both include the JVM's start-up in wall and CPU)"
fi
echo
echo "skillstream: clean=$OUT_CLEAN dlq=$OUT_DLQ (input $IN_COUNT)"
# The consumer-group join (the broker's initial rebalance delay) is a fixed cost at
# start that kcat's assign-mode consumer does not pay: show the rate after it too.
JOIN=$(grep -o 'join_seconds=[0-9.]*' "$WORK/run.err" | tail -1 | cut -d= -f2)
WALL=$(secs "$(field 'Elapsed (wall clock)' skillstream)")
awk -v n="$IN_COUNT" -v w="$WALL" -v j="${JOIN:-0}" 'BEGIN {
  printf "skillstream after the group join (%.2f s): %.0f records/s\n", j, n / (w - j) }'
[[ $((OUT_CLEAN + OUT_DLQ)) -ge $IN_COUNT ]] || { echo "LOST RECORDS" >&2; exit 1; }
