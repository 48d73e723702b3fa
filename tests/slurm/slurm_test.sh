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
simulate)
  submit simulate.sbatch "$src/configs/burgers1d.yaml" "${small[@]}" --set output.file=s.h5 \
    || fail "the job failed"
  [[ -f s.h5 && ! -e s.h5.partial ]] || fail "s.h5 missing or incomplete"
  grep -q "simulations 4/4 done" job.out || fail "no progress report"
  # Two singletons instead of one world of 2 would each write the study (a broken PMIx).
  grep -q "layout: 2 ranks on 1 node(s)" job.out || fail "the tasks did not form one MPI world"
  [[ $(h5ls s.h5/simulations | wc -l) -eq 4 ]] || fail "s.h5 does not hold 4 simulations"
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
