# Models: registry and schema, shapes and parameter counts, the spectral convolution against a
# direct DFT, resolution consistency of fno1d, and fitting a tiny problem.
surge_test(NAME models SOURCES ${CMAKE_CURRENT_LIST_DIR}/models_test.cpp LIBS surge_models
           LABELS unit TIMEOUT 120)
