# Trainer pieces: tasks (pairs from streamed states), the online normaliser, the surrogate on
# disk.
surge_test(NAME trainer_task SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_test.cpp LIBS surge_trainer
           LABELS unit TIMEOUT 120)
