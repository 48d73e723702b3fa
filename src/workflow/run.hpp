#pragma once
// `surge run`: the ensemble and the training of its surrogate at the same time, in one MPI job,
// with no dataset on disk. Solver groups run the study's simulations (held-out ones first) and
// stream every snapshot to the trainer rank of their node; the trainer ranks train one model
// data-parallel and write it, with metrics, into output.directory.
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "models/model.hpp"
#include "parallel/comm.hpp"
#include "trainer/online.hpp"

namespace surge {

struct RunOptions {
  bool overwrite = false;  // replace an existing output directory once the new one is complete
  // Resume from the newest checkpoint of this run directory (or of its .partial): finished
  // training simulations are not run again, training continues from the saved state.
  std::string resume;
  // The classic workflow instead, for comparison: first the whole study (every rank a solver)
  // into study files in DIR/data, then the trainer ranks train on them (see workflow/train.hpp).
  bool offline = false;
};

// Where the time of a run went (seconds; NaN where a phase does not apply). Online, simulating
// and training overlap; offline they follow each other.
struct RunPhases {
  double simulate = 0;  // the study's simulations (offline: phase 1, HDF5 writes included)
  double write = 0;     // offline: writing snapshots to the study files (max over ranks)
  double read = 0;      // offline and surge train: reading them back (max over trainer ranks)
  double train = 0;     // in optimizer steps (max over trainer ranks)
  long long data_bytes = 0;  // offline and surge train: field bytes in the study files
};

struct RunSummary {
  std::string directory;
  int simulations = 0, ok = 0, failed = 0;  // training and held-out simulations
  long long cell_updates = 0;
  long long snapshots_sent = 0, snapshots_dropped = 0;
  double solver_blocked_seconds = 0;  // summed over solver ranks
  double wall_seconds = 0;
  trainer::OnlineSummary training;  // valid on every rank (broadcast from the trainers)
  int resumed_simulations = 0;      // training simulations finished before --resume
  std::string mode = "online";      // "online", "offline" (run --offline) or "files" (train)
  RunPhases phases;
  // Stopped by SIGUSR1 / SIGTERM: a checkpoint was written into DIR.partial/checkpoint at
  // `training.checkpoint_step`, nothing was published (exit with kExitInterrupted).
  bool interrupted = false;
};

// Collective over `world`. Input problems (layout without trainers, output directory, model
// that does not fit the grid, a checkpoint to resume that is missing, damaged or of another
// study, ...) are InputError on every rank before any work; a simulation that blows up is
// recorded as failed and the run goes on. Call install_interrupt_handlers() first for SIGUSR1
// / SIGTERM to stop the run with a checkpoint.
RunSummary run(const Comm& world, const YAML::Node& config, const RunOptions& options);

// The model of the `training:` section for states of `fields` on `grid` (its task decides the
// channels), seeded with training.seed, on training.threads Torch threads. Throws InputError
// when the model does not fit (e.g. more Fourier modes than the grid has).
std::shared_ptr<models::Model> build_model(const YAML::Node& training,
                                           const std::vector<std::string>& fields,
                                           const std::vector<std::string>& parameters,
                                           const Grid& grid);

// A barrier that does not keep its core busy while it waits (MPI_Ibarrier and a sleep): for
// ranks that are done while others on the same cores still work. Collective over `comm`.
void idle_barrier(const Comm& comm);

// The end of a run, of surge train too: the training figures of `trained` (valid on world rank
// `trainer_root`) onto every rank, `summary.training`, wall time; then, unless interrupted,
// summary.yaml in DIR.partial and DIR published. Collective over `world`. Throws RuntimeError
// if the directory cannot be published (the results stay in DIR.partial).
void finish_run(const Comm& world, int trainer_root, const trainer::OnlineSummary& trained,
                double start, RunSummary& summary);

}  // namespace surge
