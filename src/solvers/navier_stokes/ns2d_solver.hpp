#pragma once
// NavierStokes2dSolver: 2D incompressible Navier-Stokes in vorticity-streamfunction form on a
// periodic box,
//   w_t + u . grad(w) = nu Laplacian(w) - mu w + f,   Laplacian(psi) = -w,   (u, v) = (psi_y,
//   -psi_x),
// by a Fourier pseudo-spectral method.
//
// Numerics: the unknowns are the Fourier coefficients of w, slab-decomposed by FFTW-MPI (real
// transforms ending transposed, so no transpose back). The advection term is evaluated on the
// grid from u, v, w_x, w_y (four inverse transforms, one forward) and truncated by the 2/3 rule;
// the initial condition and the forcing are projected on the kept modes, so the solution is the
// exact Galerkin truncation. Viscosity and drag are integrated exactly by the integrating factor
// exp(-(nu |k|^2 + mu) t); the rest by classical fourth-order Runge-Kutta on the transformed
// variable (IF-RK4, 20 transforms per step). Fixed step, or dt = cfl / (max|u|/dx + max|v|/dy)
// from exact MAX reductions.
//
// Every Fourier mode does the same arithmetic whatever the decomposition; only FFTW's choice of
// algorithm differs with the rank count, so 1, 2 and 4 ranks agree to round-off.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "solvers/solver.hpp"
#include "solvers/spectral/slab_fft2d.hpp"

namespace surge::navier_stokes {

// A field given at points (x, y) of the box.
using PointFunction = std::function<double(double x, double y)>;

// The initial vorticity of one simulation: `field` sampled at the cell centres when set, else a
// Gaussian random field with covariance tau^(2 alpha - 2) (-Laplacian + tau^2)^(-alpha) (the
// generator of the FNO Navier-Stokes benchmark), drawn mode by mode from `seed` so that it
// depends neither on the decomposition nor on the resolution.
struct InitialVorticity {
  PointFunction field;
  double alpha = 2.5;
  double tau = 7.0;
  std::uint64_t seed = 0;
};
using InitialVorticityFactory = std::function<InitialVorticity(const SimulationSpec&, const Grid&)>;
// The vorticity forcing f of one simulation; an empty function means no forcing.
using ForcingFactory = std::function<PointFunction(const SimulationSpec&, const Grid&)>;

enum class SnapshotField { Vorticity, U, V };

struct NavierStokes2dOptions {
  std::string name = "navier_stokes2d";  // solver type, named in messages
  Grid grid;                             // the grid solved on: 2D, even cell counts
  // The grid of the snapshots: the solution's Fourier modes that fit are kept (|m| < n/2 per
  // direction), the others dropped. {0, 0}: the solve grid.
  std::array<int, 2> snapshot_cells{0, 0};
  std::vector<SnapshotField> fields{SnapshotField::Vorticity};
  bool dealias = true;  // 2/3 rule; false: only the Nyquist modes are removed
  // Expressions of the study parameters, evaluated once per simulation.
  std::string nu = "1e-3";
  std::string drag = "0";
  double cfl = 0.5;
  double fixed_dt = 0.0;  // > 0: this step instead of the CFL one
  double dt_max = 0.0;    // > 0: upper bound of the CFL step
  double t_end = 1.0;
  spectral::Planner planner = spectral::Planner::Measure;
  std::string where = "solver.parameters";  // key path prefix for messages
  InitialVorticityFactory initial_condition;
  ForcingFactory forcing;  // empty: no forcing
};

// Names of the snapshot fields ("vorticity", "u", "v").
const char* field_name(SnapshotField f);
// True when the snapshots are taken on the solve grid itself.
bool snapshot_is_solve_grid(const NavierStokes2dOptions& o);
// Not collective: throws InputError naming the key when the grid is not 2D with even cell counts
// >= 4, the snapshot grid is odd or larger than the solve grid, or the snapshot fields are empty
// or repeated (what the constructor checks before it needs the group).
void check_options(const NavierStokes2dOptions& o);

class NavierStokes2dSolver final : public Solver {
 public:
  // Collective over `group`: plans the transforms of the solve grid (and of the snapshot grid)
  // and allocates the work arrays. Throws InputError naming the key for a grid that is not 2D
  // with even cell counts, a snapshot grid larger than the solve grid or odd, or a group with
  // more ranks than rows of either grid (a rank with no rows would send an empty snapshot).
  NavierStokes2dSolver(const Comm& group, NavierStokes2dOptions options);
  ~NavierStokes2dSolver() override;

  // Collective: evaluates nu and drag for `spec` (SimulationFailure if negative or not
  // finite), projects the forcing and the initial vorticity (its mean removed: a periodic
  // velocity has no circulation) on the kept modes, sets t = 0 and prepares the snapshot.
  // Throws SimulationFailure (all ranks) naming the first cell where the initial vorticity is
  // not finite.
  void initialize(const SimulationSpec& spec) override;
  // Collective: one IF-RK4 step of min(stable step, dt_limit); a stable step that would end
  // within 1e-12 max(1, |t + dt_limit|) of t + dt_limit is taken as dt_limit, and a step that
  // ends on dt_limit (a snapshot time in the workflows, matched with that tolerance) prepares
  // the snapshot fields. Throws SimulationFailure (all ranks) when the new
  // state is not finite or the step collapses below 1e-12 t_end.
  double step(double dt_limit) override;
  double time() const override;
  long steps() const override;
  double t_end() const override;
  // The snapshot grid (the solve grid unless snapshot_cells is set).
  const Grid& grid() const override;
  const std::vector<std::string>& field_names() const override;
  // This rank's rows of the snapshot grid.
  Block block() const override;
  // Copies the prepared fields (see step); not collective. Throws std::logic_error when the
  // state changed since they were prepared: call prepare_snapshot() (collective) first.
  void snapshot(std::vector<double>& out) const override;
  // Collective: {"energy" (1/2 integral of |u|^2), "enstrophy" (1/2 integral of w^2),
  // "mean_vorticity", "max_divergence" (max |div u| of the grid velocity, differentiated
  // spectrally: zero up to round-off), "max_velocity"}.
  std::vector<std::pair<std::string, double>> diagnostics() const override;

  // Collective: computes the snapshot fields of the current state.
  void prepare_snapshot();
  // The grid solved on, the values of nu and drag of the current simulation.
  const Grid& solve_grid() const;
  double viscosity() const;
  double drag() const;
  // The transforms of the solve grid (the benchmark times them beside the step).
  const spectral::SlabFft2d& transforms() const;
  // Transforms per step: 4 inverse and 1 forward per Runge-Kutta stage.
  static constexpr int kBackwardPerStep = 16;
  static constexpr int kForwardPerStep = 4;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace surge::navier_stokes
