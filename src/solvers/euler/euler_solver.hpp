#pragma once
// EulerSolver: the compressible Euler equations of an ideal gas in 1D and 2D,
//   U_t + F(U)_x + G(U)_y = 0,  U = (rho, rho u, rho v, E),  p = (gamma - 1)(E - rho |u|^2 / 2),
// by Shu & Osher's conservative finite-difference WENO scheme.
//
// Numerics: the unknowns are point values of U at the cell centres. The numerical flux at
// x_{i+1/2} is built line by line (rows for x, columns for y) from the split fluxes
// f +- alpha U of the six points i-2..i+3, projected on the left eigenvectors of the Roe
// average of U_i and U_{i+1} (or component by component), each reconstructed by WENO5 (Z or JS
// weights) from its upwind side and projected back. This is fifth order in 1D and in 2D alike
// (the finite-difference form has no face-average / point-value mismatch), unlike a
// dimension-by-dimension finite-volume WENO with one midpoint flux per face. SSP-RK3 in time
// with dt = cfl / sum_d(max(|u_d| + c) / dx_d).
//
// Positivity: each face flux is blended with the first-order Lax-Friedrichs flux, with the
// largest weight on the high-order flux that keeps density and pressure of both neighbours'
// half-updates above a floor (Hu, Adams & Shu 2013); the blend is inactive on smooth flows.
//
// The arithmetic of every point is the same whatever the decomposition, and the time step
// comes from exact MAX reductions, so 1, 2 or 4 ranks give bit-identical fields.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "solvers/fv/weno.hpp"
#include "solvers/solver.hpp"

namespace surge::euler {

// Primitive state (rho, u, v, p); v is ignored in 1D.
using Primitive = std::array<double, 4>;
// The initial primitive state as a function of the position (x, y); y = 0 in 1D.
using PrimitiveField = std::function<Primitive(double x, double y)>;
// Builds the initial field of one simulation (normally from the config section; tests hand in
// their own exact data).
using PrimitiveFieldFactory = std::function<PrimitiveField(const SimulationSpec&, const Grid&)>;

enum class Boundary { Periodic, Outflow, Wall };
enum class Reconstruction { Characteristic, Component };
enum class Splitting { Local, Global };

struct EulerOptions {
  std::string name = "euler";  // solver type, named in messages
  Grid grid;
  double gamma = 1.4;
  // x_low, x_high, y_low, y_high.
  std::array<Boundary, 4> boundary{Boundary::Periodic, Boundary::Periodic, Boundary::Periodic,
                                   Boundary::Periodic};
  fv::WenoWeights weno = fv::WenoWeights::Z;
  Reconstruction reconstruction = Reconstruction::Characteristic;
  // Lax-Friedrichs flux splitting f +- alpha U. `Global` (default): alpha of each
  // characteristic field is its largest |eigenvalue| over the whole domain at the start of the
  // step (times 1.1; the two acoustic fields both take max(|u_d| + c), the others at least a
  // tenth of that), the same for every face, which keeps the split fluxes smooth and the scheme
  // fifth order. `Local`: the largest |eigenvalue| over the face's six stencil points and the Roe
  // state; a little sharper at discontinuities, but alpha then jumps from face to face and the
  // nonlinear weights lose about one order on smooth flows (3.6 on the vortex).
  Splitting splitting = Splitting::Global;
  bool positivity = true;
  double cfl = 0.4;
  double fixed_dt = 0.0;  // > 0: use this step instead of the adaptive one
  double t_end = 1.0;
  std::string where = "solver.parameters";  // key path prefix for messages
  PrimitiveFieldFactory initial_condition;
};

class EulerSolver final : public Solver {
 public:
  // Collective over `group`: decomposes the grid with a DMDA (halo 3) and allocates all work
  // arrays. Throws InputError for a half-periodic direction, gamma <= 1 or a grid too small
  // for the group, std::invalid_argument when no initial condition is given.
  EulerSolver(const Comm& group, EulerOptions options);
  ~EulerSolver() override;

  // Collective: samples the initial condition at the cell centres, sets t = 0. Throws
  // SimulationFailure (all ranks) if a density or pressure is not positive or not finite,
  // naming the first such cell.
  void initialize(const SimulationSpec& spec) override;
  // Collective: one SSP-RK3 step of min(stable step, dt_limit), dt_limit > 0. Throws
  // SimulationFailure (all ranks) naming the first cell and the time when the new state has a
  // non-finite value or a non-positive density or pressure, or when the step collapses.
  double step(double dt_limit) override;
  double time() const override;
  long steps() const override;
  double t_end() const override;
  const Grid& grid() const override;
  // Conserved variables: {"rho", "mx", "E"} in 1D, {"rho", "mx", "my", "E"} in 2D.
  const std::vector<std::string>& field_names() const override;
  Block block() const override;
  void snapshot(std::vector<double>& out) const override;
  // Collective: {"mass", "momentum_x", ("momentum_y",) "energy"} (integrals of the conserved
  // variables), {"min_density", "min_pressure", "max_wave_speed"}.
  std::vector<std::pair<std::string, double>> diagnostics() const override;

  // Not collective: the stable step for the current state (already reduced over the group).
  double stable_dt() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace surge::euler
