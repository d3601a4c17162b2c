#!/usr/bin/env bash
# A real Apache Kafka cluster (KRaft, every node broker+controller) on 127.0.0.1, on demand,
# for tests, benchmarks and the fault suite. See scripts/kafka/README.md.
#
#   kafka.sh start  [--brokers 1|3] [--dir DIR] [--timeout S] [--set key=value]...
#                                     stdout: the bootstrap list only, e.g. 127.0.0.1:P1,...
#   kafka.sh stop   [--brokers 1|3] [--dir DIR] [--keep] [--timeout S]
#   kafka.sh status [--brokers 1|3] [--dir DIR]          exit 0 all up, 1 some down, 3 none
#   kafka.sh bootstrap [--brokers 1|3] [--dir DIR]       stdout: the bootstrap list
#   kafka.sh topic create NAME PARTITIONS [REPLICATION] [--config k=v]... [--brokers|--dir]
#   kafka.sh topic delete|describe NAME                  kafka.sh topic list
#   kafka.sh topic wait-isr [NAME] [--timeout S]   until no partition is under-replicated
#   kafka.sh kill-node N [SIGNAL]     (default KILL; KILL/TERM wait until the JVM is gone;
#                                     the nodes ignore INT and HUP)
#   kafka.sh restart-node N [--timeout S]    stop node N if it runs, start it, wait until ready
#   kafka.sh exec CLASS [ARGS...]     any Kafka tool class on the same classpath (a class with
#                                     no package is taken from org.apache.kafka.tools)
#   kafka.sh fetch                    only make sure the jar cache is there; stdout: its libs dir
#   kafka.sh classpath                stdout: the java classpath (fetches first if needed)
#
# The jars come from Maven Central once, via scripts/kafka/pom.xml, into
# ${SKILLSTREAM_KAFKA_HOME:-$HOME/.cache/skillstream/kafka-<version>}/libs; later runs use only
# that folder. The run dir defaults to ${TMPDIR:-/tmp}/skillstream-kafka-<brokers>.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pom=$script_dir/kafka/pom.xml
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n 1)
[[ -n $kafka_version ]] || { echo "kafka.sh: no <kafka.version> in $pom" >&2; exit 1; }
kafka_home=${SKILLSTREAM_KAFKA_HOME:-${HOME:?HOME is not set}/.cache/skillstream/kafka-$kafka_version}
libs=$kafka_home/libs
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java

# Broker JVM: small heap; G1 with Kafka's own flags (bin/kafka-run-class.sh); die on OOM so a
# test sees a dead broker, not a wedged one. Overridable as a whole.
read -r -a broker_jvm_opts <<<"${SKILLSTREAM_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} ${SKILLSTREAM_KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxDirectMemorySize=256m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
# Short-lived admin JVMs (format, topic): C1 only and serial GC start fastest.
quick_jvm_opts=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)
# `exec` (perf tools too): full JIT.
read -r -a tool_jvm_opts <<<"${SKILLSTREAM_KAFKA_TOOL_OPTS:--Xms64m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true}"

# JVM warnings on stderr (never on a tool's stdout); none about class-data sharing.
jvm_log_opts=(-Xlog:disable '-Xlog:all=warning,cds*=off:stderr')

log() { echo "kafka.sh: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- the jar cache

cache_ok() {
  [[ -f $kafka_home/.complete && $(cat "$kafka_home/.complete") == "$(sha256sum <"$pom")" ]]
}

fetch() {
  cache_ok && return 0
  command -v mvn >/dev/null || die "mvn not found (scripts/install-deps.sh --kafka installs it)"
  mkdir -p "$kafka_home"
  (
    # One fetch at a time (parallel test fixtures); the loser finds the cache made.
    flock 9
    cache_ok && exit 0
    local t0 tmp
    t0=$(now)
    tmp=$kafka_home/libs.tmp.$$
    rm -rf "$tmp"
    log "fetching Apache Kafka $kafka_version jars with Maven into $libs"
    local mvn_args=(-B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime
      -DoutputDirectory="$tmp")
    # Offline first: no network at all when ~/.m2 already has everything.
    if ! mvn -o "${mvn_args[@]}" >/dev/null 2>&1; then
      rm -rf "$tmp"
      # (Maven 3.8 -q still writes colour resets; keep its stderr readable.)
      mvn "${mvn_args[@]}" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 ||
        die "mvn dependency:copy-dependencies failed"
    fi
    [[ -f $tmp/kafka_2.13-$kafka_version.jar ]] || die "no kafka_2.13-$kafka_version.jar after mvn"
    rm -rf "$libs"
    mv "$tmp" "$libs"
    sha256sum <"$pom" >"$kafka_home/.complete"
    log "fetched $(find "$libs" -name '*.jar' | wc -l) jars ($(du -sh "$libs" | cut -f1)) in $(elapsed "$t0")s"
  ) 9>"$kafka_home/.lock"
}

require_java() {
  command -v "$java_bin" >/dev/null || die "java not found (scripts/install-deps.sh --kafka installs it)"
}

# log4j2 config of the tool JVMs: warnings and errors on stderr, stdout left to the tool.
tools_log_config() {
  local f=$kafka_home/tools-log4j2.properties content
  content='status = error
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = stderr'
  if [[ ! -f $f || $(cat "$f") != "$content" ]]; then
    printf '%s\n' "$content" >"$f.$BASHPID" && mv -f "$f.$BASHPID" "$f"
  fi
  echo "$f"
}

# ---------------------------------------------------------------- class-data sharing

# A JVM can map an archive of the classes it loaded before instead of loading them again from
# the jars: a broker is ready ~40% sooner, a topic command takes half the time (README). The
# first node-1 broker, format or topic JVM that finds no archive writes one at its exit
# (-XX:ArchiveClassesAtExit); it is kept only after a check JVM has mapped it, since a
# truncated archive crashes the JVM. One archive per kind, JDK build and jar set.
# SKILLSTREAM_KAFKA_CDS=0 turns all of this off.
cds_archive() { # kind
  local java_real key
  java_real=$(readlink -f "$(command -v "$java_bin")")
  key=$({
    echo "$java_real $libs"
    stat -c '%Y %s' "$java_real" "${java_real%/bin/java}/lib/server/libjvm.so" 2>/dev/null || true
    cat "$kafka_home/.complete"
  } | sha256sum | cut -c1-16)
  echo "$kafka_home/cds/$1-$key.jsa"
}

# Sets cds_opts for a JVM of KIND (broker|format|tools). With MAY_DUMP=1 and no archive yet, the JVM
# is told to write one at exit into $cds_dump, for cds_adopt once it has exited.
cds_opts=()
cds_dump=
cds_setup() { # kind may_dump
  cds_opts=() cds_dump=
  [[ ${SKILLSTREAM_KAFKA_CDS:-1} != 0 ]] || return 0
  local archive
  archive=$(cds_archive "$1")
  if [[ -s $archive ]]; then
    cds_opts=(-XX:SharedArchiveFile="$archive")
  elif (($2)); then
    mkdir -p "${archive%/*}"
    find "${archive%/*}" -name '*.tmp.*' -mmin +120 -delete 2>/dev/null || true
    cds_dump=$archive.tmp.$BASHPID.$RANDOM
    cds_opts=(-XX:ArchiveClassesAtExit="$cds_dump")
  fi
}

cds_adopt() { # dumped-file clean(0|1) jvm-opts-of-its-kind...
  local tmp=$1 clean=$2
  shift 2
  [[ -n $tmp ]] || return 0
  local archive=${tmp%.tmp.*}
  if ((clean)) && [[ -s $tmp && ! -s $archive ]] &&
    ("$java_bin" "$@" -Xshare:on -XX:ErrorFile=/dev/null -XX:SharedArchiveFile="$tmp" \
      -cp "$libs/*" -version) >/dev/null 2>&1; then
    mv -f "$tmp" "$archive"
    log "saved the class-data archive $archive"
  fi
  rm -f "$tmp"
}

# A broker's dump, once that node's JVM is gone (clean: it exited on SIGTERM by itself).
node_cds_adopt() { # node clean
  local f=$run_dir/node$1/cds-dump
  [[ -f $f ]] || return 0
  cds_adopt "$(<"$f")" "$2" "${broker_jvm_opts[@]}"
  rm -f "$f"
}

# A short-lived tool JVM in the foreground (format-free admin commands).
run_quick_tool() { # class args...
  local rc=0 log_config
  log_config=$(tools_log_config)
  cds_setup tools 1
  "$java_bin" "${quick_jvm_opts[@]}" "${jvm_log_opts[@]}" "${cds_opts[@]}" \
    -Dlog4j2.configurationFile="$log_config" -cp "$libs/*" "$@" || rc=$?
  cds_adopt "$cds_dump" $((rc == 0)) "${quick_jvm_opts[@]}"
  return "$rc"
}

# ---------------------------------------------------------------- options and the run dir

brokers=1
brokers_given=0
run_dir=
keep=0
timeout=
topic_configs=()
server_overrides=()
positional=()

parse_options() {
  while (($#)); do
    case $1 in
      --brokers)
        [[ $# -ge 2 ]] || die "--brokers needs 1 or 3"
        brokers=$2 brokers_given=1
        shift 2
        ;;
      --brokers=*) brokers=${1#*=} brokers_given=1 && shift ;;
      --dir)
        [[ $# -ge 2 ]] || die "--dir needs a directory"
        run_dir=$2
        shift 2
        ;;
      --dir=*) run_dir=${1#*=} && shift ;;
      --timeout)
        [[ $# -ge 2 ]] || die "--timeout needs seconds"
        timeout=$2
        shift 2
        ;;
      --timeout=*) timeout=${1#*=} && shift ;;
      --keep) keep=1 && shift ;;
      --config)
        [[ $# -ge 2 ]] || die "--config needs k=v"
        topic_configs+=(--config "$2")
        shift 2
        ;;
      --config=*) topic_configs+=(--config "${1#*=}") && shift ;;
      --set)
        [[ $# -ge 2 && $2 == *=* ]] || die "--set needs key=value"
        server_overrides+=("$2")
        shift 2
        ;;
      --set=*) server_overrides+=("${1#*=}") && shift ;;
      -h | --help) usage 0 ;;
      *) positional+=("$1") && shift ;;
    esac
  done
  [[ $brokers == 1 || $brokers == 3 ]] || die "--brokers must be 1 or 3 (got '$brokers')"
  [[ -z $timeout || $timeout =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds (got '$timeout')"
  [[ -n $run_dir ]] || run_dir=${TMPDIR:-/tmp}/skillstream-kafka-$brokers
  # One spelling of the path (it also identifies the JVMs): absolute, canonical.
  run_dir=$(realpath -m -- "$run_dir")
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

# cluster.env: key=value lines written by start (never sourced, read line by line).
declare -A cluster=()
load_cluster() {
  [[ -f $run_dir/cluster.env ]] || return 1
  local k v
  while IFS='=' read -r k v; do
    [[ -n $k ]] && cluster[$k]=$v
  done <"$run_dir/cluster.env"
  if ((brokers_given)) && [[ ${cluster[brokers]} != "$brokers" ]]; then
    die "$run_dir holds a ${cluster[brokers]}-node cluster, not $brokers"
  fi
  brokers=${cluster[brokers]}
  read -r -a broker_ports <<<"${cluster[broker_ports]}"
  read -r -a controller_ports <<<"${cluster[controller_ports]}"
}

require_cluster() {
  load_cluster || die "no cluster in $run_dir (start one: kafka.sh start --brokers $brokers${run_dir:+ --dir $run_dir})"
}

# The pid of node N if that node's JVM is alive (checked against its command line, so a
# recycled pid is never signalled), else nothing.
node_pid() {
  local n=$1 pid
  [[ -f $run_dir/node$n/pid ]] || return 0
  pid=$(<"$run_dir/node$n/pid")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$run_dir/node$n/server.properties"; then
    # A zombie is not alive.
    [[ $(proc_state "$pid") != Z ]] && echo "$pid"
  fi
  return 0
}

proc_state() { sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true; }

alive_nodes() {
  local n
  for ((n = 1; n <= brokers; n++)); do
    [[ -n $(node_pid "$n") ]] && echo "$n"
  done
  return 0
}

# ---------------------------------------------------------------- ports and configs

# Ports in use on this machine (any state), from /proc.
used_ports() {
  local f sl addr rest
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    while read -r sl addr rest; do
      [[ $sl == sl ]] && continue
      echo $((16#${addr##*:}))
    done <"$f"
  done
}

# N free ports below the ephemeral range (so an outgoing connection cannot take one between
# the pick and the broker's bind), at random so that concurrent clusters rarely collide; a
# collision that happens anyway is caught at bind time and start picks again.
pick_ports() {
  local count=$1 low hi p
  local -A used=()
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range || low=32768
  hi=$((low < 20000 ? 20000 : low))
  for p in $(used_ports); do used[$p]=1; done
  picked=()
  while ((${#picked[@]} < count)); do
    p=$((hi - 1 - (RANDOM * 32768 + RANDOM) % (hi - 10000)))
    [[ -n ${used[$p]:-} ]] && continue
    used[$p]=1
    picked+=("$p")
  done
}

random_cluster_id() {
  # Kafka's Uuid: 16 random bytes, URL-safe base64 without padding; not starting with '-'.
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* ]] && break
  done
  echo "$id"
}

write_configs() {
  local n voters="" bootstrap=""
  for ((n = 1; n <= brokers; n++)); do
    voters+="${voters:+,}$n@127.0.0.1:${controller_ports[n - 1]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${broker_ports[n - 1]}"
  done
  local rf=1 min_isr=1
  if ((brokers >= 3)); then rf=3 min_isr=2; fi
  for ((n = 1; n <= brokers; n++)); do
    mkdir -p "$run_dir/node$n/data" "$run_dir/node$n/logs"
    cat >"$run_dir/node$n/server.properties" <<EOF
# Written by scripts/kafka.sh start; see scripts/kafka/README.md for why each setting.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${broker_ports[n - 1]},CONTROLLER://127.0.0.1:${controller_ports[n - 1]}
advertised.listeners=PLAINTEXT://127.0.0.1:${broker_ports[n - 1]}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$run_dir/node$n/data

# Topics: created explicitly by tests, never by a metadata request or a typo.
auto.create.topics.enable=false
num.partitions=8
default.replication.factor=$rf
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0

# Keep everything a test writes (the run dir is deleted at stop).
log.retention.ms=-1
log.retention.bytes=-1
# 16 MiB instead of 128 MiB of heap for the compaction of __consumer_offsets.
log.cleaner.dedupe.buffer.size=16777216
EOF
    if ((${#server_overrides[@]})); then
      # start --set k=v: the last value of a key wins when Kafka loads the file.
      printf '\n# start --set\n' >>"$run_dir/node$n/server.properties"
      printf '%s\n' "${server_overrides[@]}" >>"$run_dir/node$n/server.properties"
    fi
  done
  cat >"$run_dir/cluster.env" <<EOF
brokers=$brokers
kafka_version=$kafka_version
cluster_id=$cluster_id
broker_ports=${broker_ports[*]}
controller_ports=${controller_ports[*]}
bootstrap=$bootstrap
libs=$libs
EOF
  echo "$bootstrap" >"$run_dir/bootstrap"
  cat >"$run_dir/log4j2.properties" <<'EOF'
# Broker JVMs: server.log and state-change.log in ${kafka.logs.dir} (one per node).
status = warn
appender.server.type = File
appender.server.name = server
appender.server.fileName = ${sys:kafka.logs.dir}/server.log
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.state.type = File
appender.state.name = state
appender.state.fileName = ${sys:kafka.logs.dir}/state-change.log
appender.state.layout.type = PatternLayout
appender.state.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.state.name = state.change.logger
logger.state.level = INFO
logger.state.additivity = false
logger.state.appenderRef.state.ref = state
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

format_storage() {
  local n pids=() failed=0 log_config t0 dump=
  t0=$(now)
  log_config=$(tools_log_config)
  for ((n = 1; n <= brokers; n++)); do
    cds_setup format $((n == 1))
    ((n > 1)) || dump=$cds_dump
    "$java_bin" "${quick_jvm_opts[@]}" "${jvm_log_opts[@]}" "${cds_opts[@]}" \
      -Dlog4j2.configurationFile="$log_config" \
      -cp "$libs/*" kafka.tools.StorageTool format --ignore-formatted \
      --cluster-id "$cluster_id" --config "$run_dir/node$n/server.properties" \
      >"$run_dir/node$n/logs/format.log" 2>&1 &
    pids+=($!)
  done
  for ((n = 1; n <= brokers; n++)); do
    if ! wait "${pids[n - 1]}"; then
      log "formatting node $n failed:"
      tail -n 20 "$run_dir/node$n/logs/format.log" >&2
      failed=1
    fi
  done
  cds_adopt "$dump" $((failed == 0)) "${quick_jvm_opts[@]}"
  ((failed == 0)) || die "kafka-storage format failed"
  log "formatted storage of $brokers node(s) in $(elapsed "$t0")s"
}

launch_node() {
  local n=$1 dir=$run_dir/node$1
  # Only log lines after this offset count for readiness (a restarted node appends).
  stat -c %s "$dir/logs/server.log" 2>/dev/null >"$dir/log-offset" || echo 0 >"$dir/log-offset"
  echo "---- $(date '+%F %T') start" >>"$dir/stdout.log"
  node_cds_adopt "$n" 0
  cds_setup broker $((n == 1))
  [[ -z $cds_dump ]] || echo "$cds_dump" >"$dir/cds-dump"
  nohup "$java_bin" "${broker_jvm_opts[@]}" "${jvm_log_opts[@]}" "${cds_opts[@]}" \
    -Dlog4j2.configurationFile="$run_dir/log4j2.properties" -Dkafka.logs.dir="$dir/logs" \
    -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/stdout.log" 2>&1 &
  echo $! >"$dir/pid"
  disown $!
}

node_started() {
  local n=$1 dir=$run_dir/node$1 offset
  offset=$(<"$dir/log-offset")
  [[ -f $dir/logs/server.log ]] || return 1
  tail -c +$((offset + 1)) "$dir/logs/server.log" | grep -qF "Kafka Server started" || return 1
  # And its listener takes a TCP connection.
  (exec 3<>"/dev/tcp/127.0.0.1/${broker_ports[n - 1]}") 2>/dev/null
}

show_node_logs() {
  local n=$1 dir=$run_dir/node$1
  log "---- node $n: tail of $dir/logs/server.log"
  tail -n 25 "$dir/logs/server.log" >&2 2>/dev/null || true
  log "---- node $n: tail of $dir/stdout.log"
  tail -n 10 "$dir/stdout.log" >&2 2>/dev/null || true
}

# Waits until every node in $@ is ready; on a node's death or the timeout, says why.
# Returns 2 when a node could not bind its port (start then picks new ports).
wait_ready() {
  local deadline t0 n pending=("$@") still
  t0=$(now)
  deadline=$(($(date +%s) + ${timeout:-120}))
  while ((${#pending[@]})); do
    still=()
    for n in "${pending[@]}"; do
      if node_started "$n"; then
        continue
      fi
      if [[ -z $(node_pid "$n") ]]; then
        if grep -qs "Address already in use" "$run_dir/node$n/stdout.log" "$run_dir/node$n/logs/server.log"; then
          log "node $n: port taken (another process bound it first)"
          return 2
        fi
        log "node $n exited during startup"
        show_node_logs "$n"
        return 1
      fi
      still+=("$n")
    done
    pending=("${still[@]}")
    ((${#pending[@]})) || break
    if (($(date +%s) >= deadline)); then
      for n in "${pending[@]}"; do
        log "node $n not ready after ${timeout:-120}s"
        show_node_logs "$n"
      done
      return 1
    fi
    sleep 0.25
  done
  log "ready in $(elapsed "$t0")s: node(s) $*"
}

# ---------------------------------------------------------------- stopping

# Signals node N and, for signals that end it, waits up to the timeout for the JVM to go.
signal_node() {
  local n=$1 sig=$2 wait_s=$3 pid i
  pid=$(node_pid "$n")
  [[ -n $pid ]] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  # A SIGSTOPped JVM only handles its TERM once continued.
  [[ $sig == KILL || $sig == STOP ]] || kill -CONT "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    [[ -z $(node_pid "$n") ]] && return 0
    sleep 0.1
  done
  return 1
}

stop_nodes() {
  local n pid sigterm_wait=${timeout:-30} t0 nodes=() clean=()
  t0=$(now)
  for n in $(alive_nodes); do
    pid=$(node_pid "$n")
    nodes+=("$n")
    clean[n]=1
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true
  done
  if ((${#nodes[@]})); then
    local deadline=$(($(date +%s) + sigterm_wait))
    while [[ -n $(alive_nodes) ]] && (($(date +%s) < deadline)); do sleep 0.2; done
    for n in $(alive_nodes); do
      log "node $n did not stop within ${sigterm_wait}s of SIGTERM; SIGKILL"
      signal_node "$n" KILL 10 || log "node $n survives SIGKILL?"
      clean[n]=0
    done
    log "stopped node(s) ${nodes[*]} in $(elapsed "$t0")s"
  fi
  for ((n = 1; n <= brokers; n++)); do node_cds_adopt "$n" "${clean[n]:-0}"; done
}

# ---------------------------------------------------------------- commands

cmd_start() {
  require_jars
  local want=$brokers
  if [[ -f $run_dir/cluster.env ]]; then
    brokers_given=0
    load_cluster
    [[ -z $(alive_nodes) ]] ||
      die "a cluster is already running in $run_dir (bootstrap ${cluster[bootstrap]}); stop it first"
    brokers=$want
  elif [[ -d $run_dir && -n $(ls -A "$run_dir") ]]; then
    # Never wipe a directory that kafka.sh did not make.
    die "$run_dir is not empty and holds no kafka.sh cluster; pick another --dir"
  fi
  # Interrupted (e.g. a test timeout): leave no JVM behind.
  trap 'stop_nodes_quietly; exit 130' INT TERM HUP
  local t0 attempt rc n nodes=()
  t0=$(now)
  for ((n = 1; n <= brokers; n++)); do nodes+=("$n"); done
  for attempt in 1 2 3; do
    rm -rf "$run_dir"
    mkdir -p "$run_dir"
    pick_ports $((2 * brokers))
    broker_ports=("${picked[@]:0:brokers}")
    controller_ports=("${picked[@]:brokers}")
    cluster_id=$(random_cluster_id)
    write_configs
    format_storage
    for n in "${nodes[@]}"; do launch_node "$n"; done
    rc=0
    wait_ready "${nodes[@]}" || rc=$?
    if ((rc == 0)); then
      trap - INT TERM HUP
      log "Kafka $kafka_version, $brokers node(s), run dir $run_dir, up in $(elapsed "$t0")s"
      cat "$run_dir/bootstrap"
      return 0
    fi
    stop_nodes_quietly
    ((rc == 2)) || die "the cluster did not start; logs kept in $run_dir (kafka.sh stop removes them)"
    log "retrying with other ports (attempt $((attempt + 1)))"
  done
  die "could not bind free ports three times"
}

stop_nodes_quietly() {
  local n
  for n in $(alive_nodes); do signal_node "$n" KILL 10 || true; done
  for ((n = 1; n <= brokers; n++)); do node_cds_adopt "$n" 0; done
}

cmd_stop() {
  if ! load_cluster; then
    log "no cluster in $run_dir"
    return 0
  fi
  stop_nodes
  if ((keep)); then
    log "kept $run_dir"
  else
    rm -rf "$run_dir"
  fi
}

cmd_status() {
  if ! load_cluster; then
    echo "no cluster in $run_dir"
    return 3
  fi
  local n pid state down=0
  for ((n = 1; n <= brokers; n++)); do
    pid=$(node_pid "$n")
    if [[ -z $pid ]]; then
      echo "node $n: down broker 127.0.0.1:${broker_ports[n - 1]} controller 127.0.0.1:${controller_ports[n - 1]}"
      down=1
      continue
    fi
    state=up
    [[ $(proc_state "$pid") == T ]] && state=stopped && down=1
    echo "node $n: $state pid $pid broker 127.0.0.1:${broker_ports[n - 1]} controller 127.0.0.1:${controller_ports[n - 1]}"
  done
  echo "bootstrap ${cluster[bootstrap]}"
  return "$down"
}

node_arg() {
  local n=${1:-}
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > brokers)); then
    die "node index must be 1..$brokers (got '$n')"
  fi
  echo "$n"
}

cmd_kill_node() {
  require_cluster
  local n sig=${positional[2]:-KILL} pid
  n=$(node_arg "${positional[1]:-}")
  sig=${sig#SIG}
  sig=${sig^^}
  pid=$(node_pid "$n")
  [[ -n $pid ]] || die "node $n is not running"
  case $sig in
    KILL | TERM | 9 | 15)
      signal_node "$n" "$sig" "${timeout:-30}" || die "node $n (pid $pid) still alive ${timeout:-30}s after SIG$sig"
      log "node $n (pid $pid) is gone after SIG$sig"
      if [[ $sig == KILL || $sig == 9 ]]; then node_cds_adopt "$n" 0; else node_cds_adopt "$n" 1; fi
      ;;
    *)
      kill "-$sig" "$pid" || die "kill -$sig $pid failed"
      log "sent SIG$sig to node $n (pid $pid)"
      ;;
  esac
}

cmd_restart_node() {
  require_cluster
  require_jars
  local n pid t0 rc=0
  n=$(node_arg "${positional[1]:-}")
  t0=$(now)
  pid=$(node_pid "$n")
  if [[ -n $pid ]]; then
    if signal_node "$n" TERM "${timeout:-30}"; then
      node_cds_adopt "$n" 1
    else
      log "node $n did not stop within ${timeout:-30}s of SIGTERM; SIGKILL"
      signal_node "$n" KILL 10 || die "node $n (pid $pid) survives SIGKILL"
    fi
  fi
  launch_node "$n"
  wait_ready "$n" || rc=$?
  ((rc == 0)) || die "node $n did not come back (rc $rc); logs in $run_dir/node$n"
  log "node $n restarted in $(elapsed "$t0")s"
}

cmd_bootstrap() {
  require_cluster
  echo "${cluster[bootstrap]}"
}

cmd_topic() {
  require_cluster
  require_jars
  local action=${positional[1]:-} name=${positional[2]:-} args=()
  [[ -n $action ]] || die "topic create|delete|describe|list ..."
  case $action in
    create)
      local partitions=${positional[3]:-} rf=${positional[4]:-$brokers}
      [[ -n $name && $partitions =~ ^[0-9]+$ && $rf =~ ^[0-9]+$ ]] ||
        die "usage: topic create NAME PARTITIONS [REPLICATION] [--config k=v]..."
      args=(--create --topic "$name" --partitions "$partitions" --replication-factor "$rf"
        "${topic_configs[@]}")
      ;;
    delete | describe)
      [[ -n $name ]] || die "usage: topic $action NAME"
      args=("--$action" --topic "$name")
      ;;
    list) args=(--list) ;;
    wait-isr)
      topic_wait_isr "$name"
      return
      ;;
    *) die "unknown topic action '$action' (create|delete|describe|list|wait-isr)" ;;
  esac
  run_quick_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "${cluster[bootstrap]}" \
    "${args[@]}"
}

# Until no partition (of NAME, or of any topic) has fewer in-sync replicas than replicas, e.g.
# after restart-node, whose node serves before it has caught up.
topic_wait_isr() {
  local name=$1 t0 deadline out
  t0=$(now)
  deadline=$(($(date +%s) + ${timeout:-120}))
  while :; do
    out=$(run_quick_tool org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "${cluster[bootstrap]}" --describe ${name:+--topic "$name"} \
      --under-replicated-partitions) || out="(describe failed)"
    if [[ -z $out ]]; then
      log "in sync after $(elapsed "$t0")s: ${name:-every topic}"
      return 0
    fi
    if (($(date +%s) >= deadline)); then
      printf '%s\n' "$out" >&2
      die "${name:-some topic} still under-replicated after ${timeout:-120}s"
    fi
    sleep 0.5
  done
}

cmd_exec() {
  require_jars
  local cls=${1:-}
  [[ -n $cls ]] || die "usage: exec CLASS [ARGS...]"
  shift
  [[ $cls == *.* ]] || cls=org.apache.kafka.tools.$cls
  exec "$java_bin" "${tool_jvm_opts[@]}" "${jvm_log_opts[@]}" \
    -Dlog4j2.configurationFile="$(tools_log_config)" \
    -cp "$libs/*" "$cls" "$@"
}

require_jars() {
  require_java
  fetch
}

main() {
  # Our options may come before or after the command; for exec, everything after CLASS
  # belongs to the tool.
  local cmd="" opts=() rest=()
  while (($#)); do
    case $1 in
      --brokers | --dir | --timeout | --config | --set) opts+=("$1" "${2:-}") && shift $(($# >= 2 ? 2 : 1)) ;;
      -h | --help) usage 0 ;;
      --*) opts+=("$1") && shift ;;
      *)
        if [[ -z $cmd ]]; then
          cmd=$1
          shift
        elif [[ $cmd == exec ]]; then
          rest=("$@")
          break
        else
          opts+=("$1") && shift
        fi
        ;;
    esac
  done
  [[ -n $cmd ]] || usage 2
  parse_options "${opts[@]}"
  positional=("$cmd" "${positional[@]}")
  case $cmd in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    bootstrap) cmd_bootstrap ;;
    topic) cmd_topic ;;
    kill-node) cmd_kill_node ;;
    restart-node) cmd_restart_node ;;
    exec) cmd_exec "${rest[@]}" ;;
    fetch)
      fetch
      echo "$libs"
      ;;
    classpath)
      fetch
      echo "$libs/*"
      ;;
    help) usage 0 ;;
    *)
      log "unknown command '$cmd'"
      usage 2
      ;;
  esac
}

main "$@"
