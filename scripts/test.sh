#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest.
#
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L verification
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
ctest --test-dir "${SURGE_BUILD_DIR:-build}" --output-on-failure -j "$(getconf _NPROCESSORS_ONLN)" "$@"
