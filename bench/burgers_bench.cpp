// bench_burgers: figures for docs/benchmarks.md (run by scripts/bench.sh, which builds the
// tables). Two modes, both MPI programs; rank 0 prints one `key=value` record per line:
//
//   bench_burgers throughput [--reps R] [--updates U]
//     Raw speed of ScalarLawSolver (Burgers, WENO5-Z, Godunov flux, SSP-RK3, inviscid,
//     periodic) on 1D 4096/16384/65536 cells and 2D 128^2/256^2/512^2 cells. Each size takes a
//     fixed number of steps (about U cell-updates per repetition); one untimed warm-up
//     repetition, then R timed ones; the median is reported.
//
//   bench_burgers accuracy --problem fan|sine --cells N1,N2,... [--t-end T] [--cfl C] [--reps R]
//                          [--weno z|js] [--flux godunov|llf]
//     The problems of PETSc's ts/tutorials/ex9.c with -exact, solved to t = T on [-1, 1]:
//       fan:  Burgers, u0 = -1 (x < 0) | 1 (x > 0), outflow both sides; exact solution
//             u = -1 (x < -t), x / t (|x| <= t), 1 (x > t)
//       sine: linear advection with a = 1, u0 = sin(2 pi x), periodic; exact solution
//             u = sin(2 pi (x - t))
//     The error is ex9's: mean over the cells of |u_i - exact cell average_i| (ex9 prints
//     ||x - x_e||_1 / Mx). Reports the median over R runs of the stepping time (initialize
//     excluded, `step_s`) and of construct + initialize + stepping (`total_s`).
//
// Only bench/ and apps/ mains name MPI_COMM_WORLD.
#include <mpi.h>
#include <petscsys.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "parallel/comm.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"

namespace {

constexpr double kPi = 3.14159265358979323846;

// Exact cell averages of the problems above at time t (t = 0: the initial condition).
class ExactAverages final : public surge::InitialCondition {
 public:
  enum class Kind { Fan, Sine, SineProduct };
  ExactAverages(Kind kind, double t) : kind_(kind), t_(t) {}

  double average_1d(double xl, double xr) const {
    const double h = xr - xl;
    switch (kind_) {
      case Kind::Fan:
        return (fan_primitive(xr) - fan_primitive(xl)) / h;
      case Kind::Sine:
      case Kind::SineProduct: {
        // Average of sin(2 pi (x - t)) over [xl, xr], in a form without cancellation.
        const double xc = 0.5 * (xl + xr);
        return std::sin(2 * kPi * (xc - t_)) * sinc(kPi * h);
      }
    }
    return 0.0;
  }

  void fill(const surge::Grid& grid, const surge::Block& block, double* out) const override {
    for (int j = 0; j < block.extent[1]; ++j) {
      const int gj = block.offset[1] + j;
      double fy = 1.0;
      if (grid.dim > 1) fy = average_1d(grid.face(1, gj), grid.face(1, gj + 1));
      for (int i = 0; i < block.extent[0]; ++i) {
        const int gi = block.offset[0] + i;
        const double fx = average_1d(grid.face(0, gi), grid.face(0, gi + 1));
        out[static_cast<std::size_t>(j) * block.extent[0] + i] = fx * fy;
      }
    }
  }

 private:
  static double sinc(double z) { return z == 0.0 ? 1.0 : std::sin(z) / z; }
  // Integral of the fan solution from 0 to x (the solution is odd, so this is even in x).
  double fan_primitive(double x) const {
    const double a = std::fabs(x);
    if (t_ <= 0.0) return a;
    return a <= t_ ? 0.5 * x * x / t_ : a - 0.5 * t_;
  }

  Kind kind_;
  double t_;
};

// Scheme of the accuracy runs (the throughput runs use the defaults: WENO-Z, Godunov).
struct Scheme {
  surge::fv::WenoWeights weno = surge::fv::WenoWeights::Z;
  surge::fv::NumericalFlux flux = surge::fv::NumericalFlux::Godunov;
};

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

surge::ScalarLawOptions options(int dim, int n, ExactAverages::Kind kind, double cfl, double t_end,
                                const Scheme& scheme = Scheme{}) {
  surge::ScalarLawOptions o;
  const bool advect = kind == ExactAverages::Kind::Sine;
  o.equation = advect ? surge::ScalarLawOptions::Equation::Advection
                      : surge::ScalarLawOptions::Equation::Burgers;
  o.name = advect ? "advection" : "burgers";
  o.grid.dim = dim;
  for (int d = 0; d < dim; ++d) {
    o.grid.cells[d] = n;
    o.grid.lower[d] = -1.0;
    o.grid.upper[d] = 1.0;
  }
  const auto side = kind == ExactAverages::Kind::Fan ? surge::fv::Boundary::Outflow
                                                     : surge::fv::Boundary::Periodic;
  o.boundary = {side, side, side, side};
  o.viscosity = "0";
  o.velocity = {"1.0", "0.0"};
  o.flux = scheme.flux;
  o.weno = scheme.weno;
  o.cfl = cfl;
  o.t_end = t_end;
  o.initial_condition = [kind](const surge::SimulationSpec&, const surge::Grid&) {
    return std::make_unique<ExactAverages>(kind, 0.0);
  };
  return o;
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
    // Burgers with a smooth periodic start (sin(2 pi x), times sin(2 pi y) in 2D); the
    // adaptive step follows max |u|, which the fixed step count makes irrelevant to the cost.
    const auto kind = c.dim == 1 ? ExactAverages::Kind::Sine : ExactAverages::Kind::SineProduct;
    surge::ScalarLawOptions o = options(c.dim, c.n, kind, 0.4, 1e3);
    o.equation = surge::ScalarLawOptions::Equation::Burgers;
    o.name = "burgers";
    surge::ScalarLawSolver solver(world, o);
    const long long cells = o.grid.total_cells();
    const int steps = std::max(10, static_cast<int>(updates / static_cast<double>(cells)));
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
          "throughput dim=%d n=%d cells=%lld ranks=%d steps=%d reps=%d median_s=%.6f "
          "min_s=%.6f cups=%.6e cups_per_rank=%.6e\n",
          c.dim, c.n, cells, world.size(), steps, reps, med,
          *std::min_element(times.begin(), times.end()), cups, cups / world.size());
    std::fflush(stdout);
  }
}

void accuracy(const surge::Comm& world, const std::string& problem, const std::vector<int>& ns,
              double t_end, double cfl, int reps, const Scheme& scheme) {
  ExactAverages::Kind kind;
  if (problem == "fan")
    kind = ExactAverages::Kind::Fan;
  else if (problem == "sine")
    kind = ExactAverages::Kind::Sine;
  else
    throw std::invalid_argument("--problem must be fan or sine, got '" + problem + "'");
  for (int n : ns) {
    std::vector<double> step_times, total_times;
    double error = 0.0, t_final = 0.0;
    long steps = 0;
    for (int r = 0; r < reps; ++r) {
      std::unique_ptr<surge::ScalarLawSolver> solver;
      double step_s = 0.0;
      const double total_s = timed(world, [&] {
        solver = std::make_unique<surge::ScalarLawSolver>(world,
                                                          options(1, n, kind, cfl, t_end, scheme));
        solver->initialize(surge::SimulationSpec{});
        step_s = timed(world, [&] {
          while (t_end - solver->time() > 1e-12 * t_end) solver->step(t_end - solver->time());
        });
      });
      step_times.push_back(step_s);
      total_times.push_back(total_s);
      // Error against the exact cell averages at the time reached (t_end up to rounding).
      t_final = solver->time();
      steps = solver->steps();
      const surge::Block b = solver->block();
      std::vector<double> u, exact(b.size());
      solver->snapshot(u);
      ExactAverages(kind, t_final).fill(solver->grid(), b, exact.data());
      double local = 0.0;
      for (std::size_t k = 0; k < u.size(); ++k) local += std::fabs(u[k] - exact[k]);
      error = world.allreduce_sum(local) / static_cast<double>(n);
    }
    const double step_s = median(step_times);
    if (world.rank() == 0)
      std::printf(
          "accuracy problem=%s n=%d ranks=%d t=%.6f steps=%ld cfl=%g reps=%d weno=%s flux=%s "
          "error=%.6e step_s=%.6f total_s=%.6f cups=%.6e\n",
          problem.c_str(), n, world.size(), t_final, steps, cfl, reps,
          scheme.weno == surge::fv::WenoWeights::Z ? "z" : "js",
          scheme.flux == surge::fv::NumericalFlux::Godunov ? "godunov" : "llf", error, step_s,
          median(total_times), static_cast<double>(n) * steps / step_s);
    std::fflush(stdout);
  }
}

int run(const surge::Comm& world, int argc, char** argv) {
  if (argc < 2) throw std::invalid_argument("usage: bench_burgers throughput|accuracy [options]");
  const std::string mode = argv[1];
  int reps = 3;
  double updates = 1 << 22, t_end = 0.5, cfl = 0.9;
  std::string problem, cells;
  Scheme scheme;
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
    else if (a == "--problem")
      problem = v;
    else if (a == "--cells")
      cells = v;
    else if (a == "--weno" && (v == "z" || v == "js"))
      scheme.weno = v == "z" ? surge::fv::WenoWeights::Z : surge::fv::WenoWeights::JS;
    else if (a == "--flux" && (v == "godunov" || v == "llf"))
      scheme.flux = v == "godunov" ? surge::fv::NumericalFlux::Godunov
                                   : surge::fv::NumericalFlux::LocalLaxFriedrichs;
    else
      throw std::invalid_argument("unknown option or value: " + a + " " + v);
  }
  if (reps < 1) throw std::invalid_argument("--reps must be >= 1");
  if (mode != "throughput" && mode != "accuracy")
    throw std::invalid_argument("unknown mode '" + mode + "' (throughput or accuracy)");
  if (mode == "accuracy" && cells.empty())
    throw std::invalid_argument("accuracy needs --cells N1,N2,...");
  const std::vector<int> sizes = mode == "accuracy" ? parse_list(cells) : std::vector<int>{};
  surge::bench::command_line_done();
  if (mode == "throughput")
    throughput(world, reps, updates);
  else
    accuracy(world, problem, sizes, t_end, cfl, reps, scheme);
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
    status = surge::bench::failed("bench_burgers", world.rank(), e);
  }
  PetscFinalize();
  return status;
}
