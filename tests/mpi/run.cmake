# surge run end to end (in process): 1 trainer fed by 2 solver groups (np3), 2 data-parallel
# trainers on 2 pretend nodes (np4).
surge_test(NAME run SOURCES ${CMAKE_CURRENT_LIST_DIR}/run_test.cpp LIBS surge_workflow
           NP 3 4 LABELS mpi TIMEOUT 300)
