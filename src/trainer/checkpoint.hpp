#pragma once
// Checkpoints of online training, for `surge run --resume` (after a job's time limit, a
// signal, a crash):
//
//   DIR/checkpoint/LATEST            name of the newest complete checkpoint, e.g. step-000500
//   DIR/checkpoint/step-000500/
//       model.pt, surrogate.yaml     the surrogate at that step (save_surrogate's format)
//       optimizer.pt                 the torch optimizer's state (e.g. Adam's moments)
//       state.yaml                   step, the training simulations whose every pair had reached
//                                    the trainers' buffers, the normaliser's accumulated
//                                    moments, counters, and the run's configuration
//       buffer-R.pt                  (training.checkpoint_buffer) trainer rank R's training
//                                    buffer: its pairs, how often each was served, the state
//                                    of its random draws, its counters
//
// Written atomically: a checkpoint is written into step-N.tmp, renamed to step-N once
// complete, then LATEST is replaced by rename; only then are older checkpoints removed. A kill
// at any point leaves the previous checkpoint readable. Without the buffers (or when resumed
// on another number of trainer ranks) a resumed run starts with empty buffers, which the
// simulations still to run refill.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "parallel/comm.hpp"
#include "train/buffer.hpp"
#include "trainer/normalizer.hpp"
#include "trainer/optimization.hpp"
#include "trainer/surrogate.hpp"

namespace surge::trainer {

struct CheckpointState {
  long long step = 0;                    // optimizer steps taken
  std::vector<long long> completed;      // training simulation ids streamed to their end
  std::vector<Moments> moments;          // normaliser accumulators, merged over the trainers
  long long samples_received = 0;        // counters carried over into the metrics
  long long pairs = 0;
  YAML::Node config;                     // the resolved configuration of the run
  int buffer_ranks = 0;                  // trainer ranks whose buffer-R.pt it holds (0: none)
};

// Collective over `trainers`: writes a checkpoint of `surrogate` (model, task, normalisation),
// `optimizer` and `state` (the values of trainer rank 0) under `run_directory`/checkpoint,
// atomically, and removes the older ones; with `buffer` (given on every rank or on none) each
// rank's training buffer too. Throws RuntimeError on every rank if a buffer cannot be written,
// on rank 0 on another I/O failure; either way the previous checkpoint stays in place.
void write_checkpoint(const Comm& trainers, const std::string& run_directory,
                      const Surrogate& surrogate, Optimizer& optimizer, CheckpointState state,
                      const train::Buffer::Saved* buffer);

// A checkpoint read back and checked whole, nothing applied yet.
struct LoadedCheckpoint {
  std::string path;  // the step-N directory
  Surrogate surrogate;
  CheckpointState state;
};

// The newest checkpoint under `run_directory` (the run's output directory, or its .partial).
// Throws InputError naming the file and what is wrong: no checkpoint, LATEST naming a missing
// directory, a missing or unreadable file, a tensor missing or of the wrong shape. Not
// collective.
LoadedCheckpoint read_checkpoint(const std::string& run_directory);

// What differs between `config` and the checkpoint's configuration in the sections a resumed run
// must keep (study, solver, output.every, training.task, training.model,
// training.normalization), as "KEY: checkpoint VALUE, now VALUE", or "" if nothing.
std::string checkpoint_mismatch(const YAML::Node& checkpoint_config, const YAML::Node& config);

// Not collective: trainer rank `rank`'s buffer from the checkpoint (buffer-RANK.pt), checked
// against the pair width (in + out channels x points). Throws InputError naming the file when
// it is missing, unreadable or of another width.
train::Buffer::Saved read_checkpoint_buffer(const LoadedCheckpoint& checkpoint, int rank,
                                            std::int64_t width);

// Not collective: copies the checkpoint's weights into `model` (same architecture) and its
// optimizer state into `optimizer` (built over `model`'s parameters), and sets the schedule's
// step. Throws InputError (naming optimizer.pt) if the optimizer state does not fit.
void restore_training(const LoadedCheckpoint& checkpoint, models::Model& model,
                      Optimizer& optimizer);

}  // namespace surge::trainer
