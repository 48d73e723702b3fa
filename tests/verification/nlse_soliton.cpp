// The nlse solver against the exact bright soliton of i psi_t + psi_xx / 2 + |psi|^2 psi = 0,
//   psi = A sech(A (x - x0 - v t)) exp(i (v x + (A^2 - v^2) t / 2)),
// whose mass is 2 A, momentum 2 A v and energy A v^2 - A^3 / 3: accuracy of the adaptive
// integrator, observed orders of the split-step schemes, and their conservation of mass.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <string>
#include <vector>

#include "solvers/nlse/nlse_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

using nlse::Integrator;
using nlse::NlseOptions;
using nlse::NlseSolver;
using cplx = std::complex<double>;

struct Soliton {
  double a, x0, v;
  cplx at(double x, double t) const {
    const double envelope = a / std::cosh(a * (x - x0 - v * t));
    return std::polar(envelope, v * x + 0.5 * (a * a - v * v) * t);
  }
};

NlseOptions soliton_options(const std::vector<Soliton>& solitons, int cells, double t_end) {
  NlseOptions o;
  o.grid.dim = 1;
  o.grid.cells = {cells, 1, 1};
  o.grid.lower = {-40, 0, 0};
  o.grid.upper = {40, 1, 1};
  o.t_end = t_end;
  o.measure_plans = false;
  o.initial_condition = [solitons](const SimulationSpec&, const Grid&, double, double) {
    return [solitons](double x, double) {
      cplx sum = 0.0;
      for (const auto& s : solitons) sum += s.at(x, 0.0);
      return sum;
    };
  };
  return o;
}

double value_of(const std::vector<std::pair<std::string, double>>& d, const std::string& name) {
  for (const auto& [n, v] : d)
    if (n == name) return v;
  ADD_FAILURE() << "no diagnostic " << name;
  return 0.0;
}

// Runs to t_end and returns max |psi - exact| over the grid (one rank).
double soliton_error(NlseOptions o, const Soliton& s, long* steps = nullptr) {
  NlseSolver solver(test::world(), o);
  solver.initialize(SimulationSpec{});
  while (solver.time() < o.t_end * (1 - 1e-14)) solver.step(o.t_end - solver.time());
  const std::vector<cplx> psi = solver.field();
  double err = 0.0;
  for (int i = 0; i < o.grid.cells[0]; ++i)
    err = std::max(err, std::abs(psi[i] - s.at(o.grid.center(0, i), solver.time())));
  if (steps) *steps = solver.steps();
  return err;
}

TEST(NlseSoliton, AdaptiveDormandPrinceMatchesExactSolution) {
  const Soliton s{1.0, -5.0, 0.5};
  NlseOptions o = soliton_options({s}, 512, 20.0);
  o.integrator = Integrator::DormandPrince;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  NlseSolver solver(test::world(), o);
  solver.initialize(SimulationSpec{});
  const auto d0 = solver.diagnostics();
  // Snapshot times every 2.5 cut the steps, as the workflow does.
  for (double t_out = 2.5; t_out <= 20.0 + 1e-12; t_out += 2.5)
    while (solver.time() < t_out - 1e-12) solver.step(t_out - solver.time());
  EXPECT_NEAR(solver.time(), 20.0, 1e-12);
  const std::vector<cplx> psi = solver.field();
  double err = 0.0;
  for (int i = 0; i < 512; ++i)
    err = std::max(err, std::abs(psi[i] - s.at(o.grid.center(0, i), solver.time())));
  const auto d = solver.diagnostics();
  std::printf("DP5(4) rtol 1e-10: %ld steps (%ld rejected), max error %.3e at t = 20\n",
              solver.steps(), solver.rejected_steps(), err);
  std::printf(
      "mass %.15f (2A = 2), momentum %.15f (2Av = 1), hamiltonian %.15f "
      "(Av^2 - A^3/3 = %.15f)\n",
      value_of(d, "mass"), value_of(d, "momentum_x"), value_of(d, "hamiltonian"), 0.25 - 1.0 / 3);
  EXPECT_LT(err, 1e-8);
  // Invariants, computed spectrally: exact to rounding at t = 0; Dormand-Prince does not
  // conserve them, so at t = 20 they carry its error (5e-10 measured).
  const double tolerance[2] = {1e-13, 2e-9};
  for (int k = 0; k < 2; ++k) {
    const auto& diag = k == 0 ? d0 : d;
    EXPECT_NEAR(value_of(diag, "mass"), 2.0, tolerance[k]);
    EXPECT_NEAR(value_of(diag, "momentum_x"), 1.0, tolerance[k]);
    EXPECT_NEAR(value_of(diag, "hamiltonian"), 0.25 - 1.0 / 3, tolerance[k]);
  }
}

// Observed order from three step sizes (errors e1 > e2 > e3 halving dt): the finest pair.
void check_order(const char* name, NlseOptions o, const Soliton& s, double dt, double order) {
  double e[3];
  for (int k = 0; k < 3; ++k) {
    o.dt = dt / (1 << k);
    long steps = 0;
    e[k] = soliton_error(o, s, &steps);
    std::printf("%s dt = %.5f (%ld steps): max error %.3e\n", name, o.dt, steps, e[k]);
  }
  const double p1 = std::log2(e[0] / e[1]), p2 = std::log2(e[1] / e[2]);
  std::printf("%s observed orders %.3f, %.3f\n", name, p1, p2);
  EXPECT_NEAR(p2, order, 0.3) << name;
  EXPECT_NEAR(p1, order, 0.3) << name;
}

TEST(NlseSplitStep, ObservedOrders) {
  const Soliton s{1.5, -3.0, 0.8};
  NlseOptions o = soliton_options({s}, 512, 4.0);
  o.integrator = Integrator::Strang;
  check_order("strang", o, s, 0.04, 2.0);
  o.integrator = Integrator::SplitStep4;
  o.composition = nlse::Composition::BlanesMoan;
  check_order("split_step4 blanes_moan", o, s, 0.2, 4.0);
  o.composition = nlse::Composition::Yoshida;
  check_order("split_step4 yoshida", o, s, 0.05, 4.0);
}

// Two solitons collide; the split-step schemes keep the mass to rounding (both flows conserve
// |psi|^2 exactly) and the Hamiltonian to their order.
TEST(NlseSplitStep, ConservesMassThroughACollision) {
  const std::vector<Soliton> pair{{1.2, -6.0, 1.0}, {1.0, 6.0, -1.0}};
  for (const auto integrator : {Integrator::Strang, Integrator::SplitStep4}) {
    NlseOptions o = soliton_options(pair, 512, 10.0);
    o.integrator = integrator;
    o.dt = integrator == Integrator::Strang ? 0.005 : 0.02;
    NlseSolver solver(test::world(), o);
    solver.initialize(SimulationSpec{});
    const auto d0 = solver.diagnostics();
    double worst_mass = 0.0, worst_h = 0.0;
    for (double t_out = 1.0; t_out <= 10.0 + 1e-12; t_out += 1.0) {
      while (solver.time() < t_out - 1e-12) solver.step(t_out - solver.time());
      const auto d = solver.diagnostics();
      worst_mass = std::max(worst_mass, std::fabs(value_of(d, "mass") / value_of(d0, "mass") - 1));
      worst_h = std::max(worst_h,
                         std::fabs(value_of(d, "hamiltonian") / value_of(d0, "hamiltonian") - 1));
    }
    const char* name = integrator == Integrator::Strang ? "strang" : "split_step4";
    std::printf("%s dt = %.3f, %ld steps: max relative mass change %.3e, hamiltonian %.3e\n", name,
                o.dt, solver.steps(), worst_mass, worst_h);
    EXPECT_LT(worst_mass, 1e-12) << name;
    EXPECT_LT(worst_h, integrator == Integrator::Strang ? 1e-3 : 1e-6) << name;
  }
}

}  // namespace
}  // namespace surge
