#include "workflow/simulate.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "io/study_writer.hpp"
#include "parallel/collective.hpp"
#include "parallel/layout.hpp"
#include "solvers/solver.hpp"
#include "study/initial_condition.hpp"
#include "study/study.hpp"
#include "workflow/progress.hpp"
#include "workflow/simulation_loop.hpp"
#include "workflow/snapshot_times.hpp"

namespace surge {

namespace {

// Checks on rank 0 that the output may be written, before any work.
std::string check_output(const std::string& path, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec) && !overwrite)
    return "output.file: '" + path +
           "' already exists; pass --overwrite to replace it (it is replaced only once the new "
           "study is complete) or choose another file with --set output.file=PATH";
  fs::path dir = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(dir, ec))
    return "output.file: the directory '" + dir.string() + "' of '" + path + "' does not exist";
  return {};
}

}  // namespace

SimulateSummary simulate(const Comm& world, const YAML::Node& config, const SimulateOptions& opt) {
  const std::string output = config["output"]["file"].as<std::string>();
  // ---- set-up: every input problem surfaces here, on every rank together
  agree_on_problem(world, world.rank() == 0 ? check_output(output, opt.overwrite) : "");
  std::unique_ptr<Study> study;
  std::vector<int> ids;  // the study ids this job runs: its shard, or every one
  agree_on_input(world, [&] {
    study = std::make_unique<Study>(config["study"]);
    ids = shard_simulations(study->simulations(), opt.shard_index, opt.shard_count);
  });
  // A shard's simulations have the seeds and parameters they have in the whole study.
  std::vector<SimulationSpec> specs;
  for (int id : ids) specs.push_back(study->spec(id));
  return simulate_to_file(world, config, specs, output, opt.overwrite,
                          StudyShard{opt.shard_index, opt.shard_count, study->simulations()});
}

SimulateSummary simulate_to_file(const Comm& world, const YAML::Node& config,
                                 const std::vector<SimulationSpec>& specs,
                                 const std::string& path, bool overwrite,
                                 const StudyShard& shard) {
  const double start = MPI_Wtime();
  SimulateSummary summary;
  summary.output = path;
  std::unique_ptr<Layout> layout;
  agree_on_input(world, [&] {
    layout = std::make_unique<Layout>(world, layout_options(config["layout"], false));
  });
  log::info(layout->describe());
  const int groups = layout->groups();
  const int group = layout->self().group;
  const Comm& group_comm = layout->group_comm();
  const YAML::Node solver_section = config["solver"];
  const int n = static_cast<int>(specs.size());

  std::unique_ptr<Solver> solver;
  agree_on_input(world, [&] {
    solver = make_solver(group_comm, solver_section);
    // Building one initial condition checks its expressions and files before any work.
    check_solver_inputs(solver_section, specs.at(0));
  });

  const double every = config["output"]["every"].as<double>();
  const std::vector<double> times = snapshot_times(every, solver->t_end());

  std::unique_ptr<StudyWriter> writer;
  agree_on_input(world, [&] {
    writer = std::make_unique<StudyWriter>(layout->solvers_comm(), path, overwrite,
                                           solver->grid(), solver->field_names(), times, specs,
                                           config::emit(config), shard);
  });

  {
    std::ostringstream o;
    o << "simulate: ";
    if (shard.count > 1)
      o << "shard " << shard.index << "/" << shard.count << ": simulations " << specs.front().id
        << " to " << specs.back().id << " (" << n << " of " << shard.simulations << ")";
    else
      o << n << " simulation(s)";
    o << " of '" << solver_section["type"].as<std::string>() << "' on "
      << solver->grid().total_cells() << " cells, " << times.size() << " snapshots each (every "
      << every << " to t = " << solver->t_end() << "), " << groups << " group(s) of "
      << layout->group_comm().size() << " rank(s) -> " << path;
    log::info(o.str());
  }

  // ---- work: groups take the simulations in turn (group, group + groups, ...)
  Progress progress(layout->solvers_comm(), n, config["progress"]["interval"].as<double>());
  const bool leader = group_comm.rank() == 0;
  std::vector<double> data;
  // From here on, a failure other than a simulation's own (an I/O error, say) is seen by some
  // ranks only while the others wait in collectives: stop the whole job rather than hang.
  try {
    for (int i = group; i < n; i += groups) {
      const SimulationSpec& spec = specs[static_cast<std::size_t>(i)];
      const int id = spec.id;
      const SimulationReport report = run_simulation(
          *solver, spec, id, times,
          [&](std::size_t k) {
            solver->snapshot(data);
            const double t0 = MPI_Wtime();
            writer->write(id, static_cast<int>(k), solver->time(), solver->block(), data, leader);
            summary.write_seconds += MPI_Wtime() - t0;
          },
          [&] { progress.poll(id, solver->time(), solver->t_end()); });
      if (leader) progress.finished(report);
      progress.poll();
    }
  } catch (const std::exception& e) {
    log::error(std::string("simulate: ") + e.what() + "; stopping every rank (the output stays " +
               path + ".partial)");
    world.abort(kExitRuntime);
  }

  // ---- wrap-up
  std::vector<SimulationReport> reports = progress.finish();
  std::vector<SimulationStatus> statuses;
  for (const auto& r : reports) {
    statuses.push_back({r.id, r.ok ? "ok" : "failed", r.message});
    (r.ok ? summary.ok : summary.failed) += 1;
    summary.cell_updates += r.cell_updates;
  }
  try {
    writer->finish(statuses);
  } catch (const std::exception& e) {
    log::error(std::string("simulate: ") + e.what());
    world.abort(kExitRuntime);
  }
  summary.write_seconds = world.allreduce_max(summary.write_seconds);
  summary.simulations = n;
  summary.wall_seconds = MPI_Wtime() - start;
  std::ostringstream o;
  o << "simulate: done in " << summary.wall_seconds << " s: " << summary.ok << " ok, "
    << summary.failed << " failed; " << summary.cell_updates / std::max(summary.wall_seconds, 1e-9)
    << " cell-updates/s; wrote " << path;
  log::info(o.str());
  return summary;
}

}  // namespace surge
