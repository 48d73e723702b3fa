surge_test(NAME schema SOURCES ${CMAKE_CURRENT_LIST_DIR}/schema_test.cpp LIBS surge_core
           LABELS unit)
