#pragma once
// Progress of an ensemble, gathered on rank 0 of the job while everyone works.
//
// Each solver group's leader sends one small message per finished simulation to rank 0, which
// polls for them between its own steps (no rank ever waits for progress) and prints done/total,
// failures, throughput (cell updates per second) and an ETA.
#include <mpi.h>

#include <string>
#include <vector>

#include "parallel/comm.hpp"
#include "workflow/simulate.hpp"

namespace surge {

struct SimulationReport {
  int id = 0;
  bool ok = true;
  long long steps = 0;
  long long cell_updates = 0;
  double time = 0;  // simulated time reached
  std::string message;
};

class Progress {
 public:
  // Collective over `comm` (every solver rank; its rank 0 prints). `interval` in seconds.
  Progress(const Comm& comm, int total, double interval);
  // Not collective: a group leader reports a finished simulation.
  void finished(const SimulationReport& r);
  // Not collective: rank 0 receives what has arrived and prints if it is time. `sim`, `time`
  // and `t_end` describe rank 0's own running simulation (shown, and used for the ETA);
  // sim < 0 when it has none.
  void poll(int sim = -1, double time = 0, double t_end = 1);
  // Collective: waits for every report; returns all of them on every rank (ordered by id).
  std::vector<SimulationReport> finish();

 private:
  void receive(bool wait);
  void print(bool force);
  Comm comm_;
  int total_;
  double interval_;
  double start_, last_print_ = 0;
  int current_sim_ = -1;
  double current_time_ = 0, current_end_ = 1;
  std::vector<SimulationReport> received_;  // rank 0
  std::vector<std::vector<char>> send_buffers_;
  std::vector<MPI_Request> requests_;
};

}  // namespace surge
