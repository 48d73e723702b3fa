#pragma once
// `surge plan`: what a `surge run` job of a given size would get, without running it. The
// layout of nodes x tasks-per-node ranks (the same arrangement Layout computes at start-up),
// and estimates of the memory each rank needs and of the data the ensemble streams, so that a
// batch job can be sized before it waits in a queue.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

#include "parallel/comm.hpp"
#include "parallel/layout.hpp"

namespace surge {

struct PlanOptions {
  int nodes = 1;
  int tasks_per_node = 1;
  // Memory of one node in bytes (0: not checked): a node whose arrays need more is an error.
  std::int64_t memory_per_node = 0;
  // Run the study's first simulation once on one rank, to estimate the snapshot traffic.
  bool calibrate = false;
  // GPUs of one node (-1: not given): how training.device maps the trainer ranks onto them.
  int gpus_per_node = -1;
};

// Bytes of one rank of each role. Estimates: they count the large arrays, not the allocator's
// overhead, libraries (MPI, PETSc, LibTorch: ~100s of MiB per process) or model activations.
struct PlanEstimate {
  LayoutTable layout;
  int fields = 0;
  long long cells = 0;                  // total cells of one simulation
  long long cells_per_solver_rank = 0;  // of its group's block (largest block)
  int ranks_per_simulation = 1;
  int in_channels = 0, out_channels = 0;
  std::int64_t points = 0;           // model grid points
  std::int64_t pair_bytes = 0;       // (in + out) channels x points x 4 (float32)
  std::int64_t buffer_capacity = 0;  // pairs
  std::int64_t buffer_bytes = 0;     // capacity x pair_bytes, on each trainer rank
  std::int64_t model_parameters = 0;
  int optimizer_states = 0;             // per parameter: 2 for adam/adamw, 1 for sgd+momentum
  std::int64_t model_bytes = 0;         // weights, gradients and optimizer state, float32
  std::int64_t batch_bytes = 0;         // one batch of pairs
  std::string device = "auto";          // training.device
  bool checkpoint_buffer = true;        // training.checkpoint_buffer
  std::int64_t solver_state_bytes = 0;  // fields x local cells x 8 x kSolverCopies
  std::int64_t stream_queue_bytes = 0;  // snapshots a solver rank may hold unsent
  long long frames = 0;                 // snapshots per simulation
  std::int64_t snapshot_bytes = 0;      // one snapshot of a whole simulation (doubles)
  std::int64_t simulation_bytes = 0;    // frames x snapshot_bytes: streamed per simulation
  int simulations = 0;                  // training + held-out
  // Calibration (PlanOptions::calibrate; 0 otherwise): the wall time of the study's first
  // simulation on one rank, and the snapshot traffic it implies, assuming a group of
  // ranks_per_simulation ranks runs it that many times faster (an upper bound on the traffic).
  double simulation_seconds = 0;
  long long simulation_steps = 0;
  double simulation_time = 0;
  double group_bytes_per_second = 0;    // one solver group streaming without a pause
  double trainer_bytes_per_second = 0;  // into one trainer rank (its groups together)
  double trainer_snapshots_per_second = 0;
  std::int64_t trainer_rank_bytes() const;
  std::int64_t solver_rank_bytes() const;
  // Per node: its trainers and solver ranks (node 0; every node of a plan is alike).
  std::int64_t node_bytes() const;
};

// Copies of the fields a solver rank keeps: the state, two SSP-RK3 stage arrays, the DMDA
// global and ghosted local vectors, and the ghosted copy the WENO stencils read (ghost cells
// not counted).
inline constexpr int kSolverCopies = 6;

// Not collective beyond creating one solver per rank on a communicator of its own (to learn the
// solver's fields and final time). Throws InputError when the layout cannot work for
// `surge run`: a node whose ranks do not split into trainers and whole solver groups, no
// trainer, no solver group, (with options.memory_per_node) arrays larger than a node's
// memory, or (with options.gpus_per_node 0) training.device: cuda.
PlanEstimate plan(const Comm& world, const YAML::Node& config, const PlanOptions& options);

// The report `surge plan` prints.
std::string describe(const PlanEstimate& estimate, const PlanOptions& options);

}  // namespace surge
