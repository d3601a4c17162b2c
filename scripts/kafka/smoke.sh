#!/usr/bin/env bash
# End-to-end check of scripts/kafka.sh with real clients, and the numbers in README.md:
#   1 node:  start, create a topic, 10 records through kcat and 10 through
#            python3-confluent-kafka (acks=all, consumed back), stop.
#   3 nodes: the same on a topic with replication factor 3 and min.insync.replicas=2; then
#            kill -9 node 2 and produce again with acks=all (2 in-sync replicas left), consume,
#            restart-node 2, wait until it is back in sync, consume everything, stop.
# Prints the seconds each step took and the RSS of every broker JVM. Needs kcat and
# python3-confluent-kafka (scripts/install-deps.sh); PYTHON picks the interpreter.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kafka=$here/../kafka.sh
python=${PYTHON:-/usr/bin/python3}
base=${TMPDIR:-/tmp}/skillstream-kafka-smoke-$$
tag=smoke-$$-$RANDOM

say() { echo "smoke: $*" >&2; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
cleanup() {
  "$kafka" stop --dir "$base-1" >/dev/null 2>&1 || true
  "$kafka" stop --dir "$base-3" >/dev/null 2>&1 || true
}
trap cleanup EXIT

rss() { # VmRSS in MiB of every running node in run dir $1
  local pidf out=""
  for pidf in "$1"/node*/pid; do
    out+=" $(basename "$(dirname "$pidf")")=$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$(<"$pidf")/status" 2>/dev/null || echo -)MiB"
  done
  echo "${out# }"
}

# 10 records with acks=all through kcat, then every record of this tag read back.
kcat_roundtrip() { # bootstrap topic label expected-total-for-label
  local b=$1 topic=$2 label=$3 t0
  t0=$(date +%s.%N)
  seq 1 10 | sed "s/^/k:$tag-$label-/" |
    kcat -P -b "$b" -t "$topic" -K: -X acks=all -X message.timeout.ms=60000 -X log_level=3
  local n
  n=$(kcat -C -b "$b" -t "$topic" -e -q -X log_level=3 -f '%s\n' | grep -c "^$tag-$label-" || true)
  [[ $n == 10 ]] || { say "kcat: read back $n of 10 ($label)"; return 1; }
  say "kcat: 10 records produced (acks=all) and consumed on $topic in $(secs "$t0")s ($label)"
}

python_roundtrip() { # bootstrap topic label
  "$python" - "$1" "$2" "$tag-$3" "$3" <<'EOF'
import sys, time
from confluent_kafka import Consumer, KafkaError, Producer
bootstrap, topic, tag, label = sys.argv[1:5]
t0 = time.time()
errors = []
p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'enable.idempotence': True,
              'message.timeout.ms': 60000, 'log_level': 3})
for i in range(10):
    p.produce(topic, key=f'k{i}', value=f'{tag}-{i}',
              on_delivery=lambda err, msg: err and errors.append(err))
left = p.flush(90)
if left or errors:
    sys.exit(f'python: {left} not delivered, errors {errors}')
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': tag, 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False, 'log_level': 3})
c.subscribe([topic])
got, deadline = set(), time.time() + 60
while len(got) < 10 and time.time() < deadline:
    m = c.poll(0.5)
    if m is None or (m.error() and m.error().code() == KafkaError._PARTITION_EOF):
        continue
    if m.error():
        sys.exit(f'python: consume error {m.error()}')
    if m.value().decode().startswith(tag + '-'):
        got.add(m.value())
c.commit(asynchronous=False)
c.close()
if len(got) != 10:
    sys.exit(f'python: read back {len(got)} of 10')
print(f'smoke: python: 10 records produced (acks=all, idempotent) and consumed by a group '
      f'on {topic} in {time.time() - t0:.1f}s ({label})', file=sys.stderr)
EOF
}

t0=$(date +%s.%N)
"$kafka" fetch >/dev/null
say "jar cache ready in $(secs "$t0")s"

# ---- 1 node
t0=$(date +%s.%N)
b=$("$kafka" start --brokers 1 --dir "$base-1")
say "1 node: started in $(secs "$t0")s, bootstrap $b, RSS $(rss "$base-1")"
[[ $b =~ ^127\.0\.0\.1:[0-9]+$ ]] || { say "bad bootstrap '$b'"; exit 1; }
t0=$(date +%s.%N)
"$kafka" topic create smoke1 8 --dir "$base-1" >/dev/null
say "1 node: topic created in $(secs "$t0")s"
kcat_roundtrip "$b" smoke1 one
python_roundtrip "$b" smoke1 one
"$kafka" status --dir "$base-1" >&2
t0=$(date +%s.%N)
"$kafka" stop --dir "$base-1"
say "1 node: stopped in $(secs "$t0")s"
[[ ! -e $base-1 ]] || { say "run dir left after stop"; exit 1; }

# ---- 3 nodes
t0=$(date +%s.%N)
b=$("$kafka" start --brokers 3 --dir "$base-3")
say "3 nodes: started in $(secs "$t0")s, bootstrap $b, RSS $(rss "$base-3")"
[[ $b =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] || { say "bad bootstrap '$b'"; exit 1; }
"$kafka" topic create smoke3 6 3 --config min.insync.replicas=2 --dir "$base-3" >/dev/null
"$kafka" topic describe smoke3 --dir "$base-3" >&2
kcat_roundtrip "$b" smoke3 all3
python_roundtrip "$b" smoke3 all3

"$kafka" kill-node 2 KILL --dir "$base-3"
if "$kafka" status --dir "$base-3" >&2; then say "status says all up after kill -9"; exit 1; fi
t0=$(date +%s.%N)
kcat_roundtrip "$b" smoke3 two-left
say "3 nodes, node 2 killed: first acks=all round trip done $(secs "$t0")s after the kill"
python_roundtrip "$b" smoke3 two-left
"$kafka" topic describe smoke3 --dir "$base-3" >&2

t0=$(date +%s.%N)
"$kafka" restart-node 2 --dir "$base-3"
say "3 nodes: node 2 restarted in $(secs "$t0")s"
t0=$(date +%s.%N)
"$kafka" topic wait-isr smoke3 --dir "$base-3"
say "3 nodes: node 2 back in every ISR $(secs "$t0")s later"
"$kafka" status --dir "$base-3" >&2
n=$(kcat -C -b "$b" -t smoke3 -e -q -X log_level=3 -f '%s\n' | grep -c "^$tag-" || true)
[[ $n == 40 ]] || { say "read back $n of 40 records after the restart"; exit 1; }
say "3 nodes: all 40 records read back after the restart; RSS $(rss "$base-3")"
t0=$(date +%s.%N)
"$kafka" stop --dir "$base-3"
say "3 nodes: stopped in $(secs "$t0")s"
say "OK"
