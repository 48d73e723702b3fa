#include "workflow/train.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "models/model.hpp"
#include "parallel/collective.hpp"
#include "trainer/data_parallel.hpp"
#include "trainer/online.hpp"
#include "workflow/output_directory.hpp"

namespace surge {

namespace {

std::string names_text(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

// The states of the work items of one trainer, read from the study files in order.
class FileSource final : public trainer::SampleSource {
 public:
  struct Item {
    long long stream_id;
    int group;  // position in the trainer's list of groups
  };
  FileSource(std::shared_ptr<const StudyFiles> files, std::vector<Item> items)
      : files_(std::move(files)), items_(std::move(items)) {
    advance();
  }

  std::vector<stream::Sample> poll() override {
    std::vector<stream::Sample> out;
    if (auto s = next()) out.push_back(std::move(*s));
    return out;
  }

  std::optional<stream::Sample> next() override {
    if (done()) return std::nullopt;
    const Item& item = items_[item_];
    const StudyFiles::Entry& e = files_->entry(item.stream_id);
    const StudyFileSimulation& sim = e.reader->simulations()[e.index];
    stream::Sample s;
    s.meta.simulation = item.stream_id;
    s.meta.time = sim.times[static_cast<std::size_t>(snapshot_)];
    s.meta.parameters = sim.parameter_values;
    s.meta.fields = e.reader->fields();
    s.meta.grid = e.reader->grid();
    s.group = item.group;
    if (!spare_.empty()) {
      s.values = std::move(spare_.back());
      spare_.pop_back();
    }
    const double t0 = MPI_Wtime();
    e.reader->read_snapshot(e.index, snapshot_, s.values);
    read_seconds_ = read_seconds_ + (MPI_Wtime() - t0);
    ++snapshot_;
    advance();
    return s;
  }

  bool done() const override { return stopped_ || item_ >= items_.size(); }
  void recycle(std::vector<double>&& values) override {
    if (spare_.size() < 4) spare_.push_back(std::move(values));
  }
  void request_stop() override { stopped_ = true; }
  bool interrupted() const override { return false; }
  long long dropped() const override { return 0; }
  bool uses_mpi() const override { return false; }
  double read_seconds() const override { return read_seconds_; }

 private:
  // Moves to the next snapshot that was written (finite time), item after item.
  void advance() {
    while (item_ < items_.size()) {
      const StudyFiles::Entry& e = files_->entry(items_[item_].stream_id);
      const std::vector<double>& times = e.reader->simulations()[e.index].times;
      while (static_cast<std::size_t>(snapshot_) < times.size() &&
             !std::isfinite(times[static_cast<std::size_t>(snapshot_)]))
        ++snapshot_;
      if (static_cast<std::size_t>(snapshot_) < times.size()) return;
      ++item_;
      snapshot_ = 0;
    }
  }

  std::shared_ptr<const StudyFiles> files_;
  std::vector<Item> items_;
  std::size_t item_ = 0;
  int snapshot_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<double> read_seconds_{0.0};
  std::vector<std::vector<double>> spare_;
};

}  // namespace

StudyFiles::StudyFiles(const std::vector<std::string>& training,
                       const std::vector<std::string>& validation) {
  if (training.empty()) throw InputError("--data: no training study file given");
  for (int part = 0; part < 2; ++part) {
    for (const std::string& path : part == 0 ? training : validation) {
      auto reader = std::make_unique<StudyReader>(path);
      if (!readers_.empty()) {
        const StudyReader& first = *readers_.front();
        const std::string against = " than " + first.path();
        if (reader->fields() != first.fields())
          throw InputError(path + ": fields " + names_text(reader->fields()) + " differ from " +
                           names_text(first.fields()) + " of " + first.path());
        const Grid& a = reader->grid();
        const Grid& b = first.grid();
        if (a.dim != b.dim || a.cells != b.cells || a.lower != b.lower || a.upper != b.upper)
          throw InputError(path + ": another grid" + against);
        if (reader->snapshot_times() != first.snapshot_times())
          throw InputError(path + ": other snapshot times" + against);
        if (reader->simulations().front().parameter_names !=
            first.simulations().front().parameter_names)
          throw InputError(path + ": parameters " +
                           names_text(reader->simulations().front().parameter_names) +
                           " differ from " +
                           names_text(first.simulations().front().parameter_names) + " of " +
                           first.path());
      }
      for (std::size_t i = 0; i < reader->simulations().size(); ++i)
        entries_.push_back({reader.get(), i});
      if (part == 0) training_ = static_cast<int>(entries_.size());
      readers_.push_back(std::move(reader));
    }
  }
}

const std::vector<std::string>& StudyFiles::fields() const { return readers_.front()->fields(); }
const Grid& StudyFiles::grid() const { return readers_.front()->grid(); }
double StudyFiles::every() const { return readers_.front()->every(); }
double StudyFiles::final_time() const { return readers_.front()->snapshot_times().back(); }
const std::vector<std::string>& StudyFiles::parameter_names() const {
  return readers_.front()->simulations().front().parameter_names;
}
long long StudyFiles::bytes() const {
  long long b = 0;
  for (const auto& r : readers_) b += r->field_bytes();
  return b;
}

std::shared_ptr<trainer::SampleSource> file_source(std::shared_ptr<const StudyFiles> files,
                                                   int total_groups,
                                                   const std::vector<int>& my_groups,
                                                   const std::set<long long>& skip) {
  const int N = files->training_simulations();
  const int V = files->validation_simulations();
  std::vector<FileSource::Item> items;
  for (int w = 0; w < N + V; ++w) {
    const auto mine = std::find(my_groups.begin(), my_groups.end(), w % total_groups);
    if (mine == my_groups.end()) continue;
    const long long id = w < V ? N + w : w - V;
    if (w >= V && skip.count(id)) continue;
    items.push_back({id, static_cast<int>(mine - my_groups.begin())});
  }
  return std::make_shared<FileSource>(std::move(files), std::move(items));
}

RunSummary train_from_files(const Comm& world, const YAML::Node& config, const TrainOptions& options) {
  const double start = MPI_Wtime();
  RunSummary summary;
  summary.mode = "files";
  summary.directory = config["output"]["directory"].as<std::string>();
  const std::string partial = summary.directory + ".partial";
  const YAML::Node training = config["training"];

  // ---- set-up: every input problem surfaces here, on every rank together
  agree_on_problem(world,
                   world.rank() == 0 ? check_output_directory("output.directory", summary.directory,
                                                              options.overwrite)
                                     : "");
  std::shared_ptr<StudyFiles> files;
  agree_on_input(world,
                 [&] { files = std::make_shared<StudyFiles>(options.data, options.validation); });
  const int N = files->training_simulations();
  const int V = files->validation_simulations();
  std::shared_ptr<models::Model> model;
  agree_on_input(world, [&] {
    model = build_model(training, files->fields(), files->parameter_names(), files->grid());
  });
  trainer::broadcast_parameters(*model, world, 0);
  agree_on_problem(world, world.rank() == 0
                              ? prepare_partial_directory("output.directory", partial, config)
                              : "");
  if (world.rank() == 0) {
    std::error_code ec;
    for (const auto* list : {&options.data, &options.validation})
      for (const std::string& path : *list)
        summary.phases.data_bytes += static_cast<long long>(std::filesystem::file_size(path, ec));
    std::ostringstream o;
    o << "train: " << N << " training + " << V << " held-out simulation(s) from "
      << options.data.size() + options.validation.size() << " study file(s) ("
      << files->fields().size() << " field(s) on " << files->grid().total_cells()
      << " cells, a snapshot every " << files->every() << " to t = " << files->final_time()
      << "), " << world.size() << " trainer rank(s) training '"
      << training["model"]["type"].as<std::string>() << "' (" << model->parameter_count()
      << " parameters) -> " << summary.directory;
    log::info(o.str());
    if (V == 0)
      log::warn("train: no --validation files: the run reports no validation errors");
  }

  // ---- work: every rank a trainer; work item w goes to rank w % size, as a group would
  trainer::OnlineSetup setup;
  setup.trainers = world;
  setup.group_index = {world.rank()};
  setup.total_groups = world.size();
  setup.source = file_source(files, world.size(), setup.group_index, {});
  setup.training = training;
  setup.fields = files->fields();
  setup.parameters = files->parameter_names();
  setup.grid = files->grid();
  setup.every = files->every();
  setup.final_time = files->final_time();
  setup.simulations = N;
  setup.validation = V;
  setup.model = model;
  setup.directory = partial;
  setup.progress_interval = config["progress"]["interval"].as<double>();
  setup.config = config;
  setup.wall_origin = start;
  trainer::OnlineSummary trained;
  try {
    trained = trainer::train_online(setup);
  } catch (const std::exception& e) {
    log::error(std::string("train: ") + e.what() + "; stopping every rank (the output stays in " +
               partial + ")");
    world.abort(kExitRuntime);
  }

  // ---- wrap-up
  summary.simulations = N + V;
  for (long long id = 0; id < N + V; ++id) {
    const StudyFiles::Entry& e = files->entry(id);
    (e.reader->simulations()[e.index].status == "ok" ? summary.ok : summary.failed) += 1;
  }
  summary.phases.simulate = summary.phases.write = std::numeric_limits<double>::quiet_NaN();
  finish_run(world, 0, trained, start, summary);
  return summary;
}

}  // namespace surge
