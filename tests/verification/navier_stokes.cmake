# Verification of the 2D incompressible Navier-Stokes solver (navier_stokes2d): the Taylor-Green
# vortex to round-off, the observed order of IF-RK4, conservation of energy and enstrophy by the
# inviscid truncated flow, config sections and failures, and the decomposition check (1, 2 and
# 4 ranks give the same fields; its source lives with the other MPI tests in tests/mpi).
surge_test(NAME ns_taylor_green SOURCES ${CMAKE_CURRENT_LIST_DIR}/ns_taylor_green.cpp
           LIBS surge_solvers NP 1 2 LABELS verification ns TIMEOUT 60)
surge_test(NAME ns_time_order SOURCES ${CMAKE_CURRENT_LIST_DIR}/ns_time_order.cpp
           LIBS surge_solvers NP 1 LABELS verification ns TIMEOUT 60)
surge_test(NAME ns_conservation SOURCES ${CMAKE_CURRENT_LIST_DIR}/ns_conservation.cpp
           LIBS surge_solvers NP 1 2 LABELS verification ns TIMEOUT 60)
# The solver gives the same fields on 1, 2 and 4 ranks.
surge_test(NAME ns_decomposition
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/../mpi/navier_stokes_decomposition.cpp
           LIBS surge_solvers NP 4 LABELS mpi ns TIMEOUT 60)
surge_test(NAME ns_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/ns_config.cpp
           LIBS surge_solvers NP 1 2 LABELS verification ns TIMEOUT 60)
