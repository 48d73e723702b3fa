# Train: the training buffer (policies, gating, draws, threading).
surge_test(NAME buffer SOURCES ${CMAKE_CURRENT_LIST_DIR}/buffer_test.cpp LIBS surge_train
           LABELS unit)
