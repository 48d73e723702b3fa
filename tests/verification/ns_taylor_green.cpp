// Taylor-Green vortex: an exact solution of 2D Navier-Stokes (the advection term vanishes), so
// the only error is round-off: vorticity and velocity against the decaying exact fields, on a
// square and on a rectangular box, with drag, on the solve grid and down-sampled, and the
// diagnostics against their exact values. The advection term itself (which Taylor-Green
// cannot see) is checked against the exact tendency of a two-mode flow.
#include <gtest/gtest.h>

#include <array>
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
using navier_stokes::SnapshotField;
using ns_test::kPi;

struct Case {
  int nx, ny;
  double lx, ly, nu, drag, amplitude, t_end;
  std::array<int, 2> snapshot{0, 0};
};

// Runs the case with the fields (w, u, v); returns the largest error of each field at t_end
// against w = 2 A sin(kx x) sin(ky y) exp(-r t), psi = w / |k|^2, r = nu |k|^2 + drag.
std::array<double, 3> run(const Case& c, long* steps = nullptr) {
  NavierStokes2dOptions o = ns_test::box(c.nx, c.ny, c.lx, c.ly);
  o.nu = ns_test::number(c.nu);
  o.drag = ns_test::number(c.drag);
  o.t_end = c.t_end;
  o.cfl = 0.5;
  o.snapshot_cells = c.snapshot;
  o.fields = {SnapshotField::Vorticity, SnapshotField::U, SnapshotField::V};
  const double kx = 2 * kPi / c.lx, ky = 2 * kPi / c.ly, k2 = kx * kx + ky * ky;
  const double a = c.amplitude;
  o.initial_condition = [=](const SimulationSpec&, const Grid&) {
    InitialVorticity v;
    v.field = [=](double x, double y) { return 2 * a * std::sin(kx * x) * std::sin(ky * y); };
    return v;
  };
  const Comm world = test::world();
  NavierStokes2dSolver s(world, o);
  s.initialize(SimulationSpec{});
  ns_test::advance_to(s, c.t_end);
  if (steps) *steps = s.steps();
  std::vector<double> f;
  s.snapshot(f);
  const double decay = std::exp(-(c.nu * k2 + c.drag) * c.t_end);
  const Block b = s.block();
  const Grid& g = s.grid();
  const std::size_t n = b.size();
  std::array<double, 3> err{0, 0, 0};
  for (int j = 0; j < b.extent[1]; ++j)
    for (int i = 0; i < b.extent[0]; ++i) {
      const double x = g.center(0, b.offset[0] + i), y = g.center(1, b.offset[1] + j);
      const double psi = 2 * a / k2 * decay;
      const double exact[3] = {2 * a * decay * std::sin(kx * x) * std::sin(ky * y),
                               psi * ky * std::sin(kx * x) * std::cos(ky * y),
                               -psi * kx * std::cos(kx * x) * std::sin(ky * y)};
      const std::size_t k = std::size_t(j) * b.extent[0] + i;
      for (int q = 0; q < 3; ++q) err[q] = std::max(err[q], std::fabs(f[q * n + k] - exact[q]));
    }
  for (double& e : err) e = world.allreduce_max(e);
  return err;
}

void expect_exact(const Case& c, const char* what) {
  long steps = 0;
  const auto err = run(c, &steps);
  if (test::world().rank() == 0)
    std::printf("%s: %ld steps to t = %g, max errors w %.2e, u %.2e, v %.2e\n", what, steps,
                c.t_end, err[0], err[1], err[2]);
  for (int q = 0; q < 3; ++q) EXPECT_LE(err[q], 1e-10) << what << ", field " << q;
}

TEST(NsTaylorGreen, SquareBoxMatchesTheDecayingVortex) {
  expect_exact({32, 32, 2 * kPi, 2 * kPi, 0.05, 0.0, 1.0, 2.0}, "[0,2pi)^2, nu 0.05");
}

TEST(NsTaylorGreen, RectangularGridAndBoxWithDrag) {
  // Different cell counts and box lengths catch a swapped x/y anywhere (transposed spectra).
  expect_exact({48, 32, 2.0, 1.0, 0.01, 0.3, 0.7, 1.0}, "[0,2)x[0,1), 48x32, nu 0.01, drag 0.3");
}

TEST(NsTaylorGreen, DownSampledSnapshotKeepsTheMode) {
  expect_exact({64, 48, 2 * kPi, 2 * kPi, 0.02, 0.0, 1.0, 1.0, {16, 12}},
               "64x48 solved, 16x12 snapshot");
}

TEST(NsTaylorGreen, InviscidVortexIsSteady) {
  expect_exact({32, 32, 2 * kPi, 2 * kPi, 0.0, 0.0, 1.0, 3.0}, "nu 0, steady");
}

TEST(NsTaylorGreen, DiagnosticsMatchTheExactIntegrals) {
  // On [0, 2pi)^2 with A = 1: energy pi^2 e^(-4 nu t), enstrophy 2 pi^2 e^(-4 nu t).
  const double nu = 0.05, t = 1.0;
  NavierStokes2dOptions o = ns_test::box(32, 32, 2 * kPi, 2 * kPi);
  o.nu = ns_test::number(nu);
  o.t_end = t;
  o.initial_condition = [](const SimulationSpec&, const Grid&) {
    InitialVorticity v;
    v.field = [](double x, double y) { return 2 * std::sin(x) * std::sin(y); };
    return v;
  };
  NavierStokes2dSolver s(test::world(), o);
  s.initialize(SimulationSpec{});
  ns_test::advance_to(s, t);
  const double decay = std::exp(-4 * nu * t);
  const double energy = ns_test::diagnostic(s, "energy");
  const double enstrophy = ns_test::diagnostic(s, "enstrophy");
  const double mean = ns_test::diagnostic(s, "mean_vorticity");
  const double div = ns_test::diagnostic(s, "max_divergence");
  const double umax = ns_test::diagnostic(s, "max_velocity");
  if (test::world().rank() == 0)
    std::printf(
        "energy %.15f (exact %.15f), enstrophy %.15f (exact %.15f), mean %.1e, "
        "max div %.1e, max |u| %.6f\n",
        energy, kPi * kPi * decay, enstrophy, 2 * kPi * kPi * decay, mean, div, umax);
  EXPECT_NEAR(energy, kPi * kPi * decay, 1e-11);
  EXPECT_NEAR(enstrophy, 2 * kPi * kPi * decay, 1e-11);
  EXPECT_LE(std::fabs(mean), 1e-15);
  EXPECT_LE(div, 1e-13);
  // |u| = e^(-2 nu t) sqrt(sin^2 x cos^2 y + cos^2 x sin^2 y) peaks at 1 at (pi/2, 0); the
  // nearest cell centre lies half a cell off in x and y: sqrt(cos^4(h/2) + sin^4(h/2)).
  const double c = std::cos(kPi / 32), sn = std::sin(kPi / 32);
  EXPECT_NEAR(umax, std::exp(-2 * nu * t) * std::sqrt(c * c * c * c + sn * sn * sn * sn), 1e-13);
}

// w = sin(a x) + cos(b y) has psi = sin(a x) / a^2 + cos(b y) / b^2, u = -sin(b y) / b,
// v = -cos(a x) / a, so w_t = -(u w_x + v w_y) = (a/b - b/a) cos(a x) sin(b y) (nu = 0). The
// Richardson combination 2 D(dt/2) - D(dt) of the difference quotients D = (w(dt) - w(0)) / dt
// approximates w_t(0) to O(dt^2): a wrong sign, factor or wavenumber scale of the advection
// term shows at once.
TEST(NsTaylorGreen, AdvectionTermMatchesTheExactTendency) {
  const double lx = 2.0, ly = 1.0, a = 2 * kPi / lx, b = 2 * 2 * kPi / ly;
  NavierStokes2dOptions o = ns_test::box(32, 32, lx, ly);
  o.nu = "0";
  o.t_end = 1.0;
  o.initial_condition = [=](const SimulationSpec&, const Grid&) {
    InitialVorticity v;
    v.field = [=](double x, double y) { return std::sin(a * x) + std::cos(b * y); };
    return v;
  };
  const Comm world = test::world();
  auto quotient = [&](double dt) {
    o.fixed_dt = dt;
    NavierStokes2dSolver s(world, o);
    s.initialize(SimulationSpec{});
    std::vector<double> w0, w1;
    s.snapshot(w0);
    s.step(dt);
    s.snapshot(w1);
    for (std::size_t k = 0; k < w0.size(); ++k) w1[k] = (w1[k] - w0[k]) / dt;
    return w1;
  };
  const double dt = 2.5e-4;  // O(dt^2) error ~ 3e-7 here; round-off ~ 1e-16 / dt
  const std::vector<double> d1 = quotient(dt), d2 = quotient(dt / 2);
  NavierStokes2dSolver probe(world, o);
  const Block blk = probe.block();
  const Grid& g = probe.grid();
  double err = 0.0, peak = 0.0;
  for (int j = 0; j < blk.extent[1]; ++j)
    for (int i = 0; i < blk.extent[0]; ++i) {
      const double x = g.center(0, i), y = g.center(1, blk.offset[1] + j);
      const double exact = (a / b - b / a) * std::cos(a * x) * std::sin(b * y);
      const std::size_t k = std::size_t(j) * blk.extent[0] + i;
      err = std::max(err, std::fabs(2 * d2[k] - d1[k] - exact));
      peak = std::max(peak, std::fabs(exact));
    }
  err = world.allreduce_max(err);
  peak = world.allreduce_max(peak);
  if (world.rank() == 0)
    std::printf("advection tendency: max |w_t - exact| = %.2e (max |w_t| = %.4f)\n", err, peak);
  EXPECT_LE(err, 1e-6 * peak);
}

}  // namespace
}  // namespace surge
