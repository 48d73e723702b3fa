// bench_ns2d: figures for the "2D Navier-Stokes" section of docs/benchmarks.md. Two modes, both
// MPI programs; rank 0 prints one `key=value` record per line:
//
//   bench_ns2d step [--sizes 256,512,1024] [--steps S] [--reps R] [--planner estimate|measure]
//     Time per IF-RK4 step of NavierStokes2dSolver on N^2 cells, all ranks in one group, beside
//     the time of the transforms a step performs (16 inverse, 4 forward), timed in the same run
//     with the solver's own plans and buffers of the same size: before each stage's transforms
//     the four buffers are refilled with the current spectrum (untimed), then each transform is
//     timed on its own. Setup: the FNO benchmark flow (unit box, nu = 1e-3, fno forcing, random
//     vorticity alpha 2.5, tau 7), fixed dt = 1e-4. One untimed warm-up repetition, then R
//     repetitions of S steps; medians reported.
//
//   bench_ns2d throughput [--sizes 64,256] [--t-end T] [--cfls 1.2,0.8,0.5,0.3] [--tol 1e-4]
//                         [--group-size G]
//     Ensemble throughput in the FNO setting: the world is split into groups of G ranks, each
//     running its own trajectory (seed = group index) from t = 0 to T with CFL-adaptive steps.
//     For each CFL number (largest first) the run is repeated with a ten times smaller CFL
//     number and the relative L2 distance of the final vorticity is measured; the first CFL
//     number within --tol is reported with its wall time per trajectory per unit of simulated
//     time (initialize and steps; the plans are made once per group, outside the timing).
//
// Only bench/ and apps/ mains name MPI_COMM_WORLD.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "parallel/comm.hpp"
#include "solvers/navier_stokes/ns2d_solver.hpp"

namespace {

using surge::Comm;
using surge::navier_stokes::InitialVorticity;
using surge::navier_stokes::NavierStokes2dOptions;
using surge::navier_stokes::NavierStokes2dSolver;

constexpr double kTwoPi = 6.28318530717958647692;

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stod(item));
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

NavierStokes2dOptions fno_setup(int n, surge::spectral::Planner planner) {
  NavierStokes2dOptions o;
  o.grid.dim = 2;
  o.grid.cells = {n, n, 1};
  o.nu = "1e-3";
  o.planner = planner;
  o.initial_condition = [](const surge::SimulationSpec& spec, const surge::Grid&) {
    InitialVorticity v;
    v.alpha = 2.5;
    v.tau = 7.0;
    v.seed = spec.seed;
    return v;
  };
  o.forcing = [](const surge::SimulationSpec&, const surge::Grid&) {
    return [](double x, double y) {
      return 0.1 * (std::sin(kTwoPi * (x + y)) + std::cos(kTwoPi * (x + y)));
    };
  };
  return o;
}

void step_mode(const Comm& world, const std::vector<double>& sizes, int steps, int reps,
               surge::spectral::Planner planner) {
  for (double size : sizes) {
    const int n = static_cast<int>(size);
    NavierStokes2dOptions o = fno_setup(n, planner);
    o.fixed_dt = 1e-4;
    o.t_end = 1e9;
    NavierStokes2dSolver s(world, o);
    surge::SimulationSpec spec;
    spec.seed = 1;
    s.initialize(spec);
    const surge::spectral::SlabFft2d& fft = s.transforms();
    std::vector<surge::spectral::FftBuffer> bufs;
    for (int b = 0; b < 4; ++b) bufs.push_back(fft.make_buffer());
    // A smooth spectrum to transform: the first buffer after a forward transform of a
    // physical field with values of order one (the layout and magnitudes of a real step).
    std::vector<double> spectrum(fft.buffer_size(), 0.0);
    {
      double* b = bufs[0].data();
      for (int r = 0; r < fft.rows(); ++r)
        for (int i = 0; i < n; ++i)
          b[std::size_t(r) * fft.row_stride() + i] =
              std::sin(kTwoPi * i / n) * std::cos(kTwoPi * (fft.row_start() + r) / n);
      fft.forward(b);
      const double scale = 1.0 / (double(n) * n);
      for (std::size_t k = 0; k < spectrum.size(); ++k) spectrum[k] = b[k] * scale;
    }
    std::vector<double> step_times, fft_times;
    for (int rep = 0; rep <= reps; ++rep) {
      world.barrier();
      double t0 = MPI_Wtime();
      for (int k = 0; k < steps; ++k) s.step(1e9);
      world.barrier();
      const double step_time = (MPI_Wtime() - t0) / steps;

      double fft_time = 0.0;
      world.barrier();
      for (int k = 0; k < steps; ++k) {
        for (int stage = 0; stage < 4; ++stage) {
          for (auto& b : bufs) std::copy(spectrum.begin(), spectrum.end(), b.data());
          for (auto& b : bufs) {
            t0 = MPI_Wtime();
            fft.backward(b.data());
            fft_time += MPI_Wtime() - t0;
          }
          t0 = MPI_Wtime();
          fft.forward(bufs[0].data());
          fft_time += MPI_Wtime() - t0;
        }
      }
      world.barrier();
      fft_time = world.allreduce_max(fft_time) / steps;
      if (rep > 0) {  // rep 0 warms up caches and the MPI buffers
        step_times.push_back(step_time);
        fft_times.push_back(fft_time);
      }
    }
    const double step = median(step_times), ffts = median(fft_times);
    if (world.rank() == 0)
      std::printf(
          "mode=step cells=%dx%d ranks=%d steps=%d reps=%d step_ms=%.3f fft_ms=%.3f "
          "ratio=%.3f transforms_per_step=%d\n",
          n, n, world.size(), steps, reps, 1e3 * step, 1e3 * ffts, step / ffts,
          NavierStokes2dSolver::kBackwardPerStep + NavierStokes2dSolver::kForwardPerStep);
  }
}

struct Trajectory {
  double seconds = 0.0;
  long steps = 0;
  std::vector<double> w;  // this rank's block of the final vorticity
};

Trajectory trajectory(NavierStokes2dSolver& s, const Comm& group, int seed, double t_end) {
  surge::SimulationSpec spec;
  spec.seed = static_cast<std::uint64_t>(seed);
  group.barrier();
  const double t0 = MPI_Wtime();
  s.initialize(spec);
  while (t_end - s.time() > 1e-12 * std::max(1.0, t_end)) s.step(t_end - s.time());
  group.barrier();
  Trajectory r;
  r.seconds = MPI_Wtime() - t0;
  r.steps = s.steps();
  s.snapshot(r.w);
  return r;
}

void throughput_mode(const Comm& world, const std::vector<double>& sizes, double t_end,
                     const std::vector<double>& cfls, double tol, int group_size) {
  if (world.size() % group_size)
    throw std::invalid_argument("--group-size must divide the number of ranks");
  const int groups = world.size() / group_size;
  const int g = world.rank() / group_size;
  const Comm group = world.split(g, world.rank());
  for (double size : sizes) {
    const int n = static_cast<int>(size);
    bool met = false;
    for (double cfl : cfls) {
      NavierStokes2dOptions o = fno_setup(n, surge::spectral::Planner::Measure);
      o.t_end = t_end;
      o.cfl = cfl;
      NavierStokes2dSolver run(group, o);
      o.cfl = cfl / 10;
      NavierStokes2dSolver fine(group, o);
      const Trajectory a = trajectory(run, group, g, t_end);
      const Trajectory b = trajectory(fine, group, g, t_end);
      double sums[2] = {0.0, 0.0};
      for (std::size_t k = 0; k < a.w.size(); ++k) {
        sums[0] += (a.w[k] - b.w[k]) * (a.w[k] - b.w[k]);
        sums[1] += b.w[k] * b.w[k];
      }
      double total[2];
      MPI_Allreduce(sums, total, 2, MPI_DOUBLE, MPI_SUM, group.get());
      const double err = world.allreduce_max(std::sqrt(total[0] / total[1]));
      const double seconds = world.allreduce_max(a.seconds);
      // Groups run side by side: the ensemble finishes `groups` trajectories in `seconds`.
      const double per_unit = seconds / groups / t_end;
      if (world.rank() == 0)
        std::printf(
            "mode=throughput cells=%dx%d ranks=%d group_size=%d cfl=%.3g t_end=%g "
            "steps=%ld wall_s=%.3f s_per_trajectory_per_unit_time=%.4f "
            "rel_l2_vs_cfl_over_10=%.2e within_tol=%d\n",
            n, n, world.size(), group_size, cfl, t_end, a.steps, seconds, per_unit, err,
            err <= tol ? 1 : 0);
      if (err <= tol) {
        met = true;
        break;
      }
    }
    if (!met && world.rank() == 0)
      std::printf("mode=throughput cells=%dx%d no CFL number met the tolerance %.1e\n", n, n, tol);
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    const Comm world = Comm::borrow(MPI_COMM_WORLD);
    if (argc < 2) throw std::invalid_argument("usage: bench_ns2d step|throughput [options]");
    const std::string mode = argv[1];
    std::vector<double> sizes =
        mode == "step" ? std::vector<double>{256, 512, 1024} : std::vector<double>{64, 256};
    std::vector<double> cfls{1.2, 0.8, 0.5, 0.3};
    int steps = 10, reps = 3, group_size = 1;
    double t_end = 1.0, tol = 1e-4;
    surge::spectral::Planner planner = surge::spectral::Planner::Measure;
    if ((argc - 2) % 2 != 0)
      throw std::invalid_argument(std::string(argv[argc - 1]) + " needs a value");
    for (int a = 2; a + 1 < argc; a += 2) {
      const std::string key = argv[a], value = argv[a + 1];
      if (key == "--sizes")
        sizes = parse_list(value);
      else if (key == "--steps")
        steps = std::stoi(value);
      else if (key == "--reps")
        reps = std::stoi(value);
      else if (key == "--planner")
        planner = value == "estimate" ? surge::spectral::Planner::Estimate
                                      : surge::spectral::Planner::Measure;
      else if (key == "--t-end")
        t_end = std::stod(value);
      else if (key == "--cfls")
        cfls = parse_list(value);
      else if (key == "--tol")
        tol = std::stod(value);
      else if (key == "--group-size")
        group_size = std::stoi(value);
      else
        throw std::invalid_argument("unknown option " + key);
    }
    if (mode != "step" && mode != "throughput")
      throw std::invalid_argument("unknown mode '" + mode + "' (step or throughput)");
    surge::bench::command_line_done();
    if (mode == "step")
      step_mode(world, sizes, steps, reps, planner);
    else
      throughput_mode(world, sizes, t_end, cfls, tol, group_size);
  } catch (const std::exception& e) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    status = surge::bench::failed("bench_ns2d", rank, e);
  }
  MPI_Finalize();
  return status;
}
