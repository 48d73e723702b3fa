# Finds every dependency surge builds against. Each failure names the Debian package that
# provides the missing piece; scripts/setup.sh installs all of them.
find_package(PkgConfig REQUIRED)

function(surge_missing what debian_package)
  message(FATAL_ERROR
    "surge: ${what} was not found. On Debian 12 install it with\n"
    "    apt-get install ${debian_package}\n"
    "or run scripts/setup.sh, which installs every dependency.")
endfunction()

# MPI
find_package(MPI COMPONENTS C CXX)
if(NOT MPI_FOUND)
  surge_missing("MPI (C and C++)" "libopenmpi-dev openmpi-bin")
endif()

# PETSc (DMDA for the finite-volume solvers)
pkg_check_modules(PETSC IMPORTED_TARGET PETSc)
if(NOT PETSC_FOUND)
  surge_missing("PETSc" "libpetsc-real3.18-dev")
endif()

# HDF5, parallel build
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 COMPONENTS C)
if(NOT HDF5_FOUND)
  surge_missing("HDF5" "libhdf5-openmpi-dev")
endif()
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "surge: the HDF5 found (${HDF5_C_INCLUDE_DIRS}) is a serial build; surge writes its outputs "
    "with parallel HDF5. Install libhdf5-openmpi-dev (and point CMake at it with "
    "-DHDF5_C_COMPILER_EXECUTABLE=/usr/bin/h5pcc if a serial HDF5 is found first).")
endif()
add_library(surge_hdf5 INTERFACE)
target_include_directories(surge_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_link_libraries(surge_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
target_compile_definitions(surge_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})

# FFTW with its MPI interface (spectral solvers)
pkg_check_modules(FFTW3 IMPORTED_TARGET fftw3)
find_library(FFTW3_MPI_LIBRARY fftw3_mpi)
find_path(FFTW3_MPI_INCLUDE_DIR fftw3-mpi.h)
if(NOT FFTW3_FOUND OR NOT FFTW3_MPI_LIBRARY OR NOT FFTW3_MPI_INCLUDE_DIR)
  surge_missing("FFTW 3 with its MPI interface" "libfftw3-dev libfftw3-mpi-dev")
endif()
add_library(surge_fftw INTERFACE)
target_include_directories(surge_fftw SYSTEM INTERFACE ${FFTW3_MPI_INCLUDE_DIR})
target_link_libraries(surge_fftw INTERFACE ${FFTW3_MPI_LIBRARY} PkgConfig::FFTW3 MPI::MPI_C)

# LibTorch (trainer side only)
find_package(Torch QUIET)
if(NOT Torch_FOUND)
  surge_missing("LibTorch" "libtorch-dev")
endif()

# yaml-cpp (configuration)
find_package(yaml-cpp QUIET)
if(NOT yaml-cpp_FOUND)
  surge_missing("yaml-cpp" "libyaml-cpp-dev")
endif()

# muParser (expressions in configurations)
pkg_check_modules(MUPARSER IMPORTED_TARGET muparser)
if(NOT MUPARSER_FOUND)
  surge_missing("muParser" "libmuparser-dev")
endif()

# GSL (quasi-random sequences: Sobol, Halton)
pkg_check_modules(GSL IMPORTED_TARGET gsl)
if(NOT GSL_FOUND)
  surge_missing("GSL" "libgsl-dev")
endif()

if(SURGE_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    surge_missing("GoogleTest" "libgtest-dev libgmock-dev")
  endif()
endif()
