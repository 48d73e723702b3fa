# Warnings for surge's own targets only (never for dependencies' headers).
function(surge_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
endfunction()
