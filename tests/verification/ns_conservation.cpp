// The unforced inviscid truncated flow (nu = 0, no drag, 2/3 dealiasing) is a Galerkin system
// that conserves energy and enstrophy exactly; the time stepping alone changes them, by an
// amount that must fall at the order of the scheme as dt is halved. Along the way: the mean
// vorticity stays zero and the grid velocity is divergence-free to round-off.
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

struct Drift {
  double energy = 0.0, enstrophy = 0.0;  // largest relative change over the run
  double mean = 0.0, divergence = 0.0;   // largest |mean vorticity|, max |div u| / max |u|
  double peak = 0.0;                     // max |w| at the end (the flow must have evolved)
};

Drift run(double dt, double t_end) {
  NavierStokes2dOptions o = ns_test::box(48, 48, 2 * kPi, 2 * kPi);
  o.nu = "0";
  o.t_end = t_end;
  o.fixed_dt = dt;
  o.fields = {navier_stokes::SnapshotField::Vorticity};
  o.initial_condition = [](const SimulationSpec& spec, const Grid&) {
    InitialVorticity v;
    v.alpha = 3.0;
    v.tau = 3.0;
    v.seed = spec.seed;
    return v;
  };
  NavierStokes2dSolver s(test::world(), o);
  SimulationSpec spec;
  spec.seed = 77;
  s.initialize(spec);
  const double e0 = ns_test::diagnostic(s, "energy"), z0 = ns_test::diagnostic(s, "enstrophy");
  Drift d;
  for (int k = 1; k <= 4; ++k) {
    ns_test::advance_to(s, t_end * k / 4);
    const auto diag = s.diagnostics();
    double e = 0, z = 0, mean = 0, div = 0, umax = 0;
    for (const auto& [n, v] : diag) {
      if (n == "energy") e = v;
      if (n == "enstrophy") z = v;
      if (n == "mean_vorticity") mean = v;
      if (n == "max_divergence") div = v;
      if (n == "max_velocity") umax = v;
    }
    d.energy = std::max(d.energy, std::fabs(e / e0 - 1));
    d.enstrophy = std::max(d.enstrophy, std::fabs(z / z0 - 1));
    d.mean = std::max(d.mean, std::fabs(mean));
    d.divergence = std::max(d.divergence, div / umax);
  }
  std::vector<double> w;
  s.snapshot(w);
  for (double v : w) d.peak = std::max(d.peak, std::fabs(v));
  d.peak = test::world().allreduce_max(d.peak);
  return d;
}

TEST(NsConservation, EnergyAndEnstrophyConvergeAtTheSchemeOrder) {
  const double t_end = 2.0;
  std::vector<Drift> drifts;
  const double dts[] = {0.04, 0.02, 0.01};
  for (double dt : dts) drifts.push_back(run(dt, t_end));
  for (std::size_t k = 0; k < drifts.size(); ++k) {
    const Drift& d = drifts[k];
    if (test::world().rank() == 0)
      std::printf(
          "dt %.3f: relative drift of energy %.3e, enstrophy %.3e; max |mean w| %.1e; "
          "max |div u| / max |u| %.1e; max |w| %.3f\n",
          dts[k], d.energy, d.enstrophy, d.mean, d.divergence, d.peak);
    EXPECT_LE(d.mean, 1e-14);
    EXPECT_LE(d.divergence, 1e-13);
  }
  for (std::size_t k = 1; k < drifts.size(); ++k) {
    const double pe = std::log2(drifts[k - 1].energy / drifts[k].energy);
    const double pz = std::log2(drifts[k - 1].enstrophy / drifts[k].enstrophy);
    if (test::world().rank() == 0)
      std::printf("observed order of the drift, dt %.3f -> %.3f: energy %.2f, enstrophy %.2f\n",
                  dts[k - 1], dts[k], pe, pz);
    // At least the order of the scheme; the enstrophy drift goes as dt^5, one more: RK4 damps
    // an oscillating mode by |R(i theta)|^2 = 1 - theta^6 / 72 + ... per step.
    EXPECT_GE(pe, 3.7);
    EXPECT_NEAR(pz, 5.0, 0.4);
  }
  EXPECT_LE(drifts.back().energy, 1e-6);
  EXPECT_LE(drifts.back().enstrophy, 1e-6);
}

}  // namespace
}  // namespace surge
