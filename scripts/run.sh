#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the default example on this machine:
# `surge run` trains a surrogate of the Burgers ensemble online, then the plots are drawn.
#
#   scripts/run.sh [CONFIG] [surge options...]
# Environment: SURGE_NP (MPI ranks, default 2: one solver, one trainer),
#   SURGE_COMMAND (run, default, or simulate: write the ensemble to HDF5 instead).
# Outputs go to out/: out/NAME_run/ (surrogate, metrics.csv, plots/) or out/NAME.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
config="${1:-configs/burgers1d.yaml}"
shift || true
np="${SURGE_NP:-2}"
command="${SURGE_COMMAND:-run}"
mkdir -p out
name=$(basename "$config" .yaml)
# The demo is meant to be re-run, so it replaces its own previous output.
case "$command" in
run)
  echo "run: mpirun -np $np build/apps/surge run $config -> out/${name}_run"
  mpirun -np "$np" build/apps/surge run "$config" --set "output.directory=out/${name}_run" \
    --overwrite "$@"
  /usr/bin/python3 scripts/plot_run.py "out/${name}_run"
  ;;
simulate)
  echo "run: mpirun -np $np build/apps/surge simulate $config -> out/$name.h5"
  mpirun -np "$np" build/apps/surge simulate "$config" --set "output.file=out/$name.h5" \
    --overwrite "$@"
  ;;
*)
  echo "run.sh: SURGE_COMMAND must be run or simulate, not '$command'" >&2
  exit 2
  ;;
esac
