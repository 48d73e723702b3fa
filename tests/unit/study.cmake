# Study: samplers and parameter distributions; scalar initial conditions.
surge_test(NAME study_sampler
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/study_sampler.cpp
           LIBS surge_study
           NP 1
           LABELS unit)
surge_test(NAME study_initial_condition
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/study_initial_condition.cpp
           LIBS surge_study surge_hdf5
           NP 1
           LABELS unit)
surge_test(NAME study_schema
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/study_schema.cpp
           LIBS surge_study
           NP 1
           LABELS unit)
