#!/usr/bin/env bash
# A private, single-node SLURM on this machine, to test surge's batch scripts end to end (the
# `slurm` ctest label). Uses Debian's slurm-wlm and munge packages but none of their system
# configuration or services: config, state, logs, munge key and socket all live in one directory
# that this script creates, and its daemons (munged, slurmctld, slurmd) are stopped by the PIDs
# they wrote there. Needs root (slurmd launches jobs as their submitting user).
#
#   cluster/local-slurm.sh start [DIR]   start; DIR defaults to a new /tmp/surge-slurm-XXXXXX.
#                                        Prints DIR; `source DIR/env` points sbatch/srun/squeue
#                                        at this SLURM (SLURM_CONF).
#   cluster/local-slurm.sh status DIR    the daemons' PIDs and `sinfo`
#   cluster/local-slurm.sh stop DIR      cancel its jobs, stop its daemons, remove DIR
#                                        (SURGE_SLURM_KEEP=1 keeps DIR for its logs)
#
# The node is this host as `slurmd -C` sees it (CPUs, sockets, cores, RealMemory), so SLURM
# never drains it for claiming more than it has. MpiDefault is pmix when `srun --mpi=list`
# offers it. Ports are picked among free ones, so this runs beside a real slurmd or another
# private SLURM.
set -euo pipefail

die() { echo "local-slurm: $*" >&2; exit 1; }

need_tools() {
  local missing=()
  for t in munged slurmctld slurmd sbatch srun sinfo squeue scancel scontrol; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  ((${#missing[@]} == 0)) || die "not installed: ${missing[*]} (Debian packages slurm-wlm and \
munge: scripts/setup.sh installs them)"
}

# A TCP port nobody listens on, from a range away from SLURM's defaults (6817-6819).
free_port() {
  local used p
  used=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u || true)
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    grep -qx "$p" <<<"$used" || { echo "$p"; return; }
  done
  die "no free TCP port found"
}

pid_of() { [[ -s "$1/$2.pid" ]] && cat "$1/$2.pid"; }
alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# A start that failed half way: show the logs, stop what did start, keep DIR for the logs.
abort_start() {
  local dir=$1
  shift
  tail -n 20 "$dir"/log/*.log >&2 2>/dev/null || true
  SURGE_SLURM_KEEP=1 stop "$dir" >/dev/null
  die "$* (kept $dir)"
}

start() {
  need_tools
  [[ $(id -u) -eq 0 ]] || die "start needs root (slurmd must be able to run jobs as any user)"
  local dir=${1:-}
  if [[ -z "$dir" ]]; then dir=$(mktemp -d /tmp/surge-slurm-XXXXXX); else mkdir -p "$dir"; fi
  dir=$(cd "$dir" && pwd)
  # munged wants the directories of its socket writable by the owner only and searchable by all.
  chmod 0755 "$dir"
  mkdir -p "$dir"/{munge,state,spool,log}
  chmod 0755 "$dir/munge"

  local host node
  host=$(hostname -s)
  # "NodeName=host CPUs=.. Boards=.. SocketsPerBoard=.. CoresPerSocket=.. ThreadsPerCore=..
  # RealMemory=..": exactly what slurmd will find, so the node is never drained for it.
  node=$(slurmd -C | head -1)
  [[ "$node" == NodeName=* ]] || die "slurmd -C gave '$node'"
  # SURGE_SLURM_GPUS=G (at most 2): the node claims G GPUs, so that jobs asking for
  # --gpus-per-node get an allocation, to test the GPU batch scripts on a machine without
  # GPUs. SLURM wants a character device behind each: /dev/null and /dev/zero stand in (no
  # cgroup confines devices here, and no CUDA library could mistake them for GPUs).
  local gpus=${SURGE_SLURM_GPUS:-0} gres_types="" gres=""
  [[ "$gpus" =~ ^[0-9]+$ ]] || die "SURGE_SLURM_GPUS must be a whole number, not '$gpus'"
  if ((gpus > 0)); then
    gres_types=$'GresTypes=gpu\n'
    gres=" Gres=gpu:$gpus"
    ((gpus <= 2)) || die "SURGE_SLURM_GPUS: at most 2 stand-in GPUs, not $gpus"
    printf 'Name=gpu File=%s\n' /dev/null /dev/zero | head -n "$gpus" >"$dir/gres.conf"
  fi
  cat >"$dir/slurm.conf" <<EOF
# Private single-node SLURM written by surge's cluster/local-slurm.sh (see there).
ClusterName=surgelocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: how long a requeued job waits before it may start again (default 120 s; 5 is
# the least SLURM accepts); surge's run.sbatch requeues itself at its time limit.
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups (containers rarely delegate them): processes are tracked through /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Look at pending jobs every 2 s rather than every 30 (backfill) / 60 (main) s: a requeued job
# becomes eligible again while no other event would wake the scheduler.
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=none
# A container may not allow raising the limits of the submitting shell.
PropagateResourceLimits=NONE
ReturnToService=2
# No mail from this test cluster (slurmctld complains when the default mail program is absent).
MailProg=/bin/true
InactiveLimit=0
# Batch jobs may be requeued (SLURM's default, stated here because run.sbatch relies on it).
JobRequeue=1
KillWait=5
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=60
${gres_types}$node NodeAddr=127.0.0.1 State=UNKNOWN${gres}
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
  export SLURM_CONF=$dir/slurm.conf
  # srun lists its MPI plugins only once it has a configuration to read.
  if srun --mpi=list 2>&1 | grep -qw pmix; then
    sed -i 's/^MpiDefault=none$/MpiDefault=pmix/' "$SLURM_CONF"
  fi

  # munge: a fresh key and a socket of our own, so the system munged (if any) is not needed.
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 0400 "$dir/munge/munge.key"
  munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" ||
    abort_start "$dir" "munged did not start (log: $dir/log/munged.log)"
  for _ in $(seq 1 50); do [[ -S "$dir/munge/munge.socket" ]] && break; sleep 0.1; done
  [[ -S "$dir/munge/munge.socket" ]] ||
    abort_start "$dir" "munged socket missing (log: $dir/log/munged.log)"

  slurmctld -c -f "$SLURM_CONF" ||
    abort_start "$dir" "slurmctld did not start (log: $dir/log/slurmctld.log)"
  slurmd -f "$SLURM_CONF" || abort_start "$dir" "slurmd did not start (log: $dir/log/slurmd.log)"
  local state=""
  for _ in $(seq 1 150); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
    [[ "$state" == idle ]] && break
    sleep 0.2
  done
  [[ "$state" == idle ]] || abort_start "$dir" "the node did not become idle (state '$state')"
  echo "$dir"
}

status() {
  local dir=${1:?usage: local-slurm.sh status DIR}
  export SLURM_CONF=$dir/slurm.conf
  for d in munge slurmctld slurmd; do
    local p
    p=$(pid_of "$dir" "$d" || true)
    if alive "$p"; then echo "$d: running (pid $p)"; else echo "$d: not running"; fi
  done
  sinfo || true
}

stop() {
  local dir=${1:?usage: local-slurm.sh stop DIR}
  [[ -f "$dir/slurm.conf" ]] || die "$dir is not a local-slurm directory"
  export SLURM_CONF=$dir/slurm.conf
  local p
  p=$(pid_of "$dir" slurmctld || true)
  if alive "$p"; then
    # Jobs first, so that slurmd's step daemons end with them.
    scancel -u "$(id -un)" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [[ -z "$(squeue -h 2>/dev/null)" ]] && break
      sleep 0.2
    done
  fi
  # The daemons, each by the PID it wrote into DIR, newest first.
  for d in slurmd slurmctld munge; do
    p=$(pid_of "$dir" "$d" || true)
    alive "$p" || continue
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  if [[ "${SURGE_SLURM_KEEP:-0}" == 1 ]]; then echo "local-slurm: kept $dir"; else rm -rf "$dir"; fi
}

cmd=${1:-}
shift || true
case "$cmd" in
start) start "$@" ;;
stop) stop "$@" ;;
status) status "$@" ;;
*) die "usage: $0 start [DIR] | status DIR | stop DIR" ;;
esac
