// bench_nlse: figures of the nlse solver for docs/benchmarks.md. An MPI program; rank 0 prints
// one `key=value` record per line.
//
//   bench_nlse steps [--reps R] [--seconds S] [--sizes1d N,...] [--sizes2d N,...]
//     Time per step of each integrator (strang, split_step4 with both compositions,
//     dormand_prince at rtol 1e-8) on 1D grids of N points and 2D grids of N^2 points, beside
//     the time of the forward + backward transform pairs a step makes, measured in the same run
//     with the solver's own plans and arrays (FFTW_MEASURE; NlseSolver::time_transforms). A
//     repetition times about S seconds of steps, then as many transform pairs as those steps
//     made; `ratio` = step time / (transform pairs per step x time of one pair) of the same
//     repetition, so that a change of the machine's load between repetitions cancels. Each
//     figure is the median of R repetitions, after one untimed warm-up.
//
//   bench_nlse solution [--reps R]
//     Time to solution: the soliton A = 2, x0 = -10, v = 1 of i psi_t + psi_xx/2 + |psi|^2 psi
//     = 0 on [-25, 25) with 512 points to t = 20, for each integrator at the coarsest setting of
//     a ladder (dt divided by 2^(1/4), or rtol by 10^(1/4)) whose max error against the exact
//     solution is below 1e-6. Reports wall time (median of R runs, construction and planning
//     excluded), steps, error, and the relative drift of mass and Hamiltonian.
//
// Only bench/ and apps/ mains name MPI_COMM_WORLD.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "parallel/comm.hpp"
#include "solvers/nlse/nlse_solver.hpp"

namespace {

using surge::nlse::Composition;
using surge::nlse::Integrator;
using surge::nlse::NlseOptions;
using surge::nlse::NlseSolver;
using cplx = std::complex<double>;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

struct Scheme {
  const char* name;
  Integrator integrator;
  Composition composition;
  double pairs_per_step;  // forward + backward transform pairs per (accepted) step
};

const Scheme kSchemes[] = {
    {"strang", Integrator::Strang, Composition::BlanesMoan, 1.0},
    {"split_step4_yoshida", Integrator::SplitStep4, Composition::Yoshida, 3.0},
    {"split_step4_blanes_moan", Integrator::SplitStep4, Composition::BlanesMoan, 6.0},
    // Six new stages of one backward and one forward transform each, and one backward
    // transform of the error estimate (no rejections on this smooth problem).
    {"dormand_prince", Integrator::DormandPrince, Composition::BlanesMoan, 6.5},
};

struct Soliton {
  double a, x0, v;
  cplx at(double x, double t) const {
    return std::polar(a / std::cosh(a * (x - x0 - v * t)), v * x + 0.5 * (a * a - v * v) * t);
  }
};

NlseOptions base_options(int dim, int n) {
  NlseOptions o;
  o.grid.dim = dim;
  o.grid.cells = {n, dim > 1 ? n : 1, 1};
  o.grid.lower = {-25, -25, 0};
  o.grid.upper = {25, 25, 1};
  o.t_end = 1e6;
  o.measure_plans = true;
  // A moving soliton (a line soliton in 2D) with a transverse modulation, so that every
  // transform and every nonlinear phase is exercised with nontrivial values.
  o.initial_condition = [](const surge::SimulationSpec&, const surge::Grid&, double, double) {
    return [](double x, double y) {
      return Soliton{2.0, -10.0, 1.0}.at(x, 0.0) * (1.0 + 0.1 * std::cos(0.25 * y));
    };
  };
  return o;
}

double value_of(const std::vector<std::pair<std::string, double>>& d, const std::string& name) {
  for (const auto& [n, v] : d)
    if (n == name) return v;
  throw std::runtime_error("no diagnostic " + name);
}

int steps_mode(const surge::Comm& world, int reps, double seconds, const std::vector<int>& s1,
               const std::vector<int>& s2) {
  for (int dim : {1, 2}) {
    for (int n : dim == 1 ? s1 : s2) {
      for (const Scheme& scheme : kSchemes) {
        NlseOptions o = base_options(dim, n);
        o.integrator = scheme.integrator;
        o.composition = scheme.composition;
        o.dt = scheme.integrator == Integrator::DormandPrince ? 0.0 : 1e-3;
        o.rtol = 1e-8;
        o.atol = 1e-10;
        NlseSolver solver(world, o);
        solver.initialize(surge::SimulationSpec{});
        // Warm-up, and the step count that takes about `seconds`.
        double t0 = MPI_Wtime();
        int warm = 0;
        do {
          solver.step(1e6);
          ++warm;
        } while (world.allreduce_max(MPI_Wtime() - t0) < 0.2 * seconds && warm < 1000);
        const double per = world.allreduce_max(MPI_Wtime() - t0) / warm;
        const int steps = std::max(2, static_cast<int>(seconds / per));
        const int pairs = std::max(2, static_cast<int>(steps * scheme.pairs_per_step));
        std::vector<double> step_s, pair_s, ratio_s;
        for (int r = 0; r < reps; ++r) {
          world.barrier();
          const long before = solver.steps();
          t0 = MPI_Wtime();
          for (int k = 0; k < steps; ++k) solver.step(1e6);
          step_s.push_back(world.allreduce_max(MPI_Wtime() - t0) / (solver.steps() - before));
          pair_s.push_back(world.allreduce_max(solver.time_transforms(pairs)) / pairs);
          ratio_s.push_back(step_s.back() / (pair_s.back() * scheme.pairs_per_step));
        }
        const double step = median(step_s), pair = median(pair_s);
        if (world.rank() == 0)
          std::printf(
              "mode=steps dim=%d n=%d ranks=%d scheme=%s pairs_per_step=%.1f "
              "step_ms=%.4f pair_ms=%.4f transforms_ms=%.4f ratio=%.3f rejected=%ld\n",
              dim, n, world.size(), scheme.name, scheme.pairs_per_step, 1e3 * step, 1e3 * pair,
              1e3 * pair * scheme.pairs_per_step, median(ratio_s), solver.rejected_steps());
        std::fflush(stdout);
      }
    }
  }
  return 0;
}

struct Outcome {
  double wall = 0, error = 0, mass_drift = 0, energy_drift = 0;
  long steps = 0, rejected = 0;
};

Outcome solve(const surge::Comm& world, const NlseOptions& o, const Soliton& s) {
  NlseSolver solver(world, o);
  world.barrier();
  const double t0 = MPI_Wtime();
  solver.initialize(surge::SimulationSpec{});
  const auto d0 = solver.diagnostics();
  while (solver.time() < o.t_end * (1 - 1e-14)) solver.step(o.t_end - solver.time());
  Outcome out;
  out.wall = world.allreduce_max(MPI_Wtime() - t0);
  const auto d = solver.diagnostics();
  const std::vector<cplx> psi = solver.field();
  const surge::Block b = solver.block();
  double err = 0.0;
  for (int i = 0; i < b.extent[0]; ++i)
    err = std::max(err, std::abs(psi[i] - s.at(o.grid.center(0, b.offset[0] + i), o.t_end)));
  out.error = world.allreduce_max(err);
  out.steps = solver.steps();
  out.rejected = solver.rejected_steps();
  out.mass_drift = std::fabs(value_of(d, "mass") / value_of(d0, "mass") - 1);
  out.energy_drift = std::fabs(value_of(d, "hamiltonian") / value_of(d0, "hamiltonian") - 1);
  return out;
}

int solution_mode(const surge::Comm& world, int reps) {
  const Soliton s{2.0, -10.0, 1.0};
  for (const Scheme& scheme : kSchemes) {
    NlseOptions o = base_options(1, 512);
    o.t_end = 20.0;
    o.integrator = scheme.integrator;
    o.composition = scheme.composition;
    o.initial_condition = [s](const surge::SimulationSpec&, const surge::Grid&, double, double) {
      return [s](double x, double) { return s.at(x, 0.0); };
    };
    const bool adaptive = scheme.integrator == Integrator::DormandPrince;
    // The ladder: dt = 0.1 / 2^(k/4), or rtol = 1e-5 / 10^(k/4) (atol = rtol / 100); fine
    // enough that the setting found is within 19% (dt) or 78% (rtol) of the coarsest one.
    Outcome found;
    double setting = 0.0;
    for (int k = 0; k < 80; ++k) {
      if (adaptive) {
        o.rtol = 1e-5 * std::pow(10.0, -0.25 * k);
        o.atol = 1e-2 * o.rtol;
        setting = o.rtol;
      } else {
        o.dt = 0.1 * std::pow(2.0, -0.25 * k);
        setting = o.dt;
      }
      found = solve(world, o, s);
      if (found.error < 1e-6) break;
    }
    std::vector<double> walls{found.wall};
    for (int r = 1; r < reps; ++r) walls.push_back(solve(world, o, s).wall);
    if (world.rank() == 0)
      std::printf(
          "mode=solution ranks=%d scheme=%s %s=%.6g wall_s=%.4f steps=%ld rejected=%ld "
          "max_error=%.3e mass_drift=%.3e hamiltonian_drift=%.3e\n",
          world.size(), scheme.name, adaptive ? "rtol" : "dt", setting, median(walls), found.steps,
          found.rejected, found.error, found.mass_drift, found.energy_drift);
    std::fflush(stdout);
  }
  return 0;
}

int run(const surge::Comm& world, int argc, char** argv) {
  if (argc < 2) throw std::invalid_argument("usage: bench_nlse steps|solution [options]");
  const std::string mode = argv[1];
  int reps = 5;
  double seconds = 0.5;
  std::vector<int> s1{512, 4096, 16384, 65536}, s2{256, 512, 1024};
  for (int k = 2; k < argc; ++k) {
    const std::string a = argv[k];
    if (k + 1 >= argc) throw std::invalid_argument("missing value after " + a);
    const std::string v = argv[++k];
    if (a == "--reps")
      reps = std::stoi(v);
    else if (a == "--seconds")
      seconds = std::stod(v);
    else if (a == "--sizes1d")
      s1 = parse_list(v);
    else if (a == "--sizes2d")
      s2 = parse_list(v);
    else
      throw std::invalid_argument("unknown option " + a);
  }
  if (mode != "steps" && mode != "solution")
    throw std::invalid_argument("unknown mode '" + mode + "' (steps or solution)");
  if (reps < 1 || !(seconds > 0)) throw std::invalid_argument("--reps and --seconds must be > 0");
  surge::bench::command_line_done();
  if (mode == "steps") return steps_mode(world, reps, seconds, s1, s2);
  return solution_mode(world, reps);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const surge::Comm world = surge::Comm::borrow(MPI_COMM_WORLD);
  int status = 0;
  try {
    status = run(world, argc, argv);
  } catch (const std::exception& e) {
    status = surge::bench::failed("bench_nlse", world.rank(), e);
  }
  MPI_Finalize();
  return status;
}
