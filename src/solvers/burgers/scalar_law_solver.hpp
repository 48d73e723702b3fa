#pragma once
// ScalarLawSolver: finite-volume solver of a scalar conservation law with viscosity,
//   u_t + sum_d (f_d(u))_{x_d} = nu Laplacian(u),
// for Burgers (f_d = u^2/2) and linear advection (f_d = a_d u), in 1D and 2D.
//
// Numerics: WENO5 reconstruction (Z or JS weights) of face values from cell averages, a
// Godunov or local Lax-Friedrichs flux, a sixth-order central viscous flux, SSP-RK3 in time.
// In 1D the scheme is fifth order. In 2D the reconstruction is dimension by dimension with one
// flux evaluation at each face midpoint: fifth order for linear advection (the face average of
// a u is a times the face average of u), but only second order for the nonlinear Burgers flux,
// since the midpoint value of f(u) approximates its face average to O(h^2).
//
// The arithmetic of every cell is the same whatever the decomposition and the time step comes
// from exact MIN/MAX reductions, so 1, 2 or 4 ranks give bit-identical fields.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "solvers/fv/dmda_halo.hpp"
#include "solvers/fv/scalar_flux.hpp"
#include "solvers/fv/weno.hpp"
#include "solvers/solver.hpp"
#include "study/initial_condition.hpp"

namespace surge {

// Builds the initial condition of one simulation (normally make_initial_condition on the
// config section; tests hand in their own exact data).
using InitialConditionFactory =
    std::function<std::unique_ptr<InitialCondition>(const SimulationSpec&, const Grid&)>;

struct ScalarLawOptions {
  enum class Equation { Burgers, Advection };
  Equation equation = Equation::Burgers;
  std::string name = "burgers";  // solver type, named in messages
  Grid grid;
  fv::Boundaries boundary{fv::Boundary::Periodic, fv::Boundary::Periodic, fv::Boundary::Periodic,
                          fv::Boundary::Periodic};
  // Expressions of the study parameters, evaluated once per simulation.
  std::string viscosity = "0";
  std::vector<std::string> velocity{"1.0", "0.0"};  // advection only, one per direction
  fv::NumericalFlux flux = fv::NumericalFlux::Godunov;
  fv::WenoWeights weno = fv::WenoWeights::Z;
  double cfl = 0.4;           // dt <= cfl / sum_d (max|f_d'(u)| / dx_d)
  double viscous_cfl = 0.25;  // dt <= viscous_cfl / (nu sum_d 1 / dx_d^2)
  double fixed_dt = 0.0;      // > 0: use this step instead of the adaptive one
  double t_end = 1.0;
  std::string where = "solver.parameters";  // key path prefix for messages
  InitialConditionFactory initial_condition;
};

class ScalarLawSolver final : public Solver {
 public:
  // Collective over `group`: decomposes the grid with a DMDA and allocates all work arrays.
  // Throws InputError for an inconsistent boundary specification or a grid too small for the
  // group, std::invalid_argument when no initial-condition factory is given.
  ScalarLawSolver(const Comm& group, ScalarLawOptions options);
  ~ScalarLawSolver() override;

  // Collective: evaluates viscosity (and velocity) for `spec`, fills the initial condition,
  // sets t = 0. Throws SimulationFailure (all ranks) if the viscosity is negative or not
  // finite, or if the initial field is not finite.
  void initialize(const SimulationSpec& spec) override;
  // Collective: one SSP-RK3 step of min(stable step, dt_limit); dt_limit must be > 0. The
  // stable step does not look at t_end: the caller lands on t_end through dt_limit.
  // Throws SimulationFailure (all ranks) when the solution stops being finite (naming the
  // first such cell, its position and the time) or the stable step collapses.
  double step(double dt_limit) override;
  double time() const override;
  long steps() const override;
  double t_end() const override;
  const Grid& grid() const override;
  const std::vector<std::string>& field_names() const override;
  Block block() const override;
  void snapshot(std::vector<double>& out) const override;
  // Collective: {"mass", integral of u}, {"energy", integral of u^2/2}, {"max_abs_u", max |u|}.
  std::vector<std::pair<std::string, double>> diagnostics() const override;

  // Collective: replaces this rank's block of u (block().size() values, x fastest) and sets
  // the time; use after initialize(), which fixes the coefficients of the simulation.
  void set_state(const std::vector<double>& local_block, double time = 0.0);
  // Not collective: the stable step for the current state (already reduced over the group).
  double stable_dt() const;
  // Coefficients of the current simulation (valid after initialize()).
  double viscosity() const;
  const std::array<double, 3>& velocity() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace surge
