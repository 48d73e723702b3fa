#include "solvers/navier_stokes/ns2d_solver.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "core/random.hpp"
#include "solvers/spectral/fourier.hpp"

namespace surge::navier_stokes {

namespace {

constexpr double kTwoPi = 6.28318530717958647692;
// Domain separation of the random field's draws from the other users of a simulation's seed.
constexpr std::uint64_t kTagRandomField = 0x6e73326467726601ULL;

// Two independent standard normals from one stream (Box-Muller; 1 - u in (0, 1]).
std::pair<double, double> normal_pair(rng::SplitMix64& r) {
  const double u1 = r.uniform(), u2 = r.uniform();
  const double radius = std::sqrt(-2.0 * std::log(1.0 - u1));
  return {radius * std::cos(kTwoPi * u2), radius * std::sin(kTwoPi * u2)};
}

std::string describe_rows(int rows, int ranks, int per_rank) {
  std::ostringstream m;
  m << rows << " rows in y cannot be split over " << ranks << " ranks in FFTW's slabs of "
    << per_rank << " row(s): the last rank(s) would own none; use at most "
    << (rows + per_rank - 1) / per_rank << " rank(s) per simulation (layout.ranks_per_simulation) "
    << "or more cells in y";
  return m.str();
}

// Throws InputError (on every rank alike) when a rank of `group` owns no row of `fft`.
void require_rows(const Comm& group, const spectral::SlabFft2d& fft, const std::string& key) {
  const std::vector<int> rows = group.allgather(fft.rows());
  if (*std::min_element(rows.begin(), rows.end()) > 0) return;
  throw InputError(key + ": " + describe_rows(fft.ny(), group.size(), rows[0]));
}

}  // namespace

bool snapshot_is_solve_grid(const NavierStokes2dOptions& o) {
  return o.snapshot_cells == std::array<int, 2>{0, 0} ||
         (o.snapshot_cells[0] == o.grid.cells[0] && o.snapshot_cells[1] == o.grid.cells[1]);
}

const char* field_name(SnapshotField f) {
  switch (f) {
    case SnapshotField::Vorticity:
      return "vorticity";
    case SnapshotField::U:
      return "u";
    case SnapshotField::V:
      return "v";
  }
  return "?";
}

struct NavierStokes2dSolver::Impl {
  Impl(const Comm& group, NavierStokes2dOptions o)
      : comm(group),
        opt(std::move(o)),
        fft(comm, opt.grid.cells[0], opt.grid.cells[1], opt.planner) {}

  Comm comm;
  NavierStokes2dOptions opt;
  spectral::SlabFft2d fft;
  std::unique_ptr<spectral::SlabFft2d> coarse;  // snapshot grid, when it differs
  Grid snap_grid;
  std::vector<std::string> names;

  int nx = 0, ny = 0, nkx = 0, kx0 = 0;
  std::size_t modes = 0;  // local complex coefficients, nkx * ny
  // Per local x-frequency a and y-frequency j: angular wavenumbers (full, for the Laplacian;
  // `d` versions zero at Nyquist, for derivatives of real fields), kept-mode masks, and the
  // weight of the mode in sums over the full spectrum (its conjugate twin is not stored).
  std::vector<double> kx, ky, kxd, kyd, keepx, keepy, weight;
  std::vector<double> inv_k2;  // 1 / |k|^2 per local mode, 0 for the mean
  // Spectral state (Fourier coefficients: the field is sum c_k exp(i k.(x - x_c0))), stage,
  // accumulated update, forcing; complex interleaved.
  std::vector<double> w, ws, acc, force;
  bool forced = false;
  spectral::FftBuffer buf[4];
  spectral::FftBuffer coarse_buf;
  std::vector<double> snap;  // prepared snapshot, field after field
  bool snap_fresh = false;

  double nu = 0.0, mu = 0.0;
  double t = 0.0;
  long nsteps = 0;
  bool initialized = false;
  double scale = 0.0;  // 1 / (nx ny): from FFTW's unnormalised sums to coefficients

  // Fills buf[0] with the spectrum of -u . grad(w) for the state `in` (raw forward output:
  // multiply by keep * scale); stores max |u| and max |v| of the grid velocity on this rank in
  // `speed` when `measure`.
  void advection(const double* in, bool measure);
  double speed[2] = {0.0, 0.0};
  void prepare_snapshot();
  [[noreturn]] void fail(const std::string& what) const;
};

void NavierStokes2dSolver::Impl::fail(const std::string& what) const {
  std::ostringstream m;
  m.precision(10);
  m << opt.name << ": " << what << " at t = " << t << " after " << nsteps << " steps";
  throw SimulationFailure(m.str());
}

void NavierStokes2dSolver::Impl::advection(const double* in, bool measure) {
  double* U = buf[0].data();
  double* V = buf[1].data();
  double* WX = buf[2].data();
  double* WY = buf[3].data();
  for (int a = 0; a < nkx; ++a) {
    const double kxa = kxd[a];
    const std::size_t row = std::size_t(a) * ny;
    for (int j = 0; j < ny; ++j) {
      const std::size_t m = 2 * (row + j);
      const double wr = in[m], wi = in[m + 1];
      const double ik = inv_k2[row + j];
      const double pr = wr * ik, pi = wi * ik, kyj = kyd[j];
      U[m] = -kyj * pi;  // u = psi_y
      U[m + 1] = kyj * pr;
      V[m] = kxa * pi;  // v = -psi_x
      V[m + 1] = -kxa * pr;
      WX[m] = -kxa * wi;
      WX[m + 1] = kxa * wr;
      WY[m] = -kyj * wi;
      WY[m + 1] = kyj * wr;
    }
  }
  for (double* b : {U, V, WX, WY}) fft.backward(b);
  const int rows = fft.rows(), stride = fft.row_stride();
  double umax = 0.0, vmax = 0.0;
  for (int r = 0; r < rows; ++r) {
    const std::size_t o = std::size_t(r) * stride;
    double* u = U + o;
    const double* v = V + o;
    const double* wx = WX + o;
    const double* wy = WY + o;
    if (measure) {
      for (int i = 0; i < nx; ++i) {
        umax = std::max(umax, std::fabs(u[i]));
        vmax = std::max(vmax, std::fabs(v[i]));
      }
    }
    for (int i = 0; i < nx; ++i) u[i] = -(u[i] * wx[i] + v[i] * wy[i]);
  }
  fft.forward(U);
  speed[0] = umax;
  speed[1] = vmax;
}

void NavierStokes2dSolver::Impl::prepare_snapshot() {
  const std::size_t nf = opt.fields.size();
  // Coefficient of field f at local mode (a, j).
  auto coefficient = [&](SnapshotField f, int a, int j, double& re, double& im) {
    const std::size_t m = std::size_t(a) * ny + j;
    const double wr = w[2 * m], wi = w[2 * m + 1];
    const double ik = inv_k2[m];
    switch (f) {
      case SnapshotField::Vorticity:
        re = wr, im = wi;
        break;
      case SnapshotField::U:
        re = -kyd[j] * wi * ik, im = kyd[j] * wr * ik;
        break;
      case SnapshotField::V:
        re = kxd[a] * wi * ik, im = -kxd[a] * wr * ik;
        break;
    }
  };
  const spectral::SlabFft2d& out = coarse ? *coarse : fft;
  const int mx = out.nx(), my = out.ny(), rows = out.rows(), stride = out.row_stride();
  const std::size_t cells = std::size_t(mx) * rows;
  snap.assign(nf * cells, 0.0);
  double* b = buf[0].data();
  if (!coarse) {
    for (std::size_t f = 0; f < nf; ++f) {
      for (int a = 0; a < nkx; ++a)
        for (int j = 0; j < ny; ++j) {
          const std::size_t m = 2 * (std::size_t(a) * ny + j);
          coefficient(opt.fields[f], a, j, b[m], b[m + 1]);
        }
      fft.backward(b);
      for (int r = 0; r < rows; ++r)
        std::copy(b + std::size_t(r) * stride, b + std::size_t(r) * stride + mx,
                  snap.begin() + f * cells + std::size_t(r) * mx);
    }
    snap_fresh = true;
    return;
  }
  // Down-sampling: the modes |m| < mx/2, |m| < my/2 of the solution are gathered in the half
  // spectrum of the snapshot grid on every rank (each owned by one rank, zeros elsewhere, so
  // the sum is exact), then each rank transforms its own slab of the snapshot grid. The
  // coefficients refer to the cell centres of the solve grid; the snapshot's centres lie
  // (H - h) / 2 further on, a phase factor exp(i k (H - h) / 2) per direction.
  const int hx = mx / 2 + 1;
  const double sx = 0.5 * (snap_grid.spacing(0) - opt.grid.spacing(0));
  const double sy = 0.5 * (snap_grid.spacing(1) - opt.grid.spacing(1));
  std::vector<double> half(nf * hx * std::size_t(my) * 2, 0.0);
  for (int a = 0; a < nkx; ++a) {
    const int g = kx0 + a;
    if (g >= mx / 2) continue;  // beyond the snapshot grid, or its Nyquist column
    for (int jc = 0; jc < my; ++jc) {
      if (spectral::is_nyquist(jc, my)) continue;
      const int q = spectral::mode_number(jc, my);
      const int j = q >= 0 ? q : q + ny;
      const double phase = kx[a] * sx + ky[j] * sy;
      const double pc = std::cos(phase), ps = std::sin(phase);
      for (std::size_t f = 0; f < nf; ++f) {
        double* c = half.data() + 2 * ((f * hx + g) * std::size_t(my) + jc);
        double re = 0.0, im = 0.0;
        coefficient(opt.fields[f], a, j, re, im);
        c[0] = re * pc - im * ps;
        c[1] = re * ps + im * pc;
      }
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, half.data(), static_cast<int>(half.size()), MPI_DOUBLE, MPI_SUM,
                comm.get());
  double* cb = coarse_buf.data();
  for (std::size_t f = 0; f < nf; ++f) {
    const std::size_t n = std::size_t(coarse->kx_count()) * my * 2;
    const double* src = half.data() + 2 * ((f * hx + coarse->kx_start()) * std::size_t(my));
    std::copy(src, src + n, cb);
    coarse->backward(cb);
    for (int r = 0; r < rows; ++r)
      std::copy(cb + std::size_t(r) * stride, cb + std::size_t(r) * stride + mx,
                snap.begin() + f * cells + std::size_t(r) * mx);
  }
  snap_fresh = true;
}

void check_options(const NavierStokes2dOptions& o) {
  const std::string& where = o.where;
  if (o.grid.dim != 2)
    throw InputError(where + ".cells: the " + o.name +
                     " solver needs a 2D grid (cells with two entries)");
  for (int d = 0; d < 2; ++d) {
    if (o.grid.cells[d] < 4 || o.grid.cells[d] % 2)
      throw InputError(where + ".cells: " + std::to_string(o.grid.cells[d]) + " cells in " +
                       (d ? "y" : "x") + "; the Fourier solver needs an even count >= 4");
  }
  const bool same = snapshot_is_solve_grid(o);
  if (!same) {
    for (int d = 0; d < 2; ++d) {
      const int c = o.snapshot_cells[d];
      if (c < 2 || c % 2 || c > o.grid.cells[d])
        throw InputError(where + ".snapshot_cells: " + std::to_string(c) + " cells in " +
                         (d ? "y" : "x") + "; expected an even count >= 2 and <= cells (" +
                         std::to_string(o.grid.cells[d]) + ")");
    }
  }
  if (o.fields.empty()) throw InputError(where + ".snapshot_fields: empty; name one field");
  for (std::size_t f = 0; f < o.fields.size(); ++f)
    for (std::size_t g = 0; g < f; ++g)
      if (o.fields[f] == o.fields[g])
        throw InputError(where + ".snapshot_fields: '" + field_name(o.fields[f]) +
                         "' is listed twice");
  if (!(o.cfl > 0.0) && !(o.fixed_dt > 0.0))
    throw InputError(where + ".cfl: must be > 0 when dt is 0 (adaptive steps)");
}

NavierStokes2dSolver::NavierStokes2dSolver(const Comm& group, NavierStokes2dOptions o) {
  check_options(o);
  const bool same = snapshot_is_solve_grid(o);
  if (!o.initial_condition)
    throw std::invalid_argument("NavierStokes2dSolver: no initial condition given");

  impl_ = std::make_unique<Impl>(group, std::move(o));
  Impl& s = *impl_;
  require_rows(s.comm, s.fft, s.opt.where + ".cells");
  s.snap_grid = s.opt.grid;
  if (!same) {
    s.coarse = std::make_unique<spectral::SlabFft2d>(s.comm, s.opt.snapshot_cells[0],
                                                     s.opt.snapshot_cells[1], s.opt.planner);
    require_rows(s.comm, *s.coarse, s.opt.where + ".snapshot_cells");
    s.coarse_buf = s.coarse->make_buffer();
    s.snap_grid.cells = {s.opt.snapshot_cells[0], s.opt.snapshot_cells[1], 1};
  }
  for (SnapshotField f : s.opt.fields) s.names.emplace_back(field_name(f));

  s.nx = s.opt.grid.cells[0];
  s.ny = s.opt.grid.cells[1];
  s.nkx = s.fft.kx_count();
  s.kx0 = s.fft.kx_start();
  s.modes = std::size_t(s.nkx) * s.ny;
  s.scale = 1.0 / (double(s.nx) * s.ny);
  const double lx = s.opt.grid.upper[0] - s.opt.grid.lower[0];
  const double ly = s.opt.grid.upper[1] - s.opt.grid.lower[1];
  for (int a = 0; a < s.nkx; ++a) {
    const int g = s.kx0 + a;
    s.kx.push_back(spectral::wavenumber(g, s.nx, lx));
    s.kxd.push_back(spectral::is_nyquist(g, s.nx) ? 0.0 : s.kx.back());
    const bool keep =
        s.opt.dealias ? spectral::kept_two_thirds(g, s.nx) : !spectral::is_nyquist(g, s.nx);
    s.keepx.push_back(keep ? 1.0 : 0.0);
    s.weight.push_back(g == 0 || g == s.nx / 2 ? 1.0 : 2.0);
  }
  for (int j = 0; j < s.ny; ++j) {
    s.ky.push_back(spectral::wavenumber(j, s.ny, ly));
    s.kyd.push_back(spectral::is_nyquist(j, s.ny) ? 0.0 : s.ky.back());
    const bool keep =
        s.opt.dealias ? spectral::kept_two_thirds(j, s.ny) : !spectral::is_nyquist(j, s.ny);
    s.keepy.push_back(keep ? 1.0 : 0.0);
  }
  s.inv_k2.assign(s.modes, 0.0);
  for (int a = 0; a < s.nkx; ++a)
    for (int j = 0; j < s.ny; ++j) {
      const double k2 = s.kx[a] * s.kx[a] + s.ky[j] * s.ky[j];
      s.inv_k2[std::size_t(a) * s.ny + j] = k2 > 0.0 ? 1.0 / k2 : 0.0;
    }
  for (auto* v : {&s.w, &s.ws, &s.acc, &s.force}) v->assign(2 * s.modes, 0.0);
  for (auto& b : s.buf) b = s.fft.make_buffer();
}

NavierStokes2dSolver::~NavierStokes2dSolver() = default;

void NavierStokes2dSolver::initialize(const SimulationSpec& spec) {
  Impl& s = *impl_;
  s.initialized = false;
  s.snap_fresh = false;
  s.t = 0.0;
  s.nsteps = 0;
  auto coefficient = [&](const std::string& text, const char* key) {
    const std::string where = s.opt.where + "." + key;
    const double v = Expression(text, spec.parameter_names, where)(spec.parameter_values);
    if (!(v >= 0.0) || !std::isfinite(v)) {
      std::ostringstream m;
      m << where << ": '" << text << "' evaluates to " << v << " for simulation " << spec.id
        << "; it must be finite and >= 0";
      throw SimulationFailure(m.str());
    }
    return v;
  };
  s.nu = coefficient(s.opt.nu, "nu");
  s.mu = coefficient(s.opt.drag, "drag");

  const Grid& grid = s.opt.grid;
  const int rows = s.fft.rows(), r0 = s.fft.row_start(), stride = s.fft.row_stride();
  // Samples `f` at the cell centres of this rank's rows into buf[0] and transforms it to
  // coefficients projected on the kept modes, mean removed; a non-finite sample is reported
  // (first cell of the group) on every rank.
  auto project = [&](const PointFunction& f, std::vector<double>& out, const char* what) {
    double* b = s.buf[0].data();
    double first_bad = std::numeric_limits<double>::infinity();
    for (int r = 0; r < rows; ++r)
      for (int i = 0; i < s.nx; ++i) {
        const double v = f(grid.center(0, i), grid.center(1, r0 + r));
        b[std::size_t(r) * stride + i] = v;
        if (!std::isfinite(v)) first_bad = std::min(first_bad, double(r0 + r) * s.nx + i);
      }
    const double bad = s.comm.allreduce_min(first_bad);
    if (std::isfinite(bad)) {
      const int i = static_cast<int>(std::fmod(bad, s.nx)), j = static_cast<int>(bad / s.nx);
      std::ostringstream m;
      m.precision(10);
      m << what << " is not finite at cell (" << i << ", " << j << ") (x = " << grid.center(0, i)
        << ", y = " << grid.center(1, j) << ")";
      s.fail(m.str());
    }
    s.fft.forward(b);
    for (int a = 0; a < s.nkx; ++a)
      for (int j = 0; j < s.ny; ++j) {
        const std::size_t m = std::size_t(a) * s.ny + j;
        const double k = s.keepx[a] * s.keepy[j] * s.scale;
        out[2 * m] = k * b[2 * m];
        out[2 * m + 1] = k * b[2 * m + 1];
      }
    if (s.kx0 == 0) out[0] = out[1] = 0.0;
  };

  s.forced = false;
  std::fill(s.force.begin(), s.force.end(), 0.0);
  if (s.opt.forcing) {
    const PointFunction f = s.opt.forcing(spec, grid);
    if (f) {
      project(f, s.force, "the forcing");
      s.forced = true;
    }
  }

  const InitialVorticity ic = s.opt.initial_condition(spec, grid);
  if (ic.field) {
    project(ic.field, s.w, "the initial vorticity");
  } else {
    // c_k = sigma (|k|^2 + tau^2)^(-alpha/2) (g1 + i g2), sigma = tau^(alpha - 1): the Hermitian
    // form of the FNO generator's real part of a complex white noise with sqrt(2) sigma (...).
    // Each mode (p, q) draws from its own stream, so no rank or resolution changes a draw; the
    // half-plane p = 0, q < 0 is the conjugate of q > 0. The phase factor moves the sample
    // points from the box corner to the cell centres: the same field at every resolution.
    const double sigma = std::pow(ic.tau, ic.alpha - 1.0), tau2 = ic.tau * ic.tau;
    const std::uint64_t stream = rng::hash2(ic.seed, kTagRandomField);
    const double hx = 0.5 * grid.spacing(0), hy = 0.5 * grid.spacing(1);
    for (int a = 0; a < s.nkx; ++a) {
      const int p = s.kx0 + a;
      for (int j = 0; j < s.ny; ++j) {
        const std::size_t m = std::size_t(a) * s.ny + j;
        const int q = spectral::mode_number(j, s.ny);
        double re = 0.0, im = 0.0;
        if (s.keepx[a] * s.keepy[j] > 0.0 && (p != 0 || q != 0)) {
          const int qq = p == 0 && q < 0 ? -q : q;
          const std::uint64_t key = (std::uint64_t(std::uint32_t(p)) << 32) | std::uint32_t(qq);
          rng::SplitMix64 r(rng::hash2(stream, key));
          const auto [g1, g2] = normal_pair(r);
          const double amp =
              sigma * std::pow(s.kx[a] * s.kx[a] + s.ky[j] * s.ky[j] + tau2, -0.5 * ic.alpha);
          re = amp * g1;
          im = p == 0 && q < 0 ? -amp * g2 : amp * g2;
          const double phase = s.kx[a] * hx + s.ky[j] * hy;
          const double c = std::cos(phase), sn = std::sin(phase);
          const double r2 = re * c - im * sn;
          im = re * sn + im * c;
          re = r2;
        }
        s.w[2 * m] = re;
        s.w[2 * m + 1] = im;
      }
    }
    int bad = 0;
    for (double v : s.w) bad |= !std::isfinite(v);
    if (s.comm.allreduce_max(bad)) {
      std::ostringstream m;
      m << "the random initial vorticity (alpha = " << ic.alpha << ", tau = " << ic.tau
        << ") is not finite";
      s.fail(m.str());
    }
  }
  s.initialized = true;
  s.prepare_snapshot();
}

double NavierStokes2dSolver::step(double dt_limit) {
  Impl& s = *impl_;
  if (!s.initialized) throw std::logic_error("NavierStokes2dSolver::step: call initialize() first");
  if (!(dt_limit > 0.0))
    throw std::invalid_argument("NavierStokes2dSolver::step: dt_limit must be > 0");
  const bool adaptive = !(s.opt.fixed_dt > 0.0);
  s.advection(s.w.data(), adaptive);
  double stable = s.opt.fixed_dt;
  if (adaptive) {
    // max |u| and max |v| are reduced apart: the largest sum over a rank would be smaller.
    double top[2];
    MPI_Allreduce(s.speed, top, 2, MPI_DOUBLE, MPI_MAX, s.comm.get());
    const double global_rate = top[0] / s.opt.grid.spacing(0) + top[1] / s.opt.grid.spacing(1);
    stable = global_rate > 0.0 ? s.opt.cfl / global_rate : std::numeric_limits<double>::infinity();
    if (!std::isfinite(global_rate)) s.fail("the velocity is not finite");
    if (s.opt.dt_max > 0.0) stable = std::min(stable, s.opt.dt_max);
    if (stable < 1e-12 * s.opt.t_end || stable < 1e-300) {
      std::ostringstream m;
      m.precision(10);
      m << "the time step collapsed to " << stable << " (max |u|/dx + |v|/dy = " << global_rate
        << ")";
      s.fail(m.str());
    }
  }
  // A step that would end within 1e-12 max(1, |t|) of t + dt_limit lands on it: no sliver step
  // before a snapshot time, and the tolerance with which the workflows match snapshot times
  // (workflow/simulation_loop.cpp), so every state they take a snapshot of has been prepared.
  const bool lands = stable >= dt_limit - 1e-12 * std::max(1.0, std::fabs(s.t + dt_limit));
  const double dt = lands ? dt_limit : stable;

  // Integrating factors exp(-(nu |k|^2 + mu) dt / 2) as products of per-direction factors (no
  // exponential per mode); the full-step factor is their square.
  std::vector<double> ex(s.nkx), ey(s.ny);
  for (int a = 0; a < s.nkx; ++a) ex[a] = std::exp(-0.5 * dt * s.nu * s.kx[a] * s.kx[a]);
  for (int j = 0; j < s.ny; ++j) ey[j] = std::exp(-0.5 * dt * s.nu * s.ky[j] * s.ky[j]);
  const double em = std::exp(-0.5 * dt * s.mu);

  const double* k = s.buf[0].data();
  double* w = s.w.data();
  double* ws = s.ws.data();
  double* acc = s.acc.data();
  const double* f = s.force.data();
  const bool forced = s.forced;
  const int ny = s.ny;
  // Runs body(m, e_half, filter) over the local modes; filter * k[m] + f[m] is the stage's
  // right-hand side at m.
  auto sweep = [&](auto body) {
    for (int a = 0; a < s.nkx; ++a) {
      const double eha = ex[a] * em, fa = s.keepx[a] * s.scale;
      for (int j = 0; j < ny; ++j)
        body(2 * (std::size_t(a) * ny + j), eha * ey[j], fa * s.keepy[j]);
    }
  };
  const double h2 = 0.5 * dt, h3 = dt / 3.0, h6 = dt / 6.0;
  // IF-RK4 on v = exp(-L t) w: with E = exp(L dt), E2 = exp(L dt / 2) and N = -u.grad(w) + f,
  //   a = N(w), b = N(E2 (w + dt/2 a)), c = N(E2 w + dt/2 b), d = N(E w + dt E2 c),
  //   w+ = E w + dt/6 (E a + 2 E2 (b + c) + d).
  sweep([&](std::size_t m, double eh, double fl) {
    for (int c = 0; c < 2; ++c) {
      const double a = fl * k[m + c] + (forced ? f[m + c] : 0.0);
      ws[m + c] = eh * (w[m + c] + h2 * a);
      acc[m + c] = eh * eh * (w[m + c] + h6 * a);
    }
  });
  s.advection(ws, false);
  sweep([&](std::size_t m, double eh, double fl) {
    for (int c = 0; c < 2; ++c) {
      const double b = fl * k[m + c] + (forced ? f[m + c] : 0.0);
      acc[m + c] += eh * h3 * b;
      ws[m + c] = eh * w[m + c] + h2 * b;
    }
  });
  s.advection(ws, false);
  sweep([&](std::size_t m, double eh, double fl) {
    for (int c = 0; c < 2; ++c) {
      const double cc = fl * k[m + c] + (forced ? f[m + c] : 0.0);
      acc[m + c] += eh * h3 * cc;
      ws[m + c] = eh * (eh * w[m + c] + dt * cc);
    }
  });
  s.advection(ws, false);
  int bad = 0;
  sweep([&](std::size_t m, double, double fl) {
    for (int c = 0; c < 2; ++c) {
      const double d = fl * k[m + c] + (forced ? f[m + c] : 0.0);
      w[m + c] = acc[m + c] + h6 * d;
      bad |= !(std::fabs(w[m + c]) <= std::numeric_limits<double>::max());
    }
  });
  s.t += dt;
  ++s.nsteps;
  s.snap_fresh = false;
  if (s.comm.allreduce_max(bad)) {
    std::ostringstream m;
    m.precision(10);
    m << "the vorticity is not finite (step dt = " << dt << ")";
    s.fail(m.str());
  }
  if (lands) s.prepare_snapshot();
  return dt;
}

void NavierStokes2dSolver::prepare_snapshot() {
  if (!impl_->initialized)
    throw std::logic_error("NavierStokes2dSolver::prepare_snapshot: call initialize() first");
  impl_->prepare_snapshot();
}

void NavierStokes2dSolver::snapshot(std::vector<double>& out) const {
  if (!impl_->snap_fresh)
    throw std::logic_error(
        "NavierStokes2dSolver::snapshot: the fields are prepared at initialize() and by steps "
        "that end on their dt_limit; call prepare_snapshot() (collective) after other steps");
  out = impl_->snap;
}

std::vector<std::pair<std::string, double>> NavierStokes2dSolver::diagnostics() const {
  Impl& s = *impl_;
  const Grid& g = s.opt.grid;
  const double area = (g.upper[0] - g.lower[0]) * (g.upper[1] - g.lower[1]);
  double sums[3] = {0.0, 0.0, 0.0};  // energy, enstrophy, mean vorticity
  double* U = s.buf[0].data();
  double* V = s.buf[1].data();
  for (int a = 0; a < s.nkx; ++a)
    for (int j = 0; j < s.ny; ++j) {
      const std::size_t m = std::size_t(a) * s.ny + j;
      const double wr = s.w[2 * m], wi = s.w[2 * m + 1], ik = s.inv_k2[m];
      const double w2 = s.weight[a] * (wr * wr + wi * wi);
      sums[0] += w2 * ik;
      sums[1] += w2;
      U[2 * m] = -s.kyd[j] * wi * ik;
      U[2 * m + 1] = s.kyd[j] * wr * ik;
      V[2 * m] = s.kxd[a] * wi * ik;
      V[2 * m + 1] = -s.kxd[a] * wr * ik;
    }
  if (s.kx0 == 0) sums[2] = s.w[0];
  double global[3];
  MPI_Allreduce(sums, global, 3, MPI_DOUBLE, MPI_SUM, s.comm.get());

  // The divergence of the grid velocity, differentiated spectrally again: what the snapshot's
  // u and v satisfy, round-off included.
  s.fft.backward(U);
  s.fft.backward(V);
  const int rows = s.fft.rows(), stride = s.fft.row_stride();
  double maxes[2] = {0.0, 0.0};  // divergence, speed
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < s.nx; ++i) {
      const std::size_t o = std::size_t(r) * stride + i;
      maxes[1] = std::max(maxes[1], std::hypot(U[o], V[o]));
    }
  s.fft.forward(U);
  s.fft.forward(V);
  double* D = s.buf[2].data();
  for (int a = 0; a < s.nkx; ++a)
    for (int j = 0; j < s.ny; ++j) {
      const std::size_t m = 2 * (std::size_t(a) * s.ny + j);
      D[m] = -s.scale * (s.kxd[a] * U[m + 1] + s.kyd[j] * V[m + 1]);
      D[m + 1] = s.scale * (s.kxd[a] * U[m] + s.kyd[j] * V[m]);
    }
  s.fft.backward(D);
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < s.nx; ++i)
      maxes[0] = std::max(maxes[0], std::fabs(D[std::size_t(r) * stride + i]));
  double gmax[2];
  MPI_Allreduce(maxes, gmax, 2, MPI_DOUBLE, MPI_MAX, s.comm.get());
  return {{"energy", 0.5 * area * global[0]},
          {"enstrophy", 0.5 * area * global[1]},
          {"mean_vorticity", global[2]},
          {"max_divergence", gmax[0]},
          {"max_velocity", gmax[1]}};
}

double NavierStokes2dSolver::time() const {
  return impl_->t;
}
long NavierStokes2dSolver::steps() const {
  return impl_->nsteps;
}
double NavierStokes2dSolver::t_end() const {
  return impl_->opt.t_end;
}
const Grid& NavierStokes2dSolver::grid() const {
  return impl_->snap_grid;
}
const Grid& NavierStokes2dSolver::solve_grid() const {
  return impl_->opt.grid;
}
const std::vector<std::string>& NavierStokes2dSolver::field_names() const {
  return impl_->names;
}
Block NavierStokes2dSolver::block() const {
  const spectral::SlabFft2d& out = impl_->coarse ? *impl_->coarse : impl_->fft;
  Block b;
  b.offset = {0, out.row_start(), 0};
  b.extent = {out.nx(), out.rows(), 1};
  return b;
}
double NavierStokes2dSolver::viscosity() const {
  return impl_->nu;
}
double NavierStokes2dSolver::drag() const {
  return impl_->mu;
}
const spectral::SlabFft2d& NavierStokes2dSolver::transforms() const {
  return impl_->fft;
}

}  // namespace surge::navier_stokes
