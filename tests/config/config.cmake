surge_test(NAME config_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_errors.cpp
           LIBS surge_workflow LABELS config)
