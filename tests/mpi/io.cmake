surge_test(NAME io_writer SOURCES ${CMAKE_CURRENT_LIST_DIR}/io_writer.cpp
           LIBS surge_io surge_hdf5 NP 1 2 4 LABELS mpi TIMEOUT 60)
surge_test(NAME io_safety SOURCES ${CMAKE_CURRENT_LIST_DIR}/io_safety.cpp
           LIBS surge_io surge_hdf5 NP 1 2 LABELS mpi TIMEOUT 60)
surge_test(NAME io_reader SOURCES ${CMAKE_CURRENT_LIST_DIR}/io_reader.cpp
           LIBS surge_io surge_hdf5 NP 1 LABELS mpi TIMEOUT 60)
