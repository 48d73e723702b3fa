#pragma once
// SlabFft2d: real 2D FFTs on an nx x ny periodic grid, distributed over a communicator in slabs
// of rows (y ranges) by FFTW's MPI interface. No FFTW type crosses this header.
//
// Physical layout: this rank owns rows [row_start, row_start + rows) of y; row j holds x = 0..nx-1
// at data[j * row_stride + i], row_stride = 2 (nx/2 + 1) (FFTW's padded in-place layout).
// Spectral layout: the forward transform ends transposed (FFTW_MPI_TRANSPOSED_OUT) and the
// backward one starts from there (FFTW_MPI_TRANSPOSED_IN), so neither transposes back: this rank
// owns the x-frequency indices [kx_start, kx_start + kx_count) of 0..nx/2, each with all ny
// y-frequency indices, complex value (kx - kx_start) * ny + ky at data[2 k], data[2 k + 1].
#include <cstddef>
#include <memory>

#include "parallel/comm.hpp"

namespace surge::spectral {

enum class Planner { Estimate, Measure, Patient };

// Memory for SlabFft2d::forward/backward (FFTW's allocator: the alignment its plans assume).
class FftBuffer {
 public:
  FftBuffer() = default;
  explicit FftBuffer(std::size_t doubles);
  double* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(double* p) const;
  };
  std::unique_ptr<double, Free> data_;
  std::size_t size_ = 0;
};

class SlabFft2d {
 public:
  // Collective over `comm`: plans both in-place transforms (the planner may run and time
  // trial transforms: Measure and Patient take longer to plan and run faster). nx, ny even >= 2.
  SlabFft2d(const Comm& comm, int nx, int ny, Planner planner);
  ~SlabFft2d();
  SlabFft2d(const SlabFft2d&) = delete;
  SlabFft2d& operator=(const SlabFft2d&) = delete;

  int nx() const { return nx_; }
  int ny() const { return ny_; }
  int rows() const { return rows_; }
  int row_start() const { return row_start_; }
  int row_stride() const { return 2 * (nx_ / 2 + 1); }
  int kx_count() const { return kx_count_; }
  int kx_start() const { return kx_start_; }
  // Doubles a work buffer needs on this rank (at least both layouts, plus FFTW's own needs).
  std::size_t buffer_size() const { return buffer_size_; }
  FftBuffer make_buffer() const { return FftBuffer(buffer_size_); }

  // Collective: in place, physical -> spectral, unnormalised (sum over the grid points).
  void forward(double* data) const;
  // Collective: in place, spectral -> physical, unnormalised. The spectrum must be Hermitian
  // in the kx = 0 (and kx = nx/2) column, as every spectrum of a real field is.
  void backward(double* data) const;

 private:
  struct Plans;
  std::unique_ptr<Plans> plans_;
  int nx_ = 0, ny_ = 0;
  int rows_ = 0, row_start_ = 0, kx_count_ = 0, kx_start_ = 0;
  std::size_t buffer_size_ = 0;
};

}  // namespace surge::spectral
