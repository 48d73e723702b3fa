#include "solvers/euler/euler_solver.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "solvers/fv/dmda_halo.hpp"
#include "solvers/fv/ssp_rk3.hpp"

namespace surge::euler {

namespace {

constexpr int kHalo = 3;  // the six-point stencil of a face reaches three points out
// Floor on density and pressure of the limited half-updates. Absolute, so that every rank
// uses the same number without a reduction; far below any state a simulation should reach.
constexpr double kFloor = 1e-13;

const char* side_name(int side) {
  static const char* names[] = {"x_low", "x_high", "y_low", "y_high"};
  return names[side];
}

fv::Boundaries halo_sides(const std::array<Boundary, 4>& b) {
  fv::Boundaries sides{};
  // Walls use the DMDA's ghosted (non-periodic) boundary; the solver overwrites that halo
  // with the mirror image after each exchange.
  for (int k = 0; k < 4; ++k)
    sides[k] = b[k] == Boundary::Periodic ? fv::Boundary::Periodic : fv::Boundary::Outflow;
  return sides;
}

}  // namespace

struct EulerSolver::Impl {
  Impl(const Comm& group, EulerOptions o)
      : comm(group),
        opt(std::move(o)),
        nc(opt.grid.dim + 2),
        halo(comm, opt.grid, halo_sides(opt.boundary), nc, kHalo) {}

  Comm comm;
  EulerOptions opt;
  int nc;  // conserved components per point
  fv::DmdaHalo halo;
  std::vector<std::string> names;

  std::vector<double> u, stage, work;  // owned points, components fastest
  std::vector<double> walled;          // ghosted copy with wall halos (walls only)
  // One line of points (owned plus halo) along the sweep direction, with the normal momentum
  // in slot 1: conserved values, physical fluxes, normal velocity and sound speed.
  std::vector<double> line_u, line_f, line_un, line_c;
  std::vector<double> face;  // numerical fluxes of the faces of one line

  std::array<double, 2> max_speed{0, 0};  // max(|u_d| + c) over the group, current state
  // max |u_d - c|, max |u_d|, max |u_d + c| over the group per direction (the global
  // splitting's alphas).
  std::array<std::array<double, 3>, 2> max_eig{};
  std::array<double, 2> lim_coef{0, 0};  // positivity limiter: 2 dt (sum_e a_e/dx_e) / a_d
  double t = 0.0;
  long nsteps = 0;
  bool initialized = false;

  void (*rhs)(Impl&, const double*, double*) = nullptr;

  void reduce_state(double time);
  double stable_dt() const;
  const double* exchange(const double* state);
};

namespace {

// Pressure of a conserved state whose normal momentum is in slot 1 (and tangential in 2).
template <int N>
inline double pressure(const double* q, double gm1) {
  double kinetic = q[1] * q[1];
  if constexpr (N == 4) kinetic += q[2] * q[2];
  return gm1 * (q[N - 1] - 0.5 * kinetic / q[0]);
}

// Eigenvectors of the flux Jacobian in the normal direction at the Roe average of a and b:
// R (columns) and L = R^-1 (rows), fields ordered (u-c, u, [shear], u+c).
template <int N>
struct Eigen {
  double R[N][N], L[N][N];
  double un, c;  // Roe-averaged normal velocity and sound speed
};

template <int N>
void roe_eigen(const double* a, const double* b, double gamma, Eigen<N>& e) {
  const double gm1 = gamma - 1.0;
  const double ra = std::sqrt(a[0]), rb = std::sqrt(b[0]), w = 1.0 / (ra + rb);
  const double ha = (a[N - 1] + pressure<N>(a, gm1)) / a[0];
  const double hb = (b[N - 1] + pressure<N>(b, gm1)) / b[0];
  const double u = (a[1] / ra + b[1] / rb) * w;
  double v = 0.0;
  if constexpr (N == 4) v = (a[2] / ra + b[2] / rb) * w;
  const double h = (ra * ha + rb * hb) * w;
  const double q2 = u * u + v * v;
  double c2 = gm1 * (h - 0.5 * q2);
  // Positive for any two admissible states; the guard only keeps the projection finite when
  // the limiter is off and a state has already gone bad (the step then fails cleanly).
  if (!(c2 > 0.0)) c2 = std::numeric_limits<double>::min();
  const double c = std::sqrt(c2), bb = gm1 / c2, half_bq2 = 0.5 * bb * q2, ic = 1.0 / c;
  e.un = u;
  e.c = c;
  if constexpr (N == 3) {
    const double R[3][3] = {{1, 1, 1}, {u - c, u, u + c}, {h - u * c, 0.5 * q2, h + u * c}};
    const double L[3][3] = {{0.5 * (half_bq2 + u * ic), -0.5 * (bb * u + ic), 0.5 * bb},
                            {1.0 - half_bq2, bb * u, -bb},
                            {0.5 * (half_bq2 - u * ic), -0.5 * (bb * u - ic), 0.5 * bb}};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) e.R[i][j] = R[i][j], e.L[i][j] = L[i][j];
  } else {
    const double R[4][4] = {
        {1, 1, 0, 1}, {u - c, u, 0, u + c}, {v, v, 1, v}, {h - u * c, 0.5 * q2, v, h + u * c}};
    const double L[4][4] = {
        {0.5 * (half_bq2 + u * ic), -0.5 * (bb * u + ic), -0.5 * bb * v, 0.5 * bb},
        {1.0 - half_bq2, bb * u, bb * v, -bb},
        {-v, 0, 1, 0},
        {0.5 * (half_bq2 - u * ic), -0.5 * (bb * u - ic), -0.5 * bb * v, 0.5 * bb}};
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) e.R[i][j] = R[i][j], e.L[i][j] = L[i][j];
  }
}

// Numerical fluxes of faces 0..n of one line of n points; the line arrays hold the points
// -3..n+2 (index + 3). Face f lies between points f-1 and f.
template <int N, fv::WenoWeights W>
void line_fluxes(EulerSolver::Impl& s, int n, int d) {
  const double gamma = s.opt.gamma, gm1 = gamma - 1.0;
  const bool characteristic = s.opt.reconstruction == Reconstruction::Characteristic;
  const bool local = s.opt.splitting == Splitting::Local;
  // Safety factor on the global alphas: the stages of a step may exceed the wave speeds of
  // its initial state a little, and the splitting needs alpha >= |eigenvalue|.
  constexpr double kMargin = 1.1;
  const double k = s.lim_coef[d];
  const double* lu = s.line_u.data();
  const double* lf = s.line_f.data();
  const double* un = s.line_un.data();
  const double* cs = s.line_c.data();

  Eigen<N> e;
  if (!characteristic) {
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) e.R[i][j] = e.L[i][j] = i == j ? 1.0 : 0.0;
  }
  for (int f = 0; f <= n; ++f) {
    const int a = f - 1 + 3, b = f + 3;  // line indices of the face's two neighbours
    const double* ua = lu + a * N;
    const double* ub = lu + b * N;
    if (characteristic) roe_eigen<N>(ua, ub, gamma, e);

    double alpha[N];
    if (local) {
      if (characteristic) {
        // Largest |eigenvalue| of each field over the stencil and the Roe state.
        double am = std::fabs(e.un - e.c), a0 = std::fabs(e.un), ap = std::fabs(e.un + e.c);
        for (int m = a - 2; m <= b + 2; ++m) {
          am = std::max(am, std::fabs(un[m] - cs[m]));
          a0 = std::max(a0, std::fabs(un[m]));
          ap = std::max(ap, std::fabs(un[m] + cs[m]));
        }
        alpha[0] = am;
        for (int q = 1; q < N - 1; ++q) alpha[q] = a0;
        alpha[N - 1] = ap;
      } else {
        // Components mix all waves: one alpha, the largest spectral radius on the stencil.
        double r = 0.0;
        for (int m = a - 2; m <= b + 2; ++m) r = std::max(r, std::fabs(un[m]) + cs[m]);
        for (int q = 0; q < N; ++q) alpha[q] = r;
      }
    } else if (characteristic) {
      // The two acoustic fields share one alpha: a wall's mirror image swaps them, and only
      // equal alphas make the mirrored split fluxes cancel, so that no mass crosses the wall.
      // The entropy and shear fields move with |u_d|, which may be 0 at the start of a step
      // (gas at rest) and grow within it; a tenth of the acoustic alpha keeps them upwinded.
      const double acoustic = kMargin * s.max_speed[d];
      const double advective = std::max(kMargin * s.max_eig[d][1], 0.1 * acoustic);
      alpha[0] = alpha[N - 1] = acoustic;
      for (int q = 1; q < N - 1; ++q) alpha[q] = advective;
    } else {
      for (int q = 0; q < N; ++q) alpha[q] = kMargin * s.max_speed[d];
    }

    // Split fluxes of the six stencil points in the characteristic fields.
    double gp[6][N], gm[6][N];
    for (int m = 0; m < 6; ++m) {
      const double* q = lu + (a - 2 + m) * N;
      const double* fl = lf + (a - 2 + m) * N;
      for (int r = 0; r < N; ++r) {
        double w = 0.0, g = 0.0;
        for (int c = 0; c < N; ++c) {
          w += e.L[r][c] * q[c];
          g += e.L[r][c] * fl[c];
        }
        gp[m][r] = 0.5 * (g + alpha[r] * w);
        gm[m][r] = 0.5 * (g - alpha[r] * w);
      }
    }
    double hflux[N];
    for (int r = 0; r < N; ++r) {
      hflux[r] = fv::weno5<W>(gp[0][r], gp[1][r], gp[2][r], gp[3][r], gp[4][r]) +
                 fv::weno5<W>(gm[5][r], gm[4][r], gm[3][r], gm[2][r], gm[1][r]);
    }
    double F[N];
    for (int c = 0; c < N; ++c) {
      double v = 0.0;
      for (int r = 0; r < N; ++r) v += e.R[c][r] * hflux[r];
      F[c] = v;
    }

    if (s.opt.positivity) {
      // Hu, Adams & Shu (2013): the update of a point is a convex combination of the
      // half-updates u_a - k F (through its right face) and u_b + k F (through its left face);
      // blend F towards the first-order Lax-Friedrichs flux until both keep density and
      // pressure above the floor. Density is linear along the blend and pressure concave,
      // so the linear estimates below are safe.
      const double alf = std::max(std::fabs(un[a]) + cs[a], std::fabs(un[b]) + cs[b]);
      double FL[N];
      for (int c = 0; c < N; ++c)
        FL[c] = 0.5 * (lf[a * N + c] + lf[b * N + c]) - 0.5 * alf * (ub[c] - ua[c]);
      double theta = 1.0;
      for (int side = 0; side < 2; ++side) {
        const double* q = side == 0 ? ua : ub;
        const double sk = side == 0 ? -k : k;
        double hi[N], lo[N];
        for (int c = 0; c < N; ++c) {
          hi[c] = q[c] + sk * (FL[c] + theta * (F[c] - FL[c]));
          lo[c] = q[c] + sk * FL[c];
        }
        if (hi[0] < kFloor) {
          const double t = lo[0] > kFloor ? (lo[0] - kFloor) / (lo[0] - hi[0]) : 0.0;
          const double scale = std::clamp(t, 0.0, 1.0);
          theta *= scale;
          for (int c = 0; c < N; ++c) hi[c] = lo[c] + scale * (hi[c] - lo[c]);
        }
        const double ph = hi[0] > 0.0 ? pressure<N>(hi, gm1) : -1.0;
        if (ph < kFloor) {
          const double pl = lo[0] > 0.0 ? pressure<N>(lo, gm1) : -1.0;
          const double t = pl > kFloor ? (pl - kFloor) / (pl - ph) : 0.0;
          theta *= std::clamp(t, 0.0, 1.0);
        }
      }
      if (theta < 1.0)
        for (int c = 0; c < N; ++c) F[c] = FL[c] + theta * (F[c] - FL[c]);
    }
    for (int c = 0; c < N; ++c) s.face[f * N + c] = F[c];
  }
}

// L(U) = -(F_{i+1/2} - F_{i-1/2}) / dx - (G_{j+1/2} - G_{j-1/2}) / dy for the owned points.
template <int N, fv::WenoWeights W>
void euler_rhs(EulerSolver::Impl& s, const double* state, double* out) {
  const double* g = s.exchange(state);
  const Block& own = s.halo.owned();
  const Block& gh = s.halo.ghosted();
  const int xm = own.extent[0], ym = own.extent[1];
  const std::ptrdiff_t gx = gh.extent[0];
  const double* base =
      g + ((own.offset[1] - gh.offset[1]) * gx + (own.offset[0] - gh.offset[0])) * N;
  const double gm1 = s.opt.gamma - 1.0, gamma = s.opt.gamma;
  std::fill(out, out + s.u.size(), 0.0);

  for (int d = 0; d < s.opt.grid.dim; ++d) {
    const int n = d == 0 ? xm : ym;
    const int lines = d == 0 ? ym : xm;
    const std::ptrdiff_t step = d == 0 ? N : gx * N;       // next point along the line
    const std::ptrdiff_t line_step = d == 0 ? gx * N : N;  // next line, ghosted array
    const std::ptrdiff_t out_step = d == 0 ? xm * N : N;   // next line, owned array
    const std::ptrdiff_t out_point = d == 0 ? N : std::ptrdiff_t(xm) * N;
    const double inv_h = 1.0 / s.opt.grid.spacing(d);
    // Slot of each conserved component in the line arrays: the normal momentum goes first.
    int slot[N];
    for (int c = 0; c < N; ++c) slot[c] = c;
    if constexpr (N == 4) {
      if (d == 1) slot[1] = 2, slot[2] = 1;
    }
    for (int l = 0; l < lines; ++l) {
      const double* p0 = base + l * line_step;
      for (int m = -3; m < n + 3; ++m) {
        const double* q = p0 + m * step;
        double* lu = s.line_u.data() + (m + 3) * N;
        for (int c = 0; c < N; ++c) lu[slot[c]] = q[c];
        const double rho = lu[0], vn = lu[1] / rho;
        const double p = pressure<N>(lu, gm1);
        double* lf = s.line_f.data() + (m + 3) * N;
        lf[0] = lu[1];
        lf[1] = lu[1] * vn + p;
        if constexpr (N == 4) lf[2] = lu[2] * vn;
        lf[N - 1] = (lu[N - 1] + p) * vn;
        s.line_un[m + 3] = vn;
        // A bad state (only possible with the limiter off) gives NaN here; the step's
        // state check then reports it.
        s.line_c[m + 3] = std::sqrt(gamma * p / rho);
      }
      line_fluxes<N, W>(s, n, d);
      double* o = out + l * out_step;
      for (int i = 0; i < n; ++i) {
        const double* fl = s.face.data() + i * N;
        double* oi = o + i * out_point;
        for (int c = 0; c < N; ++c) oi[c] -= (fl[N + slot[c]] - fl[slot[c]]) * inv_h;
      }
    }
  }
}

template <int N>
auto pick_weno(fv::WenoWeights w) {
  return w == fv::WenoWeights::Z ? &euler_rhs<N, fv::WenoWeights::Z>
                                 : &euler_rhs<N, fv::WenoWeights::JS>;
}

}  // namespace

// The DMDA fills periodic and outflow halos; wall halos are the mirror image of the interior
// with the normal momentum reversed, so the wall face carries no mass or energy flux.
const double* EulerSolver::Impl::exchange(const double* state) {
  const double* g = halo.exchange(state);
  const auto& b = opt.boundary;
  const bool any_wall = std::any_of(b.begin(), b.begin() + 2 * opt.grid.dim,
                                    [](Boundary x) { return x == Boundary::Wall; });
  if (!any_wall) return g;
  walled.assign(g, g + walled.size());
  const Block& own = halo.owned();
  const Block& gh = halo.ghosted();
  const std::ptrdiff_t gx = gh.extent[0];
  const int xm = own.extent[0], ym = own.extent[1];
  double* base =
      walled.data() + ((own.offset[1] - gh.offset[1]) * gx + (own.offset[0] - gh.offset[0])) * nc;
  auto mirror = [&](std::ptrdiff_t to, std::ptrdiff_t from, int normal) {
    for (int c = 0; c < nc; ++c) base[to * nc + c] = base[from * nc + c];
    base[to * nc + normal] = -base[to * nc + normal];
  };
  if (b[0] == Boundary::Wall && own.offset[0] == 0)
    for (int j = 0; j < ym; ++j)
      for (int k = 1; k <= kHalo; ++k) mirror(j * gx - k, j * gx + k - 1, 1);
  if (b[1] == Boundary::Wall && own.offset[0] + xm == opt.grid.cells[0])
    for (int j = 0; j < ym; ++j)
      for (int k = 1; k <= kHalo; ++k) mirror(j * gx + xm - 1 + k, j * gx + xm - k, 1);
  if (opt.grid.dim < 2) return walled.data();
  if (b[2] == Boundary::Wall && own.offset[1] == 0)
    for (int k = 1; k <= kHalo; ++k)
      for (int i = 0; i < xm; ++i) mirror(-k * gx + i, (k - 1) * gx + i, 2);
  if (b[3] == Boundary::Wall && own.offset[1] + ym == opt.grid.cells[1])
    for (int k = 1; k <= kHalo; ++k)
      for (int i = 0; i < xm; ++i) mirror((ym - 1 + k) * gx + i, (ym - k) * gx + i, 2);
  return walled.data();
}

// One pass over the state after every step: the largest wave speed per direction for the next
// step and the admissibility check, reduced together. A bad point is encoded as
// -(4 * global index + kind) so that one MAX finds the first bad point of the group.
void EulerSolver::Impl::reduce_state(double time) {
  const Block& own = halo.owned();
  const Grid& grid = opt.grid;
  const double gm1 = opt.gamma - 1.0, gamma = opt.gamma;
  // {max |u_d - c|, max |u_d|, max |u_d + c|} for d = x, y, then the bad-point code.
  double local[7] = {0, 0, 0, 0, 0, 0, -std::numeric_limits<double>::infinity()};
  for (int j = 0; j < own.extent[1]; ++j) {
    for (int i = 0; i < own.extent[0]; ++i) {
      const double* q = u.data() + (std::size_t(j) * own.extent[0] + i) * nc;
      bool finite = true;
      for (int c = 0; c < nc; ++c) finite = finite && std::isfinite(q[c]);
      double kinetic = q[1] * q[1];
      if (nc == 4) kinetic += q[2] * q[2];
      const double p = gm1 * (q[nc - 1] - 0.5 * kinetic / q[0]);
      const int kind = !finite ? 0 : !(q[0] > 0.0) ? 1 : !(p > 0.0) ? 2 : -1;
      if (kind >= 0) {
        const double index = double(own.offset[1] + j) * grid.cells[0] + (own.offset[0] + i);
        local[6] = std::max(local[6], -(4.0 * index + kind));
        continue;
      }
      const double c = std::sqrt(gamma * p / q[0]);
      for (int d = 0; d < grid.dim; ++d) {
        const double v = q[1 + d] / q[0];
        local[3 * d] = std::max(local[3 * d], std::fabs(v - c));
        local[3 * d + 1] = std::max(local[3 * d + 1], std::fabs(v));
        local[3 * d + 2] = std::max(local[3 * d + 2], std::fabs(v + c));
      }
    }
  }
  double global[7];
  MPI_Allreduce(local, global, 7, MPI_DOUBLE, MPI_MAX, comm.get());
  if (global[6] == -std::numeric_limits<double>::infinity()) {
    for (int d = 0; d < 2; ++d) {
      max_eig[d] = {global[3 * d], global[3 * d + 1], global[3 * d + 2]};
      max_speed[d] = std::max(global[3 * d], global[3 * d + 2]);
    }
    return;
  }
  const long long code = static_cast<long long>(-global[6]);
  const long long index = code / 4;
  const int i = static_cast<int>(index % grid.cells[0]);
  const int j = static_cast<int>(index / grid.cells[0]);
  static const char* what[] = {"a value is not finite", "the density is not positive",
                               "the pressure is not positive"};
  std::ostringstream m;
  m.precision(10);
  m << opt.name << ": " << what[code % 4] << " at cell (" << i;
  if (grid.dim > 1) m << ", " << j;
  m << ") (x = " << grid.center(0, i);
  if (grid.dim > 1) m << ", y = " << grid.center(1, j);
  m << ") at t = " << time << " after " << nsteps << " steps";
  throw SimulationFailure(m.str());
}

double EulerSolver::Impl::stable_dt() const {
  if (opt.fixed_dt > 0.0) return opt.fixed_dt;
  double rate = 0.0;
  for (int d = 0; d < opt.grid.dim; ++d) rate += max_speed[d] / opt.grid.spacing(d);
  return rate > 0.0 ? opt.cfl / rate : std::numeric_limits<double>::infinity();
}

EulerSolver::EulerSolver(const Comm& group, EulerOptions options) {
  if (options.grid.dim < 1 || options.grid.dim > 2)
    throw InputError(options.where + ".cells: the euler solver supports 1D and 2D grids");
  for (int d = 0; d < options.grid.dim; ++d) {
    const bool lo = options.boundary[2 * d] == Boundary::Periodic;
    const bool hi = options.boundary[2 * d + 1] == Boundary::Periodic;
    if (lo != hi) {
      const int periodic = lo ? 2 * d : 2 * d + 1, other = lo ? 2 * d + 1 : 2 * d;
      throw InputError(options.where + ".boundary." + side_name(periodic) +
                       ": 'periodic' needs the opposite side " + side_name(other) +
                       " to be periodic too; a direction is periodic on both sides or on neither");
    }
  }
  if (!(options.gamma > 1.0))
    throw InputError(options.where + ".gamma: must be > 1 (got " + std::to_string(options.gamma) +
                     ")");
  if (!options.initial_condition)
    throw std::invalid_argument("EulerSolver: no initial condition given");
  impl_ = std::make_unique<Impl>(group, std::move(options));
  Impl& s = *impl_;
  s.names = s.opt.grid.dim == 1 ? std::vector<std::string>{"rho", "mx", "E"}
                                : std::vector<std::string>{"rho", "mx", "my", "E"};
  const std::size_t n = s.halo.owned_size();
  s.u.assign(n, 0.0);
  s.stage.assign(n, 0.0);
  s.work.assign(n, 0.0);
  const Block& gh = s.halo.ghosted();
  s.walled.assign(gh.size() * s.nc, 0.0);
  const int longest = std::max(s.halo.owned().extent[0], s.halo.owned().extent[1]) + 2 * kHalo;
  s.line_u.assign(std::size_t(longest) * s.nc, 0.0);
  s.line_f.assign(std::size_t(longest) * s.nc, 0.0);
  s.line_un.assign(longest, 0.0);
  s.line_c.assign(longest, 0.0);
  s.face.assign(std::size_t(longest) * s.nc, 0.0);
  s.rhs = s.nc == 3 ? pick_weno<3>(s.opt.weno) : pick_weno<4>(s.opt.weno);
}

EulerSolver::~EulerSolver() = default;

void EulerSolver::initialize(const SimulationSpec& spec) {
  Impl& s = *impl_;
  const PrimitiveField field = s.opt.initial_condition(spec, s.opt.grid);
  const Block& own = s.halo.owned();
  const Grid& grid = s.opt.grid;
  const double gm1 = s.opt.gamma - 1.0;
  std::size_t k = 0;
  for (int j = own.offset[1]; j < own.offset[1] + own.extent[1]; ++j) {
    for (int i = own.offset[0]; i < own.offset[0] + own.extent[0]; ++i) {
      const Primitive w = field(grid.center(0, i), grid.dim > 1 ? grid.center(1, j) : 0.0);
      const double v = grid.dim > 1 ? w[2] : 0.0;
      double* q = s.u.data() + k;
      q[0] = w[0];
      q[1] = w[0] * w[1];
      if (grid.dim > 1) q[2] = w[0] * v;
      q[s.nc - 1] = w[3] / gm1 + 0.5 * w[0] * (w[1] * w[1] + v * v);
      k += s.nc;
    }
  }
  s.t = 0.0;
  s.nsteps = 0;
  s.initialized = true;
  s.reduce_state(0.0);
}

double EulerSolver::step(double dt_limit) {
  Impl& s = *impl_;
  if (!s.initialized) throw std::logic_error("EulerSolver::step: call initialize() first");
  if (!(dt_limit > 0.0)) throw std::invalid_argument("EulerSolver::step: dt_limit must be > 0");
  const double stable = s.stable_dt();
  if (stable < 1e-12 * s.opt.t_end || stable < 1e-300) {
    std::ostringstream m;
    m.precision(10);
    m << s.opt.name << ": the time step collapsed to " << stable << " at t = " << s.t << " after "
      << s.nsteps << " steps (max wave speed " << s.max_speed[0] << ")";
    throw SimulationFailure(m.str());
  }
  const double dt = std::min(stable, dt_limit);
  double rate = 0.0;
  for (int d = 0; d < s.opt.grid.dim; ++d) rate += s.max_speed[d] / s.opt.grid.spacing(d);
  for (int d = 0; d < s.opt.grid.dim; ++d) s.lim_coef[d] = 2.0 * dt * rate / s.max_speed[d];
  fv::ssp_rk3_step(s.u.data(), s.stage.data(), s.work.data(), s.u.size(), dt,
                   [&s](const double* state, double* out) { s.rhs(s, state, out); });
  s.t += dt;
  ++s.nsteps;
  s.reduce_state(s.t);
  return dt;
}

double EulerSolver::time() const {
  return impl_->t;
}
long EulerSolver::steps() const {
  return impl_->nsteps;
}
double EulerSolver::t_end() const {
  return impl_->opt.t_end;
}
const Grid& EulerSolver::grid() const {
  return impl_->opt.grid;
}
const std::vector<std::string>& EulerSolver::field_names() const {
  return impl_->names;
}
Block EulerSolver::block() const {
  return impl_->halo.owned();
}
double EulerSolver::stable_dt() const {
  return impl_->stable_dt();
}

void EulerSolver::snapshot(std::vector<double>& out) const {
  const Impl& s = *impl_;
  const std::size_t cells = s.halo.owned().size();
  out.resize(cells * s.nc);
  for (std::size_t k = 0; k < cells; ++k)
    for (int c = 0; c < s.nc; ++c) out[c * cells + k] = s.u[k * s.nc + c];
}

std::vector<std::pair<std::string, double>> EulerSolver::diagnostics() const {
  const Impl& s = *impl_;
  const int nc = s.nc;
  const double gm1 = s.opt.gamma - 1.0;
  double sums[4] = {0, 0, 0, 0};
  double min_rho = std::numeric_limits<double>::infinity(), min_p = min_rho;
  for (std::size_t k = 0; k < s.u.size(); k += nc) {
    const double* q = s.u.data() + k;
    for (int c = 0; c < nc; ++c) sums[c] += q[c];
    double kinetic = q[1] * q[1];
    if (nc == 4) kinetic += q[2] * q[2];
    min_rho = std::min(min_rho, q[0]);
    min_p = std::min(min_p, gm1 * (q[nc - 1] - 0.5 * kinetic / q[0]));
  }
  double global[4];
  MPI_Allreduce(sums, global, nc, MPI_DOUBLE, MPI_SUM, s.comm.get());
  const double volume = s.opt.grid.cell_volume();
  std::vector<std::pair<std::string, double>> out{{"mass", global[0] * volume},
                                                  {"momentum_x", global[1] * volume}};
  if (nc == 4) out.emplace_back("momentum_y", global[2] * volume);
  out.emplace_back("energy", global[nc - 1] * volume);
  out.emplace_back("min_density", s.comm.allreduce_min(min_rho));
  out.emplace_back("min_pressure", s.comm.allreduce_min(min_p));
  out.emplace_back("max_wave_speed", std::max(s.max_speed[0], s.max_speed[1]));
  return out;
}

}  // namespace surge::euler
