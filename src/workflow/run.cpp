#include "workflow/run.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "grid/grid.hpp"
#include "models/model.hpp"
#include "parallel/collective.hpp"
#include "parallel/layout.hpp"
#include "solvers/solver.hpp"
#include "stream/options.hpp"
#include "stream/sender.hpp"
#include "study/initial_condition.hpp"
#include "study/study.hpp"
#include "train/buffer.hpp"
#include "trainer/checkpoint.hpp"
#include "trainer/data_parallel.hpp"
#include "trainer/device.hpp"
#include "trainer/optimization.hpp"
#include "trainer/task.hpp"
#include "workflow/output_directory.hpp"
#include "workflow/progress.hpp"
#include "workflow/simulation_loop.hpp"
#include "workflow/simulate.hpp"
#include "workflow/snapshot_times.hpp"
#include "workflow/train.hpp"

namespace surge {

namespace {

namespace fs = std::filesystem;

// A number as YAML writes it (.nan for a figure that does not apply).
std::string yaml_number(double v) {
  if (std::isnan(v)) return ".nan";
  std::ostringstream o;
  o << std::setprecision(6) << v;
  return o.str();
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) v.push_back(line);
  return v;
}

// The directory whose checkpoint a --resume DIR names: DIR itself or, for a run that was
// interrupted (never published), DIR.partial.
std::string resume_root(const std::string& dir) {
  std::error_code ec;
  if (fs::is_directory(fs::path(dir) / "checkpoint", ec)) return dir;
  if (fs::is_directory(fs::path(dir + ".partial") / "checkpoint", ec)) return dir + ".partial";
  return dir;  // read_checkpoint names what is missing
}

// The data rows of `dir`/metrics.csv up to `step` (first column), to carry into a resumed run.
std::vector<std::string> metrics_rows_until(const std::string& dir, long long step) {
  std::vector<std::string> rows;
  std::ifstream in(fs::path(dir) / "metrics.csv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    try {
      if (std::stoll(line.substr(0, line.find(','))) <= step) rows.push_back(line);
    } catch (const std::exception&) {
      break;  // a row cut short by the interruption
    }
  }
  return rows;
}

// Thrown out of a simulation when the run is interrupted (the group agreed to stop).
struct Interrupted {};

// What keeps `dir` from being created, or "".
std::string make_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  return ec ? "cannot create " + dir.string() + ": " + ec.message() : "";
}

}  // namespace

std::shared_ptr<models::Model> build_model(const YAML::Node& training,
                                           const std::vector<std::string>& fields,
                                           const std::vector<std::string>& parameters,
                                           const Grid& grid) {
  torch::set_num_threads(training["threads"].as<int>());
  if (const std::string what = trainer::device_problem(training["device"].as<std::string>());
      !what.empty())
    throw InputError("training.device: " + what);
  const trainer::TaskLayout task =
      trainer::task_layout(trainer::task_options(training["task"]), fields, parameters, grid);
  models::ModelShape shape;
  shape.in_channels = task.in_channels();
  shape.out_channels = task.out_channels();
  shape.grid = task.model_grid;
  torch::manual_seed(training["seed"].as<std::uint64_t>());
  return models::make_model(training["model"], shape);
}

void idle_barrier(const Comm& comm) {
  // A blocking barrier would spin on its core, taking it from the ranks still working when
  // ranks share cores; a non-blocking one tested now and then leaves it to them.
  MPI_Request request;
  MPI_Ibarrier(comm.get(), &request);
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

}  // namespace

RunSummary run(const Comm& world, const YAML::Node& config, const RunOptions& options) {
  const double start = MPI_Wtime();
  RunSummary summary;
  summary.directory = config["output"]["directory"].as<std::string>();
  const std::string partial = summary.directory + ".partial";
  const YAML::Node training = config["training"];
  const YAML::Node solver_section = config["solver"];

  // ---- set-up: every input problem surfaces here, on every rank together
  agree_on_problem(world,
                   world.rank() == 0 ? check_output_directory("output.directory", summary.directory,
                                                              options.overwrite)
                                     : "");
  std::unique_ptr<Layout> layout;
  agree_on_input(world, [&] {
    layout = std::make_unique<Layout>(world, layout_options(config["layout"], true));
    if (layout->trainers() == 0)
      throw InputError(
          "layout.trainer_ranks_per_node: surge run needs at least one trainer rank per node "
          "(set layout.trainer_ranks_per_node: 1)");
    if (layout->groups() == 0)
      throw InputError(
          "layout: surge run needs solver ranks besides the trainer ranks; every "
          "rank is a trainer (run with more ranks)");
  });
  log::info(layout->describe());
  std::unique_ptr<Study> study;
  std::optional<Study> held_out;
  agree_on_input(world, [&] {
    study = std::make_unique<Study>(config["study"]);
    held_out = validation_study(config["study"]);
  });
  const int N = study->simulations();
  const int V = held_out ? held_out->simulations() : 0;
  const RankPlace& me = layout->self();
  const bool is_solver = me.role == Role::Solver;

  std::unique_ptr<Solver> solver;
  agree_on_input(world, [&] {
    if (!is_solver) return;
    solver = make_solver(layout->group_comm(), solver_section);
    check_solver_inputs(solver_section, study->spec(0));
  });

  // What the trainers need to know of the solver: its fields and final time.
  const int solver_root = layout->group_world_ranks(0)[0];
  std::string fields_text = world.rank() == solver_root ? join_lines(solver->field_names()) : "";
  world.bcast(fields_text, solver_root);
  const std::vector<std::string> fields = split_lines(fields_text);
  double t_end = world.rank() == solver_root ? solver->t_end() : 0.0;
  MPI_Bcast(&t_end, 1, MPI_DOUBLE, solver_root, world.get());
  const double every = config["output"]["every"].as<double>();
  // The grid of the snapshots, which a solver may down-sample from the one it solves on.
  Grid grid;
  {
    double g[10] = {0};
    if (world.rank() == solver_root) {
      const Grid& sg = solver->grid();
      g[0] = sg.dim;
      for (int d = 0; d < 3; ++d) {
        g[1 + d] = sg.cells[d];
        g[4 + d] = sg.lower[d];
        g[7 + d] = sg.upper[d];
      }
    }
    MPI_Bcast(g, 10, MPI_DOUBLE, solver_root, world.get());
    grid.dim = static_cast<int>(g[0]);
    for (int d = 0; d < 3; ++d) {
      grid.cells[d] = static_cast<int>(g[1 + d]);
      grid.lower[d] = g[4 + d];
      grid.upper[d] = g[7 + d];
    }
  }

  std::shared_ptr<models::Model> model;
  agree_on_input(world, [&] {
    if (!is_solver) model = build_model(training, fields, study->parameter_names(), grid);
  });
  if (!is_solver) trainer::broadcast_parameters(*model, layout->trainers_comm(), 0);

  // Resuming: the checkpoint is read whole and checked before any work, by the trainers (who
  // restore it) and rank 0 (who tells the solvers which simulations are done).
  std::optional<trainer::LoadedCheckpoint> checkpoint;
  std::optional<train::Buffer::Saved> resume_buffer;  // this trainer rank's, from the checkpoint
  std::vector<long long> completed;
  std::vector<std::string> metrics_rows;
  std::string resume_dir;
  if (!options.resume.empty()) {
    resume_dir = resume_root(options.resume);
    const bool trainer_root = world.rank() == layout->trainer_world_rank(0);
    agree_on_input(world, [&] {
      if (is_solver && world.rank() != 0) return;
      checkpoint = trainer::read_checkpoint(resume_dir);
      if (const std::string m = trainer::checkpoint_mismatch(checkpoint->state.config, config);
          !m.empty())
        throw InputError("--resume " + options.resume + ": " + m +
                         " (a resumed run keeps the study, the solver, output.every and the "
                         "training task, model and normalization)");
      if (!is_solver) {
        // Restoring into a stand-in optimizer checks that the saved state fits this run's.
        trainer::Optimizer stand_in(training["optimizer"], training["lr_scheduler"],
                                    model->parameters(), training["max_steps"].as<long long>());
        trainer::restore_training(*checkpoint, *model, stand_in);
        // The training buffers, where the checkpoint holds one per trainer rank of this run.
        if (training["checkpoint_buffer"].as<bool>() &&
            checkpoint->state.buffer_ranks == layout->trainers_comm().size()) {
          const trainer::TaskLayout& task = checkpoint->surrogate.layout;
          resume_buffer = trainer::read_checkpoint_buffer(
              *checkpoint, layout->trainers_comm().rank(),
              static_cast<std::int64_t>(task.in_channels() + task.out_channels()) * task.points);
        }
      }
      if (trainer_root) metrics_rows = metrics_rows_until(resume_dir, checkpoint->state.step);
    });
    std::string ids;
    if (world.rank() == 0)
      for (long long id : checkpoint->state.completed) ids += std::to_string(id) + "\n";
    world.bcast(ids, 0);
    for (const std::string& line : split_lines(ids)) completed.push_back(std::stoll(line));
    if (world.rank() == 0)
      log::info("run: resuming from " + checkpoint->path + ": step " +
                std::to_string(checkpoint->state.step) + ", " + std::to_string(completed.size()) +
                " of " + std::to_string(N) + " training simulations done");
  }
  summary.resumed_simulations = static_cast<int>(completed.size());
  std::error_code same_ec;
  const bool in_place = !resume_dir.empty() && fs::equivalent(resume_dir, partial, same_ec);
  agree_on_problem(world, world.rank() == 0 ? prepare_partial_directory("output.directory", partial,
                                                                        config, in_place)
                                            : "");

  const stream::StreamOptions stream_options = stream::stream_options(config["stream"]);
  const Comm stream_comm = world.dup();
  {
    std::ostringstream o;
    o << "run: " << N << " training + " << V << " held-out simulation(s) of '"
      << solver_section["type"].as<std::string>() << "' on " << grid.total_cells()
      << " cells, a snapshot every " << every << " to t = " << t_end << ", streamed to "
      << layout->trainers() << " trainer rank(s) training '"
      << training["model"]["type"].as<std::string>() << "' ("
      << (model ? model->parameter_count() : 0) << " parameters) -> " << summary.directory;
    log::info(o.str());
  }

  // ---- work
  double local[6] = {0, 0, 0, 0, 0, 0};  // ok, failed, cell updates, sent, dropped, blocked s
  trainer::OnlineSummary trained;
  // Offline, phase 1: the study and its held-out simulations into study files, every rank a
  // solver (what `surge simulate` does); phase 2 below trains on them. A resumed run reuses the
  // files already written.
  std::shared_ptr<StudyFiles> files;
  if (options.offline) {
    summary.mode = "offline";
    const fs::path data = fs::path(partial) / "data";
    const std::string training_file = (data / "training.h5").string();
    const std::string validation_file = (data / "validation.h5").string();
    std::vector<std::string> validation_files;
    if (held_out) validation_files.push_back(validation_file);
    agree_on_problem(world, world.rank() == 0 ? make_directory(data) : "");
    const double t0 = MPI_Wtime();
    for (const std::string& path : std::vector<std::string>{validation_file, training_file}) {
      const Study* part = path == training_file ? study.get() : held_out ? &*held_out : nullptr;
      if (!part) continue;
      int reuse = world.rank() == 0 && in_place && fs::is_regular_file(path, same_ec) ? 1 : 0;
      MPI_Bcast(&reuse, 1, MPI_INT, 0, world.get());
      if (reuse) {
        log::info("run: resuming: " + path + " is complete, not simulated again");
        continue;
      }
      std::vector<SimulationSpec> specs;
      for (int i = 0; i < part->simulations(); ++i) specs.push_back(part->spec(i));
      const SimulateSummary written = simulate_to_file(world, config, specs, path, true);
      if (world.rank() == 0) local[2] += static_cast<double>(written.cell_updates);  // once
      summary.phases.write += written.write_seconds;
    }
    summary.phases.simulate = MPI_Wtime() - t0;
    if (world.rank() == 0) {
      summary.phases.data_bytes = 0;
      for (const std::string& path : {training_file, validation_file})
        if (fs::is_regular_file(path, same_ec))
          summary.phases.data_bytes += static_cast<long long>(fs::file_size(path, same_ec));
    }
    agree_on_input(world, [&] {
      if (!is_solver)
        files = std::make_shared<StudyFiles>(std::vector<std::string>{training_file},
                                             validation_files);
    });
    // What the files record (written now or before --resume), counted once.
    if (files && world.rank() == layout->trainer_world_rank(0))
      for (long long id = 0; id < N + V; ++id) {
        const StudyFiles::Entry& e = files->entry(id);
        local[e.reader->simulations()[e.index].status == "ok" ? 0 : 1] += 1;
      }
    log::info("run: offline phase 1 done in " + std::to_string(summary.phases.simulate) +
              " s; training on the files");
  }
  if (is_solver && options.offline) {
    // Phase 2 is the trainers' alone.
  } else if (is_solver) {
    const int groups = layout->groups();
    const Comm& group_comm = layout->group_comm();
    const std::vector<double> times = snapshot_times(every, solver->t_end());
    stream::Sender sender(stream_comm, layout->trainer_world_rank(me.trainer), stream_options);
    const std::set<long long> done(completed.begin(), completed.end());
    Progress progress(layout->solvers_comm(), N + V - static_cast<int>(done.size()), 0);
    const bool leader = group_comm.rank() == 0;
    // Interrupted (a signal on any rank of the group, or the trainer asking): the group agrees
    // before it stops, since its ranks step together.
    const auto stop_now = [&] {
      int stop = interrupt_requested() || sender.stop_requested() ? 1 : 0;
      if (group_comm.size() > 1) stop = group_comm.allreduce_max(stop);
      return stop != 0;
    };
    bool interrupted = false;
    stream::Snapshot snap;
    snap.meta.fields = solver->field_names();
    snap.meta.grid = solver->grid();
    snap.block = solver->block();
    sender.reserve(snap.block.size() * snap.meta.fields.size());
    try {
      for (int w = me.group; w < N + V; w += groups) {
        const int id = w < V ? N + w : w - V;
        if (w >= V && done.count(id)) continue;  // finished before --resume
        if (interrupted || stop_now()) {
          // Not run: reported so that the progress count still closes.
          interrupted = true;
          SimulationReport skipped;
          skipped.id = id;
          skipped.steps = -1;
          skipped.message = "not run (interrupted)";
          if (leader) progress.finished(skipped);
          continue;
        }
        const SimulationSpec spec = w < V ? held_out->spec(w) : study->spec(w - V);
        snap.meta.simulation = id;
        snap.meta.parameters = spec.parameter_values;
        SimulationReport report;
        try {
          report = run_simulation(
              *solver, spec, id, times,
              [&](std::size_t) {
                // Written into storage of an earlier snapshot whose send has completed and
                // handed over without a copy: MPI sends it as it is.
                stream::Snapshot s{snap.meta, snap.block, sender.recycled_values()};
                solver->snapshot(s.values);
                s.meta.step = solver->steps();
                s.meta.time = solver->time();
                sender.send(std::move(s));
              },
              [&] {
                sender.poll();
                if (stop_now()) throw Interrupted{};
              });
        } catch (const Interrupted&) {
          interrupted = true;
          report = SimulationReport{};
          report.id = id;
          report.steps = -1;
          report.message = "not finished (interrupted)";
        }
        if (leader) progress.finished(report);
        progress.poll();
      }
      sender.finish(interrupted);
    } catch (const std::exception& e) {
      log::error(std::string("run: ") + e.what() + "; stopping every rank");
      world.abort(kExitRuntime);
    }
    const std::vector<SimulationReport> reports = progress.finish();
    if (layout->solvers_comm().rank() == 0)  // every solver rank has them all: count them once
      for (const auto& r : reports) {
        if (r.steps < 0) continue;  // not run: interrupted
        local[r.ok ? 0 : 1] += 1;
        local[2] += static_cast<double>(r.cell_updates);
      }
    const auto& st = sender.stats();
    local[3] = static_cast<double>(st.sent);
    local[4] = static_cast<double>(st.dropped);
    local[5] = st.blocked_seconds;
  } else {
    trainer::OnlineSetup setup;
    setup.trainers = layout->trainers_comm();
    std::vector<std::vector<int>> groups;
    for (int g = 0; g < layout->groups(); ++g) {
      const std::vector<int> ranks = layout->group_world_ranks(g);
      if (layout->table()[static_cast<std::size_t>(ranks[0])].trainer != me.trainer) continue;
      groups.push_back(ranks);
      setup.group_index.push_back(g);
    }
    setup.wall_origin = start;  // metrics count from the job's start (offline: phase 1 too)
    if (files) {
      // Resumed offline: the simulations already read are skipped, except that a reservoir
      // buffer the checkpoint does not hold is refilled from the whole file, which is on disk.
      std::set<long long> skip(completed.begin(), completed.end());
      if (!skip.empty() && !resume_buffer &&
          train::buffer_options(training["buffer"]).policy == train::BufferPolicy::reservoir) {
        log::info("run: resuming: reading all " + std::to_string(N) +
                    " training simulations again to refill the reservoir buffer");
        skip.clear();
      }
      setup.source = file_source(files, layout->groups(), setup.group_index, skip);
    } else {
      setup.source = std::make_shared<trainer::StreamSource>(stream_comm, groups);
    }
    setup.total_groups = layout->groups();
    setup.training = training;
    setup.fields = fields;
    setup.parameters = study->parameter_names();
    setup.grid = grid;
    setup.every = every;
    setup.final_time = t_end;
    setup.simulations = N;
    setup.validation = V;
    setup.model = model;
    setup.directory = partial;
    setup.progress_interval = config["progress"]["interval"].as<double>();
    setup.config = config;
    if (checkpoint) setup.resume = &*checkpoint;
    setup.resume_buffer = std::move(resume_buffer);
    setup.metrics_rows = metrics_rows;
    try {
      trained = trainer::train_online(setup);
    } catch (const std::exception& e) {
      log::error(std::string("run: training: ") + e.what() +
                 "; stopping every rank (the output "
                 "stays in " +
                 partial + ")");
      world.abort(kExitRuntime);
    }
  }

  // ---- wrap-up: totals on every rank, then the output directory appears whole
  if (options.offline) idle_barrier(world);  // the solver ranks wait here, off the cores
  MPI_Allreduce(MPI_IN_PLACE, local, 6, MPI_DOUBLE, MPI_SUM, world.get());
  summary.simulations = N + V;
  // Simulations finished before --resume count as done (offline: the files' record above).
  summary.ok = static_cast<int>(local[0]) + (options.offline ? 0 : summary.resumed_simulations);
  summary.failed = static_cast<int>(local[1]);
  summary.cell_updates = static_cast<long long>(local[2]);
  summary.snapshots_sent = static_cast<long long>(local[3]);
  summary.snapshots_dropped = static_cast<long long>(local[4]);
  summary.solver_blocked_seconds = local[5];
  finish_run(world, layout->trainer_world_rank(0), trained, start, summary);
  return summary;
}

void finish_run(const Comm& world, int trainer_root, const trainer::OnlineSummary& trained,
                double start, RunSummary& summary) {
  double t[17] = {static_cast<double>(trained.steps),
                  static_cast<double>(trained.samples_received),
                  static_cast<double>(trained.pairs),
                  static_cast<double>(trained.pairs_used),
                  static_cast<double>(trained.pairs_discarded),
                  trained.busy_fraction,
                  trained.final_loss,
                  trained.first.one_step,
                  trained.last.one_step,
                  trained.last.one_step_persistence,
                  trained.last.rollout,
                  trained.last.rollout_persistence,
                  trained.interrupted ? 1.0 : 0.0,
                  static_cast<double>(trained.checkpoint_step),
                  trained.train_seconds,
                  trained.read_seconds,
                  trained.wall_seconds};
  MPI_Bcast(t, 17, MPI_DOUBLE, trainer_root, world.get());
  summary.training.steps = static_cast<long long>(t[0]);
  summary.training.samples_received = static_cast<long long>(t[1]);
  summary.training.pairs = static_cast<long long>(t[2]);
  summary.training.pairs_used = static_cast<long long>(t[3]);
  summary.training.pairs_discarded = static_cast<long long>(t[4]);
  summary.training.busy_fraction = t[5];
  summary.training.final_loss = t[6];
  summary.training.first.one_step = t[7];
  summary.training.last.one_step = t[8];
  summary.training.last.one_step_persistence = t[9];
  summary.training.last.rollout = t[10];
  summary.training.last.rollout_persistence = t[11];
  summary.training.interrupted = summary.interrupted = t[12] > 0;
  summary.training.checkpoint_step = static_cast<long long>(t[13]);
  summary.training.train_seconds = summary.phases.train = t[14];
  summary.training.read_seconds = summary.phases.read = t[15];
  summary.training.wall_seconds = t[16];
  summary.wall_seconds = MPI_Wtime() - start;
  if (summary.mode == "online") {
    // Simulating and training overlap: no phase of its own, and no files.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    summary.phases.simulate = summary.phases.write = summary.phases.read = nan;
  }
  const std::string partial = summary.directory + ".partial";
  if (summary.interrupted) {
    std::ostringstream o;
    o << "run: interrupted after " << summary.wall_seconds << " s: checkpoint at step "
      << summary.training.checkpoint_step << " in " << partial << "/checkpoint ("
      << summary.ok << " of " << summary.simulations
      << " simulations finished); "
      << (summary.mode == "files"
              ? std::string("surge train cannot resume: run it again")
              : "continue with: surge run CONFIG --resume " + summary.directory +
                    (summary.mode == "offline" ? " --offline" : ""));
    log::info(o.str());
    return;
  }

  std::string problem;
  if (world.rank() == 0) {
    try {
      std::ofstream out(fs::path(partial) / "summary.yaml");
      out << "# summary of the run\n"
          << "wall_seconds: " << yaml_number(summary.wall_seconds) << "\n"
          << "simulations: {total: " << summary.simulations << ", ok: " << summary.ok
          << ", failed: " << summary.failed << "}\n"
          << "solver_cell_updates: " << summary.cell_updates << "\n"
          << "snapshots: {sent: " << summary.snapshots_sent
          << ", dropped: " << summary.snapshots_dropped << "}\n"
          << "solver_blocked_seconds: " << yaml_number(summary.solver_blocked_seconds) << "\n"
          << "training: {steps: " << summary.training.steps
          << ", states_received: " << summary.training.samples_received
          << ", pairs: " << summary.training.pairs
          << ", pairs_used: " << summary.training.pairs_used
          << ", pairs_discarded: " << summary.training.pairs_discarded
          << ", busy_fraction: " << yaml_number(summary.training.busy_fraction)
          << ", final_loss: " << yaml_number(summary.training.final_loss) << "}\n"
          << "validation: {one_step_rel_l2: " << yaml_number(summary.training.last.one_step)
          << ", one_step_persistence: " << yaml_number(summary.training.last.one_step_persistence)
          << ", rollout_nrmse: " << yaml_number(summary.training.last.rollout)
          << ", rollout_persistence: " << yaml_number(summary.training.last.rollout_persistence)
          << "}\n"
          << "mode: " << summary.mode << "\n"
          << "phases_seconds: {simulate: " << yaml_number(summary.phases.simulate)
          << ", write: " << yaml_number(summary.phases.write)
          << ", read: " << yaml_number(summary.phases.read)
          << ", train: " << yaml_number(summary.phases.train) << "}\n"
          << "data_bytes: " << summary.phases.data_bytes << "\n";
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
    log::error("run: " + problem + " (the results stay in " + partial + ")");
    throw RuntimeError("run: could not publish " + summary.directory);
  }
  std::ostringstream o;
  o << "run: done in " << summary.wall_seconds << " s: " << summary.ok << " simulation(s) ok, "
    << summary.failed << " failed; " << summary.training.steps << " training steps on "
    << summary.training.pairs << " pairs (" << summary.snapshots_dropped
    << " snapshots dropped); validation one-step error " << summary.training.last.one_step
    << " (persistence " << summary.training.last.one_step_persistence << "), rollout nRMSE "
    << summary.training.last.rollout << " (persistence "
    << summary.training.last.rollout_persistence << "); wrote " << summary.directory;
  log::info(o.str());
}

}  // namespace surge
