# The batch scripts of cluster/ submitted to a private single-node SLURM that each test starts
# and stops (cluster/local-slurm.sh): an online run launched with srun --mpi=pmix, the same with
# the mpirun fallback, and a simulate study. They need root and Debian's slurm-wlm and munge
# (scripts/setup.sh installs them); without them they fail, saying so, rather than skip.
set(slurm_script ${CMAKE_CURRENT_LIST_DIR}/slurm_test.sh)
foreach(case run_srun_pmix run_mpirun simulate)
  add_test(NAME slurm_${case}.np2 COMMAND bash ${slurm_script} ${case})
  # One SLURM at a time: each takes the machine's cores for its node, and two jobs at once
  # would only slow each other down.
  set_tests_properties(slurm_${case}.np2 PROPERTIES
    LABELS "slurm;np2" PROCESSORS 2 RESOURCE_LOCK local_slurm TIMEOUT 120
    ENVIRONMENT "${SURGE_TEST_ENV};SURGE=$<TARGET_FILE:surge>")
endforeach()
