# Compile options for surge's own targets only (never for dependencies' headers).
option(SURGE_NATIVE "Compile for the instruction set of the build machine (-march=native)" ON)
function(surge_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(SURGE_NATIVE)
    # surge is built where it runs (scripts/setup.sh); vector units are most of a core's speed.
    # No fused multiply-adds: GCC would contract a*b + c differently in vector and scalar code,
    # and results would then depend on the machine the build ran on.
    target_compile_options(${target} PRIVATE -march=native -ffp-contract=off)
  endif()
endfunction()
