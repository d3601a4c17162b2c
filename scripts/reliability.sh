#!/usr/bin/env bash
# Reliability scenarios for `skillstream run` against `skillstream broker` (own
# process): broker faults, SIGKILLs (also during a rebalance), SIGTERM during an
# outage, hostile input. Every input offset must come out in the clean or dead-letter
# topic (found by the skillstream.source.partition/offset headers): lost must be 0;
# duplicates are counted. Prints a markdown table; exit 1 if a scenario fails.
#
#   scripts/reliability.sh [--short] [--records N] [--seed S] [--only faults,crash,...]
#                          [--binary PATH] [--workers W] [--keep] [--fault-steps I,J]
#                          [--debug CONTEXTS] [--producer-property K=V]
#
# Full form: 200,000 records per scenario (~6 min on 2 cores). --short: 20,000
# records and fewer kills (CI, ~3 min). Scenarios: faults, crash, rebalance-kill,
# sigterm-outage, hostile. See scripts/reliability.py and docs/reliability.md.
#
# --real-kafka: against a real Apache Kafka 4.4.0 cluster of 3 nodes (scripts/kafka.sh,
# started once, stopped at the end): broker-kill, leader-move, broker-pause, crash;
# --only restart-static,restart-dynamic,restart-dynamic-45s,sigterm-handoff measures
# static membership, LeaveGroup and the session timeout. Needs java and mvn (or the
# cached jars: scripts/kafka.sh fetch).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${SKILLSTREAM_BINARY:-build/apps/skillstream}"
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) BIN="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[[ -x "$BIN" ]] || { echo "skillstream binary not found: $BIN (build it, or --binary)" >&2; exit 2; }
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null ||
  { echo "needs python3-confluent-kafka (apt-get install python3-confluent-kafka)" >&2; exit 2; }
exec /usr/bin/python3 scripts/reliability.py --binary "$BIN" "${ARGS[@]}"
