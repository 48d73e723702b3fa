#pragma once
// NlseSolver: the nonlinear Schroedinger equation in 1D and 2D on a periodic box,
//   i psi_t + (beta/2) Laplacian(psi) + sigma |psi|^2 psi = 0,
// by a Fourier pseudo-spectral method (FFTW; FFTW-MPI slabs in 2D and FFTW-MPI's distributed
// 1D transform in 1D when the group has several ranks).
//
// Numerics: psi is sampled at the cell centres of the Grid. The linear part is exact in Fourier
// space (psi_hat *= exp(-i beta |k|^2 tau / 2)) and the nonlinear part is exact pointwise
// (psi *= exp(i sigma |psi|^2 tau), |psi| does not change), so the split-step schemes are
// compositions of exact flows:
//   strang          N(h/2) L(h) N(h/2), order 2;
//   split_step4     a symmetric composition of order 4: Blanes & Moan's (2002) six-stage method
//                   (default) or Yoshida's (1990) triple jump of Strang steps;
//   dormand_prince  the embedded Runge-Kutta pair 5(4) of Dormand & Prince in the interaction
//                   picture (the linear part is integrated exactly by the integrating factor,
//                   the Runge-Kutta stages see only the nonlinear term), with the elementary
//                   step-size controller on a mixed absolute/relative error norm in physical
//                   space.
// Dealiasing (2/3 rule or an exponential filter) is applied to the spectrum once per step.
// Split-step schemes conserve the mass to rounding; the Hamiltonian to the scheme's order.
#include <complex>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "solvers/solver.hpp"

namespace surge::nlse {

// The initial field psi(x, y) (y = 0 in 1D).
using ComplexField = std::function<std::complex<double>(double x, double y)>;
// Builds the initial field of one simulation from its spec, the grid and the equation's
// coefficients beta and sigma of that simulation (normally from the config section; tests hand
// in their own exact data).
using ComplexFieldFactory =
    std::function<ComplexField(const SimulationSpec&, const Grid&, double beta, double sigma)>;

enum class Integrator { Strang, SplitStep4, DormandPrince };
enum class Composition { BlanesMoan, Yoshida };
enum class Dealiasing { None, TwoThirds, Exponential };
enum class Channels { ReIm, AmplitudePhase };

struct NlseOptions {
  std::string name = "nlse";  // solver type, named in messages
  Grid grid;
  // Coefficients: expressions of the study parameters, evaluated per simulation.
  std::string beta = "1";
  std::string sigma = "1";
  Integrator integrator = Integrator::SplitStep4;
  Composition composition = Composition::BlanesMoan;  // split_step4 only
  // Split-step schemes: the fixed step (> 0). dormand_prince: the first step (0: chosen from
  // the initial state, Hairer, Norsett & Wanner's starting-step algorithm).
  double dt = 0.0;
  double rtol = 1e-6;  // dormand_prince
  double atol = 1e-8;  // dormand_prince
  Dealiasing dealiasing = Dealiasing::None;
  double filter_alpha = 36.0;  // exponential filter exp(-alpha (|m| / (n/2))^order)
  int filter_order = 36;
  Channels channels = Channels::ReIm;
  bool measure_plans = true;  // FFTW_MEASURE (else FFTW_ESTIMATE)
  double t_end = 1.0;
  std::string where = "solver.parameters";  // key path prefix for messages
  ComplexFieldFactory initial_condition;
};

class NlseSolver final : public Solver {
 public:
  // Collective over `group`: makes the FFTW plans of the group's decomposition (1D: serial
  // FFTW on one rank, FFTW-MPI's distributed 1D transform on several; 2D: FFTW-MPI slabs of
  // rows y with transposed output). Throws InputError when the grid is not 1D or 2D, when a
  // rank of the group would own no points (too few cells for the group) or for bad numerical
  // options (dt, tolerances), std::invalid_argument when no initial condition is given.
  NlseSolver(const Comm& group, NlseOptions options);
  ~NlseSolver() override;

  // Collective: evaluates beta and sigma for `spec`, samples the initial condition at the
  // cell centres (dealiased as configured), sets t = 0. Throws SimulationFailure (all ranks)
  // if a coefficient or a value of the initial field is not finite.
  void initialize(const SimulationSpec& spec) override;
  // Collective: one step of at most min(dt_limit, t_end - t) (split-step: the fixed dt;
  // dormand_prince: the controller's step, repeated with smaller steps until accepted).
  // Throws SimulationFailure (all ranks) when the solution is not finite or when the adaptive
  // step collapses below 1e-12 t_end.
  double step(double dt_limit) override;
  double time() const override;
  long steps() const override;
  double t_end() const override;
  const Grid& grid() const override;
  // {"re", "im"} (default) or {"amplitude", "phase"} (|psi| and arg(psi) in (-pi, pi]).
  const std::vector<std::string>& field_names() const override;
  Block block() const override;
  void snapshot(std::vector<double>& out) const override;
  // Collective, computed spectrally: {"mass" (integral of |psi|^2), "momentum_x",
  // ("momentum_y",) (integral of Im(psi* grad psi)), "hamiltonian" (integral of
  // beta/2 |grad psi|^2 - sigma/2 |psi|^4), "max_amplitude"}.
  std::vector<std::pair<std::string, double>> diagnostics() const override;

  // Not collective: this rank's values of psi on block(), x fastest.
  std::vector<std::complex<double>> field() const;
  double beta() const;
  double sigma() const;
  // Steps rejected by the error control (dormand_prince; 0 for the split-step schemes).
  long rejected_steps() const;
  // Collective, for benchmarks: seconds taken by `pairs` forward + backward transforms with
  // this solver's own plans and work arrays, out of place as in a step, on a copy of the
  // current state (the state is unchanged); timed in batches of back-to-back pairs.
  double time_transforms(int pairs) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace surge::nlse
