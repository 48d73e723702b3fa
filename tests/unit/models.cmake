# Models: registry and schema, shapes and parameter counts, the spectral convolution against a
# direct DFT, resolution consistency of fno1d, and fitting a tiny problem.
surge_test(NAME models SOURCES ${CMAKE_CURRENT_LIST_DIR}/models_test.cpp LIBS surge_models
           LABELS unit TIMEOUT 120)
# fno2d and unet2d: the same checks in two dimensions.
surge_test(NAME models2d SOURCES ${CMAKE_CURRENT_LIST_DIR}/models2d_test.cpp LIBS surge_models
           LABELS unit TIMEOUT 120)
# The torchscript model type, on TorchScript files written from C++ (no Python needed).
surge_test(NAME models_torchscript SOURCES ${CMAKE_CURRENT_LIST_DIR}/torchscript_test.cpp
           LIBS surge_models LABELS unit TIMEOUT 120)
