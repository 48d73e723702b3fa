#pragma once
// The random_fourier initial condition (private to src/study; the tests read its modes).
#include <array>
#include <cstdint>
#include <vector>

#include "grid/grid.hpp"
#include "study/initial_condition.hpp"

namespace surge {

// One sinusoid amplitude * sin(sum_d wavenumber[d] * 2 pi (x_d - lower_d) / L_d + phase).
struct FourierMode {
  std::array<int, 3> wavenumber{0, 0, 0};  // integer, so the field is periodic on the domain
  double amplitude = 0;
  double phase = 0;
};

class RandomFourier : public InitialCondition {
 public:
  // Draws `modes` sinusoids from `seed`, in a fixed order (per mode: the wave vector x, y, z,
  // then the amplitude, then the phase). In 1D a wave number is in [1, max_wavenumber]; in 2D
  // and 3D each component is in [-max_wavenumber, max_wavenumber] and the zero vector is drawn
  // again.
  RandomFourier(const Grid& grid, std::uint64_t seed, int modes, int max_wavenumber,
                double amplitude, double offset);

  // Exact cell averages: the average of sin over a box is the value at its centre times one
  // sinc factor per direction, which stays accurate for tiny cells (no difference of cosines).
  void fill(const Grid& grid, const Block& block, double* out) const override;

  // The field at a point (for tests and diagnostics).
  double value_at(const Grid& grid, const std::array<double, 3>& x) const;
  const std::vector<FourierMode>& modes() const { return modes_; }
  double offset() const { return offset_; }

 private:
  std::vector<FourierMode> modes_;
  double offset_ = 0;
};

}  // namespace surge
