#include "solvers/spectral/slab_fft2d.hpp"

#include <fftw3-mpi.h>

#include <stdexcept>
#include <string>

#include "solvers/spectral/fourier.hpp"

namespace surge::spectral {

FftBuffer::FftBuffer(std::size_t doubles) : data_(fftw_alloc_real(doubles)), size_(doubles) {
  if (!data_) throw std::bad_alloc();
}

void FftBuffer::Free::operator()(double* p) const {
  fftw_free(p);
}

struct SlabFft2d::Plans {
  fftw_plan forward = nullptr;
  fftw_plan backward = nullptr;
  ~Plans() {
    if (forward) fftw_destroy_plan(forward);
    if (backward) fftw_destroy_plan(backward);
  }
};

SlabFft2d::SlabFft2d(const Comm& comm, int nx, int ny, Planner planner)
    : plans_(std::make_unique<Plans>()), nx_(nx), ny_(ny) {
  if (nx < 2 || ny < 2 || nx % 2 || ny % 2)
    throw std::invalid_argument("SlabFft2d: cells must be even and >= 2 (got " +
                                std::to_string(nx) + " x " + std::to_string(ny) + ")");
  ensure_fftw_mpi();
  // FFTW's dimensions are row-major: n0 = ny rows (distributed), n1 = nx (contiguous). The
  // local sizes of a real transform are those of its complex half: n1 / 2 + 1 columns.
  ptrdiff_t n0 = 0, s0 = 0, n1 = 0, s1 = 0;
  const ptrdiff_t alloc =
      fftw_mpi_local_size_2d_transposed(ny, nx / 2 + 1, comm.get(), &n0, &s0, &n1, &s1);
  rows_ = static_cast<int>(n0);
  row_start_ = static_cast<int>(s0);
  kx_count_ = static_cast<int>(n1);
  kx_start_ = static_cast<int>(s1);
  buffer_size_ = 2 * static_cast<std::size_t>(alloc > 0 ? alloc : 1);

  unsigned flags = planner == Planner::Estimate  ? FFTW_ESTIMATE
                   : planner == Planner::Measure ? FFTW_MEASURE
                                                 : FFTW_PATIENT;
  // Planning with Measure/Patient overwrites the array: plan on a scratch buffer. Executing on
  // other buffers from FftBuffer is allowed: same alignment, same in-place-ness.
  FftBuffer scratch(buffer_size_);
  double* r = scratch.data();
  auto* c = reinterpret_cast<fftw_complex*>(r);
  plans_->forward =
      fftw_mpi_plan_dft_r2c_2d(ny, nx, r, c, comm.get(), flags | FFTW_MPI_TRANSPOSED_OUT);
  plans_->backward =
      fftw_mpi_plan_dft_c2r_2d(ny, nx, c, r, comm.get(), flags | FFTW_MPI_TRANSPOSED_IN);
  if (!plans_->forward || !plans_->backward)
    throw std::runtime_error("SlabFft2d: FFTW could not plan the " + std::to_string(nx) + " x " +
                             std::to_string(ny) + " transforms");
}

SlabFft2d::~SlabFft2d() = default;

void SlabFft2d::forward(double* data) const {
  fftw_mpi_execute_dft_r2c(plans_->forward, data, reinterpret_cast<fftw_complex*>(data));
}

void SlabFft2d::backward(double* data) const {
  fftw_mpi_execute_dft_c2r(plans_->backward, reinterpret_cast<fftw_complex*>(data), data);
}

}  // namespace surge::spectral
