surge_test(NAME layout SOURCES ${CMAKE_CURRENT_LIST_DIR}/layout_test.cpp LIBS surge_parallel
           NP 1 2 4 LABELS mpi)
