#!/usr/bin/python3
"""Reliability scenarios for `skillstream run` against `skillstream broker` (own process).

Each scenario sends records into the input topic, injects faults (broker stdin fault
commands) or kills the processor, and then proves, through the
skillstream.source.partition/offset headers of the clean and dead-letter topics, that
every input offset came out at least once. Duplicates are counted (the mock broker
does not de-duplicate idempotent retries, and a kill re-reads the uncommitted window).

Scenarios:
  faults          3 brokers; down/up, latency, leader moves, transient errors on
                  Produce, Fetch, OffsetCommit, JoinGroup, SyncGroup, Heartbeat
  crash           SIGKILL at random points, restart each time; duplicates must lie
                  inside the uncommitted window of a kill
  rebalance-kill  two instances; a member is SIGKILLed while a rebalance is under way
  sigterm-outage  output leaders down, then SIGTERM: exit 3 within the bound, nothing
                  undelivered committed; then a restart finishes the input
  hostile         tombstones, empty, at/over the size limit, invalid UTF-8, deep
                  nesting, huge arrays, thousands of keys, binary garbage: each to the
                  DLQ with its reason; rate and peak RSS against a normal run

With --real-kafka, a real Apache Kafka 4.4.0 cluster (scripts/kafka.sh, 3 nodes by
default, one for all scenarios; each scenario has its own topics, RF 3 with
min.insync.replicas=2, and group; skillstream's producer as shipped, 5 requests in
flight, idempotent):
  broker-kill     SIGKILL the group coordinator's node, restart it on its data
  leader-move     restart the node leading most partitions (leaders move away), then
                  a preferred leader election (LeaderElectionCommand) moves them back
  broker-pause    SIGSTOP the coordinator's node past both session timeouts, SIGCONT
  crash           as above (SIGKILL of skillstream itself, restart)
and, by name only (README measurements, not CI):
  restart-static, restart-dynamic, restart-dynamic-45s
                  SIGKILL + immediate restart with group.instance.id / without / without
                  and a 45 s session timeout: restart to next commit, duplicates
  sigterm-handoff two instances: SIGTERM one (LeaveGroup), then SIGKILL the other:
                  how long until the survivor holds every partition

Time to recover: from the end of a fault (or a restart) to the next increase of the
group's committed offsets (polled every 200 ms).

Usage: reliability.py --binary PATH [--short] [--records N] [--seed S] [--only a,b]
                      [--real-kafka [--kafka-sh PATH] [--brokers 1|3]]
"""
import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

RAW, CLEAN, DLQ = "sessions.raw", "sessions.clean", "sessions.dlq"
GROUP = "skillstream"
MAX_RECORD = 1 << 20  # skillstream's default max_record_bytes

# Kafka API keys and error codes used by the fault schedule.
API = {"Produce": 0, "Fetch": 1, "OffsetCommit": 8, "JoinGroup": 11, "Heartbeat": 12,
       "SyncGroup": 14}
ERR = {"UNKNOWN_TOPIC_OR_PART": 3, "LEADER_NOT_AVAILABLE": 5, "NOT_LEADER_FOR_PARTITION": 6,
       "REQUEST_TIMED_OUT": 7, "COORDINATOR_LOAD_IN_PROGRESS": 14,
       "COORDINATOR_NOT_AVAILABLE": 15, "NOT_COORDINATOR": 16, "NOT_ENOUGH_REPLICAS": 19,
       "REBALANCE_IN_PROGRESS": 27}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Broker:
    """`skillstream broker` in its own process; fault commands through its stdin."""

    def __init__(self, binary, work, brokers, partitions, topics):
        self.err = open(os.path.join(work, "broker.err"), "w")
        self.p = subprocess.Popen(
            [binary, "broker", "--brokers", str(brokers), "--partitions", str(partitions),
             "--topics", ",".join(topics)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True, bufsize=1)
        self.bootstrap = self.p.stdout.readline().strip()
        if "127.0.0.1" not in self.bootstrap:
            raise RuntimeError(f"broker did not start: {self.bootstrap!r}")
        self.brokers = brokers
        self.partitions = partitions
        self.lock = threading.Lock()
        self.commands = 0

    def cmd(self, line):
        with self.lock:
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
            reply = self.p.stdout.readline().strip()
        self.commands += 1
        if reply != "ok":
            raise RuntimeError(f"broker command {line!r}: {reply}")

    def check(self):
        """Raises if the broker process died (the mock cluster can crash)."""
        rc = self.p.poll()
        if rc is not None:
            raise RuntimeError(f"the broker process died: exit {rc}"
                               + (f" (signal {-rc})" if rc < 0 else ""))

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()


class Instance:
    """One `skillstream run` process."""

    def __init__(self, ctx, name, extra=(), config=None):
        self.name = name
        self.log_path = os.path.join(ctx.work, f"{name}.log")
        self.logf = open(self.log_path, "w")
        self.argv = [ctx.binary, "run", "--config", config or ctx.config, "--instance-id", name,
                     "--workers", str(ctx.workers), "--input-topic", ctx.raw, "--clean-topic",
                     ctx.clean, "--dlq-topic", ctx.dlq, "--group", ctx.group, *extra]
        env = dict(os.environ)
        if ctx.debug:
            env["SKILLSTREAM_LOG_LEVEL"] = "debug"
        self.p = subprocess.Popen(self.argv, stdout=self.logf, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env)
        self.started = time.monotonic()
        ctx.instances.append(self)

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.p.poll() is not None:
                return False
            time.sleep(0.05)  # the poll interval
        return False

    def kill(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def java_string_hash(s):
    """Java's String.hashCode (ASCII), signed 32-bit."""
    h = 0
    for ch in s:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


class RealCluster:
    """A real Apache Kafka cluster from scripts/kafka.sh (--real-kafka), one for all the
    scenarios of a call: each scenario has its own topics (RF 3, min.insync.replicas=2 on
    3 nodes) and group, and leaves the cluster with every replica in sync."""

    def __init__(self, kafka_sh, run_dir, brokers):
        self.sh, self.dir, self.brokers = kafka_sh, run_dir, brokers
        self.run("stop", check=False)  # leftovers of a crashed earlier call
        t0 = time.monotonic()
        r = self.run("start", "--brokers", str(brokers), timeout=300)
        self.bootstrap = r.stdout.strip()
        self.start_s = time.monotonic() - t0
        log(f"Kafka 4.4.0, {brokers} node(s), up at {self.bootstrap} in {self.start_s:.1f} s")
        from confluent_kafka.admin import AdminClient
        self.admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 0})

    def run(self, *argv, timeout=180, check=True):
        r = subprocess.run(["bash", self.sh, "--dir", self.dir, *argv], capture_output=True,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"kafka.sh {' '.join(argv)}: exit {r.returncode}: "
                               f"{r.stderr[-1500:]}")
        return r

    def check(self):
        """The Broker.check hook: a real node's death is a scenario's doing."""

    def create_topics(self, names, partitions):
        from confluent_kafka.admin import NewTopic
        rf = min(3, self.brokers)
        cfg = {"min.insync.replicas": str(min(2, rf))}
        futs = self.admin.create_topics([NewTopic(n, partitions, rf, config=cfg) for n in names],
                                        operation_timeout=30)
        for f in futs.values():
            f.result(60)
        wait_until(lambda: all(sum(1 for pm in self.partitions(n) if pm.leader >= 0) == partitions
                               for n in names), 60, f"leaders for {names}")

    def partitions(self, topic):
        try:
            md = self.admin.list_topics(topic, timeout=10)
        except Exception:  # a node is down: ask again
            return []
        t = md.topics.get(topic)
        return list(t.partitions.values()) if t is not None and t.error is None else []

    def leaders(self, topics):
        """{node id: partitions it leads} over `topics`."""
        out = {}
        for t in topics:
            for pm in self.partitions(t):
                out[pm.leader] = out.get(pm.leader, 0) + 1
        return out

    def coordinator(self, group, offsets_partitions=8):
        """The node that coordinates `group`: the leader of its __consumer_offsets
        partition (abs(groupId.hashCode()) % offsets.topic.num.partitions, 8 here)."""
        h = java_string_hash(group)
        part = 0 if h == -(1 << 31) else abs(h) % offsets_partitions
        for pm in self.partitions("__consumer_offsets"):
            if pm.id == part:
                return pm.leader
        return None

    def kill_node(self, n, sig="KILL"):
        self.run("kill-node", str(n), sig)

    def restart_node(self, n):
        self.run("restart-node", str(n), timeout=300)

    def wait_isr(self, timeout=120):
        self.run("topic", "wait-isr", "--timeout", str(timeout), timeout=timeout + 30)

    def elect_preferred(self):
        """Kafka's kafka-leader-elections.sh: every partition back to its preferred leader."""
        return self.run("exec", "LeaderElectionCommand", "--bootstrap-server", self.bootstrap,
                        "--election-type", "PREFERRED", "--all-topic-partitions",
                        check=False, timeout=120)

    def stop(self, keep=False):
        self.run("stop", "--timeout", "5", *(["--keep"] if keep else []), check=False)


class CommitWatcher(threading.Thread):
    """Polls the group's committed offsets on the input topic every 200 ms."""

    def __init__(self, bootstrap, topic, partitions, group=GROUP):
        super().__init__(daemon=True)
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                           "enable.auto.commit": False, "log_level": 0})
        self.tps = [TopicPartition(topic, p) for p in range(partitions)]
        self.samples = []  # (asked at, answered at (monotonic), sum, per-partition list)
        self.stop_flag = threading.Event()

    def snapshot(self, timeout=2.0):
        try:
            got = self.c.committed(self.tps, timeout=timeout)
        except Exception:  # coordinator unavailable during a fault
            return None
        offs = [max(tp.offset, 0) for tp in sorted(got, key=lambda t: t.partition)]
        return offs

    def run(self):
        while not self.stop_flag.is_set():
            asked = time.monotonic()
            offs = self.snapshot(1.0)
            if offs is not None:
                self.samples.append((asked, time.monotonic(), sum(offs), offs))
            time.sleep(0.2)  # the sampling interval of the measurement

    def recovery(self, t_end):
        """Seconds from t_end to the next increase of the committed sum (to the answer
        that showed it); None if none. An answer to a query asked before t_end counts
        as before, even when it came after: a commit it shows may predate t_end (a
        query that straddled a kill read as a commit 0.0-0.3 s after it)."""
        base = max((s[2] for s in self.samples if s[0] < t_end), default=0)
        for asked, answered, total, _ in self.samples:
            if asked >= t_end and total > base:
                return answered - t_end
        return None

    def close(self):
        self.stop_flag.set()
        self.join(5)
        self.c.close()


class PacedProducer(threading.Thread):
    """Produces `values` to `topic` round robin over partitions at `rate` records/s."""

    def __init__(self, bootstrap, topic, partitions, values, rate):
        super().__init__(daemon=True)
        self.p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 10,
                           "message.timeout.ms": 600000, "message.max.bytes": 20000000,
                           "queue.buffering.max.messages": 1000000, "log_level": 0})
        self.topic, self.partitions, self.values, self.rate = topic, partitions, values, rate
        self.failed = 0
        self.produced = 0
        self.done = threading.Event()
        self.delivered = {}  # index -> (partition, offset)

    def _dr(self, err, msg, idx):
        if err is not None:
            self.failed += 1
        else:
            self.delivered[idx] = (msg.partition(), msg.offset())

    def run(self):
        start = time.monotonic()
        for i, v in enumerate(self.values):
            if self.rate:
                ahead = i / self.rate - (time.monotonic() - start)
                if ahead > 0.02:
                    time.sleep(ahead)  # the scenario: records are paced at `rate`
            part = v[1] if isinstance(v, tuple) else i % self.partitions
            value = v[0] if isinstance(v, tuple) else v
            key = v[2] if isinstance(v, tuple) and len(v) > 2 else None
            while True:
                try:
                    self.p.produce(self.topic, value, key=key, partition=part,
                                   on_delivery=lambda e, m, idx=i: self._dr(e, m, idx))
                    break
                except BufferError:
                    self.p.poll(0.05)
            self.produced += 1
            if i % 500 == 0:
                self.p.poll(0)
        while self.p.flush(1.0) > 0:
            pass
        self.done.set()


def watermarks(bootstrap, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rel-hw", "log_level": 0})
    out = [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in range(partitions)]
    c.close()
    return out


def hw_sum(bootstrap, topic, partitions):
    return sum(hi for _, hi in watermarks(bootstrap, topic, partitions))


def read_records(bootstrap, topic, wanted):
    """{(partition, offset): value} for a few records of `topic`."""
    out = {}
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rel-diag",
                  "enable.auto.commit": False, "log_level": 0})
    for p, o in wanted:
        c.assign([TopicPartition(topic, p, o)])
        m = c.poll(5.0)
        if m is not None and not m.error() and m.offset() == o:
            out[(p, o)] = m.value()
    c.close()
    return out


def diagnose_lost(ctx, lost, hashes):
    """For a few lost input records: is the input there, and did its value come out
    under another record's source headers?"""
    notes = []
    for (p, o), v in sorted(read_records(ctx.bootstrap, ctx.raw, lost[:5]).items()):
        under = hashes.get(hash(v), [])
        notes.append(f"{p}/{o}: input {len(v or b'')} B, same value out under "
                     f"{under[:3] if under else 'no source header'}")
    return notes


def read_outputs(bootstrap, topics, partitions, want_reason=False, hashes=None):
    """(src partition, src offset) -> count over `topics`, and reasons from the DLQ.

    Also returns the number of output records lost to the mock's retention (low
    watermark above 0): the verification is void if it is not zero."""
    counts, reasons, dropped = {}, {}, 0
    where = []
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rel-verify",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 10, "log_level": 0,
                  "fetch.max.bytes": 64 << 20, "max.partition.fetch.bytes": 8 << 20})
    assign, remaining = [], {}
    for t in topics:
        for p, (lo, hi) in enumerate(watermarks(bootstrap, t, partitions)):
            dropped += lo
            if lo:
                where.append(f"{t}[{p}]: {lo} of {hi}")
            if hi > lo:
                assign.append(TopicPartition(t, p, OFFSET_BEGINNING))
                remaining[(t, p)] = hi
    if assign:
        c.assign(assign)
    deadline = time.monotonic() + 300
    while remaining and time.monotonic() < deadline:
        for m in c.consume(2000, 1.0):
            if m.error():
                continue
            h = dict(m.headers() or [])
            src = (int(h.get("skillstream.source.partition", b"-1")),
                   int(h.get("skillstream.source.offset", b"-1")))
            counts[src] = counts.get(src, 0) + 1
            if hashes is not None:
                hashes.setdefault(hash(m.value()), []).append(src)
            if want_reason:
                reasons.setdefault(src, (h.get("skillstream.reason") or b"none").decode())
            key = (m.topic(), m.partition())
            if key in remaining and m.offset() + 1 >= remaining[key]:
                del remaining[key]
    c.close()
    if remaining:
        raise RuntimeError(f"timed out reading outputs: {len(remaining)} partitions left")
    if where:
        log("dropped by the mock's retention: " + ", ".join(where))
    return counts, reasons, dropped


def verify(ctx, extra_check=None):
    """Lost, duplicates and the output counts over the input topic's whole range."""
    raw = watermarks(ctx.bootstrap, ctx.raw, ctx.partitions)
    hashes = {}
    counts, _, dropped = read_outputs(ctx.bootstrap, [ctx.clean, ctx.dlq], ctx.partitions, hashes=hashes)
    lost, dup = [], 0
    for p, (lo, hi) in enumerate(raw):
        if lo > 0:
            raise RuntimeError(f"input partition {p} lost {lo} records to retention")
        for o in range(lo, hi):
            n = counts.get((p, o), 0)
            if n == 0:
                lost.append((p, o))
            dup += max(n - 1, 0)
    if dropped:
        raise RuntimeError(f"{dropped} output records dropped by retention: use more partitions")
    if lost:
        for line in diagnose_lost(ctx, lost, hashes):
            log("lost " + line)
    return sum(hi for _, hi in raw), lost, dup, counts


def load_records(ctx, n, seed):
    """Generated session logs (10% defects, 5% secrets), without the 1 MiB too_large ones
    (the hostile scenario covers those; here they would crowd the mock's retention)."""
    out = subprocess.run([ctx.binary, "generate", "--count", str(n), "--seed", str(seed),
                          "--invalid-ratio", "0.1", "--secret-ratio", "0.05"],
                         check=True, capture_output=True).stdout.split(b"\n")[:n]
    return [v for v in out if len(v) < 100000]


def write_config(ctx, session_ms, path=None, consumer=()):
    """The instances' config file; HTTP on a free port each, since two instances run
    side by side and a port in use stops `run` at start. On a real cluster, session_ms
    None keeps SkillStream's defaults (session 10 s, heartbeat 3 s); `consumer` adds
    consumer properties (e.g. group.instance.id)."""
    path = path or os.path.join(ctx.work, "skillstream.toml")
    cons = []
    if session_ms is not None:
        cons += [("session.timeout.ms", session_ms)]
        if not ctx.real:
            cons += [("heartbeat.interval.ms", 500)]
    if not ctx.real:
        cons += [("fetch.wait.max.ms", 10)]
    if ctx.debug:
        cons += [("debug", ctx.debug)]
    cons += list(consumer)
    with open(path, "w") as f:
        f.write(f'[http]\naddr = "127.0.0.1:0"\n'
                f'[kafka]\nbrokers = "{ctx.bootstrap}"\n[kafka.consumer]\n' +
                "".join(f'"{k}" = "{v}"\n' for k, v in cons) +
                ("[kafka.producer]\n" + "".join(
                    f'"{k}" = "{v}"\n' for k, v in (kv.split("=", 1) for kv in ctx.producer_props))
                 if ctx.producer_props else ""))
    return path


def wait_caught_up(ctx, watcher, timeout=120):
    """Until the committed offsets reach the input's high watermarks."""
    deadline = time.monotonic() + timeout
    target = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, ctx.partitions)]
    while time.monotonic() < deadline:
        ctx.broker.check()
        offs = watcher.snapshot(2.0)
        if offs is not None and all(o >= t for o, t in zip(offs, target)):
            return True
        time.sleep(0.5)  # the poll interval
    return False


def wait_until(cond, timeout, what, ctx=None, poll=0.2):
    """Polls cond() until it holds; raises naming `what` after `timeout` seconds (or at
    once if the broker process died)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if ctx is not None:
            ctx.broker.check()
        if time.monotonic() >= deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)  # the poll interval


def flowing(ctx):
    """True once skillstream has written records to the clean topic."""
    return hw_sum(ctx.bootstrap, ctx.clean, ctx.partitions) > 0


def owned_partitions(inst):
    """Partitions an instance holds, from its log's assigned/revoked/lost lines."""
    held = 0
    for m in re.finditer(r"\b(assigned|revoked|lost) (\d+) partition", inst.text()):
        held += int(m.group(2)) if m.group(1) == "assigned" else -int(m.group(2))
    return held


def start_run(ctx, values, duration, name="A", extra=(), config=None):
    """The start of a run: the commit watcher, instance `name` with its partitions, and
    `values` produced over `duration` seconds. Returns (watcher, instance, producer)."""
    watcher = CommitWatcher(ctx.bootstrap, ctx.raw, ctx.partitions, ctx.group)
    inst = Instance(ctx, name, extra, config)
    if not inst.wait_log("assigned", 60):
        raise RuntimeError(f"{name} never got partitions:\n" + inst.text()[-2000:])
    watcher.start()
    prod = PacedProducer(ctx.bootstrap, ctx.raw, ctx.partitions, values, len(values) / duration)
    prod.start()
    return watcher, inst, prod


class RunEnd:
    """The end of a run: input all sent, the group caught up, `inst` stopped with SIGTERM,
    and every input offset looked up in the outputs (verify)."""

    def __init__(self, ctx, args, watcher, inst, prod):
        prod.join()
        self.caught_up = wait_caught_up(ctx, watcher, 60 if args.short else 120)
        inst.kill(signal.SIGTERM)
        self.rc = inst.wait(60)
        self.stuck = uncommitted(ctx, watcher)
        watcher.close()
        self.sent, self.lost, self.dup, self.counts = verify(ctx)

    def row(self, faults, recovery, ok, notes):
        """The scenario's result row; `ok` is the scenario's own verdict, on top of
        nothing lost, exit 0 and nothing left uncommitted."""
        return dict(sent=self.sent, faults=faults, lost=len(self.lost), dup=self.dup,
                    recovery=recovery, ok=ok and not self.lost and self.rc == 0 and
                    self.stuck == 0, notes=notes, lost_sample=self.lost[:5])


def uncommitted(ctx, watcher):
    """Records below the input's high watermarks that the group has not committed."""
    offs = watcher.snapshot(5.0)
    hw = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, ctx.partitions)]
    return sum(h - o for h, o in zip(hw, offs)) if offs is not None else -1


class Ctx:
    pass


def setup(args, name, brokers, partitions, topics=(RAW, CLEAN, DLQ), session_ms=3000,
          real_session_ms=None):
    ctx = Ctx()
    ctx.binary, ctx.workers, ctx.partitions = args.binary, args.workers, partitions
    ctx.debug = args.debug
    ctx.real = args.real_kafka
    ctx.work = os.path.join(args.work, name)
    os.makedirs(ctx.work, exist_ok=True)
    ctx.instances = []
    ctx.producer_props = list(args.producer_property)
    if ctx.real:
        # Its own topics and group on the shared real cluster; the producer as shipped
        # (idempotent, librdkafka's 5 requests in flight); SkillStream's session timeout
        # unless the scenario names one.
        ctx.raw, ctx.clean, ctx.dlq, ctx.group = (f"{name}.raw", f"{name}.clean",
                                                  f"{name}.dlq", name)
        ctx.broker = args.cluster
        ctx.bootstrap = ctx.broker.bootstrap
        ctx.broker.create_topics([ctx.raw, ctx.clean, ctx.dlq], partitions)
        ctx.config = write_config(ctx, real_session_ms)
        return ctx
    ctx.raw, ctx.clean, ctx.dlq, ctx.group = RAW, CLEAN, DLQ, GROUP
    # The embedded broker (librdkafka 2.0.2's mock) does not check an idempotent
    # producer's sequence numbers the way Kafka does: after an injected Produce error
    # it can accept a later in-flight batch out of order and then acknowledge the
    # retried earlier one without storing it (seen as 1-16 records acknowledged but
    # absent in runs with Produce errors; none with one request in flight). A real
    # broker refuses the out-of-order batch, which librdkafka then retries in order.
    # So on the mock, skillstream's producer keeps one request in flight unless the
    # caller sets it (--producer-property max.in.flight.requests.per.connection=5
    # reproduces the mock's loss). --real-kafka runs keep librdkafka's default 5.
    if not any(kv.startswith("max.in.flight") for kv in ctx.producer_props):
        ctx.producer_props.append("max.in.flight.requests.per.connection=1")
    ctx.broker = Broker(args.binary, ctx.work, brokers, partitions, topics)
    ctx.bootstrap = ctx.broker.bootstrap
    ctx.config = write_config(ctx, session_ms)
    return ctx


def teardown(ctx):
    for inst in ctx.instances:
        inst.kill()
        inst.wait(10)
        inst.logf.close()
    if ctx.real:
        ctx.broker.wait_isr()  # the next scenario starts on a healthy cluster
    else:
        ctx.broker.stop()


def scenario(name, brokers, partitions, real=False, mock=True, **setup_kw):
    """A scenario body `f(args, rng, ctx)` run between setup() and teardown(), with
    partitions[0] input partitions in the short form and partitions[1] in the full one.
    `real`: it also runs with --real-kafka; `mock`: it runs on the embedded broker."""
    def wrap(body):
        def run(args, rng):
            ctx = setup(args, name, brokers, partitions[0 if args.short else 1], **setup_kw)
            try:
                return body(args, rng, ctx)
            finally:
                teardown(ctx)
        run.real, run.mock = real, mock
        return run
    return wrap


def fmt_recovery(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return "n/a"
    return f"{max(vals):.1f} (median {statistics.median(vals):.1f})"


# ---- scenarios ----------------------------------------------------------------------

@scenario("faults", brokers=3, partitions=(16, 64), session_ms=6000)
def scenario_faults(args, rng, ctx):
    n = args.records
    parts = ctx.partitions
    values = load_records(ctx, n, args.seed)
    b = ctx.broker
    hold = 2.0 if args.short else 4.0
    # (label, apply commands, revert commands)
    steps = [
        ("latency 300 ms on every broker", [f"rtt {i} 300" for i in (1, 2, 3)],
         [f"rtt {i} 0" for i in (1, 2, 3)]),
        ("broker 2 down", ["down 2"], ["up 2"]),
        ("Produce errors", [f"errors {API['Produce']} 30 {ERR['NOT_LEADER_FOR_PARTITION']}",
                            f"errors {API['Produce']} 10 {ERR['REQUEST_TIMED_OUT']}",
                            f"errors {API['Produce']} 10 {ERR['NOT_ENOUGH_REPLICAS']}"], []),
        ("Fetch errors", [f"errors {API['Fetch']} 20 {ERR['NOT_LEADER_FOR_PARTITION']}",
                          f"errors {API['Fetch']} 10 {ERR['REQUEST_TIMED_OUT']}",
                          f"errors {API['Fetch']} 5 {ERR['UNKNOWN_TOPIC_OR_PART']}"], []),
        ("leaders move", [f"leader {t} {p} {(p + rng.randint(1, 2)) % 3 + 1}"
                          for t in (RAW, CLEAN, DLQ) for p in range(parts)], []),
        ("OffsetCommit errors",
         [f"errors {API['OffsetCommit']} 10 {ERR['COORDINATOR_NOT_AVAILABLE']}",
          f"errors {API['OffsetCommit']} 10 {ERR['NOT_COORDINATOR']}",
          f"errors {API['OffsetCommit']} 5 {ERR['REQUEST_TIMED_OUT']}"], []),
        ("group errors (Heartbeat, JoinGroup, SyncGroup)",
         [f"errors {API['Heartbeat']} 3 {ERR['REBALANCE_IN_PROGRESS']}",
          f"errors {API['JoinGroup']} 3 {ERR['COORDINATOR_LOAD_IN_PROGRESS']}",
          f"errors {API['SyncGroup']} 2 {ERR['REBALANCE_IN_PROGRESS']}"], []),
        ("broker 1 down", ["down 1"], ["up 1"]),
        ("broker 3 down + 500 ms on broker 2", ["down 3", "rtt 2 500"], ["up 3", "rtt 2 0"]),
    ]
    if args.fault_steps:  # a subset, to bisect a failure
        steps = [steps[int(i)] for i in args.fault_steps.split(",")]
    duration = len(steps) * (hold + 1.5) + 4
    watcher, a, prod = start_run(ctx, values, duration)
    wait_until(lambda: flowing(ctx), 30, "the first records in the clean topic", ctx)
    recov, injected = [], 0
    for label, apply, revert in steps:
        for c in apply:
            b.cmd(c)
        injected += len(apply)
        time.sleep(hold)  # the scenario: the fault lasts `hold` seconds
        for c in revert:
            b.cmd(c)
        t_end = time.monotonic()
        log(f"faults: {label} ({len(apply)} command(s)) done")
        time.sleep(1.5)  # the scenario: records flow without a fault before the next
        recov.append((label, t_end))
    end = RunEnd(ctx, args, watcher, a, prod)
    recoveries = [watcher.recovery(t) for _, t in recov]
    retries = re.findall(r"retries=(\d+)", a.text())
    notes = (f"exit {end.rc}; {prod.failed} input produce failures; skillstream retries "
             f"{retries[-1] if retries else '?'}; delivered but never committed after a "
             f"clean stop: {end.stuck}" + ("" if end.caught_up else " (commits stalled)"))
    return end.row(f"{len(steps)} faults / {injected} cmds", fmt_recovery(recoveries), True,
                   notes)


@scenario("crash", brokers=1, partitions=(16, 64), real=True)
def scenario_crash(args, rng, ctx):
    n = args.records
    kills = 3 if args.short else 8
    parts = ctx.partitions
    values = load_records(ctx, n, args.seed + 1)
    gap = 5.0  # at least a session timeout between kills, so each restart takes over
    duration = max(kills * (gap + 2) + 6, 15)
    watcher, inst, prod = start_run(ctx, values, duration, "A0")
    t0 = time.monotonic()
    windows, restarts, max_window = [], [], 0
    for k in range(kills):
        # A random point in this slot of the run.
        slot = (duration - 4) / kills
        at = t0 + 2 + k * slot + rng.uniform(0.3, max(slot - gap, 0.5))
        # The scenario: the kill lands at a random time (and a gap after the last).
        time.sleep(max(at - time.monotonic(), gap if k else 0))
        committed = watcher.snapshot(2.0)
        inst.kill(signal.SIGKILL)
        inst.wait(10)
        hw = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, parts)]
        windows.append((committed, hw))
        max_window = max(max_window, sum(hw) - sum(committed))
        inst = Instance(ctx, f"A{k + 1}")
        restarts.append(time.monotonic())
        log(f"crash: SIGKILL {k + 1}/{kills} (uncommitted window <= "
            f"{sum(hw) - sum(committed)} records), restarted")
    end = RunEnd(ctx, args, watcher, inst, prod)
    # A duplicate must lie in the window [committed, high watermark) of some kill.
    outside = 0
    for (p, o), c in end.counts.items():
        if c > 1 and not any(cm[p] <= o < hw[p] for cm, hw in windows):
            outside += 1
    recoveries = [watcher.recovery(t) for t in restarts]
    return end.row(f"{kills} SIGKILL", fmt_recovery(recoveries), outside == 0,
                   f"duplicates outside the uncommitted window: {outside}; largest "
                   f"window {max_window} records; final exit {end.rc}; delivered but "
                   f"never committed after a clean stop: {end.stuck}")


def kill_while_joining(ctx, rng, victim, joiner):
    """Starts instance `joiner` and SIGKILLs `victim` 0.4-1.2 s later, while the
    cooperative rebalance runs. Returns the joiner and whether the kill landed before
    the joiner's assignment (its log)."""
    j = Instance(ctx, joiner)
    time.sleep(rng.uniform(0.4, 1.2))  # the scenario: the kill lands in the rebalance
    before = "assigned" not in j.text()
    victim.kill()
    victim.wait(10)
    log(f"rebalance-kill: {victim.name} killed while {joiner} joined ({joiner} not yet "
        f"assigned: {before})")
    return j, before


@scenario("rebalance-kill", brokers=1, partitions=(16, 64))
def scenario_rebalance_kill(args, rng, ctx):
    n = args.records
    parts = ctx.partitions
    values = load_records(ctx, n, args.seed + 2)
    duration = 20 if args.short else 40
    watcher, a, prod = start_run(ctx, values, duration)
    wait_until(lambda: flowing(ctx), 30, "the first records in the clean topic", ctx)
    # Round 1: B joins; A is killed while the cooperative rebalance runs.
    b, before_b = kill_while_joining(ctx, rng, a, "B")
    # A's session times out and the group hands all partitions to B.
    wait_until(lambda: owned_partitions(b) == parts, 60, "B to own every partition", ctx)
    # Round 2: A comes back; B is killed during that rebalance.
    a2, before_a2 = kill_while_joining(ctx, rng, b, "A2")
    restarts = [a2.started, time.monotonic()]
    during = [before_b, before_a2]
    end = RunEnd(ctx, args, watcher, a2, prod)
    return end.row("2 SIGKILL in rebalance",
                   fmt_recovery([watcher.recovery(t) for t in restarts]), True,
                   f"kill landed before the joiner's assignment: {during}; final exit "
                   f"{end.rc}; delivered but never committed after a clean stop: {end.stuck}")


@scenario("sigterm-outage", brokers=3, partitions=(16, 64))
def scenario_sigterm_outage(args, rng, ctx):
    n = args.records
    parts = ctx.partitions
    b = ctx.broker
    # Coordinator on broker 1, input on broker 2, outputs on broker 3: taking broker
    # 3 down blocks deliveries while commits still reach the coordinator.
    b.cmd(f"coordinator group {GROUP} 1")
    for p in range(parts):
        b.cmd(f"leader {RAW} {p} 2")
        b.cmd(f"leader {CLEAN} {p} 3")
        b.cmd(f"leader {DLQ} {p} 3")
    values = load_records(ctx, n, args.seed + 3)
    duration = 10 if args.short else 30
    bound_ms = 5000
    watcher, a, prod = start_run(ctx, values, duration,
                                 extra=["--shutdown-timeout-ms", str(bound_ms)])
    wait_until(lambda: prod.produced >= len(values) // 3, duration + 30,
               "a third of the input to be sent", ctx)
    b.cmd("down 3")
    time.sleep(2)  # the scenario: the outage lasts 2 s before SIGTERM
    t_sig = time.monotonic()
    a.kill(signal.SIGTERM)
    rc = a.wait(bound_ms / 1000 + 30)
    exit_s = time.monotonic() - t_sig
    committed = watcher.snapshot(5.0)
    b.cmd("up 3")
    t_up = time.monotonic()
    # Nothing committed that was not delivered: every offset below the committed
    # one is in the outputs.
    counts, _, _ = read_outputs(ctx.bootstrap, [CLEAN, DLQ], parts)
    bad = sum(1 for p in range(parts) for o in range(committed[p]) if (p, o) not in counts)
    prod.join()
    again = Instance(ctx, "A-restart", ["--stop-at-end"])
    rc2 = again.wait(300)
    watcher.close()
    sent, lost, dup, _ = verify(ctx)
    ok = (not lost and rc == 3 and exit_s <= bound_ms / 1000 + 5 and bad == 0 and rc2 == 0)
    return dict(sent=sent, faults="outage + SIGTERM", lost=len(lost), dup=dup,
                recovery=fmt_recovery([watcher.recovery(t_up)]), ok=ok,
                notes=f"exit {rc} after {exit_s:.1f} s (bound {bound_ms / 1000:.0f} s); "
                      f"committed-but-undelivered {bad}; restart exit {rc2}",
                lost_sample=lost[:5])


# ---- scenarios on a real cluster (--real-kafka) ---------------------------------------

def topics_of(ctx):
    return [ctx.raw, ctx.clean, ctx.dlq]


def lost_lines(inst):
    """How often librdkafka declared the partitions lost (not revoked) in an instance."""
    return len(re.findall(r"\blost \d+ partition", inst.text()))


@scenario("broker-kill", brokers=3, partitions=(16, 64), real=True, mock=False)
def scenario_broker_kill(args, rng, ctx):
    """SIGKILL the node that coordinates the group (it also leads a third of the
    partitions), keep it dead, restart it on its data while skillstream runs."""
    cl = ctx.broker
    values = load_records(ctx, args.records, args.seed + 5)
    duration, dead = (24, 8) if args.short else (60, 20)
    watcher, a, prod = start_run(ctx, values, duration)
    wait_until(lambda: flowing(ctx), 60, "the first records in the clean topic", ctx)
    time.sleep(2)  # the scenario: steady flow before the kill
    node = cl.coordinator(ctx.group)
    led = cl.leaders(topics_of(ctx)).get(node, 0)
    cl.kill_node(node, "KILL")
    t_kill = time.monotonic()  # kill-node returns once the JVM is gone
    log(f"broker-kill: node {node} (coordinator, leader of {led} partitions) SIGKILLed")
    time.sleep(dead)  # the scenario: the node stays dead
    cl.restart_node(node)
    t_back = time.monotonic()
    log(f"broker-kill: node {node} restarted after {t_back - t_kill:.1f} s")
    end = RunEnd(ctx, args, watcher, a, prod)
    stall = watcher.recovery(t_kill)
    return end.row(f"SIGKILL node {node} ({dead} s dead) + restart",
                   fmt_recovery([watcher.recovery(t_back)]), True,
                   f"node {node} coordinated the group and led {led} of "
                   f"{3 * ctx.partitions} partitions; first commit {fmt_s(stall)} after the "
                   f"kill; partitions lost {lost_lines(a)} time(s); exit {end.rc}; "
                   f"{prod.failed} input produce failures; never committed after a clean "
                   f"stop: {end.stuck}")


def fmt_s(v):
    return "none" if v is None else f"{v:.1f} s"


@scenario("leader-move", brokers=3, partitions=(16, 64), real=True, mock=False)
def scenario_leader_move(args, rng, ctx):
    """Leaders move twice while skillstream runs: the node leading the most partitions
    restarts (SIGTERM: a controlled shutdown hands its leaders to the followers), and
    once it is back in every ISR a preferred leader election (LeaderElectionCommand)
    moves them back."""
    cl = ctx.broker
    values = load_records(ctx, args.records, args.seed + 6)
    duration = 30 if args.short else 60
    watcher, a, prod = start_run(ctx, values, duration)
    wait_until(lambda: flowing(ctx), 60, "the first records in the clean topic", ctx)
    time.sleep(2)  # the scenario: steady flow before the move
    before = cl.leaders(topics_of(ctx))
    node = max((n for n in before if n >= 0), key=lambda n: before[n])
    cl.restart_node(node)
    t_restart = time.monotonic()
    after_restart = cl.leaders(topics_of(ctx)).get(node, 0)
    cl.wait_isr()
    r = cl.elect_preferred()
    t_elect = time.monotonic()
    elected = cl.leaders(topics_of(ctx)).get(node, 0)
    log(f"leader-move: node {node} led {before[node]}, {after_restart} after its restart, "
        f"{elected} after the preferred election (exit {r.returncode})")
    end = RunEnd(ctx, args, watcher, a, prod)
    ok = r.returncode == 0 and elected > after_restart
    return end.row(f"restart node {node} + preferred election",
                   fmt_recovery([watcher.recovery(t_restart), watcher.recovery(t_elect)]), ok,
                   f"node {node} led {before[node]} of {3 * ctx.partitions} partitions, "
                   f"{after_restart} after its restart, {elected} after the election "
                   f"(LeaderElectionCommand exit {r.returncode}); exit {end.rc}; "
                   f"{prod.failed} input produce failures; never committed after a clean "
                   f"stop: {end.stuck}")


@scenario("broker-pause", brokers=3, partitions=(16, 64), real=True, mock=False)
def scenario_broker_pause(args, rng, ctx):
    """SIGSTOP the group's coordinator node past both session timeouts (the broker's
    9 s with the controller, the consumer's 10 s), then SIGCONT: the node comes back
    fenced, with stale leaderships and a stale coordinator role."""
    cl = ctx.broker
    values = load_records(ctx, args.records, args.seed + 7)
    duration, pause = (26, 14) if args.short else (60, 25)
    watcher, a, prod = start_run(ctx, values, duration)
    wait_until(lambda: flowing(ctx), 60, "the first records in the clean topic", ctx)
    time.sleep(2)  # the scenario: steady flow before the pause
    node = cl.coordinator(ctx.group)
    led = cl.leaders(topics_of(ctx)).get(node, 0)
    cl.kill_node(node, "STOP")
    t_stop = time.monotonic()  # after the signal, not before kill-node's own start-up
    time.sleep(pause)  # the scenario: the node is frozen this long
    cl.kill_node(node, "CONT")
    t_cont = time.monotonic()
    log(f"broker-pause: node {node} (coordinator, leader of {led}) paused {pause} s")
    end = RunEnd(ctx, args, watcher, a, prod)
    return end.row(f"SIGSTOP node {node} {pause} s, SIGCONT",
                   fmt_recovery([watcher.recovery(t_cont)]), True,
                   f"node {node} coordinated the group and led {led} partitions; first "
                   f"commit {fmt_s(watcher.recovery(t_stop))} after the SIGSTOP; partitions "
                   f"lost {lost_lines(a)} time(s); exit {end.rc}; {prod.failed} input "
                   f"produce failures; never committed after a clean stop: {end.stuck}")


def restart_measure(args, ctx, static, seed):
    """SIGKILL the only instance and restart it at once, `kills` times: the time from
    each restart to the group's next commit, and the duplicates (the uncommitted window
    read again)."""
    kills = 1 if ctx.session_ms and ctx.session_ms >= 30000 else 2
    cfg = None
    if static:
        cfg = write_config(ctx, ctx.session_ms, os.path.join(ctx.work, "static.toml"),
                           [("group.instance.id", f"{ctx.group}-A")])
    gap = ctx.session_ms / 1000 + 8 if ctx.session_ms else 18
    values = load_records(ctx, args.records, seed)
    duration = kills * gap + 10
    watcher, inst, prod = start_run(ctx, values, duration, "A0", config=cfg)
    wait_until(lambda: flowing(ctx), 60, "the first records in the clean topic", ctx)
    restarts, windows = [], []
    for k in range(kills):
        time.sleep(4 if k == 0 else gap)  # the scenario: steady flow before a kill
        committed = watcher.snapshot(2.0)
        inst.kill(signal.SIGKILL)
        inst.wait(10)
        hw = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, ctx.partitions)]
        windows.append(sum(hw) - sum(committed))
        inst = Instance(ctx, f"A{k + 1}", config=cfg)
        restarts.append(time.monotonic())
        log(f"{ctx.group}: SIGKILL {k + 1}/{kills}, window {windows[-1]} records, restarted")
    # Each restart's recovery is measured before the next kill; wait for the last one.
    wait_until(lambda: watcher.recovery(restarts[-1]) is not None, 120,
               "a commit after the last restart", ctx)
    end = RunEnd(ctx, args, watcher, inst, prod)
    rec = [watcher.recovery(t) for t in restarts]
    ctx.measure = dict(recovery=rec, windows=windows, dup=end.dup)
    return end.row(f"{kills} SIGKILL + immediate restart", fmt_recovery(rec), True,
                   f"restart to next commit: {', '.join(fmt_s(v) for v in rec)}; uncommitted "
                   f"windows {windows} records; static membership: {static}; session "
                   f"timeout {(ctx.session_ms or 10000) / 1000:.0f} s; exit {end.rc}")


@scenario("restart-static", brokers=3, partitions=(16, 64), real=True, mock=False)
def scenario_restart_static(args, rng, ctx):
    ctx.session_ms = None
    return restart_measure(args, ctx, True, args.seed + 8)


@scenario("restart-dynamic", brokers=3, partitions=(16, 64), real=True, mock=False)
def scenario_restart_dynamic(args, rng, ctx):
    ctx.session_ms = None
    return restart_measure(args, ctx, False, args.seed + 8)


@scenario("restart-dynamic-45s", brokers=3, partitions=(16, 64), real=True, mock=False,
          real_session_ms=45000)
def scenario_restart_dynamic_45(args, rng, ctx):
    ctx.session_ms = 45000
    return restart_measure(args, ctx, False, args.seed + 8)


@scenario("sigterm-handoff", brokers=3, partitions=(16, 64), real=True, mock=False)
def scenario_sigterm_handoff(args, rng, ctx):
    """Two instances share the input. SIGTERM one: it leaves the group (LeaveGroup),
    so the other gets its partitions at once. Then the same with SIGKILL: the other
    waits for the session timeout (10 s)."""
    parts = ctx.partitions
    values = load_records(ctx, args.records, args.seed + 9)
    duration = 50 if args.short else 80
    watcher, a, prod = start_run(ctx, values, duration)
    wait_until(lambda: flowing(ctx), 60, "the first records in the clean topic", ctx)

    def handoff(victim, heir, sig):
        wait_until(lambda: owned_partitions(victim) > 0 and owned_partitions(heir) > 0 and
                   owned_partitions(victim) + owned_partitions(heir) == parts, 60,
                   "both instances to hold partitions", ctx)
        time.sleep(2)  # the scenario: steady flow before the signal
        held = owned_partitions(victim)
        t = time.monotonic()
        victim.kill(sig)
        wait_until(lambda: owned_partitions(heir) == parts, 90, "the handoff", ctx, poll=0.05)
        took = time.monotonic() - t
        victim.wait(60)
        log(f"sigterm-handoff: {signal.Signals(sig).name} {victim.name}: {heir.name} holds "
            f"its {held} partitions {took:.2f} s later")
        return took, held, t

    b = Instance(ctx, "B")
    term_s, term_n, t_term = handoff(a, b, signal.SIGTERM)
    a2 = Instance(ctx, "A2")
    kill_s, kill_n, t_kill = handoff(b, a2, signal.SIGKILL)
    end = RunEnd(ctx, args, watcher, a2, prod)
    ctx.measure = dict(term=term_s, kill=kill_s)
    return end.row("SIGTERM, then SIGKILL, of one of two", fmt_recovery(
        [watcher.recovery(t_term), watcher.recovery(t_kill)]), True,
        f"the other instance held every partition {term_s:.2f} s after SIGTERM "
        f"({term_n} moved) and {kill_s:.2f} s after SIGKILL ({kill_n} moved; session "
        f"timeout 10 s); final exit {end.rc}")


def hostile_values(n, rng):
    """(value, partition-or-None, expected reason) for n hostile records."""
    base = (b'{"session_id":"sess-2025-02-01-abc","agent_id":"a","timestamp":'
            b'"2025-02-01T14:30:00Z","skill":{"name":"s"},"task":{"description":"d"},'
            b'"outcome":{"success":true},"outcome_notes":"')

    def padded(total):
        body = base + b"x" * (total - len(base) - 2) + b'"}'
        assert len(body) == total
        return body

    def many_keys(k, dup):
        items = b",".join(b'"k%05d":%d' % (i, i) for i in range(k))
        if dup:
            items += b',"k00000":1'
        return b"{" + items + b"}"

    def tags_record(k):
        return (b'{"session_id":"sess-2025-02-01-abc","agent_id":"a","timestamp":'
                b'"2025-02-01T14:30:00Z","skill":{"name":"s"},"task":{"description":"d",'
                b'"tags":[' + b'"t",' * k + b'1]},"outcome":{"success":true}}')

    small = [
        ("tombstone", lambda: None, "empty_payload"),
        ("empty", lambda: b"", "empty_payload"),
        ("whitespace", lambda: b" \t\r\n " * rng.randint(1, 50), "empty_payload"),
        ("invalid UTF-8 in a string", lambda: base + b"\xc3\x28" + b'"}', "invalid_utf8"),
        ("UTF-8 surrogate", lambda: base + b"\xed\xa0\x80" + b'"}', "invalid_utf8"),
        ("overlong UTF-8", lambda: base + b"\xc0\xaf" + b'"}', "invalid_utf8"),
        ("binary garbage", lambda: b"\xff" + os.urandom(rng.randint(16, 2048)), "invalid_utf8"),
        ("NUL in JSON", lambda: b'{"a":1,\x00}', "malformed_json"),
        ("byte order mark", lambda: b"\xef\xbb\xbf" + base + b'"}', "malformed_json"),
        ("truncated", lambda: base[: rng.randint(1, len(base) - 1)], "malformed_json"),
        ("depth 65", lambda: b'{"a":' * 65 + b"1" + b"}" * 65, "too_deep"),
        ("depth 2000 arrays", lambda: b"[" * 2000 + b"]" * 2000, "too_deep"),
        ("unbalanced depth 5000", lambda: b"[" * 5000, "malformed_json"),
        ("scalar", lambda: b"12345", "not_an_object"),
    ]
    big = [
        ("depth 20000 objects", lambda: b'{"a":' * 20000 + b"1" + b"}" * 20000, "too_deep"),
        ("array of 20000", lambda: b"[" + b",".join([b"0"] * 20000) + b"]", "not_an_object"),
        ("task.tags of 20000, the last a number", lambda: tags_record(20000), "wrong_type"),
        ("3000 keys, one repeated", lambda: many_keys(3000, True), "duplicate_key"),
        ("3000 keys, none required", lambda: many_keys(3000, False), "missing_field"),
    ]
    out = []
    for i in range(n):
        if i % 100 == 99:
            label, make, reason = big[(i // 100) % len(big)]
        else:
            label, make, reason = small[i % len(small)]
        out.append((make(), None, reason, label))
    # At and over the size limit, each in a partition of its own (the mock keeps ~5 MiB
    # per partition): at the limit is valid and clean; over it is too_large; far over
    # the limit is too_large as well: the broker, not the producer, decides what is too
    # large, and the embedded broker accepts it, so it reaches the dead-letter topic
    # with its value (an undeliverable stub only when a topic refuses it).
    specials = [(padded(MAX_RECORD), "none", "at the limit (1 MiB)")] * 4 + \
               [(padded(MAX_RECORD + 1), "too_large", "limit + 1 byte")] * 4 + \
               [(padded(2 * MAX_RECORD), "too_large", "2 MiB")] * 2
    for j, (v, reason, label) in enumerate(specials):
        out.append((v, j * 3, reason, label))
    return out


def run_timed(argv, log_path):
    """Runs argv under /usr/bin/time -v: (exit code, wall s, peak RSS MiB)."""
    tfile = log_path + ".time"
    with open(log_path, "w") as lf:
        t0 = time.monotonic()
        rc = subprocess.call(["/usr/bin/time", "-v", "-o", tfile, *argv], stdout=lf,
                             stderr=subprocess.STDOUT, timeout=900)
        wall = time.monotonic() - t0
    rss = 0
    with open(tfile) as f:
        for line in f:
            if "Maximum resident" in line:
                rss = int(line.split(":")[1]) / 1024
    return rc, wall, rss


# ~1.2 MB per partition: far below the mock's 5 MiB.
@scenario("hostile", brokers=1, partitions=(32, 256),
          topics=["hostile.raw", "hostile.clean", "hostile.dlq", "normal.raw", "normal.clean",
                  "normal.dlq"])
def scenario_hostile(args, rng, ctx):
    n = args.records
    parts = ctx.partitions
    hostile = hostile_values(n, rng)
    # The tags record: valid except one field; compute its reason with the binary.
    normal = load_records(ctx, n, args.seed + 4)
    # Spread the specials: partition j for special j, round robin for the rest.
    # Keyed: the DLQ keeps the input key, so murmur2 spreads the rejects over the
    # partitions (null keys go to one sticky partition per burst, and a burst of
    # 100 KB records would overflow the mock's 5 MiB per partition).
    vals = [(v, p if p is not None else (i * 7 + 11) % parts, b"h%d" % i)
            for i, (v, p, _, _) in enumerate(hostile)]
    log(f"hostile: preloading {len(vals)} hostile and {len(normal)} normal records")
    ph = PacedProducer(ctx.bootstrap, "hostile.raw", parts, vals, 0)
    pn = PacedProducer(ctx.bootstrap, "normal.raw", parts, normal, 0)
    ph.start()
    pn.start()
    ph.join()
    pn.join()
    in_bytes_h = sum(len(v or b"") for v, _, _, _ in hostile)
    in_bytes_n = sum(len(v) for v in normal)
    common = [ctx.binary, "run", "--config", ctx.config, "--stop-at-end", "--workers",
              str(ctx.workers), "--log-level", "warn"]
    res = {}
    for kind in ("normal", "hostile"):
        argv = common + ["--input-topic", f"{kind}.raw", "--clean-topic", f"{kind}.clean",
                         "--dlq-topic", f"{kind}.dlq", "--group", kind, "--instance-id",
                         kind]
        res[kind] = run_timed(argv, os.path.join(ctx.work, f"{kind}.log"))
        log(f"hostile: {kind} run exit {res[kind][0]}, {res[kind][1]:.1f} s, "
            f"peak RSS {res[kind][2]:.0f} MiB")
    counts, reasons, dropped = read_outputs(ctx.bootstrap, ["hostile.clean", "hostile.dlq"],
                                            parts, want_reason=True)
    if dropped:
        raise RuntimeError(f"{dropped} hostile outputs dropped by retention")
    raw_lo = sum(lo for lo, _ in watermarks(ctx.bootstrap, "hostile.raw", parts))
    if raw_lo:
        raise RuntimeError(f"{raw_lo} hostile inputs dropped by retention before the run")
    lost, dup, wrong = [], 0, {}
    for idx, (v, _, reason, label) in enumerate(hostile):
        src = ph.delivered.get(idx)
        if src is None:
            lost.append(idx)
            continue
        c = counts.get(src, 0)
        if c == 0:
            lost.append(src)
            continue
        dup += c - 1
        got = reasons.get(src)
        if reason is not None and got != reason:
            wrong.setdefault(label, (reason, got, 0))
            wrong[label] = (reason, got, wrong[label][2] + 1)
    rate = {k: len(hostile if k == "hostile" else normal) / res[k][1] for k in res}
    mbs = {"hostile": in_bytes_h / res["hostile"][1] / 1e6,
           "normal": in_bytes_n / res["normal"][1] / 1e6}
    rss_ok = res["hostile"][2] <= res["normal"][2] + 320
    ok = (not lost and not wrong and res["hostile"][0] == 0 and res["normal"][0] == 0 and
          rss_ok)
    notes = (f"rate {rate['hostile']:.0f} rec/s ({mbs['hostile']:.1f} MB/s) vs normal "
             f"{rate['normal']:.0f} rec/s ({mbs['normal']:.1f} MB/s); peak RSS "
             f"{res['hostile'][2]:.0f} MiB vs {res['normal'][2]:.0f} MiB; wrong reasons: "
             f"{wrong or 'none'}")
    return dict(sent=len(hostile), faults="10 kinds + 10 at/over limit", lost=len(lost),
                dup=dup, recovery="n/a", ok=ok, notes=notes, lost_sample=lost[:5])


SCENARIOS = {
    "faults": scenario_faults,
    "crash": scenario_crash,
    "rebalance-kill": scenario_rebalance_kill,
    "sigterm-outage": scenario_sigterm_outage,
    "hostile": scenario_hostile,
    "broker-kill": scenario_broker_kill,
    "leader-move": scenario_leader_move,
    "broker-pause": scenario_broker_pause,
    "restart-static": scenario_restart_static,
    "restart-dynamic": scenario_restart_dynamic,
    "restart-dynamic-45s": scenario_restart_dynamic_45,
    "sigterm-handoff": scenario_sigterm_handoff,
}
# --real-kafka without --only: the fault scenarios (CI's short form). The restart-* and
# sigterm-handoff measurements (README, Reliability) run by name.
REAL_DEFAULT = ["broker-kill", "leader-move", "broker-pause", "crash"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--short", action="store_true", help="20k records, fewer faults and kills")
    ap.add_argument("--records", type=int, default=0, help="records per scenario")
    ap.add_argument("--seed", type=int, default=0, help="0: random (printed)")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--fault-steps", default="", help="faults: indices of the steps to run")
    ap.add_argument("--debug", default="", help="librdkafka debug contexts for skillstream")
    ap.add_argument("--producer-property", action="append", default=[], metavar="K=V",
                    help="librdkafka producer property for skillstream (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    ap.add_argument("--real-kafka", action="store_true",
                    help="a real Apache Kafka cluster from scripts/kafka.sh instead of the "
                         "embedded broker (scenarios " + ",".join(REAL_DEFAULT) + " by default)")
    ap.add_argument("--kafka-sh", default=os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "kafka.sh"), help="scripts/kafka.sh (--real-kafka)")
    ap.add_argument("--brokers", type=int, default=3, help="--real-kafka: nodes (1 or 3)")
    args = ap.parse_args()
    args.records = args.records or (20000 if args.short else 200000)
    args.seed = args.seed or random.randrange(1, 1 << 30)
    args.work = tempfile.mkdtemp(prefix="skillstream-rel-")
    names = [s for s in args.only.split(",") if s] or \
        (REAL_DEFAULT if args.real_kafka else [n for n in SCENARIOS if SCENARIOS[n].mock])
    for s in names:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s}")
        if args.real_kafka and not SCENARIOS[s].real:
            ap.error(f"{s} needs the embedded broker's fault commands (not --real-kafka)")
        if not args.real_kafka and not SCENARIOS[s].mock:
            ap.error(f"{s} needs --real-kafka")
    log(f"seed {args.seed}, {args.records} records per scenario, work dir {args.work}")
    args.cluster = None
    if args.real_kafka:
        # SIGTERM (ctest's or CI's timeout) stops the cluster through the finally below.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            args.cluster = RealCluster(args.kafka_sh, os.path.join(args.work, "kafka"),
                                       args.brokers)
        except Exception as e:
            log(f"FAIL: the real cluster did not start: {e}")
            return 1
    try:
        return run_scenarios(args, names)
    finally:
        if args.cluster is not None:
            args.cluster.stop(keep=args.keep)


def run_scenarios(args, names):
    rows, failed = [], False
    for name in names:
        rng = random.Random(f"{args.seed}-{name}")
        t0 = time.monotonic()
        log(f"== {name}")
        try:
            row = SCENARIOS[name](args, rng)
        except Exception as e:  # a scenario that cannot finish is a failure
            row = dict(sent=0, faults="-", lost="?", dup="?", recovery="-", ok=False,
                       notes=f"ERROR: {e}", lost_sample=[])
        row["name"] = name
        row["secs"] = time.monotonic() - t0
        cmd = f"scripts/reliability.sh {'--real-kafka ' if args.real_kafka else ''}" \
              f"{'--short ' if args.short else ''}--only {name} --seed {args.seed}"
        if args.records != (20000 if args.short else 200000):
            cmd += f" --records {args.records}"
        if args.fault_steps and name == "faults":
            cmd += f" --fault-steps {args.fault_steps}"
        row["cmd"] = cmd
        rows.append(row)
        failed |= not row["ok"]
        log(f"{name}: {'PASS' if row['ok'] else 'FAIL'} in {row['secs']:.0f} s: {row['notes']}"
            + (f" lost e.g. {row['lost_sample']}" if row["lost_sample"] else ""))
    print()
    if args.cluster is not None:
        print(f"Broker: Apache Kafka 4.4.0, {args.brokers} node(s) on 127.0.0.1 (scripts/kafka.sh, "
              f"started in {args.cluster.start_s:.0f} s), topics RF {min(3, args.brokers)} "
              f"min.insync.replicas={min(2, args.brokers)}; skillstream's producer idempotent "
              f"with 5 requests in flight; consumer session timeout 10 s unless a row says "
              f"otherwise.")
        print()
    print("| scenario | records sent | faults / kills injected | lost | duplicates | "
          "time to recover, s (max) | result | time, s | reproduce |")
    print("|---|---:|---|---:|---:|---|---|---:|---|")
    for r in rows:
        print(f"| {r['name']} | {r['sent']} | {r['faults']} | {r['lost']} | {r['dup']} | "
              f"{r['recovery']} | {'pass' if r['ok'] else 'FAIL'} | {r['secs']:.0f} | "
              f"`{r['cmd']}` |")
    print()
    for r in rows:
        print(f"- {r['name']}: {r['notes']}")
    if args.keep or failed:
        log(f"logs kept in {args.work}")
    else:
        shutil.rmtree(args.work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
