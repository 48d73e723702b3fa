// bench_euler: figures of the compressible Euler solver for docs/benchmarks.md (run by
// scripts/bench.sh, which builds the tables). Three modes, all MPI programs; rank 0 prints one
// `key=value` record per line:
//
//   bench_euler throughput [--reps R] [--updates U]
//     Raw speed of EulerSolver with its defaults (WENO5-Z, characteristic reconstruction,
//     global Lax-Friedrichs splitting, positivity limiter, SSP-RK3) on the shock tube below:
//     1D 4096/16384/65536 cells on [-1, 1], 2D 128^2/256^2/512^2 cells on [-1, 1]^2. Each size
//     takes a fixed number of steps (about U cell-updates per repetition, U = 2^19 unless given,
//     at least 2 steps); one untimed warm-up repetition, then R timed ones; the median is
//     reported.
//
//   bench_euler shocktube --dim 1|2 --cells N1,N2,... [--t-end T] [--cfl C] [--reps R]
//     The shock tube of PETSc's ts/tutorials/ex11.c (`-physics euler -eu_type shock_tube`):
//     gamma = 1.4, (rho, u, p) = (8, 0, 10) for x < 0 and (1, 0, 1) for x > 0, built through
//     the solver's own `riemann` initial condition. 1D: N cells on [-1, 1], outflow ends. 2D:
//     N x N/8 square cells on [-1, 1] x [0, 0.25], outflow in x, walls in y (what ex11's
//     `wall` boundary does on a box mesh). Solved to t = T with the solver's defaults (CFL C,
//     0.4 unless given). The error is the mean over the cells of |rho_i - rho(x_i, T)|, the
//     exact solution at the cell centre (the solver's unknowns are point values there), i.e.
//     the L1 norm divided by the area of the domain. Reports the median over R runs of the
//     stepping time (`step_s`) and of construct + initialize + stepping (`total_s`).
//
//   bench_euler ex11-error --vtk FILE --t T   (one rank)
//     Reads the final state that ex11 wrote with `-ts_view_solution vtk:FILE` (legacy ASCII
//     VTK: POINTS, CELLS, then CELL_DATA with the four conserved variables per cell) and
//     prints the same error for it: `error` against the exact cell averages (ex11's unknowns
//     are cell averages; 1024-point midpoint rule across each cell, the exact solution depends
//     on x only) and `error_point` against the exact value at the cell centre.
//
// Only bench/ and apps/ mains name MPI_COMM_WORLD.
#include <mpi.h>
#include <petscsys.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "command_line.hpp"
#include "parallel/comm.hpp"
#include "solvers/euler/euler.hpp"
#include "support/euler_exact_riemann.hpp"

namespace {

// ex11's shock tube (PhysicsSolution_Euler, EULER_SHOCK_TUBE): interface at x = 0.
constexpr double kGamma = 1.4;
const surge::test::GasState kLeft{8.0, 0.0, 10.0}, kRight{1.0, 0.0, 1.0};

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> v;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) v.push_back(std::stoi(item));
  if (v.empty()) throw std::invalid_argument("empty list '" + s + "'");
  return v;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The `solver` section of a study that runs the shock tube; `rows` = 0 gives the 1D grid.
YAML::Node shock_tube_section(int nx, int rows, double y_upper, double cfl, double t_end) {
  std::ostringstream y;
  y.precision(17);
  y << "parameters:\n";
  if (rows == 0) {
    y << "  cells: [" << nx << "]\n  lower: [-1.0]\n  upper: [1.0]\n";
  } else {
    y << "  cells: [" << nx << ", " << rows << "]\n  lower: [-1.0, 0.0]\n  upper: [1.0, " << y_upper
      << "]\n";
  }
  y << "  boundary: {x_low: outflow, x_high: outflow, y_low: wall, y_high: wall}\n"
    << "  gamma: " << kGamma << "\n"
    << "  cfl: " << cfl << "\n"
    << "  t_end: " << t_end << "\n"
    << "initial_condition:\n"
    << "  type: riemann\n"
    << "  parameters:\n"
    << "    left: {rho: " << kLeft.rho << ", u: " << kLeft.u << ", p: " << kLeft.p << "}\n"
    << "    right: {rho: " << kRight.rho << ", u: " << kRight.u << ", p: " << kRight.p << "}\n"
    << "    position: 0.0\n"
    << "    direction: x\n";
  return YAML::Load(y.str());
}

// Wall seconds of `f` on the slowest rank.
template <class F>
double timed(const surge::Comm& comm, F&& f) {
  comm.barrier();
  const double t0 = MPI_Wtime();
  f();
  return comm.allreduce_max(MPI_Wtime() - t0);
}

void throughput(const surge::Comm& world, int reps, double updates) {
  struct Case {
    int dim, n;
  };
  const Case cases[] = {{1, 4096}, {1, 16384}, {1, 65536}, {2, 128}, {2, 256}, {2, 512}};
  for (const Case& c : cases) {
    // The shock tube (on [-1, 1]^2 in 2D): the cost of a step does not depend on the state,
    // and the adaptive step size only sets how far the waves get.
    const surge::euler::EulerOptions o = surge::euler::options_from_config(
        shock_tube_section(c.n, c.dim == 1 ? 0 : c.n, 1.0, 0.4, 1e3));
    surge::euler::EulerSolver solver(world, o);
    const long long cells = o.grid.total_cells();
    const int steps = std::max(2, static_cast<int>(updates / static_cast<double>(cells)));
    std::vector<double> times;
    for (int r = 0; r <= reps; ++r) {  // r = 0: warm-up, not timed
      solver.initialize(surge::SimulationSpec{});
      const double s = timed(world, [&] {
        for (int k = 0; k < steps; ++k) solver.step(1e3);
      });
      if (r > 0) times.push_back(s);
    }
    const double med = median(times);
    const double cups = static_cast<double>(cells) * steps / med;
    if (world.rank() == 0)
      std::printf(
          "euler_throughput dim=%d n=%d cells=%lld ranks=%d steps=%d reps=%d median_s=%.6f "
          "min_s=%.6f cups=%.6e cups_per_rank=%.6e\n",
          c.dim, c.n, cells, world.size(), steps, reps, med,
          *std::min_element(times.begin(), times.end()), cups, cups / world.size());
    std::fflush(stdout);
  }
}

void shocktube(const surge::Comm& world, int dim, const std::vector<int>& ns, double t_end,
               double cfl, int reps) {
  if (dim != 1 && dim != 2) throw std::invalid_argument("--dim must be 1 or 2");
  const surge::test::ExactRiemann exact(kLeft, kRight, kGamma);
  for (int n : ns) {
    if (dim == 2 && (n % 8 != 0 || n < 8))
      throw std::invalid_argument(
          "--cells: in 2D each N must be a multiple of 8 (N x N/8 cells), got " +
          std::to_string(n));
    const int rows = dim == 1 ? 0 : n / 8;
    const surge::euler::EulerOptions o =
        surge::euler::options_from_config(shock_tube_section(n, rows, 0.25, cfl, t_end));
    std::vector<double> step_times, total_times;
    double error = 0.0, t_final = 0.0;
    long steps = 0;
    for (int r = 0; r < reps; ++r) {
      std::unique_ptr<surge::euler::EulerSolver> solver;
      double step_s = 0.0;
      const double total_s = timed(world, [&] {
        solver = std::make_unique<surge::euler::EulerSolver>(world, o);
        solver->initialize(surge::SimulationSpec{});
        step_s = timed(world, [&] {
          while (t_end - solver->time() > 1e-12 * t_end) solver->step(t_end - solver->time());
        });
      });
      step_times.push_back(step_s);
      total_times.push_back(total_s);
      t_final = solver->time();
      steps = solver->steps();
      // snapshot() stores the fields one after the other, rho first, each over the block.
      const surge::Block b = solver->block();
      std::vector<double> u;
      solver->snapshot(u);
      const surge::Grid& g = solver->grid();
      double local = 0.0;
      for (int j = 0; j < b.extent[1]; ++j)
        for (int i = 0; i < b.extent[0]; ++i) {
          const double x = g.center(0, b.offset[0] + i);
          local += std::fabs(u[static_cast<std::size_t>(j) * b.extent[0] + i] -
                             exact.sample(x / t_final).rho);
        }
      error = world.allreduce_sum(local) / static_cast<double>(o.grid.total_cells());
    }
    const double step_s = median(step_times);
    if (world.rank() == 0)
      std::printf(
          "euler_shocktube dim=%d nx=%d ny=%d cells=%lld ranks=%d t=%.6f steps=%ld cfl=%g reps=%d "
          "error=%.6e step_s=%.6f total_s=%.6f cups=%.6e\n",
          dim, n, dim == 1 ? 1 : rows, o.grid.total_cells(), world.size(), t_final, steps, cfl,
          reps, error, step_s, median(total_times),
          static_cast<double>(o.grid.total_cells()) * steps / step_s);
    std::fflush(stdout);
  }
}

// --- ex11's output --------------------------------------------------------------------------

double to_double(const std::string& token, const std::string& file) {
  char* end = nullptr;
  const double v = std::strtod(token.c_str(), &end);  // also reads nan, -nan, inf
  if (end == token.c_str() || *end != '\0')
    throw std::runtime_error(file + ": expected a number, found '" + token + "'");
  return v;
}

long to_long(const std::string& token, const std::string& file) {
  char* end = nullptr;
  const long v = std::strtol(token.c_str(), &end, 10);
  if (end == token.c_str() || *end != '\0')
    throw std::runtime_error(file + ": expected an integer, found '" + token + "'");
  return v;
}

void ex11_error(const std::string& file, double t) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot open '" + file + "' (ex11's -ts_view_solution vtk:FILE)");
  auto next = [&](const char* what) {
    std::string s;
    if (!(in >> s))
      throw std::runtime_error(file + ": ended while reading " + std::string(what) +
                               " (not a legacy ASCII VTK file written by ex11?)");
    return s;
  };
  std::vector<double> px, py;
  std::vector<std::vector<long>> cells;
  std::vector<double> rho;
  std::string tok;
  bool have_data = false;
  while (in >> tok) {
    if (tok == "POINTS") {
      const long n = to_long(next("POINTS"), file);
      next("POINTS type");
      px.resize(n);
      py.resize(n);
      for (long k = 0; k < n; ++k) {
        px[k] = to_double(next("POINTS"), file);
        py[k] = to_double(next("POINTS"), file);
        next("POINTS");  // z
      }
    } else if (tok == "CELLS") {
      const long m = to_long(next("CELLS"), file);
      next("CELLS size");
      cells.resize(m);
      for (long c = 0; c < m; ++c) {
        const long k = to_long(next("CELLS"), file);
        cells[c].resize(k);
        for (long v = 0; v < k; ++v) cells[c][v] = to_long(next("CELLS"), file);
      }
    } else if (tok == "CELL_DATA") {
      const long m = to_long(next("CELL_DATA"), file);
      if (next("CELL_DATA") != "SCALARS")
        throw std::runtime_error(file + ": CELL_DATA does not start with SCALARS");
      next("SCALARS name");
      next("SCALARS type");
      const long nc = to_long(next("SCALARS components"), file);
      if (nc != 4)
        throw std::runtime_error(file + ": the cell data has " + std::to_string(nc) +
                                 " components; ex11's 2D Euler state has 4 (rho, rho u, rho v, E)");
      if (next("LOOKUP_TABLE") != "LOOKUP_TABLE")
        throw std::runtime_error(file + ": no LOOKUP_TABLE after SCALARS");
      next("LOOKUP_TABLE name");
      rho.resize(m);
      for (long c = 0; c < m; ++c) {
        rho[c] = to_double(next("CELL_DATA"), file);
        for (int k = 1; k < nc; ++k) next("CELL_DATA");
      }
      have_data = true;
      break;
    }
  }
  if (px.empty() || cells.empty() || !have_data)
    throw std::runtime_error(file + ": no POINTS, CELLS and CELL_DATA sections found");
  if (rho.size() != cells.size())
    throw std::runtime_error(file + ": " + std::to_string(rho.size()) + " cell values for " +
                             std::to_string(cells.size()) + " cells");

  const surge::test::ExactRiemann exact(kLeft, kRight, kGamma);
  // The exact solution depends on x only: one average per distinct x range of a cell.
  std::map<std::pair<double, double>, double> averages;
  auto average = [&](double a, double b) {
    const auto key = std::make_pair(a, b);
    const auto it = averages.find(key);
    if (it != averages.end()) return it->second;
    constexpr int kSamples = 1024;
    double s = 0.0;
    for (int k = 0; k < kSamples; ++k)
      s += exact.sample((a + (b - a) * (k + 0.5) / kSamples) / t).rho;
    return averages[key] = s / kSamples;
  };
  double area = 0.0, err = 0.0, err_point = 0.0, min_rho = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (!std::isfinite(rho[c]))
      throw std::runtime_error(file + ": the density of cell " + std::to_string(c) +
                               " is not finite: ex11 diverged (lower its -ufv_cfl)");
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (long v : cells[c]) {
      if (v < 0 || v >= static_cast<long>(px.size()))
        throw std::runtime_error(file + ": cell " + std::to_string(c) + " names point " +
                                 std::to_string(v) + " of " + std::to_string(px.size()));
      x0 = std::min(x0, px[v]);
      x1 = std::max(x1, px[v]);
      y0 = std::min(y0, py[v]);
      y1 = std::max(y1, py[v]);
    }
    // Box meshes only: each cell is an axis-aligned rectangle.
    const double a = (x1 - x0) * (y1 - y0);
    area += a;
    err += a * std::fabs(rho[c] - average(x0, x1));
    err_point += a * std::fabs(rho[c] - exact.sample(0.5 * (x0 + x1) / t).rho);
    min_rho = std::min(min_rho, rho[c]);
  }
  std::printf("ex11_error cells=%zu t=%.6f error=%.6e error_point=%.6e min_rho=%.6e\n",
              cells.size(), t, err / area, err_point / area, min_rho);
  std::fflush(stdout);
}

int run(const surge::Comm& world, int argc, char** argv) {
  if (argc < 2)
    throw std::invalid_argument("usage: bench_euler throughput|shocktube|ex11-error [options]");
  const std::string mode = argv[1];
  int reps = 3, dim = 0;
  double updates = 1 << 19, t_end = 0.4, cfl = 0.4, t = -1.0;
  std::string cells, vtk;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--reps")
      reps = std::stoi(v);
    else if (a == "--updates")
      updates = std::stod(v);
    else if (a == "--t-end")
      t_end = std::stod(v);
    else if (a == "--cfl")
      cfl = std::stod(v);
    else if (a == "--dim")
      dim = std::stoi(v);
    else if (a == "--cells")
      cells = v;
    else if (a == "--vtk")
      vtk = v;
    else if (a == "--t")
      t = std::stod(v);
    else
      throw std::invalid_argument("unknown option or value: " + a + " " + v);
  }
  if (reps < 1) throw std::invalid_argument("--reps must be >= 1");
  if (mode != "throughput" && mode != "shocktube" && mode != "ex11-error")
    throw std::invalid_argument("unknown mode '" + mode +
                                "' (throughput, shocktube or ex11-error)");
  if (mode == "shocktube" && cells.empty())
    throw std::invalid_argument("shocktube needs --cells N1,N2,...");
  if (mode == "ex11-error" && (vtk.empty() || !(t > 0.0)))
    throw std::invalid_argument("ex11-error needs --vtk FILE and --t T (T > 0)");
  if (mode == "ex11-error" && world.size() != 1)
    throw std::invalid_argument("ex11-error runs on one rank");
  const std::vector<int> sizes = mode == "shocktube" ? parse_list(cells) : std::vector<int>{};
  surge::bench::command_line_done();
  if (mode == "throughput")
    throughput(world, reps, updates);
  else if (mode == "shocktube")
    shocktube(world, dim, sizes, t_end, cfl, reps);
  else
    ex11_error(vtk, t);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int petsc_argc = 1;  // PETSc sees only the program name
  char** petsc_argv = argv;
  if (PetscInitialize(&petsc_argc, &petsc_argv, nullptr, nullptr) != 0) return 1;
  const surge::Comm world = surge::Comm::borrow(MPI_COMM_WORLD);
  int status = 0;
  try {
    status = run(world, argc, argv);
  } catch (const std::exception& e) {
    status = surge::bench::failed("bench_euler", world.rank(), e);
  }
  PetscFinalize();
  return status;
}
