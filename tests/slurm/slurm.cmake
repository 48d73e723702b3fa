# The batch scripts of cluster/ submitted to a private single-node SLURM that each test starts
# and stops (cluster/local-slurm.sh): an online run launched with srun --mpi=pmix, the same with
# the mpirun fallback, the GPU script on stand-in GPUs, a simulate study, a run requeued at its
# time limit, a requeue under mpirun, and a job array of simulate shards. They need root and Debian's slurm-wlm and munge
# (scripts/setup.sh installs them); without them they fail, saying so, rather than skip.
set(slurm_script ${CMAKE_CURRENT_LIST_DIR}/slurm_test.sh)
foreach(case run_srun_pmix run_mpirun run_gpu simulate)
  add_test(NAME slurm_${case}.np2 COMMAND bash ${slurm_script} ${case})
  # One SLURM at a time: each takes the machine's cores for its node, and two jobs at once
  # would only slow each other down.
  set_tests_properties(slurm_${case}.np2 PROPERTIES
    LABELS "slurm;np2" PROCESSORS 2 RESOURCE_LOCK local_slurm TIMEOUT 120
    ENVIRONMENT "${SURGE_TEST_ENV};SURGE=$<TARGET_FILE:surge>")
endforeach()
# Longer cases: a run past its time limit, requeued and resumed to the end (about 3 minutes);
# the same requeue with mpirun and a signal sent by hand, to the limit of requeues; a job array
# of simulate shards.
foreach(case_timeout run_time_limit:420 run_requeue_mpirun:300 simulate_array:120)
  string(REPLACE ":" ";" pair ${case_timeout})
  list(GET pair 0 case)
  list(GET pair 1 timeout)
  add_test(NAME slurm_${case}.np2 COMMAND bash ${slurm_script} ${case})
  set_tests_properties(slurm_${case}.np2 PROPERTIES
    LABELS "slurm;np2" PROCESSORS 2 RESOURCE_LOCK local_slurm TIMEOUT ${timeout}
    ENVIRONMENT "${SURGE_TEST_ENV};SURGE=$<TARGET_FILE:surge>")
endforeach()
