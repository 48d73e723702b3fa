// The vectorised cos/sin kernel of the nlse solver's nonlinear substep against the C library,
// over the range of angles a step produces and beyond (where it falls back to the library).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/random.hpp"
#include "solvers/nlse/phase_rotation.hpp"

namespace surge {
namespace {

TEST(NlsePhaseRotation, CosSinMatchTheLibrary) {
  rng::SplitMix64 draw(12345);
  for (const double range : {1.0, 10.0, 1e3, 1e5, 1e8}) {
    std::vector<double> theta(4099), co(theta.size()), si(theta.size());
    for (auto& t : theta) t = range * (2 * draw.uniform() - 1);
    theta[0] = 0.0;
    theta[1] = range;
    nlse::cos_sin(theta.data(), co.data(), si.data(), theta.size());
    double worst = 0.0, worst_norm = 0.0;
    for (std::size_t k = 0; k < theta.size(); ++k) {
      worst = std::max(
          {worst, std::fabs(co[k] - std::cos(theta[k])), std::fabs(si[k] - std::sin(theta[k]))});
      worst_norm = std::max(worst_norm, std::fabs(co[k] * co[k] + si[k] * si[k] - 1));
    }
    std::printf("|theta| <= %.0e: max |error| %.2e, max |cos^2 + sin^2 - 1| %.2e\n", range, worst,
                worst_norm);
    // The library's own argument reduction is exact; ours loses k * 2^-100 or so for k turns.
    EXPECT_LT(worst, range <= 1e3 ? 1e-15 : 1e-14 * range / 1e5 + 1e-15) << range;
    EXPECT_LT(worst_norm, 5e-16) << range;
  }
}

TEST(NlsePhaseRotation, RotatesByTheIntensity) {
  std::vector<std::complex<double>> psi{{1.0, 0.5}, {-2.0, 3.0}, {0.0, 0.0}, {1e-3, -4.0}};
  const std::vector<std::complex<double>> before = psi;
  nlse::rotate_by_intensity(psi.data(), psi.size(), 0.37);
  for (std::size_t k = 0; k < psi.size(); ++k) {
    const std::complex<double> expected = before[k] * std::polar(1.0, 0.37 * std::norm(before[k]));
    EXPECT_LT(std::abs(psi[k] - expected), 4e-15) << k;
  }
  std::vector<std::complex<double>> bad{{std::numeric_limits<double>::infinity(), 0.0}};
  nlse::rotate_by_intensity(bad.data(), 1, 0.1);
  EXPECT_FALSE(std::isfinite(bad[0].real()) && std::isfinite(bad[0].imag()));
}

}  // namespace
}  // namespace surge
