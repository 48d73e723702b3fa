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

# interrupt_at PATTERN SURGE-ARGS...: runs surge on np ranks in the background (mpirun itself,
# not a subshell, so that SIGUSR1 reaches mpirun, which forwards it to every rank), sends it
# SIGUSR1 once r.partial/metrics.csv has a row matching PATTERN (waiting up to 2 minutes on a
# loaded machine), and expects exit status 3 (interrupted with a checkpoint).
interrupt_at() {
  local pattern=$1
  shift
  "$MPIEXEC" -n "$np" "$SURGE" "$@" >out 2>err &
  local pid=$!
  for _ in $(seq 2400); do
    grep -q "$pattern" r.partial/metrics.csv 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  kill -USR1 $pid 2>/dev/null || fail "the run ended before it could be interrupted"
  wait $pid
  local status=$?
  [[ $status -eq 3 ]] || { cat out err; fail "interrupted run: status $status, expected 3"; }
}

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
  # --get: one resolved value alone (what the batch scripts ask for), overrides applied.
  [[ "$("$SURGE" validate "$src/configs/burgers1d.yaml" --get output.directory)" == burgers1d_run ]] \
    || fail "--get output.directory"
  [[ "$("$SURGE" validate "$src/configs/burgers1d.yaml" --set output.file=x/y.h5 \
        --get=output.file)" == x/y.h5 ]] || fail "--get with --set"
  "$SURGE" validate "$src/configs/burgers1d.yaml" --get solver.parameters.boundary >out \
    || fail "--get of a mapping"
  grep -q "^x_low: periodic" out || { cat out; fail "--get of a mapping: YAML"; }
  "$SURGE" validate "$src/configs/burgers1d.yaml" --get output.directry >out 2>err
  [[ $? -eq 2 ]] && grep -q "no key 'output.directry' (did you mean 'directory'?)" err \
    || { cat out err; fail "--get of an unknown key"; }
  "$SURGE" simulate "$src/configs/burgers1d.yaml" --get output.file 2>err
  [[ $? -eq 2 ]] && grep -q "applies to 'validate' only" err || fail "--get on simulate"
  # Bad values of the GPU, checkpoint and layout keys: exit 2 naming the key.
  for bad in training.device=gpu training.checkpoint_buffer=maybe layout.trainer_nodes=-1; do
    "$SURGE" validate "$src/configs/burgers1d.yaml" --set "$bad" >out 2>err
    [[ $? -eq 2 ]] && grep -q "${bad%%=*}" err || { cat err; fail "bad value $bad"; }
  done
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
shard_union)
  # surge simulate --shard i/n: the shards of a study of 5 simulations (ids 0 | 1 2 | 3 4 for
  # n = 3) hold between them exactly the study's simulations, each bit for bit as the
  # unsharded study has it (same seeds, parameters and fields), and say which part they are.
  five=("${small[@]}" --set study.simulations=5 --set study.sampler=latin_hypercube
        --set 'study.parameters.nu={distribution: uniform, low: 0.005, high: 0.02}')
  run simulate "$src/configs/burgers1d.yaml" "${five[@]}" --set output.file=all.h5 >out 2>err \
    || { cat out err; fail "unsharded study failed"; }
  # value FILE OBJECT: the numbers of an attribute (-a /NAME) or dataset (-d /NAME), one a line.
  value() { h5dump -y -w 0 $2 "$1" | sed -n '/DATA {/,/}/p' | grep -o -- '-\?[0-9]\+'; }
  [[ "$(value all.h5 "-a /shard_count")" == 1 && "$(value all.h5 "-a /study_simulations")" == 5 ]] \
    || fail "unsharded file: shard attributes"
  [[ "$(value all.h5 "-d /simulation_ids" | tr '\n' ' ')" == "0 1 2 3 4 " ]] \
    || fail "unsharded file: simulation_ids"
  expect=("0" "1 2" "3 4")
  seen=""
  for i in 0 1 2; do
    run simulate "$src/configs/burgers1d.yaml" "${five[@]}" --shard $i/3 \
      --set output.file=s$i.h5 >out 2>err || { cat out err; fail "shard $i/3 failed"; }
    [[ -f s$i.h5 && ! -e s$i.h5.partial && -f s$i.xmf ]] || fail "shard $i: output not complete"
    read -r -a want <<<"${expect[i]}"
    grep -q "simulate: shard $i/3: simulations ${want[0]} to ${want[-1]} (${#want[@]} of 5)" out \
      || { cat out; fail "shard $i: no shard line"; }
    grep -q "simulations ${#want[@]}/${#want[@]} done" out || { cat out; fail "shard $i: progress"; }
    [[ "$(value s$i.h5 "-a /shard_index")" == "$i" && "$(value s$i.h5 "-a /shard_count")" == 3 &&
       "$(value s$i.h5 "-a /study_simulations")" == 5 ]] || fail "shard $i: shard attributes"
    ids=$(value s$i.h5 "-d /simulation_ids" | tr '\n' ' ')
    [[ "$ids" == "${expect[i]} " ]] || fail "shard $i: simulation_ids '$ids', expected '${expect[i]}'"
    groups=$(h5ls s$i.h5/simulations | awk '{print $1 + 0}' | tr '\n' ' ')
    [[ "$groups" == "$ids" ]] || fail "shard $i: groups '$groups' are not its simulation_ids '$ids'"
    for id in $ids; do
      g=/simulations/$(printf %06d "$id")
      # No tolerance: fields, times and attributes (seed, parameters, status) bit for bit.
      h5diff all.h5 s$i.h5 $g $g >diff.txt || { head diff.txt; fail "shard $i: $g differs"; }
    done
    seen+="$ids"
  done
  [[ "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort -n | tr '\n' ' ')" == "0 1 2 3 4 " ]] \
    || fail "the shards hold '$seen', not each of 0..4 once"
  # Bad --shard: exit 2 on every rank, one message, nothing written (on NP ranks: one found
  # by reading the arguments, one only with the study; the others on one process).
  for bad in 3/3 0/6 1/0 a/2 -1/2 1/2/3 " 1/3"; do
    if [[ $bad == 3/3 || $bad == 0/6 ]]; then
      run simulate "$src/configs/burgers1d.yaml" "${five[@]}" --shard "$bad" \
        --set output.file=b.h5 >out 2>err
    else
      "$SURGE" simulate "$src/configs/burgers1d.yaml" "${five[@]}" --shard "$bad" \
        --set output.file=b.h5 >out 2>err
    fi
    status=$?
    [[ $status -eq 2 ]] || { cat out err; fail "--shard '$bad': status $status, expected 2"; }
    [[ $(grep -c -- "--shard" err) -eq 1 ]] || { cat err; fail "--shard '$bad': message not printed once"; }
    [[ ! -e b.h5 && ! -e b.h5.partial ]] || fail "--shard '$bad': a file was written"
    if [[ $bad == 0/6 ]]; then
      grep -q "the study has 5 simulation(s), fewer than the 6 shards" err \
        || { cat err; fail "--shard 0/6: message"; }
    fi
  done
  "$SURGE" run "$src/configs/burgers1d.yaml" --shard 0/2 2>err
  [[ $? -eq 2 ]] && grep -q "applies to 'simulate' only" err || fail "--shard on run"
  "$SURGE" simulate "$src/configs/burgers1d.yaml" --shard 2>err
  [[ $? -eq 2 ]] || fail "--shard without a value"
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
run_resume)
  # A run interrupted by SIGUSR1 part-way through its stream writes a checkpoint (with the
  # trainers' buffers) and exits 3; resumed, it finishes the study without rerunning what was
  # done and ends as accurate as an uninterrupted run (validation one-step error within a
  # factor 3: timing decides which pairs a step sees). A damaged checkpoint or one of another
  # study gives exit 2 and leaves the checkpoint as it was.
  # fifo with a small buffer and `block`: the trainer paces the solvers, so the stream is
  # still running when the signal comes.
  train=(--set study.simulations=40 --set study.validation.simulations=2 --set output.every=0.01
         --set 'training.model.parameters={modes: 16, width: 32, layers: 4}'
         --set training.buffer.policy=fifo --set training.buffer.capacity=16
         --set training.buffer.watermark=4 --set training.batch_size=4 --set training.max_steps=0
         --set training.validate_every=100000 --set training.metrics_every=5
         --set 'training.lr_scheduler={type: constant}')
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --set output.directory=ref \
    >out 2>err || { cat out err; fail "reference run failed"; }
  interrupt_at "^[2-9][0-9]," run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" \
    --set output.directory=r
  grep -q "interrupted" out || { cat out; fail "no interruption message"; }
  [[ -s r.partial/checkpoint/LATEST && ! -e r ]] || fail "no checkpoint, or r published"
  ckpt=r.partial/checkpoint/$(cat r.partial/checkpoint/LATEST)
  for f in model.pt surrogate.yaml optimizer.pt state.yaml buffer-0.pt; do
    [[ -s $ckpt/$f ]] || fail "$ckpt/$f missing"
  done
  grep -q "^buffer_ranks: 1$" $ckpt/state.yaml || { cat $ckpt/state.yaml; fail "buffer_ranks"; }
  done_before=$(grep -o "completed_simulations: \[[0-9, ]*\]" $ckpt/state.yaml | grep -o "[0-9]\+" | wc -l)
  (( done_before > 0 && done_before < 40 )) || { cat $ckpt/state.yaml; fail "checkpoint: $done_before simulations done"; }
  sum=$(cat $ckpt/* | md5sum)
  # Another study's checkpoint, then a damaged one: exit 2, nothing touched.
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --set output.directory=r \
    --set study.seed=5 --resume r >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "study: the checkpoint was written with" err \
    || { cat err; fail "another study: status $status"; }
  cp $ckpt/model.pt saved.pt
  head -c 100 saved.pt > $ckpt/model.pt
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --set output.directory=r \
    --resume r >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "model.pt" err || { cat err; fail "damaged checkpoint: status $status"; }
  cp saved.pt $ckpt/model.pt
  mv $ckpt/buffer-0.pt saved.pt
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --set output.directory=r \
    --resume r >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "buffer-0.pt: no such file" err \
    || { cat err; fail "missing buffer file: status $status"; }
  head -c 100 saved.pt > $ckpt/buffer-0.pt
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --set output.directory=r \
    --resume r >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "buffer-0.pt: not a training buffer written by surge" err \
    || { cat err; fail "damaged buffer file: status $status"; }
  mv saved.pt $ckpt/buffer-0.pt
  [[ "$(cat $ckpt/* | md5sum)" == "$sum" ]] || fail "the checkpoint was touched"
  # Resumed: every simulation done, training from the checkpoint's step on.
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" --set output.directory=r \
    --resume r >out 2>err || { cat out err; fail "resumed run failed"; }
  grep -q "resuming from .*: step [0-9]*, $done_before of 40 training simulations done" out \
    || { cat out; fail "no resume line"; }
  grep -q "train: resuming with the checkpoint's training buffers: [0-9]* pair(s) on 1 trainer rank(s)" out \
    || { cat out; fail "no buffer restored"; }
  grep -q "simulations: {total: 42, ok: 42, failed: 0}" r/summary.yaml \
    || { cat r/summary.yaml; fail "resumed run did not finish the study"; }
  /usr/bin/python3 - ref r <<'PY' || { cat ref/summary.yaml r/summary.yaml; fail "resumed run not as accurate as the reference"; }
import sys, yaml
ref, res = (yaml.safe_load(open(d + "/summary.yaml")) for d in sys.argv[1:3])
a, b = ref["validation"]["one_step_rel_l2"], res["validation"]["one_step_rel_l2"]
print(f"one-step error: uninterrupted {a:.4g}, interrupted and resumed {b:.4g}")
assert a / 3 <= b <= 3 * a, (a, b)
steps = [int(l.split(",")[0]) for l in open(sys.argv[2] + "/metrics.csv").read().split()[1:]]
# the rows continue where the checkpoint stopped, one row per step
assert all(a < b for a, b in zip(steps, steps[1:])), steps
PY
  # The final checkpoint replaced the one the run resumed from.
  kept=$(cd r/checkpoint && ls -d step-*)
  final=$(grep -o "training: {steps: [0-9]*" r/summary.yaml | grep -o "[0-9]*$")
  [[ $kept == "step-$(printf %06d "$final")" ]] \
    || { ls -l r/checkpoint; cat r/summary.yaml; fail "checkpoints left: $kept"; }
  ;;
resume_after_stream)
  # Reservoir training goes on after the stream has ended (max_steps far beyond it). Interrupted
  # then, the checkpoint holds what the trainer's buffer held (pairs, times served, random
  # state), so the resumed run trains on to max_steps. With training.checkpoint_buffer: false
  # the resumed run has no pair left to train on and stops at once, saying so.
  train=(--set study.validation.simulations=1 --set 'training.model.parameters={modes: 8, width: 16, layers: 2}'
         --set training.buffer.policy=reservoir --set training.buffer.capacity=64
         --set training.buffer.watermark=8 --set training.batch_size=4 --set training.max_steps=1500
         --set training.steps_after_stream=100000 --set training.validate_every=100000
         --set training.metrics_every=10 --set 'training.lr_scheduler={type: constant}')
  for keep in true false; do
    rm -rf r r.partial
    interrupt_at "^[3-9][0-9][0-9]," run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" \
      --set training.checkpoint_buffer=$keep --set output.directory=r
    ckpt=r.partial/checkpoint/$(cat r.partial/checkpoint/LATEST)
    grep -q "completed_simulations: \[0, 1, 2, 3\]" $ckpt/state.yaml \
      || { cat $ckpt/state.yaml; fail "the stream was not over at the interruption"; }
    if [[ $keep == true ]]; then
      # The buffer file: pairs of the 4 simulations, 2 in + 1 out channels of 64 points.
      pairs=$(/usr/bin/python3 - $ckpt/buffer-0.pt <<'PY'
import sys, torch
b = torch.load(sys.argv[1])
n = b["data"].shape[0]
assert n > 0 and b["data"].shape == (n, 3 * 64), b["data"].shape
assert set(b["meta"][:, 0].tolist()) <= {0, 1, 2, 3}
assert int(b["state"][1]) >= n  # received
assert sorted(b["order"].tolist()) == list(range(n))  # the reservoir's permutation
print(n)
PY
) || fail "buffer-0.pt"
    else
      [[ ! -e $ckpt/buffer-0.pt ]] || fail "a buffer written with checkpoint_buffer: false"
    fi
    run run "$src/configs/burgers1d.yaml" "${small[@]}" "${train[@]}" \
      --set training.checkpoint_buffer=$keep --set output.directory=r --resume r >out 2>err \
      || { cat out err; fail "resumed run failed ($keep)"; }
    last=$(tail -n 1 r/metrics.csv | cut -d, -f1)
    if [[ $keep == true ]]; then
      grep -q "training buffers: $pairs pair(s) on 1 trainer rank(s)" out \
        || { cat out; fail "not the $pairs pairs of the checkpoint restored"; }
      [[ $last -eq 1500 ]] || { tail -3 r/metrics.csv; fail "stopped at step $last, not 1500"; }
      [[ -z "$(tail -n +2 r/metrics.csv | cut -d, -f1 | uniq -d)" ]] || fail "two rows for one step"
    else
      grep -q "the stream is over and no trainer holds a sample" err \
        || { cat out err; fail "no warning without the buffer"; }
      (( last < 1500 )) || fail "trained to the end without a buffer?"
    fi
  done
  ;;
evaluate)
  # surge evaluate end to end: a tiny surrogate trained by surge run (2 ranks: 1 solver, 1 trainer),
  # evaluated on NP ranks against the solver on its held-out simulations (2, 10 model steps each).
  fit=(--set study.simulations=16 --set study.validation.simulations=2 --set solver.parameters.cells=[64]
       --set solver.parameters.t_end=0.2 --set output.every=0.02 --set progress.interval=0
       --set 'training.model.parameters={modes: 8, width: 16, layers: 2}' --set training.max_steps=600
       --set training.buffer.watermark=32 --set training.batch_size=8 --set training.validate_every=100
       --set training.rollout_steps=5 --set output.directory=m)
  "$MPIEXEC" -n 2 "$SURGE" run "$src/configs/burgers1d.yaml" "${fit[@]}" >out 2>err \
    || { cat out err; fail "training run failed"; }
  # The run's resolved configuration is the natural CONFIG to evaluate with.
  run evaluate m/config.yaml --model m >out 2>err || { cat out err; fail "evaluate failed"; }
  grep -q "evaluate: done" out || { cat out; fail "no summary line"; }
  for f in evaluation.csv summary.yaml fields_last_step.csv config.yaml; do
    [[ -s m/evaluation/$f ]] || fail "m/evaluation/$f missing"
  done
  [[ ! -e m/evaluation.partial ]] || fail "m/evaluation.partial left behind"
  /usr/bin/python3 - m <<'PY' || fail "evaluation.csv / summary.yaml checks"
import csv, math, re, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/evaluation/evaluation.csv")))
want = ["simulation", "step", "frame", "time", "rel_l2", "persistence_rel_l2", "nrmse",
        "persistence_nrmse", "one_step_rel_l2", "rel_l2_u", "persistence_rel_l2_u", "nrmse_u",
        "persistence_nrmse_u", "integral_u_truth", "integral_u_surrogate", "truth_mass",
        "truth_energy", "truth_max_abs_u", "solver_seconds", "surrogate_seconds"]
assert list(rows[0].keys()) == want, list(rows[0].keys())
# 2 held-out simulations x frames 1..10 (t = 0.02 .. 0.2), in order.
keys = [(int(r["simulation"]), int(r["step"]), int(r["frame"])) for r in rows]
assert keys == [(s, k, k) for s in (0, 1) for k in range(1, 11)], keys
f = lambda r, k: float(r[k])
for r in rows:
    assert abs(f(r, "time") - 0.02 * f(r, "frame")) < 1e-12, r
    for k in want[4:]:
        assert math.isfinite(f(r, k)), (k, r)
    # One field: the per-field figures are the figures over all fields.
    assert f(r, "rel_l2_u") == f(r, "rel_l2") and f(r, "nrmse_u") == f(r, "nrmse"), r
    # The solver's own mass diagnostic and the integral of the gathered state agree, and
    # periodic Burgers conserves mass.
    assert abs(f(r, "truth_mass") - f(r, "integral_u_truth")) < 1e-9, r
    start = next(q for q in rows if q["simulation"] == r["simulation"])
    assert abs(f(r, "integral_u_truth") - f(start, "integral_u_truth")) < 1e-9, r
first = [r for r in rows if r["step"] == "1"]
for r in first:
    # The rollout starts from the solver's frame: its first step is a one-step prediction, and
    # the nRMSE of one step is its relative L2 error. A trained model beats persistence there.
    assert f(r, "one_step_rel_l2") == f(r, "rel_l2") == f(r, "nrmse"), r
    assert f(r, "rel_l2") < 0.5 * f(r, "persistence_rel_l2"), r
for s in (0, 1):
    sim = [r for r in rows if r["simulation"] == str(s)]
    for a, b in zip(sim, sim[1:]):
        assert f(b, "solver_seconds") >= f(a, "solver_seconds") > 0, (a, b)
        assert f(b, "surrogate_seconds") >= f(a, "surrogate_seconds") > 0, (a, b)
# The same figures as the trainer's last validation on these held-out simulations (surrogate.yaml):
# mean one-step error over every pair, and rollout nRMSE over its 5 steps averaged over simulations.
text = open(d + "/surrogate.yaml").read()
trained = lambda k: float(re.search(k + r": (\S+)", text).group(1))
one = sum(f(r, "one_step_rel_l2") for r in rows) / len(rows)
at5 = sum(f(r, "nrmse") for r in rows if r["step"] == "5") / 2
assert abs(one / trained("validation_one_step_rel_l2") - 1) < 1e-3, (one, text)
assert abs(at5 / trained("validation_rollout_nrmse") - 1) < 1e-3, (at5, text)
summary = open(d + "/evaluation/summary.yaml").read()
m = re.search(r"speedup: \{solver_seconds: (\S+), surrogate_seconds: (\S+), speedup: ([^,]+),", summary)
assert m, summary
solver_s, surrogate_s, speedup = map(float, m.groups())
assert solver_s > 0 and surrogate_s > 0 and speedup > 0 and math.isfinite(speedup), summary
assert abs(speedup - solver_s / surrogate_s) < 1e-4 * speedup, summary
assert "simulations: {total: 2, ok: 2, failed: 0}" in summary, summary
m = re.search(r"one_step_rel_l2: \{training: (\S+), evaluation: ([^}]+)\}", summary)
assert m and abs(float(m.group(2)) / float(m.group(1)) - 1) < 1e-3, summary
print(f"one-step {one:.4g}, rollout nRMSE(5) {at5:.4g}, speed-up {speedup:.3g}")
PY
  if [[ $np -ge 2 ]]; then
    # One simulation on 2 ranks: the state gathered from two blocks gives the same figures
    # as on one rank (2D: a 16 x 32 grid, split between the ranks along y; an mlp).
    two=(--set layout.ranks_per_simulation=1 --set study.validation.simulations=1
         --set solver.parameters.cells=[16,32] --set solver.parameters.t_end=0.2 --set output.every=0.05
         --set progress.interval=0 --set 'training.model={type: mlp, parameters: {layers: 1, width: 16}}'
         --set training.max_steps=20 --set training.buffer.watermark=4 --set training.batch_size=4
         --set output.directory=m2)
    "$MPIEXEC" -n 2 "$SURGE" run "$src/configs/burgers2d.yaml" "${two[@]}" >out 2>err \
      || { cat out err; fail "2D training run failed"; }
    "$MPIEXEC" -n 1 "$SURGE" evaluate m2/config.yaml --model m2 --output f1 >out 2>err \
      || { cat out err; fail "2D evaluate on 1 rank failed"; }
    run evaluate m2/config.yaml --model m2 --output f2 --set layout.ranks_per_simulation=2 >out 2>err \
      || { cat out err; fail "2D evaluate on 2 ranks failed"; }
    cmp -s f1/fields_last_step.csv f2/fields_last_step.csv || fail "2D: fields differ on 2 ranks"
    cmp -s <(cut -d, -f1-15 f1/evaluation.csv) <(cut -d, -f1-15 f2/evaluation.csv) \
      || fail "2D: figures differ on 2 ranks"
    [[ $(wc -l <f1/evaluation.csv) -eq 5 ]] || fail "2D: expected 4 rows"
  fi
  if [[ $np -ne 1 ]]; then
    :  # the plots are drawn once, by the np 1 case
  elif /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    /usr/bin/python3 "$src/scripts/plot_evaluate.py" m/evaluation >/dev/null || fail "plot_evaluate.py"
    for p in errors integrals fields; do [[ -s m/evaluation/plots/$p.png ]] || fail "plots/$p.png"; done
  else
    echo "plot_evaluate.py not run: /usr/bin/python3 cannot import matplotlib"
  fi
  ;;
offline_resume)
  # surge run --offline interrupted by SIGUSR1 in phase 2 exits 3 and keeps its study files;
  # resumed, it simulates nothing again, restores the reservoir buffer from the checkpoint and
  # trains to max_steps, as accurate as an uninterrupted offline run (validation one-step error
  # within a factor 3). A copy resumed with training.checkpoint_buffer: false refills the
  # buffer from the files instead.
  cfg=(--set study.validation.simulations=1 --set 'training.model.parameters={modes: 16, width: 32, layers: 4}'
       --set training.max_steps=1500 --set training.batch_size=4 --set training.validate_every=100000
       --set training.metrics_every=5 --set 'training.lr_scheduler={type: constant}')
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${cfg[@]}" --set output.directory=ref --offline \
    >out 2>err || { cat out err; fail "reference run failed"; }
  interrupt_at "^[2-9][0-9]," run "$src/configs/burgers1d.yaml" "${small[@]}" "${cfg[@]}" \
    --set output.directory=r --offline
  grep -q "continue with: surge run CONFIG --resume r --offline" out || { cat out; fail "no resume hint"; }
  [[ -s r.partial/data/training.h5 && -s r.partial/data/validation.h5 ]] || fail "study files not kept"
  sum=$(cat r.partial/data/*.h5 | md5sum)
  cp -a r.partial r2.partial
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${cfg[@]}" --set output.directory=r --offline \
    --resume r >out 2>err || { cat out err; fail "resumed run failed"; }
  [[ $(grep -c "is complete, not simulated again" out) -eq 2 ]] || { cat out; fail "simulated again"; }
  grep -q "train: resuming with the checkpoint's training buffers: [1-9][0-9]* pair(s)" out \
    || { cat out; fail "buffer not restored"; }
  ! grep -q "again to refill" out || { cat out; fail "read again despite the restored buffer"; }
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${cfg[@]}" --set output.directory=r2 --offline \
    --set training.checkpoint_buffer=false --resume r2 >out2 2>err2 || { cat out2 err2; fail "resumed copy failed"; }
  grep -q "reading all 4 training simulations again to refill the reservoir buffer" out2 \
    || { cat out2; fail "no refill line"; }
  grep -q "^1500," r2/metrics.csv || fail "the refilled copy did not train to max_steps"
  [[ "$(cat r/data/*.h5 | md5sum)" == "$sum" ]] || fail "the study files changed"
  /usr/bin/python3 - ref r <<'PY' || { cat ref/summary.yaml r/summary.yaml; fail "resumed run differs"; }
import sys, yaml
ref, res = (yaml.safe_load(open(d + "/summary.yaml")) for d in sys.argv[1:3])
assert res["mode"] == "offline" and res["training"]["steps"] == 1500, res["training"]
assert res["simulations"] == {"total": 5, "ok": 5, "failed": 0}, res["simulations"]
a, b = ref["validation"]["one_step_rel_l2"], res["validation"]["one_step_rel_l2"]
print(f"one-step error: uninterrupted {a:.4g}, interrupted and resumed {b:.4g}")
assert a / 3 <= b <= 3 * a, (a, b)
steps = [int(l.split(",")[0]) for l in open(sys.argv[2] + "/metrics.csv").read().split()[1:]]
assert all(a < b for a, b in zip(steps, steps[1:])), steps  # one row per step
PY
  ;;
offline_equivalence)
  # surge run --offline: phase 1 writes the study files, phase 2 trains on them with the same
  # trainer. With a fifo buffer the offline trainer sees exactly the states the online one
  # sees: the same counts, and (the model's first weights and the held-out data being the same)
  # the same validation error before the first step, to the last digit.
  cfg=(--set study.validation.simulations=1 --set 'training.model.parameters={modes: 8, width: 8, layers: 1}'
       --set training.max_steps=1000 --set training.buffer.policy=fifo --set training.buffer.capacity=64
       --set training.buffer.watermark=4 --set training.batch_size=4 --set training.validate_every=2)
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${cfg[@]}" --set output.directory=on >out 2>err \
    || { cat out err; fail "online run failed"; }
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${cfg[@]}" --set output.directory=off --offline \
    >out 2>err || { cat out err; fail "offline run failed"; }
  grep -q "offline phase 1 done" out || { cat out; fail "no phase 1 line"; }
  [[ -f off/data/training.h5 && -f off/data/validation.h5 ]] || fail "study files not kept in off/data"
  [[ ! -e on/data ]] || fail "the online run wrote study files"
  /usr/bin/python3 - on/summary.yaml off/summary.yaml off/metrics.csv on/metrics.csv <<'PY' || fail "offline and online differ"
import csv, sys, yaml
on, off = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
assert on["mode"] == "online" and off["mode"] == "offline", (on["mode"], off["mode"])
for k in ("states_received", "pairs", "pairs_used", "steps"):
    assert on["training"][k] == off["training"][k], (k, on["training"][k], off["training"][k])
# fifo: every pair once; 4 training simulations of 5 states give 4 x 4 pairs
assert off["training"]["pairs"] == 16 and off["training"]["pairs_used"] == 16, off["training"]
assert on["simulations"] == off["simulations"] == {"total": 5, "ok": 5, "failed": 0}
ph = off["phases_seconds"]
assert ph["simulate"] > 0 and ph["write"] > 0 and ph["read"] > 0 and ph["train"] > 0, ph
assert ph["write"] < ph["simulate"], ph
assert off["data_bytes"] > 4 * 5 * 64 * 8, off["data_bytes"]
assert on["data_bytes"] == 0 and on["phases_seconds"]["read"] != on["phases_seconds"]["read"]  # NaN
rows = [list(csv.DictReader(open(p))) for p in sys.argv[3:5]]
first = [r[0] for r in rows]
assert first[0]["step"] == first[1]["step"] == "0", first
for k in ("val_one_step", "val_one_step_persistence", "val_rollout_persistence"):
    assert first[0][k] == first[1][k] != "", (k, first[0][k], first[1][k])
# offline metrics count the wall time from the job start, phase 1 included
assert float(first[0]["wall_s"]) >= ph["simulate"], (first[0]["wall_s"], ph)
PY
  # The training study file is the study `surge simulate` writes, value for value.
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=s.h5 >out 2>err \
    || { cat out err; fail "simulate failed"; }
  for i in 0 1 2 3; do
    cmp <(h5dump -d /simulations/00000$i/u s.h5 | tail -n +3) \
        <(h5dump -d /simulations/00000$i/u off/data/training.h5 | tail -n +3) \
      || fail "simulation $i differs from surge simulate's"
  done
  ;;
train_from_files)
  # surge train on files of surge simulate, including several training files at once (as the
  # shards of a job array would be), every rank a trainer.
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=a.h5 >out 2>err \
    || { cat out err; fail "simulate a failed"; }
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=b.h5 --set study.seed=9 \
    >out 2>err || { cat out err; fail "simulate b failed"; }
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=v.h5 --set study.seed=77 \
    --set study.simulations=1 >out 2>err || { cat out err; fail "simulate v failed"; }
  cfg=(--set 'training.model.parameters={modes: 8, width: 8, layers: 1}' --set training.max_steps=60
       --set training.buffer.watermark=4 --set training.batch_size=4 --set training.validate_every=20
       --set progress.interval=0 --set output.directory=t)
  run train "$src/configs/burgers1d.yaml" "${cfg[@]}" --data a.h5 b.h5 --validation v.h5 >out 2>err \
    || { cat out err; fail "train failed"; }
  grep -q "train: 8 training + 1 held-out simulation(s) from 3 study file(s)" out || { cat out; fail "no set-up line"; }
  grep -q "run: done" out || { cat out; fail "no summary line"; }
  for f in model.pt surrogate.yaml config.yaml metrics.csv summary.yaml validation_example.csv; do
    [[ -s t/$f ]] || fail "t/$f missing"
  done
  /usr/bin/python3 - t/summary.yaml <<'PY' || fail "summary"
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
assert s["mode"] == "files", s["mode"]
assert s["training"]["states_received"] == 40, s["training"]  # 8 simulations x 5 states
assert s["training"]["steps"] == 60, s["training"]
v = s["validation"]
assert v["one_step_rel_l2"] < v["one_step_persistence"], v
assert s["phases_seconds"]["read"] > 0 and s["data_bytes"] > 0, s
PY
  # The surrogate is as usable as one from surge run.
  run evaluate "$src/configs/burgers1d.yaml" "${small[@]}" --set study.validation.simulations=1 \
    --model t >out 2>err || { cat out err; fail "evaluate of the trained surrogate failed"; }
  ;;
train_errors)
  # Bad inputs to surge train: exit 2 on every rank, one message naming the file, nothing
  # written.
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=a.h5 >out 2>err \
    || { cat out err; fail "simulate a failed"; }
  run simulate "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=c.h5 \
    --set solver.parameters.cells=[32] >out 2>err || { cat out err; fail "simulate c failed"; }
  echo "not a study" >text.h5
  bad() {  # bad WHAT PATTERN ARGS...: surge train ARGS must exit 2 saying PATTERN
    local what=$1 pattern=$2
    shift 2
    run train "$src/configs/burgers1d.yaml" --set output.directory=t "$@" >out 2>err; local status=$?
    [[ $status -eq 2 ]] || { cat out err; fail "$what: status $status, expected 2"; }
    [[ $(grep -c -- "$pattern" err) -eq 1 ]] || { cat err; fail "$what: message '$pattern' not printed once"; }
  }
  bad "missing file" "nowhere.h5: no such study file" --data nowhere.h5
  bad "not HDF5" "text.h5 cannot be opened as an HDF5 file" --data a.h5 text.h5
  bad "other grid" "c.h5: another grid than a.h5" --data a.h5 --validation c.h5
  bad "no files" "--data needs at least one study file" --data
  bad "model too big" "modes" --data c.h5 --set 'training.model.parameters={modes: 40}'
  "$SURGE" train "$src/configs/burgers1d.yaml" 2>err; [[ $? -eq 2 ]] || fail "no --data: status"
  grep -q "'train' needs --data FILE" err || { cat err; fail "no --data: message"; }
  "$SURGE" simulate "$src/configs/burgers1d.yaml" --data a.h5 2>err; [[ $? -eq 2 ]] || fail "--data on simulate"
  "$SURGE" simulate "$src/configs/burgers1d.yaml" --offline 2>err; [[ $? -eq 2 ]] || fail "--offline on simulate"
  [[ ! -e t && ! -e t.partial ]] || fail "output written before an input error"
  ;;
evaluate_errors)
  # Bad inputs to surge evaluate: exit 2 on every rank, one message, nothing written. The
  # surrogate needs no training for that.
  fit=(--set study.simulations=2 --set study.validation.simulations=1 --set solver.parameters.cells=[64]
       --set solver.parameters.t_end=0.1 --set output.every=0.02 --set progress.interval=0
       --set 'training.model.parameters={modes: 4, width: 4, layers: 1}' --set training.max_steps=2
       --set training.buffer.watermark=2 --set training.batch_size=2 --set output.directory=m)
  "$MPIEXEC" -n 2 "$SURGE" run "$src/configs/burgers1d.yaml" "${fit[@]}" >out 2>err \
    || { cat out err; fail "training run failed"; }
  mkdir m/evaluation && echo "an earlier evaluation" >m/evaluation/earlier
  bad() {  # bad WHAT PATTERN ARGS...: surge evaluate ARGS must exit 2 saying PATTERN
    local what=$1 pattern=$2
    shift 2
    run evaluate "$@" >out 2>err; local status=$?
    [[ $status -eq 2 ]] || { cat out err; fail "$what: status $status, expected 2"; }
    [[ $(grep -c -- "$pattern" err) -eq 1 ]] || { cat err; fail "$what: message '$pattern' not printed once"; }
  }
  bad "existing output" "already exists; pass --overwrite" m/config.yaml --model m
  [[ "$(ls m/evaluation)" == earlier && ! -e m/evaluation.partial ]] \
    || fail "the existing evaluation was touched"
  bad "no model" "nowhere/surrogate.yaml: no such file" m/config.yaml --model nowhere
  bad "grid" "trained on a grid of \[64\] cells .* solver.parameters.cells is \[128\]" \
    m/config.yaml --model m --output x --set solver.parameters.cells=[128]
  bad "parameters" "study parameters \[nu\] .* are \[nu, a\]" m/config.yaml --model m --output x \
    --set 'study.parameters.a={distribution: uniform, low: 0, high: 1}'
  bad "frame interval" "output.every = 0.02 .* output.every is 0.04" m/config.yaml --model m \
    --output x --set output.every=0.04
  bad "no held-out simulations" "study.validation: the configuration has no held-out" \
    m/config.yaml --model m --output x --set study.validation.simulations=0
  bad "too few frames" "frames 0..0, too few for one model step" m/config.yaml --model m \
    --output x --set solver.parameters.t_end=0.01
  "$SURGE" evaluate m/config.yaml 2>err; [[ $? -eq 2 ]] || fail "no --model: status"
  grep -q "'evaluate' needs --model DIR" err || { cat err; fail "no --model: message"; }
  [[ ! -e x && ! -e x.partial ]] || fail "output written before an input error"
  # --overwrite replaces the earlier evaluation as a whole.
  run evaluate m/config.yaml --model m --overwrite >out 2>err \
    || { cat out err; fail "--overwrite failed"; }
  [[ -s m/evaluation/evaluation.csv && ! -e m/evaluation/earlier ]] || fail "--overwrite did not replace"
  [[ ! -e m/evaluation.partial && ! -e m/evaluation.replaced ]] || fail "--overwrite left debris"
  ;;
device)
  # training.device: cuda where no rank sees a GPU (this LibTorch is CPU only): exit 2 on every
  # rank with the reason, before any output; auto trains on the CPU and says so.
  run run "$src/configs/burgers1d.yaml" "${small[@]}" --set training.device=cuda \
    --set output.directory=r >out 2>err; status=$?
  [[ $status -eq 2 ]] || { cat out err; fail "cuda: status $status, expected 2"; }
  [[ $(grep -c "error: training.device: cuda, but this rank sees no CUDA device" err) -eq 1 ]] \
    || { cat err; fail "cuda: the error, once"; }
  [[ ! -e r && ! -e r.partial ]] || fail "cuda: output written before the error"
  run run "$src/configs/burgers1d.yaml" "${small[@]}" --set training.device=auto \
    --set training.max_steps=5 --set training.buffer.watermark=8 --set training.batch_size=4 \
    --set output.directory=r >out 2>err || { cat out err; fail "auto: run failed"; }
  grep -q "train: training.device auto: trainer 0 cpu" out || { cat out; fail "auto: device line"; }
  [[ -s r/model.pt ]] || fail "auto: no model"
  ;;
trainer_nodes)
  # layout.trainer_nodes: 1 (a heterogeneous job's layout) on 2 pretend nodes of 2 ranks: node 0
  # all trainers, node 1 two solver groups, one streaming to each trainer across the "network";
  # the run trains to the end. Asking for as many trainer nodes as the job has: exit 2.
  lay=(--set layout.ranks_per_node=2 --set study.validation.simulations=1
       --set 'training.model.parameters={modes: 8, width: 8, layers: 1}' --set training.max_steps=20
       --set training.buffer.watermark=4 --set training.batch_size=4)
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${lay[@]}" --set layout.trainer_nodes=1 \
    --set output.directory=r >out 2>err || { cat out err; fail "run failed"; }
  grep -q "layout: 4 ranks on 2 node(s): 2 solver group(s), 2 trainer(s); trainers on node 0 only" out \
    || { cat out; fail "layout line"; }
  grep -q "node 1: group 0 = ranks 2 -> trainer 0; group 1 = ranks 3 -> trainer 1;" out \
    || { cat out; fail "groups not dealt to both trainers"; }
  grep -q "simulations: {total: 5, ok: 5, failed: 0}" r/summary.yaml && grep -q "^20," r/metrics.csv \
    || { cat r/summary.yaml; fail "the run did not finish"; }
  run run "$src/configs/burgers1d.yaml" "${small[@]}" "${lay[@]}" --set layout.trainer_nodes=2 \
    --set output.directory=r2 >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "layout.trainer_nodes: 2 trainer node(s) leave no node for the solvers" err \
    || { cat err; fail "no solver node: status $status"; }
  [[ ! -e r2 && ! -e r2.partial ]] || fail "output written before the error"
  # The same layout planned for 3 nodes of 4 tasks: 1 trainer node, 2 solver nodes.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 3 --tasks-per-node 4 \
    --set layout.trainer_nodes=1 >out 2>err || { cat out err; fail "plan failed"; }
  grep -q "per node: 1 trainer node(s) of 4 trainer rank(s), 2 solver node(s) of 4 group(s)" out \
    || { cat out; fail "plan: per node"; }
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
  # Weights and Adam's 2 moments (139745 x 4 x 3) and the 2 trainers' buffers (2 x 24576000).
  has "checkpoint on disk: .*(50828940 bytes) (weights and optimizer state, and the 2 trainer buffers)" "checkpoint"
  [[ "$(ls)" == $'err\nout' ]] || fail "plan wrote files: $(ls)"
  # Calibrated traffic and the node's memory: 3 groups feed each trainer.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 2 --tasks-per-node 4 --calibrate \
    --memory-per-node 1 >out 2>err || { cat out err; fail "plan --calibrate failed"; }
  has "2.5% of --memory-per-node 1.0 GiB (1073741824 bytes)" "memory share"
  has "the study's first simulation, [0-9]* steps to t = 2, took" "calibration"
  /usr/bin/python3 - out <<'PY' || fail "traffic figures"
import re, sys
t = open(sys.argv[1]).read()
group = int(re.search(r"per solver group: .*\((\d+) bytes\)/s", t).group(1))
trainer = int(re.search(r"into one trainer rank: up to .*\((\d+) bytes\)/s", t).group(1))
assert group > 0 and abs(trainer - 3 * group) <= 3, (group, trainer)
PY
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 2 2>err
  [[ $? -eq 2 ]] || fail "no --tasks-per-node"
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 0 --tasks-per-node 2 2>err
  [[ $? -eq 2 ]] && grep -q "whole number >= 1" err || fail "--nodes 0"
  "$SURGE" validate "$src/configs/burgers1d.yaml" --nodes 2 2>err
  [[ $? -eq 2 ]] || fail "--nodes on validate"
  # GPUs: 2 trainer ranks per node on 2 GPUs, one each; the model (2235920 bytes) and a batch
  # of 32 pairs of 3072 bytes (98304) on each GPU.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 2 --tasks-per-node 6 --gpus-per-node 2 \
    --set layout.trainer_ranks_per_node=2 --set training.device=cuda >out 2>err \
    || { cat out err; fail "plan --gpus-per-node failed"; }
  has "GPUs: 2 per node, training.device cuda: node-local trainer rank k on GPU k mod 2 (trainer 0 -> cuda:0, trainer 1 -> cuda:1)" "GPU mapping"
  has "on each trainer's GPU: .*(2334224 bytes)" "GPU bytes"
  ! grep -q "^note:" out || { cat out; fail "a note for one trainer per GPU"; }
  # 1 trainer per node on 2 GPUs: one idle; auto with no GPU: the CPU.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 --gpus-per-node 2 \
    >out 2>err || { cat out err; fail "plan --gpus-per-node 2"; }
  has "note: 1 of the 2 GPU(s) per node stay idle" "idle GPU"
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 --gpus-per-node=0 \
    >out 2>err || { cat out err; fail "plan --gpus-per-node 0 with auto"; }
  has "GPUs: 0 per node, training.device auto: the trainers train on the CPU" "auto on no GPU"
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 --gpus-per-node 0 \
    --set training.device=cuda >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "error: --gpus-per-node 0: training.device is cuda" err \
    || { cat out err; fail "cuda on no GPU: status $status"; }
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 --gpus-per-node -1 2>err
  [[ $? -eq 2 ]] && grep -q "whole number >= 0" err || { cat err; fail "--gpus-per-node -1"; }
  "$SURGE" validate "$src/configs/burgers1d.yaml" --gpus-per-node 1 2>err
  [[ $? -eq 2 ]] && grep -q "apply to 'plan' only" err || { cat err; fail "--gpus-per-node on validate"; }
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
  # Arrays larger than the node's memory (a buffer of 8000 pairs of 3 KiB, about 26 MB).
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 \
    --memory-per-node 0.01 >out 2>err; status=$?
  [[ $status -eq 2 ]] || { cat out err; fail "memory: status $status"; }
  grep -q "more than its 10737418 bytes: lower training.buffer.capacity" err \
    || { cat err; fail "memory: message"; }
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 --memory-per-node x 2>err
  [[ $? -eq 2 ]] && grep -q "size in GiB > 0" err || { cat err; fail "--memory-per-node x"; }
  # No trainer at all.
  "$SURGE" plan "$src/configs/burgers1d.yaml" --nodes 1 --tasks-per-node 4 \
    --set layout.trainer_ranks_per_node=0 >out 2>err; status=$?
  [[ $status -eq 2 ]] && grep -q "at least one trainer" err || { cat err; fail "no trainer"; }
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name (np $np)"
