#pragma once
// StudyReader: reads a finished study file (docs/output-format.md) back, snapshot by snapshot,
// for training from files (surge train, surge run --offline). Serial HDF5: each reading rank
// opens the file on its own.
//
// The constructor checks the whole layout before anything is read, so that a bad file is an
// input error at set-up (naming the file and what is wrong), never a failure mid-training: the
// format attributes, `complete` = 1, the grid, the snapshot times (increasing, evenly spaced),
// and every simulation's attributes and datasets with the shapes the grid implies.
#include <cstdint>
#include <string>
#include <vector>

#include "grid/grid.hpp"

namespace surge {

struct StudyFileSimulation {
  int id = 0;
  std::string status;  // "ok", "failed" or "not_run"
  std::vector<std::string> parameter_names;
  std::vector<double> parameter_values;
  std::vector<double> times;  // [n_snapshots]; NaN where never reached
};

class StudyReader {
 public:
  // Throws InputError naming `path` and the first problem found.
  explicit StudyReader(const std::string& path);
  ~StudyReader();
  StudyReader(const StudyReader&) = delete;
  StudyReader& operator=(const StudyReader&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& fields() const { return fields_; }
  const Grid& grid() const { return grid_; }
  const std::vector<double>& snapshot_times() const { return snapshot_times_; }
  // Simulated time between two snapshots (0 with a single snapshot).
  double every() const { return every_; }
  // Ordered by id.
  const std::vector<StudyFileSimulation>& simulations() const { return simulations_; }
  // The resolved configuration that wrote the file ("" when a tool wrote none).
  const std::string& config() const { return config_; }
  // Bytes of the field datasets (what training reads).
  long long field_bytes() const;

  // Reads snapshot `k` of simulations()[index], every field, into `out` (resized to
  // fields * cells, x fastest, field after field: the layout of a streamed snapshot). Throws
  // RuntimeError on an I/O failure.
  void read_snapshot(std::size_t index, int k, std::vector<double>& out) const;

 private:
  std::string path_;
  std::int64_t file_ = -1;  // the HDF5 file (hid_t)
  std::vector<std::string> fields_;
  Grid grid_;
  std::vector<double> snapshot_times_;
  double every_ = 0;
  std::vector<StudyFileSimulation> simulations_;
  std::string config_;
};

}  // namespace surge
