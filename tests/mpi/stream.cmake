# Stream: snapshots from solver groups of 1, 2 and 4 ranks (NP - 1) to one trainer rank.
surge_test(NAME stream
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/stream_assembly.cpp
                   ${CMAKE_CURRENT_LIST_DIR}/stream_backpressure.cpp
                   ${CMAKE_CURRENT_LIST_DIR}/stream_malformed.cpp
           LIBS surge_stream
           NP 2 3 5
           LABELS mpi
           TIMEOUT 60)
