#!/usr/bin/env bash
# cli_test.sh CASE NP: one end-to-end case of the surge command (see cli.cmake).
set -uo pipefail
case_name=$1
np=$2
src=${SURGE_SOURCE_DIR:?}
work=$(mktemp -d /tmp/surge-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { "$MPIEXEC" -n "$np" "$SURGE" "$@"; }
# A small, fast study: 4 simulations of 1D Burgers on 64 cells.
small=(--set study.simulations=4 --set solver.parameters.cells=[64] --set solver.parameters.t_end=0.2
       --set output.every=0.05 --set progress.interval=0)

case $case_name in
help)
  "$SURGE" --help | grep -q "usage: surge COMMAND" || fail "--help"
  "$SURGE" --version | grep -q "^surge " || fail "--version"
  ;;
usage_errors)
  "$SURGE" 2>err; [[ $? -eq 2 ]] || fail "no command: status"
  "$SURGE" simulte x.yaml 2>err; [[ $? -eq 2 ]] || fail "unknown command: status"
  grep -q "did you mean 'simulate'" err || fail "unknown command: suggestion"
  "$SURGE" simulate 2>err; [[ $? -eq 2 ]] || fail "missing config: status"
  "$SURGE" validate x.yaml --frobnicate 2>err; [[ $? -eq 2 ]] || fail "unknown option: status"
  "$SURGE" validate "$src/configs/burgers1d.yaml" --set nonsense 2>err; [[ $? -eq 2 ]] || fail "bad --set"
  "$SURGE" validate /nonexistent.yaml 2>err; [[ $? -eq 2 ]] || fail "missing file: status"
  grep -q "/nonexistent.yaml" err || fail "missing file: message"
  ;;
validate)
  "$SURGE" validate "$src/configs/burgers1d.yaml" --set study.seed=11 >out || fail "validate status"
  grep -q "seed: 11" out || fail "override not shown"
  grep -q "weno: z" out || fail "defaults not filled in"
  ;;
bad_config_exits_2)
  bad="$src/tests/config/bad/cfl_out_of_range.yaml"
  run simulate "$bad" >out 2>err; status=$?
  [[ $status -eq 2 ]] || fail "status $status, expected 2"
  [[ $(grep -c "solver.parameters.cfl" err) -eq 1 ]] || { cat err; fail "error not printed exactly once"; }
  # An error found after reading the config (existing output, bad layout) is also collective.
  run simulate "$src/configs/burgers1d.yaml" --set layout.ranks_per_simulation=3 "${small[@]}" 2>err
  status=$?; [[ $status -eq 2 ]] || { cat err; fail "layout error status $status"; }
  grep -q "ranks_per_simulation" err || fail "layout message"
  [[ ! -e burgers1d.h5 && ! -e burgers1d.h5.partial ]] || fail "a file was written before the error"
  ;;
simulate_and_protect_output)
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=s.h5 >out 2>err \
    || { cat out err; fail "simulate failed"; }
  [[ -f s.h5 && ! -e s.h5.partial ]] || fail "output not complete"
  [[ -f s.xmf ]] || fail "no XDMF sidecar"
  grep -q "simulations 4/4 done" out || { cat out; fail "no progress report"; }
  grep -q "layout:" out || fail "layout not printed"
  sum=$(md5sum s.h5)
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=s.h5 >out 2>err
  status=$?; [[ $status -eq 2 ]] || fail "existing output: status $status"
  grep -q "already exists" err || fail "existing output: message"
  [[ "$(md5sum s.h5)" == "$sum" ]] || fail "existing output was modified"
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=s.h5 --overwrite \
    --set study.seed=5 >out 2>err || fail "--overwrite failed"
  [[ "$(md5sum s.h5)" != "$sum" ]] || fail "--overwrite did not replace"
  ;;
failures_recorded)
  # Half of the simulations get a negative viscosity: they fail, are recorded, and the study
  # goes on with the others.
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=f.h5 \
    --set study.sampler=latin_hypercube \
    --set 'study.parameters.nu={distribution: choice, values: [-0.01, 0.01]}' >out 2>err
  status=$?; [[ $status -eq 0 ]] || { cat out err; fail "status $status"; }
  grep -q "2 ok, 2 failed" out || { cat out; fail "summary"; }
  grep -q "viscosity" err || { cat err; fail "failure reason not reported"; }
  failed=0
  for i in 0 1 2 3; do
    h5dump -a /simulations/00000$i/status f.h5 | grep -q '"failed"' && failed=$((failed + 1))
  done
  [[ $failed -eq 2 ]] || fail "statuses in the file: $failed failed"
  ;;
killed_run)
  # SIGTERM in the middle of a study: no file may look complete.
  "$MPIEXEC" -n "$np" "$SURGE" simulate "$src/configs/burgers1d.yaml" --set output.file=k.h5 \
    --set study.simulations=64 --set solver.parameters.cells=[8192] >out 2>err &
  pid=$!
  for i in $(seq 1 100); do [[ -e k.h5.partial ]] && break; sleep 0.1; done
  sleep 1
  kill -TERM $pid; wait $pid
  [[ -e k.h5.partial ]] || fail "no partial file while running"
  [[ ! -e k.h5 ]] || fail "a killed run left a complete-looking file"
  ;;
same_on_ranks)
  # The same study run on 1, 2 and 4 ranks (groups of 1 and 2) gives the same file contents.
  for n in 1 2 4; do
    "$MPIEXEC" -n $n "$SURGE" simulate "$src/configs/burgers1d.yaml" "${small[@]}" \
      --set output.file=r$n.h5 >/dev/null || fail "np $n run"
  done
  "$MPIEXEC" -n 4 "$SURGE" simulate "$src/configs/burgers1d.yaml" "${small[@]}" \
    --set layout.ranks_per_simulation=2 --set output.file=g2.h5 >/dev/null || fail "groups of 2"
  for f in r2 r4 g2; do
    h5diff -d 1e-12 r1.h5 $f.h5 /simulations /simulations >diff.txt || { head diff.txt; fail "$f differs from r1"; }
  done
  ;;
run_outputs)
  # surge run end to end through the command line: outputs, Python-readable weights, plots,
  # and an existing directory kept unless --overwrite.
  train=(--set study.validation.simulations=1 --set 'training.model.parameters={modes: 8, width: 8, layers: 1}'
         --set training.max_steps=30 --set training.buffer.watermark=8 --set training.batch_size=4
         --set training.validate_every=10 --set training.metrics_every=5 --set output.directory=r)
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" >out 2>err \
    || { cat out err; fail "run failed"; }
  grep -q "run: done" out || { cat out; fail "no summary line"; }
  for f in model.pt surrogate.yaml config.yaml metrics.csv summary.yaml validation_example.csv; do
    [[ -s r/$f ]] || fail "r/$f missing"
  done
  [[ ! -e r.partial ]] || fail "r.partial left behind"
  grep -q "^30," r/metrics.csv || { cat r/metrics.csv; fail "no metrics row for the last step"; }
  /usr/bin/python3 - r <<'PY' || fail "model.pt does not load in Python as the state dict"
import sys, torch
sd = torch.load(sys.argv[1] + "/model.pt")
assert isinstance(sd, dict) and "lift.weight" in sd, sorted(sd)
assert all(isinstance(v, torch.Tensor) for v in sd.values())
assert sd["lift.weight"].shape == (8, 2, 1), sd["lift.weight"].shape  # u and nu in, width 8
PY
  /usr/bin/python3 "$src/scripts/plot_run.py" r >/dev/null || fail "plot_run.py"
  for p in loss validation prediction; do [[ -s r/plots/$p.png ]] || fail "plots/$p.png"; done
  sum=$(md5sum r/model.pt)
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" >out 2>err; status=$?
  [[ $status -eq 2 ]] || fail "existing directory: status $status, expected 2"
  [[ $(grep -c "output.directory" err) -eq 1 ]] || { cat err; fail "error not printed once"; }
  [[ "$(md5sum r/model.pt)" == "$sum" ]] || fail "the existing run was touched"
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --overwrite \
    --set training.seed=3 >out 2>err || { cat err; fail "--overwrite failed"; }
  [[ "$(md5sum r/model.pt)" != "$sum" ]] || fail "--overwrite did not replace"
  ;;
run_layout_errors)
  # No trainer, or nothing but trainers: exit 2 on every rank, before any output.
  run run "$src/configs/burgers1d.yaml" "${small[@]}" --set layout.trainer_ranks_per_node=0 \
    --set output.directory=r >out 2>err; status=$?
  [[ $status -eq 2 ]] || fail "no trainer: status $status"
  grep -q "trainer_ranks_per_node" err || { cat err; fail "no trainer: message"; }
  "$MPIEXEC" -n 1 "$SURGE" run "$src/configs/burgers1d.yaml" "${small[@]}" \
    --set output.directory=r >out 2>err; status=$?
  [[ $status -eq 2 ]] || fail "only trainers: status $status"
  grep -q "leave 0 for solvers" err || { cat err; fail "only trainers: message"; }
  [[ ! -e r && ! -e r.partial ]] || fail "output written before the error"
  ;;
plan)
  # A dry run of a 2-node job from one process: layout, sizes, and nothing written. The
  # default config: next_step on u with nu as a channel (2 in, 1 out) on 256 points, a buffer
  # of 8000 pairs, the FNO that `surge run` reports with 139745 parameters, 101 snapshots.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 2 --tasks-per-node 4 >out 2>err \
    || { cat out err; fail "plan failed"; }
  has() { grep -q -- "$1" out || { cat out; fail "plan output: $2"; }; }
  has "layout: 8 ranks on 2 node(s): 6 solver group(s), 2 trainer(s)" "layout"
  has "node 1: trainer 1 = rank 4; group 3 = ranks 5 -> trainer 1;" "node 1"
  has "(2 in + 1 out) channels x 256 points x 4 B = 3.0 KiB (3072 bytes)" "pair"
  has "buffer: 8000 pairs = .*(24576000 bytes)" "buffer bytes"
  has "model: 139745 parameters; .* 2 optimizer state(s) .*(2235920 bytes)" "model"
  has "101 snapshot(s) each" "frames"
  has "streamed per simulation: .*(206848 bytes)" "snapshot bytes"
  [[ "$(ls)" == $'err\nout' ]] || fail "plan wrote files: $(ls)"
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 2 2>err
  [[ $? -eq 2 ]] || fail "no --tasks-per-node"
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 0 --tasks-per-node 2 2>err
  [[ $? -eq 2 ]] && grep -q "whole number >= 1" err || fail "--nodes 0"
  "$SURGE" validate "$src/configs/burgers1d.yaml" --nodes 2 2>err
  [[ $? -eq 2 ]] || fail "--nodes on validate"
  ;;
plan_impossible)
  # One task per node: the trainer leaves no solver rank.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 2 --tasks-per-node 1 >out 2>err; status=$?
  [[ $status -eq 2 ]] || { cat out err; fail "no solvers: status $status"; }
  grep -q "node 1 has 1 ranks: 1 trainer(s) leave 0 for solvers" err \
    || { cat err; fail "no solvers: message"; }
  # Groups of 2 ranks in the 3 solver ranks of a node: a group would span two nodes.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 3 --tasks-per-node 4 \
    --set layout.ranks_per_simulation=2 >out 2>err; status=$?
  [[ $status -eq 2 ]] || { cat out err; fail "spanning group: status $status"; }
  grep -q "leave 3 for solvers, not a multiple of layout.ranks_per_simulation = 2" err \
    || { cat err; fail "spanning group: message"; }
  # No trainer at all.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 \
    --set layout.trainer_ranks_per_node=0 >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "at least one trainer" err || { cat err; fail "no trainer"; }
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name (np $np)"
