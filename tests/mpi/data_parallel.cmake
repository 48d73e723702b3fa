# Data-parallel training: broadcast of the initial weights, gradient averaging, and training on
# split batches against one rank training on the union batch.
surge_test(NAME data_parallel SOURCES ${CMAKE_CURRENT_LIST_DIR}/data_parallel_test.cpp LIBS surge_trainer NP 1 2 LABELS mpi TIMEOUT 120)
