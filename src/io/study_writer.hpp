#pragma once
// StudyWriter: one HDF5 file per study, written with parallel HDF5 by all solver ranks.
//
// Layout (documented in docs/output-format.md):
//   /                       attrs: format = "surge-study", format_version, config (resolved
//                           YAML), complete (0 while running, 1 once finished), surge_version,
//                           fields (field names in order), shard_index, shard_count,
//                           study_simulations (the whole study's count)
//   /snapshot_times         [n_snapshots] requested snapshot times
//   /simulation_ids         [n_simulations] the study ids this file holds, ascending
//   /grid                   attrs: dim, cells, lower, upper; datasets x (and y): cell centres
//   /simulations/NNNNNN     attrs: id, seed, status ("ok", "failed", "not_run"), message,
//                           parameter_names, parameter_values, and one attr per parameter
//     times                 [n_snapshots] snapshot times (NaN where never reached)
//     FIELD                 [n_snapshots, (ny,) nx] cell averages (NaN where never reached)
//
// The whole layout is created collectively up front (all metadata is known before any
// simulation runs), so solver groups then write their blocks independently, in any order.
// The file is written as PATH.partial and renamed to PATH only by finish(), so a killed run
// never leaves a file that looks complete; an XDMF sidecar PATH-without-.h5 + ".xmf" is written
// next to it for ParaView.
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "parallel/comm.hpp"
#include "study/simulation.hpp"

namespace surge {

struct SimulationStatus {
  int id = 0;
  std::string status;   // "ok", "failed" or "not_run"
  std::string message;  // reason of a failure
};

// Which part of a study a file holds: shard `index` of `count` of a study of `simulations`
// simulations (`surge simulate --shard`). The default, count 1, is the whole study; simulations
// < 0 means "as many as the file holds".
struct StudyShard {
  int index = 0;
  int count = 1;
  int simulations = -1;
};

class StudyWriter {
 public:
  // Collective over `comm` (every rank that writes). Creates PATH.partial (replacing a stale
  // one) holding the groups of `simulations` (their ids are the study's, in any order) and
  // `shard` in its root attributes. Refuses (InputError) when PATH exists and `overwrite` is
  // false; the check is also done by the caller before any work starts.
  StudyWriter(const Comm& comm, const std::string& path, bool overwrite, const Grid& grid,
              const std::vector<std::string>& fields, const std::vector<double>& snapshot_times,
              const std::vector<SimulationSpec>& simulations, const std::string& resolved_config,
              const StudyShard& shard = {});
  // Collective if finish() was not called: closes the file and leaves PATH.partial (with
  // complete = 0), never PATH.
  ~StudyWriter();
  StudyWriter(const StudyWriter&) = delete;
  StudyWriter& operator=(const StudyWriter&) = delete;

  // Not collective: writes this rank's block of snapshot `k` of the simulation with id `sim`
  // (all fields, laid out as Solver::snapshot gives them). `write_time` = true on one rank of
  // the group. Throws RuntimeError on an unknown id, k out of range or a size mismatch.
  void write(int sim, int k, double time, const Block& block, const std::vector<double>& data,
             bool write_time);

  // Collective: records every simulation's status (the same vector on every rank), closes the
  // file, renames PATH.partial to PATH and writes the XDMF sidecar (rank 0).
  void finish(const std::vector<SimulationStatus>& statuses);

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  Impl* impl_ = nullptr;
  std::string path_;
};

// Reads one field of one simulation back (serial, any rank): used by tests and tools.
// Returns [n_snapshots * cells] values (x fastest); `field` = "times" gives the snapshot
// times. Throws InputError if the file, the simulation or the field is missing.
std::vector<double> read_study_field(const std::string& path, int sim, const std::string& field);

}  // namespace surge
