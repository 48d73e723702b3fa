// Modulation instability of the plane wave psi = a0 exp(i a0^2 t) of
// i psi_t + psi_xx / 2 + |psi|^2 psi = 0 (beta = sigma = 1, a0 the amplitude |psi|): a sideband
// of wavenumber K grows at the rate g(K) = |K| sqrt(a0^2 - K^2 / 4) for |K| < 2 a0 (largest,
// a0^2, at K = sqrt(2) a0) and does not grow for |K| > 2 a0. Sidebands seeded at 1e-9 are
// followed in the linear stage by the Fourier coefficient of psi at K.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <vector>

#include "solvers/nlse/nlse_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

using cplx = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

// |(1/N) sum_j psi_j exp(-i K x_j)|.
double mode_amplitude(const std::vector<cplx>& psi, const Grid& g, double k) {
  cplx sum = 0.0;
  for (int i = 0; i < g.cells[0]; ++i) sum += psi[i] * std::polar(1.0, -k * g.center(0, i));
  return std::abs(sum) / g.cells[0];
}

TEST(NlseModulationInstability, SidebandGrowthRatesMatchLinearTheory) {
  const double a0 = 1.2, eps = 1e-9;
  // The box [-8 pi, 8 pi) holds the wavenumbers m / 8.
  const std::vector<double> unstable{0.5, 1.75}, stable{2.5};
  nlse::NlseOptions o;
  o.grid.dim = 1;
  o.grid.cells = {256, 1, 1};
  o.grid.lower = {-8 * kPi, 0, 0};
  o.grid.upper = {8 * kPi, 1, 1};
  o.integrator = nlse::Integrator::SplitStep4;
  o.dt = 0.02;
  o.t_end = 10.0;
  o.measure_plans = false;
  std::vector<double> seeded = unstable;
  seeded.insert(seeded.end(), stable.begin(), stable.end());
  o.initial_condition = [=](const SimulationSpec&, const Grid&, double, double) {
    return [=](double x, double) {
      double perturbation = 0.0;
      for (double k : seeded) perturbation += std::cos(k * x);
      return cplx(a0 * (1.0 + eps * perturbation), 0.0);
    };
  };
  nlse::NlseSolver solver(test::world(), o);
  solver.initialize(SimulationSpec{});
  const double t1 = 4.0, t2 = 10.0;
  std::vector<double> at_t1;
  while (solver.time() < t1 - 1e-12) solver.step(t1 - solver.time());
  for (double k : seeded) at_t1.push_back(mode_amplitude(solver.field(), o.grid, k));
  while (solver.time() < t2 - 1e-12) solver.step(t2 - solver.time());
  for (std::size_t m = 0; m < seeded.size(); ++m) {
    const double k = seeded[m];
    const double amplitude = mode_amplitude(solver.field(), o.grid, k);
    const double measured = std::log(amplitude / at_t1[m]) / (t2 - t1);
    if (m < unstable.size()) {
      const double theory = k * std::sqrt(a0 * a0 - 0.25 * k * k);
      std::printf(
          "K = %.3f: growth rate %.6f, theory %.6f (relative difference %.2e), "
          "amplitude %.3e at t = %.0f\n",
          k, measured, theory, measured / theory - 1, amplitude, t2);
      EXPECT_NEAR(measured / theory, 1.0, 0.02) << "K = " << k;
    } else {
      std::printf("K = %.3f (> 2 a0, stable): amplitude %.3e at t = %.0f (seeded %.1e)\n", k,
                  amplitude, t2, 0.5 * a0 * eps);
      EXPECT_LT(amplitude, 10 * a0 * eps) << "K = " << k;
    }
  }
}

}  // namespace
}  // namespace surge
