# Verification of the nonlinear Schroedinger solver: the exact soliton (adaptive Dormand-Prince),
# observed orders and mass conservation of the split-step schemes, the growth rate of modulation
# instability, config sections and breakdown reports, and the decomposition check (1, 2 and 4
# ranks give the same fields; its source lives with the other MPI tests in tests/mpi).
surge_test(NAME nlse_soliton SOURCES ${CMAKE_CURRENT_LIST_DIR}/nlse_soliton.cpp
           LIBS surge_solvers NP 1 LABELS verification nlse TIMEOUT 120)
surge_test(NAME nlse_modulation_instability
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/nlse_modulation_instability.cpp
           LIBS surge_solvers NP 1 LABELS verification nlse TIMEOUT 60)
surge_test(NAME nlse_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/nlse_config.cpp
           LIBS surge_solvers NP 1 LABELS verification nlse TIMEOUT 60)
surge_test(NAME nlse_decomposition
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/../mpi/nlse_decomposition.cpp
           LIBS surge_solvers NP 4 LABELS mpi nlse TIMEOUT 120)
surge_test(NAME nlse_phase_rotation SOURCES ${CMAKE_CURRENT_LIST_DIR}/nlse_phase_rotation.cpp
           LIBS surge_solvers NP 1 LABELS verification nlse TIMEOUT 30)
