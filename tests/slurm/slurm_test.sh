#!/usr/bin/env bash
# slurm_test.sh CASE: submits one of cluster/'s batch scripts to a private SLURM started for
# this test (cluster/local-slurm.sh), waits for it, and checks its exit status and outputs.
# See slurm.cmake.
set -uo pipefail
case_name=$1
src=${SURGE_SOURCE_DIR:?}
surge=${SURGE:?}
work=$(mktemp -d /tmp/surge-slurm-test-XXXXXX)
slurm_dir=""
cleanup() {
  [[ -n "$slurm_dir" ]] && "$src/cluster/local-slurm.sh" stop "$slurm_dir"
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/job.out "$slurm_dir"/log/slurmctld.log "$slurm_dir"/log/slurmd.log; do
    [[ -s "$f" ]] && { echo "--- tail of $f" >&2; tail -n 25 "$f" >&2; }
  done
  exit 1
}

# The GPU case: a node that claims 2 GPUs (stand-ins: this machine has none).
[[ $case_name == run_gpu ]] && export SURGE_SLURM_GPUS=2
slurm_dir=$("$src/cluster/local-slurm.sh" start) || fail "could not start the private SLURM"
source "$slurm_dir/env"
# The online job must run with PMIx: a launch that quietly falls back would hide a broken site
# setup, so its absence is a failure here.
srun --mpi=list 2>&1 | grep -qw pmix || fail "SLURM offers no pmix MPI plugin (srun --mpi=list)"
cd "$work" || fail "cannot enter $work"

# A tiny study: 4 simulations of 1D Burgers on 64 cells, a small FNO trained for 20 steps.
small=(--set study.simulations=4 --set solver.parameters.cells=[64]
       --set solver.parameters.t_end=0.2 --set output.every=0.05 --set progress.interval=0)
train=(--set study.validation.simulations=1
       --set 'training.model.parameters={modes: 8, width: 8, layers: 1}'
       --set training.max_steps=20 --set training.buffer.watermark=8
       --set training.batch_size=4 --set training.validate_every=10 --set training.metrics_every=5
       --set training.rollout_steps=2)
# Two tasks on the one node: trainer rank 0 and one solver rank. sbatch's options override the
# script's #SBATCH lines; --wait returns the job's exit status.
submit() {
  local script=$1
  shift
  local start=$SECONDS
  SURGE=$surge sbatch --wait --quiet --nodes=1 --ntasks-per-node=2 --time=00:05:00 \
    --output="$work/job.out" --chdir="$work" "$src/cluster/$script" "$@"
  local status=$?
  echo "$script: exit $status after $((SECONDS - start)) s"
  return $status
}
# A requeueable job outlives one run of its script, which `sbatch --wait` does not follow:
# these submit it and watch its state. submit_job [SBATCH OPTIONS] SCRIPT ARGS... prints its id.
submit_job() {
  SURGE=$surge sbatch --parsable --nodes=1 --ntasks-per-node=2 --output="$work/job.out" \
    --chdir="$work" "$@"
}
# job_field ID NAME: one field of `scontrol show job ID` (JobState, Restarts, ExitCode, ...).
job_field() { scontrol show job "$1" 2>/dev/null | grep -o "\b$2=[^ ]*" | head -1 | cut -d= -f2; }
finished() {
  case $1 in
  COMPLETED | FAILED | TIMEOUT | CANCELLED | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) return 0 ;;
  esac
  return 1
}
# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.5 s until it succeeds; fails the test
# after SECONDS.
wait_for() {
  local seconds=$1 what=$2
  local limit=$((SECONDS + seconds))
  shift 2
  until "$@"; do
    ((SECONDS < limit)) || fail "waited $seconds s for $what (job state $(job_field "$id" JobState))"
    sleep 0.5
  done
}
# The last step in DIR/metrics.csv (0 when there is none).
last_step() { tail -n 1 "$1/metrics.csv" 2>/dev/null | grep -o '^[0-9]\+' || echo 0; }
# value FILE OBJECT: the numbers of an HDF5 attribute (-a /NAME) or dataset (-d /NAME), a line each.
value() { h5dump -y -w 0 $2 "$1" | sed -n '/DATA {/,/}/p' | grep -o -- '-\?[0-9]\+'; }

case $case_name in
run_srun_pmix | run_mpirun)
  launcher=srun
  [[ $case_name == run_mpirun ]] && launcher=mpirun
  SURGE_LAUNCHER=$launcher submit run.sbatch "$src/configs/burgers1d.yaml" "${small[@]}" \
    "${train[@]}" --set output.directory=r || fail "the job failed"
  grep -q "layout: 2 ranks on 1 node(s): 1 solver group(s), 1 trainer(s)" job.out \
    || fail "layout not in the job's output"
  grep -q "run: done" job.out || fail "no summary line"
  for f in model.pt metrics.csv summary.yaml config.yaml; do
    [[ -s r/$f ]] || fail "r/$f missing"
  done
  grep -q "^20," r/metrics.csv || fail "no metrics row for the last step"
  grep -q "ok: 5, failed: 0" r/summary.yaml || fail "not every simulation ran"
  ;;
run_gpu)
  # run_gpu.sbatch on a node claiming 2 GPUs (stand-ins) with this CPU-only LibTorch, 2 tasks
  # (SLURM refuses more tasks per node than the 2 cores, even overcommitted):
  # - 1 GPU: 1 trainer rank and training.device cuda, which stops every rank with status 2
  #   before any work, saying why;
  # - 1 GPU and the user's --set training.device=auto (the user's settings win): trains on
  #   the CPU to the end;
  # - 2 GPUs: 2 trainer ranks per node, which leave no solver rank: status 2 from the layout;
  # - no GPU (--gpus-per-node=0 over the script's 1): the script refuses at once, status 2.
  gpu_job() {
    rm -f "$work/job.out"  # the script appends (--open-mode=append)
    SURGE=$surge SURGE_HOME=$src sbatch --wait --quiet --nodes=1 --ntasks-per-node=2 --time=00:05:00 \
      --output="$work/job.out" --chdir="$work" "$@"
  }
  gpu_job --gpus-per-node=1 "$src/cluster/run_gpu.sbatch" "$src/configs/burgers1d.yaml" \
    "${small[@]}" "${train[@]}" --set output.directory=g; status=$?
  [[ $status -eq 2 ]] || fail "cuda on a CPU-only LibTorch: exit $status, expected 2"
  grep -q "run_gpu.sbatch: 1 GPU(s) per node: 1 trainer rank(s) per node" job.out \
    || fail "the script did not find the GPU"
  grep -q "training.device: cuda, but this rank sees no CUDA device (this LibTorch is built without CUDA" job.out \
    || fail "no reason given for status 2"
  [[ ! -e g && ! -e g.partial ]] || fail "output written before the error"
  gpu_job --gpus-per-node=1 "$src/cluster/run_gpu.sbatch" "$src/configs/burgers1d.yaml" \
    "${small[@]}" "${train[@]}" --set output.directory=g --set training.device=auto \
    || fail "training.device=auto: the job failed"
  grep -q "train: training.device auto: trainer 0 cpu" job.out || fail "no device line"
  [[ -s g/model.pt ]] && grep -q "^20," g/metrics.csv || fail "g/model.pt or the last metrics row"
  gpu_job --gpus-per-node=2 "$src/cluster/run_gpu.sbatch" "$src/configs/burgers1d.yaml" \
    "${small[@]}" --set training.device=auto --set output.directory=h; status=$?
  [[ $status -eq 2 ]] && grep -q "2 trainer(s) leave 0 for solvers" job.out \
    || fail "2 GPUs on 2 tasks: exit $status, expected 2 with no room for solvers"
  gpu_job --gpus-per-node=0 "$src/cluster/run_gpu.sbatch" "$src/configs/burgers1d.yaml" \
    "${small[@]}" --set output.directory=h; status=$?
  [[ $status -eq 2 ]] && grep -q "run_gpu.sbatch: this allocation has no GPU" job.out \
    || fail "no GPUs: exit $status, expected 2 with the reason"
  [[ ! -e h && ! -e h.partial ]] || fail "output written by a job that had to stop"
  ;;
simulate)
  submit simulate.sbatch "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=s.h5 \
    || fail "the job failed"
  [[ -f s.h5 && ! -e s.h5.partial ]] || fail "s.h5 missing or incomplete"
  grep -q "simulations 4/4 done" job.out || fail "no progress report"
  # Two singletons instead of one world of 2 would each write the study (a broken PMIx).
  grep -q "layout: 2 ranks on 1 node(s)" job.out || fail "the tasks did not form one MPI world"
  [[ $(h5ls s.h5/simulations | wc -l) -eq 4 ]] || fail "s.h5 does not hold 4 simulations"
  ;;
run_time_limit)
  # A run longer than its time limit: SLURM's warning signal (--signal=B:USR1@85 with --time=2:
  # sent 85 to 115 s before the limit, i.e. 5 to 35 s into the job, as SLURM checks its limits
  # every 30 s) makes surge write a checkpoint and exit 3; run.sbatch requeues the job, and the
  # requeued job resumes from the checkpoint and finishes the study. The study (300 simulations,
  # about 1500 training steps, trainer-bound; 1 solver, 1 trainer) lasts well past the warning,
  # so the first allocation cannot finish (with 200 simulations the whole test took 81 s at
  # load 2-3, and the warning came 5 to 35 s in). Once the job is requeued, its time limit is
  # raised (root may), so that the second allocation surely finishes rather than being
  # interrupted again 5 to 35 s into it.
  long=(--set study.simulations=300 --set study.validation.simulations=2
        --set solver.parameters.t_end=0.4 --set output.every=0.01 --set progress.interval=0
        --set 'training.model.parameters={modes: 16, width: 32, layers: 4}'
        --set training.buffer.policy=fifo --set training.buffer.capacity=64
        --set training.buffer.watermark=8 --set training.batch_size=8 --set training.max_steps=0
        --set 'training.lr_scheduler={type: constant}' --set training.validate_every=100000
        --set training.metrics_every=10)
  start=$SECONDS
  id=$(submit_job --time=2 --signal=B:USR1@85 "$src/cluster/run.sbatch" \
    "$src/configs/burgers1d.yaml" "${long[@]}" --set output.directory=r) || fail "sbatch failed"
  requeued() {
    if finished "$(job_field "$id" JobState)" && (($(job_field "$id" Restarts) == 0)); then
      fail "the job ended in its first allocation, without the requeue (finished before the \
warning? then this machine outruns the study: raise its study.simulations)"
    fi
    (($(job_field "$id" Restarts) >= 1))
  }
  wait_for 150 "the requeue at the time limit" requeued
  echo "requeued after $((SECONDS - start)) s"
  scontrol update JobId="$id" TimeLimit=10 || fail "could not raise the time limit"
  done_() { finished "$(job_field "$id" JobState)"; }
  wait_for 300 "the requeued job to finish" done_
  state=$(job_field "$id" JobState)
  echo "job $id: $state, $(job_field "$id" Restarts) restart(s), after $((SECONDS - start)) s"
  [[ $state == COMPLETED && $(job_field "$id" Restarts) == 1 ]] || fail "job $state, not \
COMPLETED after one requeue"
  grep -q "run.sbatch: SIGUSR1" job.out && grep -q "train: interrupted at step [0-9]* (signal 10)" \
    job.out || fail "the first allocation was not interrupted by SIGUSR1"
  grep -q "run.sbatch: interrupted with a checkpoint (status 3): requeueing job $id (1 of at most 5)" \
    job.out || fail "no requeue message"
  grep -q "run.sbatch: job $id, restart 1: resuming from r.partial/checkpoint" job.out \
    || fail "the requeued job did not resume"
  grep -q "run: resuming from r.partial/checkpoint/step-[0-9]*: step [0-9]*" job.out \
    || fail "surge did not resume"
  grep -q "run: done" job.out || fail "no summary line"
  [[ -s r/model.pt && ! -e r.partial ]] || fail "r not published"
  grep -q "simulations: {total: 302, ok: 302, failed: 0}" r/summary.yaml \
    || { cat r/summary.yaml; fail "not every simulation ran"; }
  ;;
run_requeue_mpirun)
  # The same checkpoint -> requeue -> resume with the mpirun launcher, the signal sent by hand
  # to the batch shell as SLURM's warning is (--signal=B:USR1: scancel --batch), twice:
  # SURGE_MAX_REQUEUES=1 lets the job requeue once, and the second interruption ends it with
  # status 3, its checkpoint kept for a manual --resume.
  long=(--set study.simulations=200 --set study.validation.simulations=2
        --set solver.parameters.t_end=0.4 --set output.every=0.01 --set progress.interval=0
        --set 'training.model.parameters={modes: 8, width: 16, layers: 2}'
        --set training.buffer.policy=fifo --set training.buffer.capacity=64
        --set training.buffer.watermark=8 --set training.batch_size=8 --set training.max_steps=0
        --set 'training.lr_scheduler={type: constant}' --set training.validate_every=100000
        --set training.metrics_every=5)
  start=$SECONDS
  id=$(SURGE_LAUNCHER=mpirun SURGE_MAX_REQUEUES=1 submit_job --time=5 \
    "$src/cluster/run.sbatch" "$src/configs/burgers1d.yaml" "${long[@]}" \
    --set output.directory=r) || fail "sbatch failed"
  training() { (($(last_step r.partial) >= 20)); }
  wait_for 120 "training to start" training
  scancel --batch --signal=USR1 "$id" || fail "scancel --batch --signal=USR1"
  resumed() { grep -q "run: resuming from" job.out && (($(job_field "$id" Restarts) >= 1)); }
  wait_for 120 "the requeued job to resume" resumed
  echo "requeued and resumed after $((SECONDS - start)) s"
  step=$(last_step r.partial)
  more() { (($(last_step r.partial) >= step + 20)); }
  wait_for 120 "training to go on" more
  scancel --batch --signal=USR1 "$id" || fail "scancel --batch --signal=USR1 (second)"
  done_() { finished "$(job_field "$id" JobState)"; }
  wait_for 120 "the job to end" done_
  state=$(job_field "$id" JobState) code=$(job_field "$id" ExitCode)
  echo "job $id: $state, exit $code, $(job_field "$id" Restarts) restart(s), after $((SECONDS - start)) s"
  [[ $state == FAILED && $code == 3:0 && $(job_field "$id" Restarts) == 1 ]] \
    || fail "job $state (exit $code), expected FAILED with exit 3 after one requeue"
  [[ $(grep -c "train: interrupted at step [0-9]* (signal 10)" job.out) -eq 2 ]] \
    || fail "the ranks were not interrupted twice by SIGUSR1"
  grep -q "requeueing job $id (1 of at most 1)" job.out || fail "no requeue message"
  grep -q "after 1 requeue(s), the most SURGE_MAX_REQUEUES=1 allows: not requeueing" job.out \
    || fail "no message at the requeue limit"
  grep -q "layout: 2 ranks on 1 node(s)" job.out || fail "the tasks did not form one MPI world"
  [[ -s r.partial/checkpoint/LATEST && ! -e r ]] || fail "no checkpoint left, or r published"
  ;;
simulate_array)
  # A study of 5 simulations as a job array of 3 tasks, each a shard (ids 0 | 1 2 | 3 4).
  start=$SECONDS
  SURGE=$surge sbatch --wait --quiet --array=0-2 --nodes=1 --ntasks-per-node=2 --time=5 \
    --output="$work/job-%a.out" --chdir="$work" "$src/cluster/simulate_array.sbatch" \
    "$src/configs/burgers1d.yaml" "${small[@]}" --set study.simulations=5 --set output.file=a.h5
  status=$?
  echo "simulate_array.sbatch: exit $status after $((SECONDS - start)) s"
  cp job-0.out job.out 2>/dev/null
  ((status == 0)) || { tail -n 5 job-*.out; fail "the array failed"; }
  expect=("0" "1 2" "3 4")
  seen=""
  for i in 0 1 2; do
    f=a.shard-$i.h5
    [[ -f $f && ! -e $f.partial && -f a.shard-$i.xmf ]] || fail "$f missing or incomplete"
    grep -q "simulate: shard $i/3" job-$i.out || { cat job-$i.out; fail "task $i: no shard line"; }
    grep -q "layout: 2 ranks on 1 node(s)" job-$i.out || fail "task $i: not one MPI world"
    [[ "$(value $f "-a /shard_index")" == "$i" && "$(value $f "-a /shard_count")" == 3 &&
       "$(value $f "-a /study_simulations")" == 5 ]] || fail "$f: shard attributes"
    ids=$(value $f "-d /simulation_ids" | tr '\n' ' ')
    [[ "$ids" == "${expect[i]} " ]] || fail "$f: simulation_ids '$ids', expected '${expect[i]}'"
    [[ $(h5ls $f/simulations | wc -l) -eq $(wc -w <<<"$ids") ]] || fail "$f: simulation groups"
    seen+="$ids"
  done
  [[ "$seen" == "0 1 2 3 4 " ]] || fail "the shards hold '$seen'"
  # The shards trained together afterwards: 2 trainer ranks, every file at once.
  submit train.sbatch "$src/configs/burgers1d.yaml" --data a.shard-*.h5 \
    --set 'training.model.parameters={modes: 8, width: 8, layers: 1}' --set training.max_steps=10 \
    --set training.buffer.watermark=8 --set training.batch_size=4 --set progress.interval=0 \
    --set output.directory=t || fail "the training job failed"
  grep -q "train: 5 training + 0 held-out simulation(s) from 3 study file(s)" job.out \
    || fail "training job: no set-up line"
  grep -q "states_received: 25," t/summary.yaml || { cat t/summary.yaml; fail "training job: not every state read"; }
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
