#pragma once
// Training from study files: `surge train CONFIG --data FILE... [--validation FILE...]`, and the
// second phase of `surge run --offline`. The files (docs/output-format.md) are read back by the
// trainer ranks on a thread of their own while they train, snapshot by snapshot, and fed to the
// same training loop, buffer and model code as the online stream (trainer::train_online).
#include <yaml-cpp/yaml.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "io/study_reader.hpp"
#include "parallel/comm.hpp"
#include "trainer/sample_source.hpp"
#include "workflow/run.hpp"

namespace surge {

// Training and held-out study files, opened and checked against each other. Their simulations
// are numbered as the stream numbers them: training ones 0 .. N-1 (file after file, by id),
// held-out ones N .. N+V-1.
class StudyFiles {
 public:
  // Throws InputError naming the file when one is missing, not a complete surge study, or
  // differs from the first in fields, grid, snapshot times or parameter names, or when no
  // training file is given.
  StudyFiles(const std::vector<std::string>& training, const std::vector<std::string>& validation);

  const std::vector<std::string>& fields() const;
  const Grid& grid() const;
  double every() const;
  double final_time() const;
  const std::vector<std::string>& parameter_names() const;
  int training_simulations() const { return training_; }
  int validation_simulations() const { return static_cast<int>(entries_.size()) - training_; }
  long long bytes() const;  // of the field data, every file

  struct Entry {
    const StudyReader* reader;
    std::size_t index;  // in reader->simulations()
  };
  const Entry& entry(long long stream_id) const {
    return entries_.at(static_cast<std::size_t>(stream_id));
  }

 private:
  std::vector<std::unique_ptr<StudyReader>> readers_;
  std::vector<Entry> entries_;
  int training_ = 0;
};

// The states of `files` that one trainer receives, in the order the stream would bring them: work
// item w (held-out simulation w for w < V, training simulation w - V after) belongs to group
// w % total_groups, and this trainer takes the items of `my_groups` (job-wide indices; a
// sample's `group` is the position in this list). Training simulations in `skip` (finished
// before a --resume) are left out. Read on the caller's thread, one snapshot per poll().
std::shared_ptr<trainer::SampleSource> file_source(std::shared_ptr<const StudyFiles> files,
                                                   int total_groups,
                                                   const std::vector<int>& my_groups,
                                                   const std::set<long long>& skip);

struct TrainOptions {
  std::vector<std::string> data;        // training study files (at least one)
  std::vector<std::string> validation;  // held-out study files (may be empty: no validation)
  bool overwrite = false;
};

// `surge train`: every rank of `world` is a trainer (data-parallel); the files are dealt to
// them simulation by simulation. Writes output.directory like `surge run`. Collective; input
// problems are InputError on every rank before any work.
RunSummary train_from_files(const Comm& world, const YAML::Node& config, const TrainOptions& options);

}  // namespace surge
