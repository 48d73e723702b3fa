surge_test(NAME io_xdmf SOURCES ${CMAKE_CURRENT_LIST_DIR}/io_xdmf.cpp
           LIBS surge_io NP 1 LABELS unit TIMEOUT 60)
