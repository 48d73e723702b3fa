// Viscous traveling shock of Burgers' equation with outflow boundaries:
//   u = s - (D/2) tanh(D (x - s t) / (4 nu)),  from u = s + D/2 on the left to s - D/2.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "solvers/burgers/function_initial_condition.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"
#include "solvers/fv/cell_average.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

TEST(BurgersShock, ViscousTravelingShockOutflow) {
  // Shock width 4 nu / D = 0.2; the domain [-2, 3] keeps the boundaries 10 widths away from
  // the shock at all times, where the profile is flat to 1e-8.
  const double s = 0.5, D = 1.0, nu = 0.05, t_end = 1.0;
  auto exact = [&](double t) {
    return [=](double x, double) { return s - 0.5 * D * std::tanh(D * (x - s * t) / (4 * nu)); };
  };
  const std::vector<int> cells{50, 100, 200};
  std::vector<double> l1;
  for (auto flux : {fv::NumericalFlux::Godunov, fv::NumericalFlux::LocalLaxFriedrichs}) {
    l1.clear();
    for (int n : cells) {
      ScalarLawOptions o;
      o.grid.dim = 1;
      o.grid.cells = {n, 1, 1};
      o.grid.lower = {-2.0, 0, 0};
      o.grid.upper = {3.0, 1, 1};
      o.boundary = {fv::Boundary::Outflow, fv::Boundary::Outflow, fv::Boundary::Periodic,
                    fv::Boundary::Periodic};
      o.viscosity = "0.05";
      o.flux = flux;
      o.t_end = t_end;
      o.initial_condition = function_initial_condition(exact(0.0));
      ScalarLawSolver solver(test::world(), o);
      solver.initialize(SimulationSpec{});
      while (solver.time() < t_end * (1 - 1e-13)) solver.step(t_end - solver.time());
      std::vector<double> u, ref(solver.block().size());
      solver.snapshot(u);
      fv::fill_cell_averages(exact(t_end), solver.grid(), solver.block(), ref.data());
      double sum = 0.0;
      for (std::size_t k = 0; k < u.size(); ++k) sum += std::fabs(u[k] - ref[k]);
      l1.push_back(test::world().allreduce_sum(sum) * solver.grid().spacing(0));
    }
    if (test::world().rank() == 0) {
      std::printf("viscous shock, %s: L1 error (integral of |u - exact|)\n",
                  flux == fv::NumericalFlux::Godunov ? "godunov" : "llf");
      for (std::size_t k = 0; k < cells.size(); ++k)
        std::printf("%6d cells  %.4e%s\n", cells[k], l1[k],
                    k ? ("  order " + std::to_string(std::log2(l1[k - 1] / l1[k]))).c_str() : "");
    }
    EXPECT_LT(l1[0], 2e-3);
    EXPECT_LT(l1[2], 1e-5);
    for (std::size_t k = 1; k < l1.size(); ++k) EXPECT_LT(l1[k], 0.25 * l1[k - 1]);
  }
}

}  // namespace
}  // namespace surge
