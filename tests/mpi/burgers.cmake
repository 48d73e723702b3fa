# The scalar-law solvers give the same fields on 1, 2 and 4 ranks.
surge_test(NAME burgers_decomposition SOURCES ${CMAKE_CURRENT_LIST_DIR}/burgers_decomposition.cpp
           LIBS surge_solvers NP 4 LABELS mpi TIMEOUT 60)
