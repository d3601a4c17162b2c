#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs what is needed, builds, and runs
# the whole job on the embedded Kafka-protocol broker (nothing else to install).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/apps/skillstream demo "$@"
