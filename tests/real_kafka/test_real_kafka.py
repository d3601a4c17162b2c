#!/usr/bin/python3
"""ctest label `real-kafka`: the real `skillstream` binary against a real Apache Kafka.

One single-node KRaft cluster (scripts/kafka.sh) is started once for the whole script, in
its own run dir, and stopped at the end; each check uses its own topics and group. Checks:

  routing   every input offset exactly once across clean+dlq; dead-letter records carry
            skillstream.reason/path/message/version/source.* and the input's exact bytes;
            clean records carry skillstream.source.*
  order     per input partition, source offsets strictly increase in each output partition
  resume    run to the end, produce more, run again: the second run reads only the new
            records (the committed offsets are resumed)
  sigkill   two instances in one group, one SIGKILLed mid-run: the survivor takes over its
            partitions and commits everything; nothing lost (duplicates counted)
  sigterm   SIGTERM mid-stream: exit 0; a --stop-at-end restart finishes; nothing lost and
            no duplicates (a clean stop commits all it delivered)

Exit 0 all passed, 1 a check failed, 77 skipped (no java/mvn/confluent_kafka, or the Kafka
jars cannot be fetched). SKILLSTREAM_REQUIRE_REAL_KAFKA=1 turns a skip into a failure (CI).

Usage: test_real_kafka.py --binary PATH --kafka-sh PATH --work DIR [--only a,b] [--keep]
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback

SKIP = 77


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def skip_or_fail(reason):
    if os.environ.get("SKILLSTREAM_REQUIRE_REAL_KAFKA") == "1":
        log(f"FAIL: {reason} (SKILLSTREAM_REQUIRE_REAL_KAFKA=1: no skipping)")
        sys.exit(1)
    log(f"SKIPPED: {reason}")
    sys.exit(SKIP)


try:
    from confluent_kafka import (Consumer, KafkaException, Producer, TopicPartition,
                                 OFFSET_BEGINNING)
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError as e:  # pragma: no cover
    skip_or_fail(f"python3-confluent-kafka missing ({e}); apt-get install python3-confluent-kafka")


class CheckFailed(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise CheckFailed(msg)


# ---- the cluster --------------------------------------------------------------------------

class Cluster:
    def __init__(self, kafka_sh, run_dir):
        self.sh, self.dir = kafka_sh, run_dir
        self.bootstrap = None

    def start(self):
        subprocess.run([self.sh, "stop", "--dir", self.dir], capture_output=True)
        t = time.monotonic()
        r = subprocess.run([self.sh, "start", "--brokers", "1", "--dir", self.dir],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"kafka.sh start failed (exit {r.returncode}):\n{r.stderr}")
        self.bootstrap = r.stdout.strip()
        log(f"Kafka up at {self.bootstrap} in {time.monotonic() - t:.1f} s ({self.dir})")

    def stop(self, keep=False):
        args = [self.sh, "stop", "--dir", self.dir] + (["--keep"] if keep else [])
        subprocess.run(args, capture_output=True)


def create_topics(bootstrap, spec):
    """spec: {name: partitions}; RF 1."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futs = admin.create_topics([NewTopic(n, p, 1) for n, p in spec.items()], operation_timeout=30)
    for name, f in futs.items():
        f.result(60)
    # Until the metadata shows every partition with a leader.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        md = admin.list_topics(timeout=10)
        if all(n in md.topics and len(md.topics[n].partitions) == p and
               all(pm.leader >= 0 for pm in md.topics[n].partitions.values())
               for n, p in spec.items()):
            return
        time.sleep(0.2)
    raise RuntimeError(f"topics {list(spec)} not ready")


# ---- producing and reading ----------------------------------------------------------------

_generated = {}


def generate(binary, n, seed):
    """n generated session logs (20% invalid), without the ~1 MiB too_large ones (they
    would not fit Kafka's default message.max.bytes)."""
    key = (n, seed)
    if key not in _generated:
        out = subprocess.run([binary, "generate", "--count", str(n), "--seed", str(seed),
                              "--invalid-ratio", "0.2"],
                             check=True, capture_output=True).stdout.split(b"\n")[:n]
        _generated[key] = [v for v in out if len(v) < 100000]
    return _generated[key]


def produce(bootstrap, topic, parts, values, first_index=0):
    """Each value to an explicit partition ((first_index + i) % parts); returns
    {(partition, offset): value}."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "enable.idempotence": True, "queue.buffering.max.messages": 1000000})
    placed, errors = {}, []

    def dr(err, msg, value):
        if err is not None:
            errors.append(str(err))
        else:
            placed[(msg.partition(), msg.offset())] = value

    for i, v in enumerate(values):
        while True:
            try:
                p.produce(topic, v, partition=(first_index + i) % parts, on_delivery=lambda e, m, v=v: dr(e, m, v))
                break
            except BufferError:
                p.poll(0.05)
    left = p.flush(60)
    expect(left == 0 and not errors, f"producing to {topic}: {left} undelivered, errors {errors[:3]}")
    expect(len(placed) == len(values), f"produced {len(placed)} of {len(values)} to {topic}")
    return placed


def retried(fn, what, timeout=20):
    """fn() retried on a KafkaException (e.g. NOT_LEADER_FOR_PARTITION while a new
    topic's leadership settles) until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except KafkaException as e:
            if time.monotonic() > deadline:
                raise CheckFailed(f"{what}: {e}")
            time.sleep(0.2)


def watermarks(bootstrap, topic, parts):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rk-hw", "log_level": 0})
    try:
        return [retried(lambda: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10),
                        f"watermarks of {topic}[{p}]") for p in range(parts)]
    finally:
        c.close()


def hw_total(bootstrap, topic, parts):
    return sum(hi for _, hi in watermarks(bootstrap, topic, parts))


def committed(bootstrap, group, topic, parts):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "enable.auto.commit": False, "log_level": 0})
    try:
        got = retried(lambda: c.committed([TopicPartition(topic, p) for p in range(parts)], timeout=10),
                      f"committed offsets of {group}")
    finally:
        c.close()
    return [tp.offset for tp in sorted(got, key=lambda t: t.partition)]


class Out:
    __slots__ = ("topic", "partition", "offset", "value", "headers")

    def __init__(self, m):
        self.topic, self.partition, self.offset = m.topic(), m.partition(), m.offset()
        self.value = m.value() or b""
        self.headers = {}
        for k, v in m.headers() or []:
            self.headers.setdefault(k, []).append(v)

    def h(self, name):
        v = self.headers.get(name)
        return None if v is None else (v[0] or b"").decode("utf-8", "replace")

    def src(self):
        try:
            return int(self.h("skillstream.source.partition")), int(self.h("skillstream.source.offset"))
        except (TypeError, ValueError):
            return None


def read_all(bootstrap, topic, parts):
    """Every record of topic, in offset order per partition."""
    marks = watermarks(bootstrap, topic, parts)
    remaining = {p: hi for p, (lo, hi) in enumerate(marks) if hi > lo}
    out = []
    if not remaining:
        return out
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rk-verify",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 10, "log_level": 0})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in remaining])
    deadline = time.monotonic() + 60
    while remaining and time.monotonic() < deadline:
        for m in c.consume(1000, 0.5):
            if m.error():
                continue
            out.append(Out(m))
            if m.partition() in remaining and m.offset() + 1 >= remaining[m.partition()]:
                del remaining[m.partition()]
    c.close()
    expect(not remaining, f"timed out reading {topic}: partitions {sorted(remaining)} not read to the end")
    return out


def coverage(inputs, outs):
    """(lost list, duplicates, unknown-source outputs) of inputs {(p, o): v} in outs."""
    counts = {}
    unknown = 0
    for o in outs:
        s = o.src()
        if s is None or s not in inputs:
            unknown += 1
            continue
        counts[s] = counts.get(s, 0) + 1
    lost = sorted(k for k in inputs if k not in counts)
    dup = sum(n - 1 for n in counts.values())
    return lost, dup, unknown, counts


# ---- the processor ------------------------------------------------------------------------

ALL_RUNS = []


class Run:
    """One `skillstream run` process, output to a log file."""

    def __init__(self, ctx, name, extra=()):
        self.log_path = os.path.join(ctx.work, f"{name}.log")
        self.logf = open(self.log_path, "w")
        argv = [ctx.binary, "run", "--config", ctx.config, "--input-topic", ctx.raw,
                "--clean-topic", ctx.clean, "--dlq-topic", ctx.dlq, "--group", ctx.group,
                "--instance-id", name, "--http-addr", "off", *extra]
        self.p = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
        ctx.runs.append(self)
        ALL_RUNS.append(self)

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def tail(self, n=25):
        return "\n".join(self.text().splitlines()[-n:])

    def wait(self, timeout):
        """Exit code; None on timeout (the process is then killed)."""
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None

    def kill(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def finish(self):
        self.kill()
        self.p.wait()
        if not self.logf.closed:
            self.logf.close()


def wait_for(pred, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


class Ctx:
    pass


def make_ctx(args, cluster, name, parts=4, dlq_parts=2):
    ctx = Ctx()
    ctx.binary, ctx.bootstrap = args.binary, cluster.bootstrap
    ctx.raw, ctx.clean, ctx.dlq, ctx.group = (f"{name}.raw", f"{name}.clean", f"{name}.dlq",
                                              f"{name}-group")
    ctx.parts, ctx.dlq_parts = parts, dlq_parts
    ctx.work = os.path.join(args.work, name)
    shutil.rmtree(ctx.work, ignore_errors=True)
    os.makedirs(ctx.work)
    ctx.runs = []
    ctx.config = os.path.join(ctx.work, "skillstream.toml")
    with open(ctx.config, "w") as f:
        f.write(f'[kafka]\nbrokers = "{ctx.bootstrap}"\n'
                '[kafka.consumer]\n"session.timeout.ms" = "6000"\n'
                '"heartbeat.interval.ms" = "500"\n"fetch.wait.max.ms" = "10"\n')
    create_topics(ctx.bootstrap, {ctx.raw: parts, ctx.clean: parts, ctx.dlq: dlq_parts})
    return ctx


def outputs(ctx):
    return read_all(ctx.bootstrap, ctx.clean, ctx.parts), read_all(ctx.bootstrap, ctx.dlq, ctx.dlq_parts)


def logs(ctx):
    return "\n".join(f"--- {os.path.basename(r.log_path)} (last lines)\n{r.tail()}" for r in ctx.runs)


# ---- the checks ---------------------------------------------------------------------------

SOURCE_HEADERS = ("skillstream.source.topic", "skillstream.source.partition",
                  "skillstream.source.offset", "skillstream.source.timestamp")
DLQ_HEADERS = ("skillstream.reason", "skillstream.path", "skillstream.message",
               "skillstream.version") + SOURCE_HEADERS

_shared = {}


def routing_run(args, cluster):
    """One fault-free --stop-at-end run shared by `routing` and `order`."""
    if "routing" in _shared:
        return _shared["routing"]
    ctx = make_ctx(args, cluster, "routing")
    values = generate(args.binary, args.records, 1401)
    inputs = produce(ctx.bootstrap, ctx.raw, ctx.parts, values)
    r = Run(ctx, "routing", ["--stop-at-end"])
    rc = r.wait(120)
    expect(rc == 0, f"run --stop-at-end exited {rc} (want 0)\n{logs(ctx)}")
    clean, dlq = outputs(ctx)
    _shared["routing"] = (ctx, inputs, clean, dlq)
    return _shared["routing"]


def check_routing(args, cluster):
    ctx, inputs, clean, dlq = routing_run(args, cluster)
    lost, dup, unknown, _ = coverage(inputs, clean + dlq)
    expect(not lost, f"{len(lost)} of {len(inputs)} input offsets in neither output, e.g. {lost[:5]}")
    expect(dup == 0, f"{dup} duplicate outputs in a fault-free run")
    expect(unknown == 0, f"{unknown} outputs without valid skillstream.source.partition/offset headers")
    expect(len(clean) + len(dlq) == len(inputs),
           f"clean {len(clean)} + dlq {len(dlq)} != inputs {len(inputs)}")
    expect(len(dlq) > 0 and len(clean) > 0,
           f"with --invalid-ratio 0.2 both outputs must be used: clean {len(clean)}, dlq {len(dlq)}")
    for o in dlq:
        missing = [h for h in DLQ_HEADERS if h not in o.headers]
        expect(not missing, f"dlq {o.partition}/{o.offset} lacks headers {missing}: {sorted(o.headers)}")
        expect(o.h("skillstream.reason"), f"dlq {o.partition}/{o.offset}: empty skillstream.reason")
        expect(o.h("skillstream.source.topic") == ctx.raw,
               f"dlq {o.partition}/{o.offset}: source.topic {o.h('skillstream.source.topic')!r}")
        expect(o.value == inputs[o.src()],
               f"dlq {o.partition}/{o.offset} (input {o.src()}): value not byte-identical to the input "
               f"({len(o.value)} B vs {len(inputs[o.src()])} B)")
    for o in clean:
        missing = [h for h in SOURCE_HEADERS if h not in o.headers]
        expect(not missing, f"clean {o.partition}/{o.offset} lacks headers {missing}: {sorted(o.headers)}")
        expect("skillstream.reason" not in o.headers, f"clean {o.partition}/{o.offset} has a reason header")
        expect(o.h("skillstream.source.topic") == ctx.raw,
               f"clean {o.partition}/{o.offset}: source.topic {o.h('skillstream.source.topic')!r}")
    got = committed(ctx.bootstrap, ctx.group, ctx.raw, ctx.parts)
    hw = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, ctx.parts)]
    expect(got == hw, f"committed offsets {got} != input high watermarks {hw} after --stop-at-end")
    reasons = {}
    for o in dlq:
        reasons[o.h("skillstream.reason")] = reasons.get(o.h("skillstream.reason"), 0) + 1
    return (f"{len(inputs)} inputs: {len(clean)} clean, {len(dlq)} dead-letter "
            f"({len(reasons)} reasons), each offset once, headers and DLQ bytes ok")


def check_order(args, cluster):
    ctx, inputs, clean, dlq = routing_run(args, cluster)
    pairs = 0
    for name, outs in (("clean", clean), ("dlq", dlq)):
        last = {}  # (output partition, source partition) -> last source offset
        for o in outs:  # in offset order per output partition
            s = o.src()
            k = (o.partition, s[0])
            if k in last:
                expect(s[1] > last[k], f"{name} partition {o.partition}: input partition {s[0]} offset "
                       f"{s[1]} at output offset {o.offset} after {last[k]}")
                pairs += 1
            last[k] = s[1]
    return f"source offsets increase per input partition in every output partition ({pairs} pairs)"


def check_resume(args, cluster):
    ctx = make_ctx(args, cluster, "resume")
    values = generate(args.binary, 3000, 1402)
    first = produce(ctx.bootstrap, ctx.raw, ctx.parts, values[:1500])
    r1 = Run(ctx, "first", ["--stop-at-end"])
    rc = r1.wait(120)
    expect(rc == 0, f"first run exited {rc}\n{logs(ctx)}")
    after_first = committed(ctx.bootstrap, ctx.group, ctx.raw, ctx.parts)
    second = produce(ctx.bootstrap, ctx.raw, ctx.parts, values[1500:])
    r2 = Run(ctx, "second", ["--stop-at-end"])
    rc = r2.wait(120)
    expect(rc == 0, f"second run exited {rc}\n{logs(ctx)}")
    clean, dlq = outputs(ctx)
    by = {"first": [], "second": []}
    for o in clean + dlq:
        by.setdefault(o.h("skillstream.instance") or "?", []).append(o.src())
    expect(set(by) == {"first", "second"}, f"outputs by instance: { {k: len(v) for k, v in by.items()} }")
    expect(sorted(by["first"]) == sorted(first),
           f"first run: {len(by['first'])} outputs for {len(first)} inputs, or other offsets")
    expect(sorted(by["second"]) == sorted(second),
           f"second run re-read or skipped records: {len(by['second'])} outputs for {len(second)} new "
           f"inputs; first offsets read again: {len(set(by['second']) & set(first))}; "
           f"committed after the first run {after_first}")
    hw = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, ctx.parts)]
    got = committed(ctx.bootstrap, ctx.group, ctx.raw, ctx.parts)
    expect(got == hw, f"committed {got} != high watermarks {hw} after the second run")
    return (f"first run {len(first)} records, second run exactly the {len(second)} new ones "
            f"(resumed from {after_first})")


def feed(ctx, values, placed, start):
    """values[start:] to the input, 500 every 0.25 s, into placed {(p, o): value}."""
    for i in range(start, len(values), 500):
        placed.update(produce(ctx.bootstrap, ctx.raw, ctx.parts, values[i:i + 500], first_index=i))
        time.sleep(0.25)


def check_sigkill(args, cluster):
    ctx = make_ctx(args, cluster, "sigkill", parts=8)
    values = generate(args.binary, 12000, 1403)
    slow = ["--workers", "1", "--batch-max-records", "64"]
    a = Run(ctx, "A", slow)
    b = Run(ctx, "B", slow)
    # Both own partitions once the cooperative rebalance settles ("assigned 0" does not count).
    owns = re.compile(r"assigned [1-9][0-9]* partition")
    both = wait_for(lambda: owns.search(a.text()) and owns.search(b.text()), 60)
    expect(both, f"the two instances never both owned partitions\n{logs(ctx)}")
    # The input arrives while both run (500 records every 0.25 s, ~6 s); B is SIGKILLed
    # once 1,500 records are out, while the input still grows: mid-run on any machine.
    inputs = {}
    feeder = threading.Thread(target=feed, args=(ctx, values, inputs, 0))
    feeder.start()
    started = wait_for(lambda: hw_total(ctx.bootstrap, ctx.clean, ctx.parts) > 1500, 60, 0.05)
    expect(started, f"no output after 60 s\n{logs(ctx)}")
    b.kill(signal.SIGKILL)
    feeding = feeder.is_alive()
    b.wait(10)
    at_kill = hw_total(ctx.bootstrap, ctx.clean, ctx.parts) + hw_total(ctx.bootstrap, ctx.dlq, ctx.dlq_parts)
    feeder.join(120)
    expect(len(inputs) == len(values), f"produced {len(inputs)} of {len(values)}")
    hw = [hi for _, hi in watermarks(ctx.bootstrap, ctx.raw, ctx.parts)]

    def caught_up():
        got = committed(ctx.bootstrap, ctx.group, ctx.raw, ctx.parts)
        return all(g >= h for g, h in zip(got, hw))
    ok = wait_for(caught_up, 90, 0.5)
    expect(ok, f"the survivor did not commit the whole input within 90 s: committed "
           f"{committed(ctx.bootstrap, ctx.group, ctx.raw, ctx.parts)}, high watermarks {hw}\n{logs(ctx)}")
    a.kill(signal.SIGTERM)
    rc = a.wait(40)
    expect(rc == 0, f"survivor exited {rc} on SIGTERM (want 0)\n{logs(ctx)}")
    clean, dlq = outputs(ctx)
    lost, dup, unknown, _ = coverage(inputs, clean + dlq)
    expect(not lost, f"{len(lost)} input offsets lost, e.g. {lost[:5]}\n{logs(ctx)}")
    expect(unknown == 0, f"{unknown} outputs without a known source offset")
    writers = {o.h("skillstream.instance") for o in clean + dlq}
    expect(writers == {"A", "B"}, f"outputs written by {writers}: the partitions were not split")
    return (f"{len(inputs)} inputs, B SIGKILLed after {at_kill} outputs (input still growing: "
            f"{feeding}); nothing lost, "
            f"{dup} duplicates (at-least-once re-reads of B's uncommitted window)")


def check_sigterm(args, cluster):
    ctx = make_ctx(args, cluster, "sigterm")
    values = generate(args.binary, 12000, 1404)
    inputs = produce(ctx.bootstrap, ctx.raw, ctx.parts, values[:4000])
    a = Run(ctx, "A", ["--workers", "1", "--batch-max-records", "64"])
    started = wait_for(lambda: hw_total(ctx.bootstrap, ctx.clean, ctx.parts) > 0, 60, 0.05)
    expect(started, f"no output after 60 s\n{logs(ctx)}")
    # The rest arrives while it runs (500 records every 0.25 s, ~4 s), and the SIGTERM
    # lands while the input is still growing: mid-stream whatever the machine's speed.
    more = {}
    feeder = threading.Thread(target=feed, args=(ctx, values, more, 4000))
    feeder.start()
    time.sleep(1.0)
    a.kill(signal.SIGTERM)
    feeding = feeder.is_alive()
    rc = a.wait(40)
    feeder.join(120)
    inputs.update(more)
    expect(len(inputs) == len(values), f"produced {len(inputs)} of {len(values)}")
    expect(rc == 0, f"SIGTERM mid-stream: exit {rc} (want 0)\n{logs(ctx)}")
    first = len(read_all(ctx.bootstrap, ctx.clean, ctx.parts)) + len(read_all(ctx.bootstrap, ctx.dlq, ctx.dlq_parts))
    expect(first < len(inputs), f"the SIGTERM came after all {len(inputs)} records were out: "
           "not mid-stream, the check proves nothing")
    again = Run(ctx, "again", ["--stop-at-end"])
    rc = again.wait(120)
    expect(rc == 0, f"restart with --stop-at-end exited {rc}\n{logs(ctx)}")
    clean, dlq = outputs(ctx)
    lost, dup, unknown, _ = coverage(inputs, clean + dlq)
    expect(not lost, f"{len(lost)} input offsets lost, e.g. {lost[:5]}")
    expect(unknown == 0, f"{unknown} outputs without a known source offset")
    expect(dup == 0, f"{dup} duplicates: the SIGTERM stop did not commit all it delivered")
    return (f"{len(inputs)} inputs, SIGTERM after {first} outputs (input still growing: {feeding}), "
            "exit 0; restart finished; 0 lost, 0 duplicates")


CHECKS = {"routing": check_routing, "order": check_order, "resume": check_resume,
          "sigkill": check_sigkill, "sigterm": check_sigterm}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.environ.get("SKILLSTREAM_BINARY"))
    ap.add_argument("--kafka-sh", default=os.environ.get("SKILLSTREAM_KAFKA_SH"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--records", type=int, default=5000)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true", help="keep the Kafka run dir and the logs")
    args = ap.parse_args()
    if not args.binary or not os.access(args.binary, os.X_OK):
        log(f"FAIL: skillstream binary not found: {args.binary!r}")
        return 1
    if not args.kafka_sh or not os.path.exists(args.kafka_sh):
        log(f"FAIL: scripts/kafka.sh not found: {args.kafka_sh!r}")
        return 1
    args.binary = os.path.abspath(args.binary)
    args.work = os.path.abspath(args.work or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"skillstream-real-kafka-{os.getpid()}"))
    os.makedirs(args.work, exist_ok=True)
    names = [n for n in args.only.split(",") if n] or list(CHECKS)
    bad = [n for n in names if n not in CHECKS]
    if bad:
        log(f"FAIL: unknown checks {bad}; known: {', '.join(CHECKS)}")
        return 1

    missing = [t for t in ("java", "mvn") if shutil.which(t) is None]
    if missing:
        skip_or_fail(f"{' and '.join(missing)} not on PATH (bash scripts/install-deps.sh --kafka)")
    r = subprocess.run(["bash", args.kafka_sh, "fetch"], capture_output=True, text=True)
    if r.returncode != 0:
        skip_or_fail(f"the Kafka jars cannot be fetched (scripts/kafka.sh fetch exit {r.returncode}):\n"
                     + r.stderr[-2000:])

    # ctest's timeout sends SIGTERM (then SIGKILL): stop the cluster on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    cluster = Cluster(args.kafka_sh, os.path.join(args.work, f"kafka-{os.getpid()}"))
    failed = []
    try:
        cluster.start()
        for name in names:
            t = time.monotonic()
            try:
                msg = CHECKS[name](args, cluster)
                log(f"PASS {name} ({time.monotonic() - t:.1f} s): {msg}")
            except CheckFailed as e:
                failed.append(name)
                log(f"FAIL {name} ({time.monotonic() - t:.1f} s): {e}")
            except Exception:
                failed.append(name)
                log(f"FAIL {name} ({time.monotonic() - t:.1f} s): error\n{traceback.format_exc()}")
    except Exception as e:
        log(f"FAIL: {e}")
        failed.append("cluster")
    finally:
        for r in ALL_RUNS:  # anything a failed check left running
            r.finish()
        cluster.stop(keep=args.keep)
    log(f"{len(names) - len([f for f in failed if f in names])}/{len(names)} checks passed "
        f"in {time.monotonic() - t0:.1f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    if not failed and not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
