# Optimization: the loss, optimizer and learning-rate schedule of the `training:` section
# (schemas and their errors, schedule values, losses and single optimizer steps by hand).
surge_test(NAME optim SOURCES ${CMAKE_CURRENT_LIST_DIR}/optim_test.cpp LIBS surge_trainer
           LABELS unit TIMEOUT 120)
