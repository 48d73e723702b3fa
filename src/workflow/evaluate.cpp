#include "workflow/evaluate.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "core/error.hpp"
#include "core/log.hpp"
#include "grid/grid.hpp"
#include "parallel/collective.hpp"
#include "parallel/layout.hpp"
#include "solvers/solver.hpp"
#include "study/study.hpp"
#include "trainer/evaluation.hpp"
#include "trainer/surrogate.hpp"
#include "workflow/output_directory.hpp"
#include "workflow/progress.hpp"
#include "workflow/simulation_loop.hpp"
#include "workflow/snapshot_times.hpp"

namespace surge {

namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
std::string list_text(const std::vector<T>& v) {
  std::ostringstream o;
  o << std::setprecision(12) << "[";
  for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  return o.str() + "]";
}

std::vector<int> cells_of(const Grid& g) {
  return {g.cells.begin(), g.cells.begin() + g.dim};
}
std::vector<double> lower_of(const Grid& g) {
  return {g.lower.begin(), g.lower.begin() + g.dim};
}
std::vector<double> upper_of(const Grid& g) {
  return {g.upper.begin(), g.upper.begin() + g.dim};
}

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b));
}

// What keeps the surrogate `s` (from `dir`) from being run beside the configuration's solver
// and study, or "".
std::string surrogate_mismatch(const trainer::Surrogate& s, const std::string& dir,
                               const std::string& solver_type,
                               const std::vector<std::string>& fields,
                               const std::vector<std::string>& parameters, const Grid& grid,
                               double every) {
  const Grid& g = s.layout.grid;
  const std::string trained = "--model " + dir + ": the surrogate was trained ";
  if (cells_of(g) != cells_of(grid))
    return trained + "on a grid of " + list_text(cells_of(g)) + " cells (" +
           std::to_string(g.total_cells()) +
           " in all), but the configuration's solver.parameters.cells is " +
           list_text(cells_of(grid)) + " (" + std::to_string(grid.total_cells()) +
           "); evaluate it on its own grid, e.g. --set solver.parameters.cells=" +
           list_text(cells_of(g));
  for (int d = 0; d < g.dim; ++d)
    if (!close(g.lower[d], grid.lower[d]) || !close(g.upper[d], grid.upper[d]))
      return trained + "on the domain lower " + list_text(lower_of(g)) + ", upper " +
             list_text(upper_of(g)) + ", but the configuration's solver.parameters has lower " +
             list_text(lower_of(grid)) + ", upper " + list_text(upper_of(grid));
  if (s.layout.fields != fields)
    return trained + "on the fields " + list_text(s.layout.fields) +
           ", but the configuration's solver '" + solver_type + "' has the fields " +
           list_text(fields);
  if (s.layout.parameters != parameters)
    return trained + "with the study parameters " + list_text(s.layout.parameters) +
           " (model input channels, in this order), but the configuration's study.parameters "
           "are " +
           list_text(parameters);
  if (!close(s.every, every)) {
    std::ostringstream o;
    o << std::setprecision(12) << trained << "to advance output.every = " << s.every
      << " of simulated time per frame, but the configuration's output.every is " << every
      << "; evaluate it with --set output.every=" << s.every;
    return o.str();
  }
  return {};
}

// Gathers the state of a solver group on its rank 0: field after field, each on the whole grid
// with x fastest (the layout of a stream Sample). Blocks are fixed for the study, so who owns
// what is gathered once.
class StateGather {
 public:
  // Collective over `group`.
  StateGather(const Comm& group, const Solver& solver)
      : group_(group), grid_(solver.grid()), fields_(solver.field_names().size()) {
    const Block b = solver.block();
    const int mine[6] = {b.offset[0], b.offset[1], b.offset[2],
                         b.extent[0], b.extent[1], b.extent[2]};
    const int n = group.size();
    if (group.rank() == 0) blocks_.resize(static_cast<std::size_t>(6 * n));
    MPI_Gather(mine, 6, MPI_INT, blocks_.data(), 6, MPI_INT, 0, group.get());
    if (group.rank() != 0) return;
    int at = 0;
    for (int r = 0; r < n; ++r) {
      const int* e = &blocks_[static_cast<std::size_t>(6 * r + 3)];
      counts_.push_back(static_cast<int>(fields_) * e[0] * e[1] * e[2]);
      displacements_.push_back(at);
      at += counts_.back();
    }
    received_.resize(static_cast<std::size_t>(at));
  }

  // Collective over the group: the whole state into `out` on rank 0 (untouched elsewhere).
  void gather(const Solver& solver, std::vector<double>& out) {
    solver.snapshot(local_);
    MPI_Gatherv(local_.data(), static_cast<int>(local_.size()), MPI_DOUBLE, received_.data(),
                counts_.data(), displacements_.data(), MPI_DOUBLE, 0, group_.get());
    if (group_.rank() != 0) return;
    const std::size_t points = static_cast<std::size_t>(grid_.total_cells());
    out.resize(fields_ * points);
    for (std::size_t r = 0; r < counts_.size(); ++r) {
      const int* o = &blocks_[6 * r];
      const int* e = o + 3;
      const double* src = received_.data() + displacements_[r];
      for (std::size_t f = 0; f < fields_; ++f)
        for (int k = 0; k < e[2]; ++k)
          for (int j = 0; j < e[1]; ++j)
            for (int i = 0; i < e[0]; ++i) {
              const std::size_t cell =
                  (static_cast<std::size_t>(o[2] + k) * static_cast<std::size_t>(grid_.cells[1]) +
                   static_cast<std::size_t>(o[1] + j)) *
                      static_cast<std::size_t>(grid_.cells[0]) +
                  static_cast<std::size_t>(o[0] + i);
              out[f * points + cell] = *src++;
            }
    }
  }

 private:
  Comm group_;
  Grid grid_;
  std::size_t fields_;
  std::vector<int> blocks_, counts_, displacements_;  // rank 0: offset and extent per rank
  std::vector<double> local_, received_;
};

// The columns of evaluation.csv, one row per (simulation, model step); the first ones are fixed.
enum Column {
  kSimulation,
  kStep,
  kFrame,
  kTime,
  kRelL2,
  kPersistenceRelL2,
  kNrmse,
  kPersistenceNrmse,
  kOneStep,
  kFixedColumns
};

struct Columns {
  std::vector<std::string> names;
  std::size_t fields = 0, diagnostics = 0;
  // Per field f: rel_l2, persistence_rel_l2, nrmse, persistence_nrmse at field_errors + 4 f.
  std::size_t field_errors = kFixedColumns;
  std::size_t integrals = 0;  // per field f: truth at integrals + 2 f, surrogate after it
  std::size_t diagnostic = 0, solver_seconds = 0, surrogate_seconds = 0;

  Columns(const std::vector<std::string>& field_names,
          const std::vector<std::string>& diagnostic_names)
      : fields(field_names.size()), diagnostics(diagnostic_names.size()) {
    names = {"simulation",     "step",
             "frame",          "time",
             "rel_l2",         "persistence_rel_l2",
             "nrmse",          "persistence_nrmse",
             "one_step_rel_l2"};
    for (const auto& f : field_names)
      for (const char* what : {"rel_l2_", "persistence_rel_l2_", "nrmse_", "persistence_nrmse_"})
        names.push_back(what + f);
    integrals = names.size();
    for (const auto& f : field_names) {
      names.push_back("integral_" + f + "_truth");
      names.push_back("integral_" + f + "_surrogate");
    }
    diagnostic = names.size();
    for (const auto& d : diagnostic_names) names.push_back("truth_" + d);
    solver_seconds = names.size();
    names.emplace_back("solver_seconds");
    surrogate_seconds = names.size();
    names.emplace_back("surrogate_seconds");
  }
  std::size_t width() const { return names.size(); }
};

// What the solver side records of one simulation, on its group's rank 0.
struct Truth {
  trainer::Frames frames;                                // frame -> fields x points, as streamed
  std::map<long long, std::vector<double>> integrals;    // frame -> per field
  std::map<long long, std::vector<double>> diagnostics;  // frame -> the solver's diagnostics
  std::vector<double> seconds;  // per snapshot k > 0: solver wall time since snapshot k - 1
};

// The rows of one simulation: its rollout beside the truth.
std::vector<double> rows_of(int simulation, const Columns& c, const trainer::RolloutPlan& plan,
                            const trainer::RolloutResult& r, const Truth& truth) {
  std::vector<double> rows;
  double solver_seconds = 0;
  long long frame = plan.inputs.back();
  for (std::size_t s = 0; s < r.steps.size(); ++s) {
    const trainer::StepFigures& f = r.steps[s];
    for (long long k = frame + 1; k <= f.frame; ++k)
      solver_seconds += truth.seconds[static_cast<std::size_t>(k)];
    frame = f.frame;
    std::vector<double> row(c.width(), kNaN);
    row[kSimulation] = simulation;
    row[kStep] = static_cast<double>(s + 1);
    row[kFrame] = static_cast<double>(f.frame);
    row[kTime] = f.time;
    row[kRelL2] = f.rel_l2;
    row[kPersistenceRelL2] = f.persistence_rel_l2;
    row[kNrmse] = f.nrmse;
    row[kPersistenceNrmse] = f.persistence_nrmse;
    row[kOneStep] = f.one_step_rel_l2;
    const std::vector<double>& integrals = truth.integrals.at(f.frame);
    for (std::size_t k = 0; k < c.fields; ++k) {
      row[c.field_errors + 4 * k] = f.field_rel_l2[k];
      row[c.field_errors + 4 * k + 1] = f.field_persistence_rel_l2[k];
      row[c.field_errors + 4 * k + 2] = f.field_nrmse[k];
      row[c.field_errors + 4 * k + 3] = f.field_persistence_nrmse[k];
      row[c.integrals + 2 * k] = integrals[k];
      row[c.integrals + 2 * k + 1] = f.surrogate_integrals[k];
    }
    const std::vector<double>& d = truth.diagnostics.at(f.frame);
    for (std::size_t k = 0; k < c.diagnostics; ++k) row[c.diagnostic + k] = d[k];
    row[c.solver_seconds] = solver_seconds;
    row[c.surrogate_seconds] = f.surrogate_seconds;
    rows.insert(rows.end(), row.begin(), row.end());
  }
  return rows;
}

// fields_last_step.csv: the truth and the surrogate at the last step of a simulation.
std::string last_step_text(int simulation, const SimulationSpec& spec,
                           const std::vector<std::string>& parameter_names,
                           const trainer::TaskLayout& layout, const trainer::RolloutPlan& plan,
                           const trainer::RolloutResult& r, const Truth& truth, double every) {
  if (r.steps.empty()) return {};
  const long long frame = r.steps.back().frame;
  const std::vector<float>& t = truth.frames.at(frame);
  const std::vector<float>& s = r.last_prediction;
  std::ostringstream out;
  out << std::setprecision(9);
  out << "# held-out simulation " << simulation << ", parameters";
  for (std::size_t p = 0; p < parameter_names.size(); ++p)
    out << " " << parameter_names[p] << "=" << spec.parameter_values[p];
  out << "\n# surrogate after " << r.steps.size()
      << " model step(s) from t = " << static_cast<double>(plan.inputs.back()) * every
      << " to t = " << static_cast<double>(frame) * every << " (frame " << frame << ")\n";
  static const char* axis[] = {"x", "y", "z"};
  const Grid& g = layout.grid;
  for (int d = 0; d < g.dim; ++d) out << axis[d] << ",";
  for (std::size_t f = 0; f < layout.fields.size(); ++f)
    out << (f ? "," : "") << layout.fields[f] << "_truth," << layout.fields[f] << "_surrogate";
  out << "\n";
  const std::int64_t n = layout.points;
  for (std::int64_t i = 0; i < n; ++i) {
    const int idx[3] = {static_cast<int>(i % g.cells[0]),
                        static_cast<int>((i / g.cells[0]) % g.cells[1]),
                        static_cast<int>(i / (static_cast<std::int64_t>(g.cells[0]) * g.cells[1]))};
    for (int d = 0; d < g.dim; ++d) out << g.center(d, idx[d]) << ",";
    for (std::size_t f = 0; f < layout.fields.size(); ++f) {
      const std::size_t k = f * static_cast<std::size_t>(n) + static_cast<std::size_t>(i);
      out << (f ? "," : "") << t[k] << "," << s[k];
    }
    out << "\n";
  }
  return out.str();
}

// Collective over `world`: every rank's doubles, concatenated in rank order, on rank 0.
std::vector<double> gather_on_root(const Comm& world, const std::vector<double>& mine) {
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(world.rank() == 0 ? world.size() : 0), at;
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, world.get());
  int total = 0;
  for (int c : counts) {
    at.push_back(total);
    total += c;
  }
  std::vector<double> all(static_cast<std::size_t>(total));
  MPI_Gatherv(mine.data(), n, MPI_DOUBLE, all.data(), counts.data(), at.data(), MPI_DOUBLE, 0,
              world.get());
  return all;
}

// Collective over `world`: the longest of every rank's texts (the one rank that has one) on
// rank 0.
std::string gather_text_on_root(const Comm& world, const std::string& mine) {
  const std::vector<double> sizes = gather_on_root(world, {static_cast<double>(mine.size())});
  int from = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r)
    if (sizes[r] > sizes[static_cast<std::size_t>(from)]) from = static_cast<int>(r);
  world.bcast(from, 0);
  std::string text = world.rank() == from ? mine : std::string();
  if (from != 0) {
    if (world.rank() == from)
      MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, 0, world.get());
    if (world.rank() == 0) {
      text.resize(static_cast<std::size_t>(sizes[static_cast<std::size_t>(from)]));
      MPI_Recv(text.data(), static_cast<int>(text.size()), MPI_CHAR, from, 0, world.get(),
               MPI_STATUS_IGNORE);
    }
  }
  return text;
}

// A number as YAML writes it (.nan where a figure does not apply).
std::string num(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  std::ostringstream o;
  o << std::setprecision(7) << v;
  return o.str();
}

// A CSV cell: empty for NaN, as in metrics.csv.
std::string cell(double v) {
  if (std::isnan(v)) return "";
  std::ostringstream o;
  o << std::setprecision(9) << v;
  return o.str();
}

// Mean and worst of one figure over rows or simulations.
struct Tally {
  double sum = 0, count = 0, worst = -1;
  int worst_simulation = -1;
  long long worst_step = -1;
  void add(double v, int simulation, long long step = -1) {
    if (std::isnan(v)) return;
    sum += v;
    count += 1;
    if (v > worst) {
      worst = v;
      worst_simulation = simulation;
      worst_step = step;
    }
  }
  double mean() const { return count > 0 ? sum / count : kNaN; }
};

std::string worst_text(const Tally& t) {
  if (t.count == 0) return ".nan";
  std::string s = "{value: " + num(t.worst) + ", simulation: " + std::to_string(t.worst_simulation);
  if (t.worst_step >= 0) s += ", step: " + std::to_string(t.worst_step);
  return s + "}";
}

}  // namespace

EvaluateSummary evaluate(const Comm& world, const YAML::Node& config,
                         const EvaluateOptions& options) {
  const double start = MPI_Wtime();
  EvaluateSummary summary;
  summary.directory =
      options.output.empty() ? (fs::path(options.model) / "evaluation").string() : options.output;
  const std::string partial = summary.directory + ".partial";
  const YAML::Node solver_section = config["solver"];
  const std::string solver_type = solver_section["type"].as<std::string>();

  // ---- set-up: every input problem surfaces here, on every rank together
  std::unique_ptr<Study> study;
  std::optional<Study> held_out;
  agree_on_input(world, [&] {
    study = std::make_unique<Study>(config["study"]);
    held_out = validation_study(config["study"]);
    if (!held_out)
      throw InputError(
          "study.validation: the configuration has no held-out simulations "
          "(study.validation.simulations is 0), and surge evaluate runs the solver and the "
          "surrogate on those: set e.g. --set study.validation.simulations=4 (with a "
          "study.validation.seed other than study.seed), or evaluate with the configuration the "
          "surrogate was trained with (MODEL/config.yaml)");
  });
  const int V = held_out->simulations();
  std::unique_ptr<Layout> layout;
  agree_on_input(world, [&] {
    layout = std::make_unique<Layout>(world, layout_options(config["layout"], false));
  });
  log::info(layout->describe());
  const Comm& group_comm = layout->group_comm();
  const int groups = layout->groups();
  const bool leader = group_comm.rank() == 0;
  std::unique_ptr<Solver> solver;
  agree_on_input(world, [&] {
    solver = make_solver(group_comm, solver_section);
    check_solver_inputs(solver_section, held_out->spec(0));
  });
  const double every = config["output"]["every"].as<double>();
  const std::vector<double> times = snapshot_times(every, solver->t_end());
  // Frames are the snapshots at multiples of `every`: all of them but a final time that is
  // not one (snapshot_times computes both the same way, k * every).
  const long long last_frame = times.back() == static_cast<double>(times.size() - 1) * every
                                   ? static_cast<long long>(times.size()) - 1
                                   : static_cast<long long>(times.size()) - 2;

  // The surrogate runs on each group's rank 0 (world rank 0 among them: groups are numbered
  // from rank 0 when no rank trains).
  std::optional<trainer::Surrogate> surrogate;
  trainer::RolloutPlan plan;
  const int threads = config["training"]["threads"].as<int>(1);
  agree_on_input(world, [&] {
    if (!leader) return;
    try {
      surrogate = trainer::load_surrogate(options.model);
    } catch (const InputError& e) {
      throw InputError("--model " + options.model + ": " + e.what());
    }
    const std::string problem =
        surrogate_mismatch(*surrogate, options.model, solver_type, solver->field_names(),
                           study->parameter_names(), solver->grid(), every);
    if (!problem.empty()) throw InputError(problem);
    plan = trainer::rollout_plan(surrogate->layout, last_frame);
    if (plan.targets.empty()) {
      std::ostringstream o;
      o << "solver.parameters.t_end: " << solver->t_end() << " with output.every = " << every
        << " gives the frames 0.." << last_frame << ", too few for one model step of the "
        << "surrogate's task (it starts from frame(s) " << list_text(plan.inputs)
        << " and predicts frame " << plan.inputs.back() + surrogate->layout.stride() << ")";
      throw InputError(o.str());
    }
  });
  agree_on_problem(world, world.rank() == 0 ? check_output_directory("--output", summary.directory,
                                                                     options.overwrite)
                                            : "");
  agree_on_problem(world,
                   world.rank() == 0 ? prepare_partial_directory("--output", partial, config) : "");
  if (leader) {
    torch::set_num_threads(threads);
    // One untimed model step first: Torch's first call sets up (allocations, FFT plans) what a
    // surrogate in use has set up long before, and would be charged to the first rollout.
    const std::size_t frame_size =
        solver->field_names().size() * static_cast<std::size_t>(surrogate->layout.points);
    const std::vector<float> zeros(frame_size, 0.0f);
    const std::vector<const float*> frames(plan.inputs.size(), zeros.data());
    surrogate->predict(surrogate->layout.options.kind == trainer::TaskKind::ParametersToField
                           ? std::vector<const float*>{}
                           : frames,
                       std::vector<double>(study->parameter_names().size(), 0.0), 0.0);
  }

  // The solver's diagnostics are named by the solver itself: ask it once, on an initial state.
  solver->initialize(held_out->spec(0));
  std::vector<std::string> diagnostic_names;
  for (const auto& [name, value] : solver->diagnostics()) diagnostic_names.push_back(name);
  const std::vector<std::string>& fields = solver->field_names();
  const Columns columns(fields, diagnostic_names);
  const double volume = solver->grid().cell_volume();

  if (world.rank() == 0) {
    std::ostringstream o;
    o << "evaluate: " << V << " held-out simulation(s) of '" << solver_type << "' on "
      << solver->grid().total_cells() << " cells, frames every " << every
      << " to t = " << static_cast<double>(last_frame) * every << "; surrogate '"
      << surrogate->model_section["type"].as<std::string>() << "' ("
      << surrogate->model->parameter_count() << " parameters, task "
      << surrogate->task_section["type"].as<std::string>() << ") from " << options.model << ", "
      << plan.targets.size()
      << " model step(s) from t = " << static_cast<double>(plan.inputs.back()) * every << "; "
      << groups << " group(s) of " << group_comm.size() << " rank(s), Torch " << threads
      << " thread(s) -> " << summary.directory;
    log::info(o.str());
  }

  // ---- work: groups take the held-out simulations in turn, as surge simulate does
  const double progress_interval = config["progress"]["interval"].as<double>();
  Progress progress(layout->solvers_comm(), V, progress_interval);
  StateGather gather(group_comm, *solver);
  std::vector<double> my_rows;  // leaders: rows of their simulations
  std::string example;          // fields_last_step.csv, from the group of simulation 0
  std::vector<double> state;
  try {
    for (int v = layout->self().group; v < V; v += groups) {
      const SimulationSpec spec = held_out->spec(v);
      Truth truth;
      truth.seconds.assign(times.size(), 0.0);
      double mark = 0;
      SimulationReport report = run_simulation(
          *solver, spec, v, times,
          [&](std::size_t k) {
            if (k > 0) truth.seconds[k] = MPI_Wtime() - mark;
            const long long j = static_cast<long long>(k);
            if (j <= last_frame) {
              gather.gather(*solver, state);
              const auto d = solver->diagnostics();  // collective over the group
              if (leader) {
                truth.frames[j] = std::vector<float>(state.begin(), state.end());
                truth.integrals[j] = trainer::field_integrals(state.data(), fields.size(),
                                                              state.size() / fields.size(), volume);
                std::vector<double>& values = truth.diagnostics[j];
                for (const auto& [name, value] : d) values.push_back(value);
              }
            }
            mark = MPI_Wtime();
          },
          [&] {
            // Progress lines mid-simulation only at an interval (0: one line per simulation).
            if (progress_interval > 0) progress.poll(v, solver->time(), solver->t_end());
          });
      // The group's wall time between two snapshots is that of its slowest rank.
      MPI_Reduce(leader ? MPI_IN_PLACE : truth.seconds.data(), truth.seconds.data(),
                 static_cast<int>(truth.seconds.size()), MPI_DOUBLE, MPI_MAX, 0, group_comm.get());
      if (leader) {
        const trainer::RolloutResult result =
            trainer::evaluate_rollout(*surrogate, plan, truth.frames, spec.parameter_values);
        const std::vector<double> rows = rows_of(v, columns, plan, result, truth);
        my_rows.insert(my_rows.end(), rows.begin(), rows.end());
        if (v == 0)
          example = last_step_text(v, spec, study->parameter_names(), surrogate->layout, plan,
                                   result, truth, every);
        if (report.ok && result.steps.size() != plan.targets.size()) {
          report.ok = false;
          report.message = "the surrogate's rollout stopped after " +
                           std::to_string(result.steps.size()) + " of " +
                           std::to_string(plan.targets.size()) + " model steps";
        }
        progress.finished(report);
      }
      progress.poll();
    }
  } catch (const std::exception& e) {
    log::error(std::string("evaluate: ") + e.what() +
               "; stopping every rank (the output stays in " + partial + ")");
    world.abort(kExitRuntime);
  }

  // ---- wrap-up: rank 0 gathers every row and writes the directory, which appears whole
  const std::vector<SimulationReport> reports = progress.finish();
  const std::vector<double> all = gather_on_root(world, my_rows);
  example = gather_text_on_root(world, example);
  summary.simulations = V;
  for (const auto& r : reports) (r.ok ? summary.ok : summary.failed) += 1;

  std::string problem;
  if (world.rank() == 0) {
    try {
      const std::size_t W = columns.width();
      // Rows in (simulation, step) order whichever group computed them.
      std::vector<std::vector<double>> rows;
      for (std::size_t at = 0; at + W <= all.size(); at += W)
        rows.emplace_back(all.begin() + static_cast<long>(at),
                          all.begin() + static_cast<long>(at + W));
      std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::make_pair(a[kSimulation], a[kStep]) < std::make_pair(b[kSimulation], b[kStep]);
      });
      summary.rows = static_cast<long long>(rows.size());

      std::ofstream csv(fs::path(partial) / "evaluation.csv");
      for (std::size_t c = 0; c < W; ++c) csv << (c ? "," : "") << columns.names[c];
      csv << "\n";
      for (const auto& row : rows) {
        for (std::size_t c = 0; c < W; ++c) csv << (c ? "," : "") << cell(row[c]);
        csv << "\n";
      }
      if (!csv) throw RuntimeError("cannot write evaluation.csv in " + partial);
      csv.close();
      if (!example.empty()) {
        std::ofstream out(fs::path(partial) / "fields_last_step.csv");
        out << example;
        if (!out) throw RuntimeError("cannot write fields_last_step.csv in " + partial);
      }

      // The training's own figures (surrogate.yaml), to set beside the same figures here.
      YAML::Node trained;
      try {
        trained = YAML::LoadFile((fs::path(options.model) / "surrogate.yaml").string())["training"];
      } catch (const YAML::Exception&) {
      }
      const int horizon = trained && trained["validation_rollout_steps"]
                              ? trained["validation_rollout_steps"].as<int>(0)
                              : 0;

      // Per row, per simulation (its last row), per field.
      Tally rel, persistence_rel, one_step, last_rel, last_persistence, nrmse, persistence_nrmse,
          at_horizon;
      std::vector<Tally> field_rel(fields.size()), field_nrmse(fields.size()),
          field_persistence_nrmse(fields.size());
      std::vector<double> truth_drift(fields.size(), 0.0), surrogate_drift(fields.size(), 0.0),
          difference(fields.size(), 0.0);
      std::map<int, const std::vector<double>*> last_row, first_row;
      for (const auto& row : rows) {
        const int sim = static_cast<int>(row[kSimulation]);
        const auto step = static_cast<long long>(row[kStep]);
        rel.add(row[kRelL2], sim, step);
        persistence_rel.add(row[kPersistenceRelL2], sim, step);
        one_step.add(row[kOneStep], sim, step);
        for (std::size_t f = 0; f < fields.size(); ++f)
          field_rel[f].add(row[columns.field_errors + 4 * f], sim, step);
        if (step == horizon) at_horizon.add(row[kNrmse], sim);
        if (!first_row.count(sim)) first_row[sim] = &row;
        last_row[sim] = &row;
      }
      double solver_seconds = 0, surrogate_seconds = 0;
      for (const auto& [sim, row] : last_row) {
        const std::vector<double>& r = *row;
        last_rel.add(r[kRelL2], sim);
        last_persistence.add(r[kPersistenceRelL2], sim);
        nrmse.add(r[kNrmse], sim);
        persistence_nrmse.add(r[kPersistenceNrmse], sim);
        for (std::size_t f = 0; f < fields.size(); ++f) {
          field_nrmse[f].add(r[columns.field_errors + 4 * f + 2], sim);
          field_persistence_nrmse[f].add(r[columns.field_errors + 4 * f + 3], sim);
        }
        solver_seconds += r[columns.solver_seconds];
        surrogate_seconds += r[columns.surrogate_seconds];
      }
      // Integrals: change along each rollout from its first step (the truth's drift is the
      // solver's conservation; the surrogate's shows what it does not conserve).
      for (const auto& row : rows) {
        const std::vector<double>& first = *first_row.at(static_cast<int>(row[kSimulation]));
        for (std::size_t f = 0; f < fields.size(); ++f) {
          const double t0 = first[columns.integrals + 2 * f];
          const double t = row[columns.integrals + 2 * f];
          const double s = row[columns.integrals + 2 * f + 1];
          truth_drift[f] = std::max(truth_drift[f], std::abs(t - t0));
          surrogate_drift[f] = std::max(surrogate_drift[f], std::abs(s - t0));
          difference[f] = std::max(difference[f], std::abs(s - t));
        }
      }
      summary.rel_l2_mean = rel.mean();
      summary.one_step_mean = one_step.mean();
      summary.nrmse_mean = nrmse.mean();
      summary.persistence_nrmse_mean = persistence_nrmse.mean();
      summary.solver_seconds = solver_seconds;
      summary.surrogate_seconds = surrogate_seconds;
      summary.speedup = surrogate_seconds > 0 ? solver_seconds / surrogate_seconds : kNaN;

      std::ofstream out(fs::path(partial) / "summary.yaml");
      out << "# surge evaluate: the surrogate against the solver on the held-out simulations "
             "(study.validation)\n# of the configuration; definitions in docs/training.md, "
             "\"Evaluating a surrogate\".\n";
      out << "surrogate: {directory: '" << fs::absolute(options.model).string()
          << "', model: " << surrogate->model_section["type"].as<std::string>()
          << ", task: " << surrogate->task_section["type"].as<std::string>()
          << ", parameters: " << surrogate->model->parameter_count();
      if (trained && trained["steps"])
        out << ", trained_steps: " << trained["steps"].as<long long>();
      out << "}\n";
      out << "config: {file: '"
          << (options.config_file.empty() ? std::string("-")
                                          : fs::absolute(options.config_file).string())
          << "', solver: " << solver_type << ", cells: " << list_text(cells_of(solver->grid()))
          << ", every: " << num(every) << ", t_end: " << num(solver->t_end())
          << "}  # resolved in config.yaml\n";
      out << "simulations: {total: " << V << ", ok: " << summary.ok
          << ", failed: " << summary.failed << "}\n";
      out << "rollout: {model_steps: " << plan.targets.size()
          << ", from_time: " << num(static_cast<double>(plan.inputs.back()) * every)
          << ", to_time: " << num(static_cast<double>(plan.targets.back()) * every)
          << ", rows: " << summary.rows << "}\n";
      out << "errors:\n"
          << "  rel_l2: {mean: " << num(rel.mean()) << ", last_step_mean: " << num(last_rel.mean())
          << ", worst: " << worst_text(rel) << "}\n"
          << "  persistence_rel_l2: {mean: " << num(persistence_rel.mean())
          << ", last_step_mean: " << num(last_persistence.mean()) << "}\n"
          << "  one_step_rel_l2: {mean: " << num(one_step.mean())
          << ", worst: " << worst_text(one_step) << "}\n"
          << "  nrmse: {mean: " << num(nrmse.mean()) << ", worst: " << worst_text(nrmse) << "}\n"
          << "  persistence_nrmse: {mean: " << num(persistence_nrmse.mean())
          << ", worst: " << worst_text(persistence_nrmse) << "}\n"
          << "  fields:\n";
      for (std::size_t f = 0; f < fields.size(); ++f)
        out << "    " << fields[f] << ": {rel_l2_mean: " << num(field_rel[f].mean())
            << ", nrmse_mean: " << num(field_nrmse[f].mean())
            << ", persistence_nrmse_mean: " << num(field_persistence_nrmse[f].mean()) << "}\n";
      out << "training_validation:  # surrogate.yaml's last validation beside the same figures "
             "here\n";
      if (trained && trained["validation_one_step_rel_l2"])
        out << "  one_step_rel_l2: {training: "
            << num(trained["validation_one_step_rel_l2"].as<double>(kNaN))
            << ", evaluation: " << num(one_step.mean()) << "}\n"
            << "  rollout_nrmse: {steps: " << horizon
            << ", training: " << num(trained["validation_rollout_nrmse"].as<double>(kNaN))
            << ", evaluation: " << num(at_horizon.mean()) << "}\n";
      else
        out << "  {}\n";
      out << "integrals:  # of each field over the domain; largest change from the first step, "
             "and largest surrogate - truth\n";
      for (std::size_t f = 0; f < fields.size(); ++f)
        out << "  " << fields[f] << ": {truth_drift_max: " << num(truth_drift[f])
            << ", surrogate_drift_max: " << num(surrogate_drift[f])
            << ", surrogate_minus_truth_max: " << num(difference[f]) << "}\n";
      out << "speedup: {solver_seconds: " << num(solver_seconds)
          << ", surrogate_seconds: " << num(surrogate_seconds)
          << ", speedup: " << num(summary.speedup)
          << ", solver_ranks_per_simulation: " << group_comm.size()
          << ", surrogate_threads: " << threads << "}\n";
      out << "simulations_detail:\n";
      for (const auto& r : reports) {
        const SimulationSpec spec = held_out->spec(r.id);
        out << "  - {simulation: " << r.id << ", status: " << (r.ok ? "ok" : "failed");
        if (!r.ok) out << ", message: '" << r.message << "'";
        out << ", parameters: {";
        for (std::size_t p = 0; p < study->parameter_names().size(); ++p)
          out << (p ? ", " : "") << study->parameter_names()[p] << ": "
              << num(spec.parameter_values[p]);
        out << "}";
        auto it = last_row.find(r.id);
        if (it != last_row.end()) {
          const std::vector<double>& l = *it->second;
          out << ", steps: " << static_cast<long long>(l[kStep]) << ", nrmse: " << num(l[kNrmse])
              << ", persistence_nrmse: " << num(l[kPersistenceNrmse])
              << ", last_rel_l2: " << num(l[kRelL2])
              << ", solver_seconds: " << num(l[columns.solver_seconds])
              << ", surrogate_seconds: " << num(l[columns.surrogate_seconds]);
        } else {
          out << ", steps: 0";
        }
        out << "}\n";
      }
      summary.wall_seconds = MPI_Wtime() - start;
      out << "wall_seconds: " << num(summary.wall_seconds) << "\n";
      if (!out) throw RuntimeError("cannot write summary.yaml in " + partial);
      out.close();
      publish_directory(partial, summary.directory);
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  int failed_output = problem.empty() ? 0 : 1;
  MPI_Bcast(&failed_output, 1, MPI_INT, 0, world.get());
  if (failed_output) {
    log::error("evaluate: " + problem + " (the results stay in " + partial + ")");
    throw RuntimeError("evaluate: could not publish " + summary.directory);
  }
  double figures[7] = {static_cast<double>(summary.rows),
                       summary.rel_l2_mean,
                       summary.one_step_mean,
                       summary.nrmse_mean,
                       summary.persistence_nrmse_mean,
                       summary.solver_seconds,
                       summary.surrogate_seconds};
  MPI_Bcast(figures, 7, MPI_DOUBLE, 0, world.get());
  summary.rows = static_cast<long long>(figures[0]);
  summary.rel_l2_mean = figures[1];
  summary.one_step_mean = figures[2];
  summary.nrmse_mean = figures[3];
  summary.persistence_nrmse_mean = figures[4];
  summary.solver_seconds = figures[5];
  summary.surrogate_seconds = figures[6];
  summary.speedup =
      summary.surrogate_seconds > 0 ? summary.solver_seconds / summary.surrogate_seconds : kNaN;
  summary.wall_seconds = MPI_Wtime() - start;
  std::ostringstream o;
  o << "evaluate: done in " << summary.wall_seconds << " s: " << summary.ok << " simulation(s) ok, "
    << summary.failed << " failed; rollout nRMSE " << summary.nrmse_mean << " (persistence "
    << summary.persistence_nrmse_mean << "), one-step rel L2 " << summary.one_step_mean
    << "; solver " << summary.solver_seconds << " s, surrogate " << summary.surrogate_seconds
    << " s: speed-up " << summary.speedup << "; wrote " << summary.directory
    << " (plots: scripts/plot_evaluate.py " << summary.directory << ")";
  log::info(o.str());
  return summary;
}

}  // namespace surge
