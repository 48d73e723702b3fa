#pragma once
// `surge run`: the ensemble and the training of its surrogate at the same time, in one MPI job,
// with no dataset on disk. Solver groups run the study's simulations (held-out ones first) and
// stream every snapshot to the trainer rank of their node; the trainer ranks train one model
// data-parallel and write it, with metrics, into output.directory.
#include <yaml-cpp/yaml.h>

#include <string>

#include "parallel/comm.hpp"
#include "trainer/online.hpp"

namespace surge {

struct RunOptions {
  bool overwrite = false;  // replace an existing output directory once the new one is complete
  // Resume from the newest checkpoint of this run directory (or of its .partial): finished
  // training simulations are not run again, training continues from the saved state.
  std::string resume;
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

}  // namespace surge
