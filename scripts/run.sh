#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the default example on this machine.
#
#   scripts/run.sh [CONFIG] [surge options...]
# Environment: SURGE_NP (MPI ranks, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
config="${1:-configs/burgers1d.yaml}"
shift || true
np="${SURGE_NP:-2}"
mkdir -p out
name=$(basename "$config" .yaml)
echo "run: mpirun -np $np build/apps/surge simulate $config -> out/$name.h5"
# The demo is meant to be re-run, so it replaces its own previous output.
mpirun -np "$np" build/apps/surge simulate "$config" --set "output.file=out/$name.h5" --overwrite "$@"
