#include "workflow/app_config.hpp"

#include "core/config.hpp"
#include "core/error.hpp"
#include "grid/grid.hpp"
#include "parallel/collective.hpp"
#include "parallel/layout.hpp"
#include "solvers/solver.hpp"
#include "stream/options.hpp"
#include "study/initial_condition.hpp"
#include "study/study.hpp"
#include "trainer/training_config.hpp"

namespace surge {

config::Schema output_schema() {
  using config::Schema;
  Schema s = Schema::map(
      "How often snapshots are taken and where results go: `surge simulate` writes every "
      "snapshot to `file`; `surge run` streams them to the trainers and writes the trained "
      "surrogate, its metrics and the resolved configuration into `directory`.");
  s.add("file", Schema::string("surge simulate: HDF5 file of the whole study (written as "
                               "FILE.partial until complete; an XDMF sidecar is written beside "
                               "it)")
                    .defaults("surge_study.h5"));
  s.add("directory", Schema::string("surge run: directory of the trained surrogate, metrics and "
                                    "configuration (written as DIRECTORY.partial until the run "
                                    "is complete)")
                         .defaults("surge_run"));
  s.add("every", Schema::real("simulated time between snapshots, written (simulate) or "
                              "streamed (run): the first is at t = 0, the last at t_end")
                     .min(0, true)
                     .required());
  return s;
}

config::Schema progress_schema() {
  using config::Schema;
  Schema s = Schema::map("Progress reports on rank 0.");
  s.add("interval", Schema::real("seconds between progress lines (0: one line per finished "
                                 "simulation)")
                        .min(0)
                        .defaults("5.0"));
  return s;
}

config::Schema root_schema() {
  using config::Schema;
  Schema s = Schema::map(
      "A surge configuration: one YAML file with the sections below. Unknown keys are errors; "
      "every key not marked required has the default shown.");
  s.add("layout", layout_schema());
  s.add("study", study_schema().required());
  s.add("solver", solver_schema().required());
  s.add("output", output_schema().required());
  s.add("progress", progress_schema());
  s.add("stream", stream::stream_schema());
  s.add("training", trainer::training_schema());
  return s;
}

void check_inputs(const YAML::Node& config) {
  Study study(config["study"]);
  validation_study(config["study"]);
  trainer::check_training(config["training"]);
  const YAML::Node solver = config["solver"];
  check_solver_inputs(solver, study.spec(0));
}

YAML::Node load_config(const Comm& world, const std::string& file,
                       const std::vector<std::string>& overrides) {
  std::string text;
  agree_on_input(world, [&] {
    if (world.rank() == 0) {
      YAML::Node resolved = config::load(file, overrides, root_schema());
      check_inputs(resolved);
      text = config::emit(resolved);
    }
  });
  world.bcast(text, 0);
  return YAML::Load(text);
}

}  // namespace surge
