#include "workflow/plan.hpp"

#include <algorithm>
#include <mpi.h>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "grid/grid.hpp"
#include "models/model.hpp"
#include "solvers/solver.hpp"
#include "stream/options.hpp"
#include "study/study.hpp"
#include "train/buffer.hpp"
#include "trainer/task.hpp"
#include "workflow/simulation_loop.hpp"
#include "workflow/snapshot_times.hpp"

namespace surge {

std::int64_t PlanEstimate::trainer_rank_bytes() const {
  return buffer_bytes + model_bytes + batch_bytes;
}

std::int64_t PlanEstimate::solver_rank_bytes() const {
  return solver_state_bytes + stream_queue_bytes;
}

std::int64_t PlanEstimate::node_bytes() const {
  std::vector<std::int64_t> bytes(static_cast<std::size_t>(std::max(layout.nodes, 1)), 0);
  for (const RankPlace& p : layout.places)
    bytes[static_cast<std::size_t>(p.node)] +=
        p.role == Role::Trainer ? trainer_rank_bytes() : solver_rank_bytes();
  return *std::max_element(bytes.begin(), bytes.end());
}

PlanEstimate plan(const Comm& world, const YAML::Node& config, const PlanOptions& options) {
  PlanEstimate e;
  // The arrangement the job would get: blocks of tasks_per_node consecutive ranks per node, as
  // srun and mpirun place them by default (--distribution=block). layout.ranks_per_node, a
  // testing aid, is replaced by the nodes asked for here.
  LayoutOptions lo = layout_options(config["layout"], true);
  lo.ranks_per_node = 0;
  // The table has one entry per rank: keep it to what a machine could run (4 Mi ranks).
  const long long ranks = 1LL * options.nodes * options.tasks_per_node;
  if (ranks > (1LL << 22))
    throw InputError("plan: " + std::to_string(ranks) + " ranks is more than surge plans for (" +
                     std::to_string(1LL << 22) + ")");
  const int size = static_cast<int>(ranks);
  std::vector<int> node_keys(static_cast<std::size_t>(size));
  for (int r = 0; r < size; ++r)
    node_keys[static_cast<std::size_t>(r)] = r / options.tasks_per_node;
  e.layout = arrange_ranks(node_keys, lo);
  // The same conditions surge run checks at start-up, with the same words.
  if (e.layout.trainers == 0)
    throw InputError(
        "layout.trainer_ranks_per_node: surge run needs at least one trainer rank per node "
        "(set layout.trainer_ranks_per_node: 1)");
  if (e.layout.groups == 0)
    throw InputError(
        "layout: surge run needs solver ranks besides the trainer ranks; every rank is a trainer "
        "(ask for more tasks per node)");

  const Study study(config["study"]);
  const std::optional<Study> held_out = validation_study(config["study"]);
  e.simulations = study.simulations() + (held_out ? held_out->simulations() : 0);

  // The solver's fields and final time are only known to the solver: build one on a
  // communicator of this rank alone (no simulation is run).
  const YAML::Node solver_section = config["solver"];
  const Comm alone = world.split(world.rank(), 0);
  const std::unique_ptr<Solver> solver = make_solver(alone, solver_section);
  const std::vector<std::string> fields = solver->field_names();
  const Grid grid = grid_from_config(solver_section["parameters"]);
  e.fields = static_cast<int>(fields.size());
  e.cells = grid.total_cells();
  const int rps = lo.ranks_per_simulation;
  e.ranks_per_simulation = rps;
  e.cells_per_solver_rank = (e.cells + rps - 1) / rps;

  const YAML::Node training = config["training"];
  e.device = training["device"].as<std::string>();
  e.checkpoint_buffer = training["checkpoint_buffer"].as<bool>();
  if (options.gpus_per_node == 0 && e.device == "cuda")
    throw InputError(
        "--gpus-per-node 0: training.device is cuda, which needs at least one GPU on every node "
        "(give the job GPUs, or set training.device: auto or cpu)");
  const trainer::TaskLayout task = trainer::task_layout(trainer::task_options(training["task"]),
                                                        fields, study.parameter_names(), grid);
  e.in_channels = task.in_channels();
  e.out_channels = task.out_channels();
  e.points = task.points;
  e.pair_bytes = static_cast<std::int64_t>(e.in_channels + e.out_channels) * e.points * 4;
  const train::BufferOptions buffer = train::buffer_options(training["buffer"]);
  e.buffer_capacity = static_cast<std::int64_t>(buffer.capacity);
  e.buffer_bytes = e.buffer_capacity * e.pair_bytes;
  e.batch_bytes = training["batch_size"].as<std::int64_t>() * e.pair_bytes;

  models::ModelShape shape;
  shape.in_channels = e.in_channels;
  shape.out_channels = e.out_channels;
  shape.grid = task.model_grid;
  e.model_parameters = models::make_model(training["model"], shape)->parameter_count();
  const YAML::Node optimizer = training["optimizer"];
  const std::string optimizer_type = optimizer["type"].as<std::string>();
  if (optimizer_type == "adam" || optimizer_type == "adamw")
    e.optimizer_states = 2;  // first and second moments
  else if (optimizer_type == "sgd")
    e.optimizer_states = optimizer["parameters"]["momentum"].as<double>() > 0 ? 1 : 0;
  // Weights and gradients, then the optimizer's state, all float32.
  e.model_bytes = e.model_parameters * 4 * (2 + e.optimizer_states);

  const std::int64_t local_field_bytes =
      static_cast<std::int64_t>(e.fields) * e.cells_per_solver_rank * 8;
  e.solver_state_bytes = local_field_bytes * kSolverCopies;
  const stream::StreamOptions stream = stream::stream_options(config["stream"]);
  // A sender holds the storage of max_in_flight + 1 snapshots from the start (those in flight
  // and the one being written, see Sender::reserve), and with drop_oldest a queue of snapshots
  // not yet sent.
  const int held = stream.max_in_flight + 1 +
                   (stream.backpressure == stream::Backpressure::DropOldest ? stream.queue : 0);
  e.stream_queue_bytes = local_field_bytes * held;

  const std::vector<double> times =
      snapshot_times(config["output"]["every"].as<double>(), solver->t_end());
  e.frames = static_cast<long long>(times.size());
  e.snapshot_bytes = static_cast<std::int64_t>(e.fields) * e.cells * 8;
  e.simulation_bytes = e.frames * e.snapshot_bytes;

  if (options.memory_per_node > 0 && e.node_bytes() > options.memory_per_node)
    throw InputError("--memory-per-node: the arrays of one node need " +
                     std::to_string(e.node_bytes()) + " bytes (trainer buffer " +
                     std::to_string(e.buffer_bytes) + " bytes on each of its trainer ranks), more "
                     "than its " + std::to_string(options.memory_per_node) +
                     " bytes: lower training.buffer.capacity, or use more nodes with fewer "
                     "solver ranks each");

  if (options.calibrate) {
    // What a solver group streams: a snapshot of the whole simulation every frame, as fast as
    // the solver runs.
    const double t0 = MPI_Wtime();
    const SimulationReport report = run_simulation(
        *solver, study.spec(0), 0, times, [](std::size_t) {}, [] {});
    e.simulation_seconds = MPI_Wtime() - t0;
    e.simulation_steps = report.steps;
    e.simulation_time = report.time;
    if (!report.ok)
      throw InputError("--calibrate: the study's first simulation failed (" + report.message +
                       "), so it says nothing of the solver's speed");
    e.group_bytes_per_second = static_cast<double>(e.simulation_bytes) * rps /
                               std::max(e.simulation_seconds, 1e-9);
    std::map<int, std::set<int>> groups_of;  // trainer -> the groups feeding it
    for (const RankPlace& p : e.layout.places)
      if (p.role == Role::Solver) groups_of[p.trainer].insert(p.group);
    std::size_t groups_per_trainer = 0;  // the most groups feeding one trainer
    for (const auto& [t, g] : groups_of) groups_per_trainer = std::max(groups_per_trainer, g.size());
    e.trainer_bytes_per_second = e.group_bytes_per_second * static_cast<double>(groups_per_trainer);
    e.trainer_snapshots_per_second =
        e.trainer_bytes_per_second / static_cast<double>(std::max<std::int64_t>(e.snapshot_bytes, 1));
  }
  return e;
}

namespace {

std::string bytes(std::int64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream o;
  if (u == 0)
    o << b << " B";
  else
    o << std::fixed << std::setprecision(1) << v << " " << units[u] << " (" << b << " bytes)";
  return o.str();
}

}  // namespace

std::string describe(const PlanEstimate& e, const PlanOptions& options) {
  std::ostringstream o;
  const bool separate = e.layout.trainer_nodes > 0;  // layout.trainer_nodes
  // Trainer ranks on a node that has trainers.
  const int tpn = separate ? options.tasks_per_node : e.layout.trainers / std::max(e.layout.nodes, 1);
  const int solver_ranks_per_node = options.tasks_per_node - tpn;
  o << "plan: surge run on " << options.nodes << " node(s) x " << options.tasks_per_node
    << " task(s) = " << options.nodes * options.tasks_per_node
    << " ranks (srun --nodes=" << options.nodes << " --ntasks-per-node=" << options.tasks_per_node
    << ")\n";
  o << e.layout.describe(4) << "\n";
  if (separate) {
    const int solver_nodes = e.layout.nodes - e.layout.trainer_nodes;
    o << "per node: " << e.layout.trainer_nodes << " trainer node(s) of " << tpn
      << " trainer rank(s), " << solver_nodes << " solver node(s) of "
      << e.layout.groups / std::max(solver_nodes, 1)
      << " group(s); snapshots cross the network to the trainer nodes\n";
  } else {
    o << "per node: " << tpn << " trainer rank(s), " << solver_ranks_per_node
      << " solver rank(s) in " << e.layout.groups / std::max(e.layout.nodes, 1)
      << " group(s); snapshots stay on their node\n";
  }
  if (e.layout.groups > e.simulations)
    o << "note: " << e.layout.groups << " solver groups for " << e.simulations
      << " simulation(s): " << e.layout.groups - e.simulations << " group(s) will have no work\n";
  o << "data: " << e.simulations << " simulation(s) (training + held-out) of " << e.cells
    << " cells x " << e.fields << " field(s), " << e.frames << " snapshot(s) each\n";
  o << "  snapshot: " << bytes(e.snapshot_bytes)
    << "; streamed per simulation: " << bytes(e.simulation_bytes)
    << "; whole study: " << bytes(e.simulation_bytes * e.simulations) << "\n";
  o << "trainer rank (each):\n";
  o << "  training pair: (" << e.in_channels << " in + " << e.out_channels << " out) channels x "
    << e.points << " points x 4 B = " << bytes(e.pair_bytes) << "\n";
  o << "  buffer: " << e.buffer_capacity << " pairs = " << bytes(e.buffer_bytes) << "\n";
  o << "  model: " << e.model_parameters << " parameters; weights, gradients and "
    << e.optimizer_states
    << " optimizer state(s) per parameter (float32) = " << bytes(e.model_bytes) << "\n";
  o << "  one batch of pairs: " << bytes(e.batch_bytes) << " (activations not counted)\n";
  o << "  total: " << bytes(e.trainer_rank_bytes()) << "\n";
  o << "solver rank (each): " << e.cells_per_solver_rank << " cells of its group's " << e.cells
    << "\n";
  o << "  state: " << e.fields << " field(s) x " << e.cells_per_solver_rank << " cells x 8 B x "
    << kSolverCopies << " copies = " << bytes(e.solver_state_bytes) << "\n";
  o << "  snapshots held for sending: " << bytes(e.stream_queue_bytes) << "\n";
  o << "  total: " << bytes(e.solver_rank_bytes()) << "\n";
  if (options.gpus_per_node >= 0) {
    const int g = options.gpus_per_node;
    const bool on_gpus = g > 0 && (e.device == "cuda" || e.device == "auto");
    o << "GPUs: " << g << " per node, training.device " << e.device;
    if (!on_gpus) {
      o << ": the trainers train on the CPU" << (g > 0 ? "; the GPUs stay idle\n" : "\n");
    } else {
      // What trainer_device() does: node-local trainer rank k on GPU k mod g.
      o << ": node-local trainer rank k on GPU k mod " << g << " (";
      for (int k = 0; k < tpn && k < 8; ++k)
        o << (k ? ", " : "") << "trainer " << k << " -> cuda:" << k % g;
      o << (tpn > 8 ? ", ...)\n" : ")\n");
      o << "  on each trainer's GPU: model, gradients and optimizer state, one batch = "
        << bytes(e.model_bytes + e.batch_bytes)
        << " (activations not counted); the buffer stays in host memory\n";
      const std::string one_per_gpu =
          "; for one trainer rank per GPU " +
          (separate ? "give the trainer nodes " + std::to_string(g) + " task(s) each"
                    : "set layout.trainer_ranks_per_node: " + std::to_string(g));
      if (tpn > g)
        o << "note: " << tpn << " trainer ranks per node share " << g << " GPU(s)" << one_per_gpu
          << "\n";
      else if (tpn < g)
        o << "note: " << g - tpn << " of the " << g << " GPU(s) per node stay idle" << one_per_gpu
          << "\n";
      o << "  (with the launcher's --gpus-per-node=" << g
        << "; cluster/run_gpu.sbatch sets both)\n";
    }
  }
  {
    // A checkpoint: weights and optimizer state (float32), and each trainer's buffer.
    const std::int64_t model = e.model_parameters * 4 * (1 + e.optimizer_states);
    const std::int64_t buffers = e.checkpoint_buffer ? e.layout.trainers * e.buffer_bytes : 0;
    o << "checkpoint on disk: " << bytes(model + buffers) << " (weights and optimizer state"
      << (e.checkpoint_buffer ? ", and the " + std::to_string(e.layout.trainers) +
                                    " trainer buffers"
                              : std::string("; training.checkpoint_buffer: false"))
      << ")\n";
  }
  o << (separate ? "node (the largest): " : "node: ") << bytes(e.node_bytes())
    << " of arrays (add ~100-300 MiB per rank for MPI, PETSc and LibTorch)";
  if (options.memory_per_node > 0)
    o << "; " << std::fixed << std::setprecision(1)
      << 100.0 * static_cast<double>(e.node_bytes()) / static_cast<double>(options.memory_per_node)
      << "% of --memory-per-node " << bytes(options.memory_per_node);
  if (options.calibrate) {
    o << std::defaultfloat << "\ntraffic (calibrated: the study's first simulation, " << e.simulation_steps
      << " steps to t = " << e.simulation_time << ", took " << std::setprecision(3)
      << e.simulation_seconds << " s on one rank here; a group of " << e.ranks_per_simulation
      << " rank(s) is assumed that many times faster):\n";
    o << "  per solver group: " << bytes(static_cast<std::int64_t>(e.group_bytes_per_second))
      << "/s while it runs\n";
    o << "  into one trainer rank: up to " << bytes(static_cast<std::int64_t>(e.trainer_bytes_per_second))
      << "/s, " << std::setprecision(1) << e.trainer_snapshots_per_second
      << " snapshots/s (a trainer slower than that holds its solvers back: backpressure)";
  }
  return o.str();
}

}  // namespace surge
