#include "solvers/burgers/scalar_law_solver.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "solvers/fv/ssp_rk3.hpp"

namespace surge {

namespace {

constexpr int kHalo = 3;  // WENO5 and the sixth-order viscous flux both reach 3 cells out

}  // namespace

struct ScalarLawSolver::Impl {
  Impl(const Comm& group, ScalarLawOptions o)
      : comm(group), opt(std::move(o)), halo(comm, opt.grid, opt.boundary, 1, kHalo) {}

  Comm comm;
  ScalarLawOptions opt;
  fv::DmdaHalo halo;
  std::vector<std::string> names{"u"};

  std::vector<double> u, stage, work;       // owned block, reused every step
  std::vector<double> face_x;               // x-face fluxes of one row (extent[0] + 1)
  std::vector<double> face_y, face_y_prev;  // y-face fluxes of one face row (extent[0])

  double nu = 0.0;
  fv::LinearFlux linear;
  fv::BurgersFlux burgers;
  std::array<double, 3> max_speed{0, 0, 0};  // max |f_d'(u)| over the group, current state
  double t = 0.0;
  long nsteps = 0;
  bool initialized = false;

  void (*rhs)(Impl&, const double*, double*) = nullptr;

  void select_kernel();
  void reduce_state(double time);
  [[noreturn]] void report_non_finite(double time);
  double stable_dt() const;
};

namespace {

// L(u) = -div(F) for the owned cells, F the numerical convective flux minus the viscous flux.
// Templated on everything that varies per face so the loops carry no dispatch.
template <class Flux, fv::NumericalFlux N, fv::WenoWeights W, bool Viscous>
void scalar_rhs(ScalarLawSolver::Impl& s, const double* state, double* out) {
  const Flux& flux = [&]() -> const Flux& {
    if constexpr (std::is_same_v<Flux, fv::BurgersFlux>)
      return s.burgers;
    else
      return s.linear;
  }();
  const double* g = s.halo.exchange(state);
  const Block& own = s.halo.owned();
  const Block& gh = s.halo.ghosted();
  const int xm = own.extent[0], ym = own.extent[1];
  const std::ptrdiff_t gx = gh.extent[0];
  const double* base = g + (own.offset[1] - gh.offset[1]) * gx + (own.offset[0] - gh.offset[0]);
  const Grid& grid = s.opt.grid;
  const double nu = s.nu;

  const double inv_dx = 1.0 / grid.spacing(0);
  double* fx = s.face_x.data();
  for (int j = 0; j < ym; ++j) {
    const double* r = base + j * gx;
    // Face f lies between cells f-1 and f of this row.
    for (int f = 0; f <= xm; ++f) {
      const double ul = fv::weno5<W>(r[f - 3], r[f - 2], r[f - 1], r[f], r[f + 1]);
      const double ur = fv::weno5<W>(r[f + 2], r[f + 1], r[f], r[f - 1], r[f - 2]);
      double F = fv::numerical_flux<N>(flux, ul, ur, 0);
      if constexpr (Viscous)
        F -= nu *
             fv::face_derivative6(r[f - 3], r[f - 2], r[f - 1], r[f], r[f + 1], r[f + 2], inv_dx);
      fx[f] = F;
    }
    double* o = out + static_cast<std::ptrdiff_t>(j) * xm;
    for (int i = 0; i < xm; ++i) o[i] = -(fx[i + 1] - fx[i]) * inv_dx;
  }
  if (grid.dim < 2) return;

  const double inv_dy = 1.0 / grid.spacing(1);
  double* cur = s.face_y.data();
  double* prev = s.face_y_prev.data();
  // Face row f lies between cell rows f-1 and f; each row of cells is finished as soon as
  // the face row above it is known, so only two face rows are kept.
  for (int f = 0; f <= ym; ++f) {
    const double* c = base + f * gx;
    for (int i = 0; i < xm; ++i) {
      const double* p = c + i;
      const double ul = fv::weno5<W>(p[-3 * gx], p[-2 * gx], p[-gx], p[0], p[gx]);
      const double ur = fv::weno5<W>(p[2 * gx], p[gx], p[0], p[-gx], p[-2 * gx]);
      double F = fv::numerical_flux<N>(flux, ul, ur, 1);
      if constexpr (Viscous)
        F -= nu *
             fv::face_derivative6(p[-3 * gx], p[-2 * gx], p[-gx], p[0], p[gx], p[2 * gx], inv_dy);
      cur[i] = F;
    }
    if (f > 0) {
      double* o = out + static_cast<std::ptrdiff_t>(f - 1) * xm;
      for (int i = 0; i < xm; ++i) o[i] -= (cur[i] - prev[i]) * inv_dy;
    }
    std::swap(cur, prev);
  }
}

template <class Flux, fv::NumericalFlux N, fv::WenoWeights W>
auto pick_viscous(bool viscous) {
  return viscous ? &scalar_rhs<Flux, N, W, true> : &scalar_rhs<Flux, N, W, false>;
}

template <class Flux, fv::NumericalFlux N>
auto pick_weno(fv::WenoWeights w, bool viscous) {
  return w == fv::WenoWeights::Z ? pick_viscous<Flux, N, fv::WenoWeights::Z>(viscous)
                                 : pick_viscous<Flux, N, fv::WenoWeights::JS>(viscous);
}

template <class Flux>
auto pick_flux(fv::NumericalFlux n, fv::WenoWeights w, bool viscous) {
  return n == fv::NumericalFlux::Godunov
             ? pick_weno<Flux, fv::NumericalFlux::Godunov>(w, viscous)
             : pick_weno<Flux, fv::NumericalFlux::LocalLaxFriedrichs>(w, viscous);
}

std::string side_name(int side) {
  static const char* names[] = {"x_low", "x_high", "y_low", "y_high"};
  return names[side];
}

}  // namespace

void ScalarLawSolver::Impl::select_kernel() {
  const bool viscous = nu > 0.0;
  if (opt.equation == ScalarLawOptions::Equation::Burgers)
    rhs = pick_flux<fv::BurgersFlux>(opt.flux, opt.weno, viscous);
  else
    rhs = pick_flux<fv::LinearFlux>(opt.flux, opt.weno, viscous);
}

// One pass over the state after every step: the largest wave speed for the next step and a
// finiteness check, reduced together.
void ScalarLawSolver::Impl::reduce_state(double time) {
  double local[2] = {0.0, 0.0};  // {max |u|, 1 if some value is not finite}
  double poison = 0.0;           // 0 * NaN or 0 * Inf poisons the sum
  for (double v : u) {
    local[0] = std::max(local[0], std::fabs(v));
    poison += 0.0 * v;
  }
  local[1] = poison == 0.0 ? 0.0 : 1.0;
  double global[2];
  MPI_Allreduce(local, global, 2, MPI_DOUBLE, MPI_MAX, comm.get());
  if (global[1] != 0.0) report_non_finite(time);
  for (int d = 0; d < opt.grid.dim; ++d)
    max_speed[d] = opt.equation == ScalarLawOptions::Equation::Burgers
                       ? global[0]
                       : std::fabs(linear.velocity[d]);
}

void ScalarLawSolver::Impl::report_non_finite(double time) {
  const Block& own = halo.owned();
  const Grid& grid = opt.grid;
  long long first = std::numeric_limits<long long>::max();
  for (std::size_t k = 0; k < u.size(); ++k) {
    if (std::isfinite(u[k])) continue;
    const long long i = own.offset[0] + static_cast<long long>(k % own.extent[0]);
    const long long j = own.offset[1] + static_cast<long long>(k / own.extent[0]);
    first = j * grid.cells[0] + i;
    break;
  }
  long long global_first = first;
  MPI_Allreduce(&first, &global_first, 1, MPI_LONG_LONG, MPI_MIN, comm.get());
  const int i = static_cast<int>(global_first % grid.cells[0]);
  const int j = static_cast<int>(global_first / grid.cells[0]);
  std::ostringstream m;
  m.precision(10);
  m << opt.name << ": the solution is no longer finite at cell (" << i;
  if (grid.dim > 1) m << ", " << j;
  m << ") (x = " << grid.center(0, i);
  if (grid.dim > 1) m << ", y = " << grid.center(1, j);
  m << ") at t = " << time << " after " << nsteps << " steps";
  throw SimulationFailure(m.str());
}

double ScalarLawSolver::Impl::stable_dt() const {
  if (opt.fixed_dt > 0.0) return opt.fixed_dt;
  const Grid& grid = opt.grid;
  double rate = 0.0, viscous_rate = 0.0;
  for (int d = 0; d < grid.dim; ++d) {
    const double h = grid.spacing(d);
    rate += max_speed[d] / h;
    viscous_rate += nu / (h * h);
  }
  double dt = std::numeric_limits<double>::infinity();
  if (rate > 0.0) dt = opt.cfl / rate;
  if (viscous_rate > 0.0) dt = std::min(dt, opt.viscous_cfl / viscous_rate);
  return dt;
}

ScalarLawSolver::ScalarLawSolver(const Comm& group, ScalarLawOptions options) {
  for (int d = 0; d < options.grid.dim; ++d) {
    const bool lo = options.boundary[2 * d] == fv::Boundary::Periodic;
    const bool hi = options.boundary[2 * d + 1] == fv::Boundary::Periodic;
    if (lo != hi) {
      const int periodic = lo ? 2 * d : 2 * d + 1, other = lo ? 2 * d + 1 : 2 * d;
      throw InputError(options.where + ".boundary." + side_name(periodic) +
                       ": 'periodic' needs the opposite side " + side_name(other) +
                       " to be periodic too (it is 'outflow'); a direction is periodic on both "
                       "sides or on neither");
    }
  }
  if (!options.initial_condition)
    throw std::invalid_argument("ScalarLawSolver: no initial-condition factory given");
  if (options.equation == ScalarLawOptions::Equation::Advection &&
      static_cast<int>(options.velocity.size()) < options.grid.dim)
    throw InputError(options.where + ".velocity: needs one entry per direction (" +
                     std::to_string(options.grid.dim) + ")");
  impl_ = std::make_unique<Impl>(group, std::move(options));
  Impl& s = *impl_;
  const std::size_t n = s.halo.owned_size();
  s.u.assign(n, 0.0);
  s.stage.assign(n, 0.0);
  s.work.assign(n, 0.0);
  s.face_x.assign(s.halo.owned().extent[0] + 1, 0.0);
  s.face_y.assign(s.halo.owned().extent[0], 0.0);
  s.face_y_prev.assign(s.halo.owned().extent[0], 0.0);
}

ScalarLawSolver::~ScalarLawSolver() = default;

void ScalarLawSolver::initialize(const SimulationSpec& spec) {
  Impl& s = *impl_;
  const Expression viscosity(s.opt.viscosity, spec.parameter_names, s.opt.where + ".viscosity");
  s.nu = viscosity(spec.parameter_values);
  if (!(s.nu >= 0.0) || !std::isfinite(s.nu)) {
    std::ostringstream m;
    m << s.opt.where << ".viscosity: '" << s.opt.viscosity << "' evaluates to " << s.nu
      << " for simulation " << spec.id << "; the viscosity must be finite and >= 0";
    throw SimulationFailure(m.str());
  }
  s.linear.velocity = {0, 0, 0};
  if (s.opt.equation == ScalarLawOptions::Equation::Advection) {
    for (int d = 0; d < s.opt.grid.dim; ++d) {
      const std::string where = s.opt.where + ".velocity[" + std::to_string(d) + "]";
      const Expression a(s.opt.velocity[d], spec.parameter_names, where);
      s.linear.velocity[d] = a(spec.parameter_values);
      if (!std::isfinite(s.linear.velocity[d]))
        throw SimulationFailure(where + ": '" + s.opt.velocity[d] +
                                "' is not finite for simulation " + std::to_string(spec.id));
    }
  }
  s.select_kernel();
  const auto ic = s.opt.initial_condition(spec, s.opt.grid);
  ic->fill(s.opt.grid, block(), s.u.data());
  s.t = 0.0;
  s.nsteps = 0;
  s.initialized = true;
  s.reduce_state(0.0);
}

void ScalarLawSolver::set_state(const std::vector<double>& local_block, double time) {
  Impl& s = *impl_;
  if (!s.initialized) throw std::logic_error("ScalarLawSolver::set_state: call initialize() first");
  if (local_block.size() != s.u.size())
    throw std::invalid_argument("ScalarLawSolver::set_state: expected " +
                                std::to_string(s.u.size()) + " values, got " +
                                std::to_string(local_block.size()));
  s.u = local_block;
  s.t = time;
  s.reduce_state(time);
}

double ScalarLawSolver::step(double dt_limit) {
  Impl& s = *impl_;
  if (!s.initialized) throw std::logic_error("ScalarLawSolver::step: call initialize() first");
  if (!(dt_limit > 0.0)) throw std::invalid_argument("ScalarLawSolver::step: dt_limit must be > 0");
  const double stable = s.stable_dt();
  if (stable < 1e-12 * s.opt.t_end || stable < 1e-300) {
    std::ostringstream m;
    m.precision(10);
    m << s.opt.name << ": the time step collapsed to " << stable << " at t = " << s.t << " after "
      << s.nsteps << " steps (max wave speed " << s.max_speed[0] << ")";
    throw SimulationFailure(m.str());
  }
  double dt = std::min(stable, dt_limit);
  if (!std::isfinite(dt)) dt = s.opt.t_end;  // nothing moves: any step is stable
  fv::ssp_rk3_step(s.u.data(), s.stage.data(), s.work.data(), s.u.size(), dt,
                   [&s](const double* state, double* out) { s.rhs(s, state, out); });
  s.t += dt;
  ++s.nsteps;
  s.reduce_state(s.t);
  return dt;
}

double ScalarLawSolver::time() const {
  return impl_->t;
}
long ScalarLawSolver::steps() const {
  return impl_->nsteps;
}
double ScalarLawSolver::t_end() const {
  return impl_->opt.t_end;
}
const Grid& ScalarLawSolver::grid() const {
  return impl_->opt.grid;
}
const std::vector<std::string>& ScalarLawSolver::field_names() const {
  return impl_->names;
}
Block ScalarLawSolver::block() const {
  return impl_->halo.owned();
}
double ScalarLawSolver::stable_dt() const {
  return impl_->stable_dt();
}
double ScalarLawSolver::viscosity() const {
  return impl_->nu;
}
const std::array<double, 3>& ScalarLawSolver::velocity() const {
  return impl_->linear.velocity;
}

void ScalarLawSolver::snapshot(std::vector<double>& out) const {
  out.assign(impl_->u.begin(), impl_->u.end());
}

std::vector<std::pair<std::string, double>> ScalarLawSolver::diagnostics() const {
  const Impl& s = *impl_;
  double sums[2] = {0.0, 0.0}, max_abs = 0.0;
  for (double v : s.u) {
    sums[0] += v;
    sums[1] += 0.5 * v * v;
    max_abs = std::max(max_abs, std::fabs(v));
  }
  double global[2];
  MPI_Allreduce(sums, global, 2, MPI_DOUBLE, MPI_SUM, s.comm.get());
  const double volume = s.opt.grid.cell_volume();
  return {{"mass", global[0] * volume},
          {"energy", global[1] * volume},
          {"max_abs_u", s.comm.allreduce_max(max_abs)}};
}

}  // namespace surge
