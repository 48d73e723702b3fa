# Sourced by surge's scripts: MPI settings for running as root and with more ranks than cores
# (a laptop, a CI machine). On a cluster, srun/mpirun settings of the site take over.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
