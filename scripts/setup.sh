#!/usr/bin/env bash
# Installs what surge needs from Debian's packages (only what is missing), then configures and
# builds surge (Release) into build/. Idempotent: a second run installs nothing and rebuilds
# only what changed.
#
#   scripts/setup.sh [--no-build] [extra CMake arguments...]
# Environment: SURGE_BUILD_DIR (default build), SURGE_JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev
  libpetsc-real3.18-dev libpetsc3.18-dev-examples
  libhdf5-openmpi-dev hdf5-tools
  libfftw3-dev libfftw3-mpi-dev
  libtorch-dev
  libyaml-cpp-dev libmuparser-dev libgsl-dev
  libgtest-dev libgmock-dev
  python3-matplotlib  # scripts/plot_run.py
  python3-torch       # tests that saved surrogates load in Python (torch.load)
  # The `slurm` tests submit cluster/'s batch scripts to a private single-node SLURM
  # (cluster/local-slurm.sh). Where systemd runs, the packages enable their own services; the
  # tests use none of them.
  slurm-wlm munge
)

build=1
if [[ "${1:-}" == "--no-build" ]]; then build=0; shift; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all Debian packages present"
fi

((build)) || exit 0
dir="${SURGE_BUILD_DIR:-build}"
jobs="${SURGE_JOBS:-$(getconf _NPROCESSORS_ONLN)}"
echo "setup: configuring and building into $dir/ ($jobs jobs)"
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >"$dir/configure.log" 2>&1 || {
  cat "$dir/configure.log"
  echo "setup: CMake configuration failed (log above, also in $dir/configure.log)" >&2
  exit 1
}
cmake --build "$dir" -j "$jobs"
