# Verification of the scalar-law finite-volume solvers (burgers, advection): convergence
# orders against exact solutions, conservation, WENO properties, blow-up detection.
surge_test(NAME burgers_weno SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_weno.cpp
           LIBS surge_solvers NP 1 LABELS verification TIMEOUT 60)
surge_test(NAME burgers_convergence SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_convergence.cpp
           LIBS surge_solvers NP 1 2 LABELS verification TIMEOUT 120)
surge_test(NAME burgers_shock SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_shock.cpp
           LIBS surge_solvers NP 1 2 LABELS verification TIMEOUT 60)
surge_test(NAME burgers_conservation SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_conservation.cpp
           LIBS surge_solvers NP 1 2 4 LABELS verification TIMEOUT 60)
surge_test(NAME burgers_blowup SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_blowup.cpp
           LIBS surge_solvers NP 1 2 LABELS verification TIMEOUT 60)
surge_test(NAME burgers_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_config.cpp
           LIBS surge_solvers NP 1 2 LABELS verification TIMEOUT 60)
