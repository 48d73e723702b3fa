# Verification of the compressible Euler solver: exact Riemann solutions, the isentropic
# vortex (observed order), Shu-Osher against a fine run, conservation, symmetry, positivity and
# breakdown reports, config sections, and the decomposition check (1, 2 and 4 ranks give the
# same fields; its source lives with the other MPI tests in tests/mpi).
surge_test(NAME euler_riemann SOURCES ${CMAKE_CURRENT_LIST_DIR}/euler_riemann.cpp
           LIBS surge_solvers NP 1 2 LABELS verification euler TIMEOUT 120)
# One rank: the 160^2 run is the longest of the Euler tests (about 8 s).
surge_test(NAME euler_vortex SOURCES ${CMAKE_CURRENT_LIST_DIR}/euler_vortex.cpp
           LIBS surge_solvers NP 1 LABELS verification euler TIMEOUT 120)
surge_test(NAME euler_conservation SOURCES ${CMAKE_CURRENT_LIST_DIR}/euler_conservation.cpp
           LIBS surge_solvers NP 1 2 LABELS verification euler TIMEOUT 60)
surge_test(NAME euler_symmetry SOURCES ${CMAKE_CURRENT_LIST_DIR}/euler_symmetry.cpp
           LIBS surge_solvers NP 1 2 LABELS verification euler TIMEOUT 60)
# The Euler solver gives the same fields on 1, 2 and 4 ranks.
surge_test(NAME euler_decomposition
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/../mpi/euler_decomposition.cpp
           LIBS surge_solvers NP 4 LABELS mpi euler TIMEOUT 60)
surge_test(NAME euler_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/euler_config.cpp
           LIBS surge_solvers NP 1 LABELS verification euler TIMEOUT 60)
surge_test(NAME euler_shu_osher SOURCES ${CMAKE_CURRENT_LIST_DIR}/euler_shu_osher.cpp
           LIBS surge_solvers NP 1 LABELS verification euler TIMEOUT 60)
