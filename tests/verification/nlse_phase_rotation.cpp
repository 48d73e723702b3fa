// The vectorised cos/sin kernel of the nlse solver's nonlinear substep against the C library,
// over the range of angles a step produces and beyond (where it falls back to the library), and
// the pointwise complex product; both give every element the same value whether a vector lane
// or a loop's scalar tail computes it.
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
  for (const double range : {0.75, 1.0, 10.0, 1e3, 1e5, 1e8}) {
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

TEST(NlsePhaseRotation, MultiplyMatchesTheComplexProduct) {
  rng::SplitMix64 draw(7);
  const std::size_t n = 37;
  std::vector<double> re(n), im(n);
  std::vector<std::complex<double>> in(n), out(n);
  for (std::size_t k = 0; k < n; ++k) {
    re[k] = 2 * draw.uniform() - 1, im[k] = 2 * draw.uniform() - 1;
    in[k] = {2 * draw.uniform() - 1, 2 * draw.uniform() - 1};
  }
  for (const bool conjugate : {false, true}) {
    nlse::multiply(re.data(), im.data(), in.data(), out.data(), n, 0.25, conjugate);
    for (std::size_t k = 0; k < n; ++k) {
      const std::complex<double> e(re[k], conjugate ? -im[k] : im[k]);
      EXPECT_LT(std::abs(out[k] - 0.25 * e * in[k]), 1e-16) << k << " " << conjugate;
    }
  }
  std::vector<std::complex<double>> same = in;  // in place
  nlse::multiply(re.data(), im.data(), same.data(), same.data(), n);
  nlse::multiply(re.data(), im.data(), in.data(), out.data(), n);
  EXPECT_EQ(same, out);
}

// GCC may vectorise the main part of a loop and its last iterations differently (it has fused
// the tail of a complex product into multiply-adds although the build forbids contraction):
// every element must come out bit for bit the same alone (scalar tail) and at any position of
// a longer array (vector lanes).
TEST(NlsePhaseRotation, EveryPositionComputesTheSameValues) {
  rng::SplitMix64 draw(99);
  const std::size_t n = 41;
  std::vector<double> re(n), im(n);
  std::vector<std::complex<double>> psi(n);
  for (std::size_t k = 0; k < n; ++k) {
    re[k] = 2 * draw.uniform() - 1, im[k] = 2 * draw.uniform() - 1;
    psi[k] = {4 * draw.uniform() - 2, 4 * draw.uniform() - 2};
  }
  for (std::size_t len = 1; len <= n; ++len) {
    std::vector<std::complex<double>> rotated(psi.begin(), psi.begin() + len), product(len);
    nlse::rotate_by_intensity(rotated.data(), len, 0.37);
    nlse::multiply(re.data(), im.data(), psi.data(), product.data(), len, 0.5);
    for (std::size_t k = 0; k < len; ++k) {
      std::complex<double> alone = psi[k], alone_product;
      nlse::rotate_by_intensity(&alone, 1, 0.37);
      nlse::multiply(&re[k], &im[k], &psi[k], &alone_product, 1, 0.5);
      ASSERT_EQ(rotated[k], alone) << "rotation, element " << k << " of " << len;
      ASSERT_EQ(product[k], alone_product) << "product, element " << k << " of " << len;
    }
  }
}

}  // namespace
}  // namespace surge
