// Observed temporal order of IF-RK4 on a smooth forced flow: a random smooth vorticity under
// Kolmogorov forcing with drag and viscosity, solved to t = 1 with fixed steps dt, dt/2, dt/4
// against a run with dt/64. The spatial discretisation is the same in all runs, so the
// differences are pure time-stepping error; the design order is 4.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "support/test_support.hpp"
#include "verification/ns_support.hpp"

namespace surge {
namespace {

using navier_stokes::InitialVorticity;
using navier_stokes::NavierStokes2dOptions;
using navier_stokes::NavierStokes2dSolver;
using ns_test::kPi;

// The vorticity at t_end with fixed step dt, gathered on rank 0.
std::vector<double> solve(const NavierStokes2dOptions& base, double dt) {
  NavierStokes2dOptions o = base;
  o.fixed_dt = dt;
  const Comm world = test::world();
  NavierStokes2dSolver s(world, o);
  SimulationSpec spec;
  spec.seed = 20240611;
  s.initialize(spec);
  ns_test::advance_to(s, o.t_end);
  return ns_test::gather_global(world, s);
}

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) d = std::max(d, std::fabs(a[k] - b[k]));
  return d;
}

TEST(NsTimeOrder, IntegratingFactorRk4IsFourthOrder) {
  NavierStokes2dOptions o = ns_test::box(32, 32, 2 * kPi, 2 * kPi);
  o.nu = "0.02";
  o.drag = "0.1";
  o.t_end = 1.0;
  o.initial_condition = [](const SimulationSpec& spec, const Grid&) {
    InitialVorticity v;  // smooth random field: alpha 3, tau 3 (max |w| about 3 here)
    v.alpha = 3.0;
    v.tau = 3.0;
    v.seed = spec.seed;
    return v;
  };
  o.forcing = [](const SimulationSpec&, const Grid&) {
    return [](double, double y) { return 2.0 * std::sin(4.0 * y); };
  };
  const double dt = 0.05;
  const std::vector<double> ref = solve(o, dt / 64);
  std::vector<double> err;
  for (double h : {dt, dt / 2, dt / 4}) {
    const std::vector<double> w = solve(o, h);  // collective
    err.push_back(test::world().rank() == 0 ? max_diff(w, ref) : 0.0);
  }
  if (test::world().rank() != 0) return;
  double peak = 0.0;
  for (double v : ref) peak = std::max(peak, std::fabs(v));
  const double p1 = std::log2(err[0] / err[1]), p2 = std::log2(err[1] / err[2]);
  std::printf("max |w| %.3f; max errors at dt = %g, %g, %g: %.3e %.3e %.3e; orders %.3f %.3f\n",
              peak, dt, dt / 2, dt / 4, err[0], err[1], err[2], p1, p2);
  EXPECT_NEAR(p1, 4.0, 0.3);
  EXPECT_NEAR(p2, 4.0, 0.3);
  // Well above round-off, so the orders are those of the scheme.
  EXPECT_GE(err[2], 1e-11);
}

}  // namespace
}  // namespace surge
