#!/usr/bin/env bash
# Installs every Debian 12 package SkillStream needs to build, test, benchmark
# and run its demo. Idempotent and non-interactive; run as root (or with sudo).
# --kafka: also a Java runtime and Maven, if `java` / `mvn` are not on PATH, for
# scripts/kafka.sh (a real Apache Kafka cluster whose jars Maven fetches).
set -euo pipefail

kafka=0
for arg in "$@"; do
  case $arg in
    --kafka) kafka=1 ;;
    *)
      echo "usage: $0 [--kafka]" >&2
      exit 2
      ;;
  esac
done

packages=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libsimdjson-dev libspdlog-dev libfmt-dev
  libcli11-dev libtomlplusplus-dev libhyperscan-dev libcpp-httplib-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  kcat python3 python3-confluent-kafka
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((kafka)); then
  # Kafka 4 needs Java 17+: Debian 12's default-jre-headless is OpenJDK 17.
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
fi

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
