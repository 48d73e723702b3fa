#pragma once
// The online training loop of one trainer rank: receives the snapshots its solver groups
// stream, turns them into pairs (task), keeps them in the training buffer, and trains the model
// data-parallel with the other trainer ranks, validating on the held-out simulations and writing
// metrics as it goes.
//
// One thread per rank: between two optimizer steps the rank receives whatever has arrived
// (never waiting), so the stream moves while the model trains and the solvers slow down only
// when the buffer is full (fifo, firo) and their sends stay pending (backpressure: block).
//
// Every trainer rank takes the same number of steps: before each step the ranks exchange how
// many samples each has ready; ranks with none contribute no gradient, and each rank's loss is
// weighted by its share of the step's samples, so the averaged gradient is that of the mean loss
// over every sample used in the step. Training stops on every rank together, when the stream has
// ended everywhere and the buffers are exhausted (fifo, firo; reservoir after
// steps_after_stream), or at max_steps; the rest of the stream is then received and discarded,
// so no solver waits forever.
#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "models/model.hpp"
#include "parallel/comm.hpp"
#include "trainer/checkpoint.hpp"
#include "trainer/sample_source.hpp"

namespace surge::trainer {

struct OnlineSetup {
  // Where the states come from: the solver groups' stream (StreamSource) or study files. Its
  // samples' `group` indexes `group_index`.
  std::shared_ptr<SampleSource> source;
  std::vector<int> group_index;  // job-wide index of each group feeding this rank
  int total_groups = 1;          // solver groups in the job (files: the work is dealt alike)
  Comm trainers;                         // every trainer rank
  YAML::Node training;                   // the resolved `training:` section
  std::vector<std::string> fields;       // solver fields
  std::vector<std::string> parameters;   // study parameters
  Grid grid;
  double every = 0;       // simulated time between frames (output.every)
  double final_time = 0;  // t_end of every simulation
  // Stream ids: training simulations 0 .. simulations-1, held-out ones simulations ..
  // simulations+validation-1. Work item w (dealt to group w % total_groups, in increasing w)
  // is held-out simulation w for w < validation, training simulation w - validation after.
  int simulations = 0;
  int validation = 0;
  std::shared_ptr<models::Model> model;  // built identically on every trainer rank
  std::string directory;                 // where metrics.csv and the surrogate are written
  double progress_interval = 5;          // seconds between progress lines (rank 0)
  YAML::Node config;                     // the resolved configuration (saved in checkpoints)
  // Resuming: the checkpoint read back (on every trainer rank), and the metrics.csv rows of the
  // interrupted run up to its step (rank 0 writes them first). Null: a fresh run.
  const LoadedCheckpoint* resume = nullptr;
  std::vector<std::string> metrics_rows;
  // Resuming with the checkpoint's buffers (training.checkpoint_buffer, written by as many
  // trainer ranks as this run has): this rank's, read back; empty otherwise.
  std::optional<train::Buffer::Saved> resume_buffer;
  // MPI_Wtime() that metrics.csv's wall_s counts from (0: the start of training), so that an
  // offline run's rows include the time spent simulating first.
  double wall_origin = 0;
};

// Validation figures (NaN where they do not apply).
struct ValidationFigures {
  long long step = 0;
  int simulations = 0;  // held-out simulations used
  long long pairs = 0;  // one-step pairs used
  int horizon = 0;      // rollout steps reached
  double one_step = 0;  // mean relative L2 error of one model step
  double one_step_persistence = 0;
  double rollout = 0;  // mean nRMSE of the rollout over `horizon` steps
  double rollout_persistence = 0;
};

struct OnlineSummary {
  long long steps = 0;
  long long samples_received = 0;  // assembled states (training simulations)
  long long pairs = 0;             // training pairs made
  long long pairs_used = 0;        // pairs served in batches (reused ones count again)
  long long pairs_discarded = 0;   // received after training stopped
  double busy_fraction = 0;        // time in training steps / time since training could start
  double wall_seconds = 0;
  double final_loss = 0;
  ValidationFigures first, last;  // before the first step and after the last
  // Stopped by SIGUSR1 / SIGTERM (on any rank, solvers included): a checkpoint was written and
  // neither the surrogate nor the final validation (last = first then).
  bool interrupted = false;
  long long checkpoint_step = -1;  // step of the last checkpoint written, -1 if none
  double train_seconds = 0;        // in optimizer steps (max over trainer ranks)
  double read_seconds = 0;         // reading study files (max over trainer ranks; 0 online)
};

// Collective over `setup.trainers`; the solver ranks must be streaming. Writes metrics.csv and,
// at the end, the surrogate (trainer rank 0) and validation_example.csv (the rank holding the
// first held-out simulation) into setup.directory, plus a checkpoint every
// training.checkpoint_every steps, at the end, and when interrupted (interrupt_requested() on a
// trainer, or a solver rank that ended its stream early), in which case the solver ranks are
// asked to stop, the stream is drained and the loop returns with `interrupted`. Throws
// RuntimeError on a malformed message or an I/O failure (the caller aborts the job).
OnlineSummary train_online(const OnlineSetup& setup);

}  // namespace surge::trainer
