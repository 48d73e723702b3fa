// surge: the command-line entry point. The only place (with tests) that names MPI_COMM_WORLD.
#include <mpi.h>
#include <petscsys.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "parallel/collective.hpp"
#include "parallel/comm.hpp"
#include "workflow/app_config.hpp"
#include "workflow/evaluate.hpp"
#include "workflow/plan.hpp"
#include "workflow/run.hpp"
#include "workflow/simulate.hpp"
#include "workflow/train.hpp"

namespace {

const char* kUsage = R"(usage: surge COMMAND [ARGS] [OPTIONS]

Train neural surrogates of PDEs online, in one MPI job (run under mpirun or srun).

commands:
  validate CONFIG      check CONFIG and print it fully resolved (defaults filled in)
  simulate CONFIG      run the study's ensemble and write one HDF5 file (output.file); with
                       --shard i/n only the i-th of n parts of it (a SLURM job array:
                       cluster/simulate_array.sbatch)
  run CONFIG           run the ensemble and train its surrogate online, streaming the
                       snapshots in memory to the trainer ranks (output.directory)
  train CONFIG --data FILE... [--validation FILE...]
                       train CONFIG's model from study files (written by `simulate`, or
                       in its documented layout), every rank a trainer (output.directory)
  evaluate CONFIG --model DIR
                       judge a trained surrogate (DIR: output.directory of `run`) against the
                       solver on CONFIG's held-out simulations (study.validation): errors per
                       step, conservation, speed-up, into DIR/evaluation (or --output)
  plan CONFIG --nodes N --tasks-per-node M [--gpus-per-node G]
                       dry run of `run` on N nodes x M tasks (one process is enough): print the
                       layout, memory estimates per rank and node, and the data streamed; exit 2
                       if the ranks cannot be arranged (see cluster/ and docs/cluster.md)
  schema               print the configuration reference (Markdown)
  help                 print this text

options:
  --set KEY.PATH=VALUE   override one configuration key (repeatable), e.g.
                         --set study.seed=7 --set solver.parameters.cells=[512]
  --overwrite            (simulate, run, train, evaluate) replace an existing output file or directory
                         once the new one is complete
  --shard i/n            (simulate) run only shard i of n (0 <= i < n <= study.simulations): the
                         study ids floor(i*N/n) to floor((i+1)*N/n)-1 of the N simulations, with
                         their seeds and parameters in the whole study
  --get KEY.PATH         (validate) print only the resolved value of KEY.PATH, e.g.
                         output.directory (for scripts)
  --resume DIR           (run) continue the run whose output directory is DIR (or DIR.partial)
                         from its newest checkpoint: finished simulations are not run again,
                         training goes on from the saved step
  --offline              (run) the classic workflow instead, for comparison: first the
                         whole study into study files (DIR/data), then training on them
  --data FILE...         (train) training study files (every argument up to the next option)
  --validation FILE...   (train) held-out study files for the validation errors
  --model DIR            (evaluate) the surrogate's directory
  --output DIR           (evaluate) where the evaluation goes (default: DIR/evaluation of --model)
  --memory-per-node G    (plan) memory of a node in GiB: exit 2 if its arrays need more
  --calibrate            (plan) run the study's first simulation once, here, to estimate the
                         snapshot traffic per solver group and into each trainer
  --gpus-per-node G      (plan) GPUs of a node: which trainer rank uses which GPU
                         (training.device), and what goes on each GPU; exit 2 for
                         training.device: cuda with 0
  --nodes N              (plan) nodes of the job
  --tasks-per-node M     (plan) MPI ranks per node
  -h, --help             print this text
  --version              print the version

exit status: 0 success, 1 runtime failure, 2 usage or configuration error, 3 (run)
interrupted by SIGUSR1 or SIGTERM after writing a checkpoint (continue with --resume).
)";

struct Args {
  std::string command;
  std::string config;
  std::vector<std::string> overrides;
  bool overwrite = false;
  std::string resume;                    // run --resume DIR
  int nodes = 0, tasks_per_node = 0;     // plan; 0: not given
  std::string model, output;             // evaluate; empty: not given
  int shard_index = 0, shard_count = 0;  // simulate --shard i/n; count 0: not given
  std::string get;                       // validate --get KEY.PATH
  bool has_get = false;
  std::int64_t memory_per_node = 0;           // plan --memory-per-node, bytes; 0: not given
  int gpus_per_node = -1;                     // plan --gpus-per-node; -1: not given
  bool calibrate = false;                     // plan --calibrate
  bool offline = false;                       // run --offline
  std::vector<std::string> data, validation;  // train
  bool data_given = false, validation_given = false;
};

// The value of --memory-per-node: a number of GiB > 0, in bytes.
std::int64_t gibibytes(const std::string& option, const std::string& value) {
  std::size_t used = 0;
  double g = 0;
  try {
    g = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || !(g > 0) || g > 1e9)
    throw surge::InputError(option + " needs a size in GiB > 0 (e.g. 256), not '" + value + "'");
  return static_cast<std::int64_t>(g * 1024.0 * 1024.0 * 1024.0);
}

// The value of a count option: a whole number >= `least` (--nodes and --tasks-per-node 1,
// --gpus-per-node 0).
int whole_number(const std::string& option, const std::string& value, int least) {
  std::size_t used = 0;
  int n = least - 1;
  try {
    n = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || n < least)
    throw surge::InputError(option + " needs a whole number >= " + std::to_string(least) +
                            ", not '" + value + "'");
  return n;
}

// The value of --shard: "i/n", whole numbers with 0 <= i < n.
void parse_shard(const std::string& value, Args& a) {
  const std::string usage = "--shard needs i/n, shard i of n with 0 <= i < n (e.g. --shard 0/4)";
  const std::size_t slash = value.find('/');
  if (slash == std::string::npos) throw surge::InputError(usage + ", not '" + value + "'");
  auto whole = [&](const std::string& text) {
    std::size_t used = 0;
    long long n = -1;
    const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    try {
      if (digits) n = std::stoll(text, &used);
    } catch (const std::exception&) {
      n = -1;
    }
    if (!digits || used != text.size() || n < 0 || n > 1000000000)
      throw surge::InputError(usage + ", not '" + value + "'");
    return static_cast<int>(n);
  };
  a.shard_index = whole(value.substr(0, slash));
  a.shard_count = whole(value.substr(slash + 1));
  if (a.shard_count < 1)
    throw surge::InputError("--shard " + value + ": the number of shards n must be >= 1");
  if (a.shard_index >= a.shard_count)
    throw surge::InputError("--shard " + value + ": shards are numbered 0 to n-1, so i < n (" +
                            std::to_string(a.shard_index) + " is not < " +
                            std::to_string(a.shard_count) + ")");
}

Args parse(int argc, char** argv) {
  Args a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "-h" || s == "--help") {
      a.command = "help";
      return a;
    } else if (s == "--version") {
      a.command = "version";
      return a;
    } else if (s == "--set") {
      if (i + 1 >= argc) throw surge::InputError("--set needs KEY.PATH=VALUE");
      a.overrides.emplace_back(argv[++i]);
    } else if (s.rfind("--set=", 0) == 0) {
      a.overrides.push_back(s.substr(6));
    } else if (s == "--overwrite") {
      a.overwrite = true;
    } else if (s == "--offline") {
      a.offline = true;
    } else if (s == "--calibrate") {
      a.calibrate = true;
    } else if (s == "--memory-per-node") {
      if (i + 1 >= argc) throw surge::InputError("--memory-per-node needs a size in GiB");
      a.memory_per_node = gibibytes(s, argv[++i]);
    } else if (s == "--gpus-per-node") {
      if (i + 1 >= argc) throw surge::InputError("--gpus-per-node needs a number of GPUs");
      a.gpus_per_node = whole_number(s, argv[++i], 0);
    } else if (s.rfind("--gpus-per-node=", 0) == 0) {
      a.gpus_per_node = whole_number("--gpus-per-node", s.substr(16), 0);
    } else if (s == "--data" || s == "--validation") {
      // Every argument up to the next option: a shell glob (shard-*.h5) names several files.
      std::vector<std::string>& files = s == "--data" ? a.data : a.validation;
      (s == "--data" ? a.data_given : a.validation_given) = true;
      while (i + 1 < argc && argv[i + 1][0] != '-') files.emplace_back(argv[++i]);
      if (files.empty()) throw surge::InputError(s + " needs at least one study file");
    } else if (s == "--resume") {
      if (i + 1 >= argc) throw surge::InputError("--resume needs the DIR of the run to continue");
      a.resume = argv[++i];
    } else if (s.rfind("--resume=", 0) == 0) {
      a.resume = s.substr(9);
    } else if (s == "--nodes" || s == "--tasks-per-node") {
      if (i + 1 >= argc) throw surge::InputError(s + " needs a number");
      (s == "--nodes" ? a.nodes : a.tasks_per_node) = whole_number(s, argv[++i], 1);
    } else if (s == "--shard") {
      if (i + 1 >= argc) throw surge::InputError("--shard needs i/n (shard i of n, e.g. 0/4)");
      parse_shard(argv[++i], a);
    } else if (s.rfind("--shard=", 0) == 0) {
      parse_shard(s.substr(8), a);
    } else if (s == "--get") {
      if (i + 1 >= argc) throw surge::InputError("--get needs a KEY.PATH, e.g. output.directory");
      a.get = argv[++i];
      a.has_get = true;
    } else if (s.rfind("--get=", 0) == 0) {
      a.get = s.substr(6);
      a.has_get = true;
    } else if (s == "--model" || s == "--output") {
      if (i + 1 >= argc) throw surge::InputError(s + " needs a directory");
      (s == "--model" ? a.model : a.output) = argv[++i];
    } else if (s.rfind("--model=", 0) == 0) {
      a.model = s.substr(8);
    } else if (s.rfind("--output=", 0) == 0) {
      a.output = s.substr(9);
    } else if (s.rfind("--nodes=", 0) == 0) {
      a.nodes = whole_number("--nodes", s.substr(8), 1);
    } else if (s.rfind("--tasks-per-node=", 0) == 0) {
      a.tasks_per_node = whole_number("--tasks-per-node", s.substr(17), 1);
    } else if (s.rfind("-", 0) == 0 && s.size() > 1) {
      throw surge::InputError("unknown option '" + s + "' (see surge --help)");
    } else {
      positional.push_back(s);
    }
  }
  if (positional.empty()) throw surge::InputError("no command given (see surge --help)");
  a.command = positional[0];
  const std::vector<std::string> known{"validate", "simulate", "run",  "train",
                                       "evaluate", "plan",     "schema", "help"};
  bool ok = false;
  for (const auto& k : known) ok = ok || a.command == k;
  if (!ok) {
    std::string msg = "unknown command '" + a.command + "'";
    if (auto c = surge::config::closest(a.command, known)) msg += " (did you mean '" + *c + "'?)";
    throw surge::InputError(msg +
                            "; commands: validate, simulate, run, train, evaluate, plan, schema, "
                            "help");
  }
  const bool needs_config = a.command == "validate" || a.command == "simulate" ||
                            a.command == "run" || a.command == "train" ||
                            a.command == "evaluate" || a.command == "plan";
  if (needs_config && positional.size() < 2)
    throw surge::InputError("'" + a.command + "' needs a CONFIG file (surge " + a.command +
                            " CONFIG)");
  if (positional.size() > (needs_config ? 2u : 1u))
    throw surge::InputError("unexpected argument '" + positional.back() + "'");
  if (needs_config) a.config = positional[1];
  if (a.overwrite && a.command != "simulate" && a.command != "run" && a.command != "train" &&
      a.command != "evaluate")
    throw surge::InputError("--overwrite applies to 'simulate', 'run', 'train' and 'evaluate' only");
  if (a.offline && a.command != "run") throw surge::InputError("--offline applies to 'run' only");
  if (a.command == "train" && !a.data_given)
    throw surge::InputError(
        "'train' needs --data FILE..., the study files to train on (surge train CONFIG --data "
        "FILE.h5 [--validation FILE.h5])");
  if (a.command != "train" && (a.data_given || a.validation_given))
    throw surge::InputError("--data and --validation apply to 'train' only");
  if (a.command == "evaluate" && a.model.empty())
    throw surge::InputError(
        "'evaluate' needs --model DIR, the directory of a trained surrogate (surge evaluate "
        "CONFIG --model DIR)");
  if (a.command != "evaluate" && (!a.model.empty() || !a.output.empty()))
    throw surge::InputError("--model and --output apply to 'evaluate' only");
  if (!a.resume.empty() && a.command != "run")
    throw surge::InputError("--resume applies to 'run' only");
  if (a.shard_count != 0 && a.command != "simulate")
    throw surge::InputError("--shard applies to 'simulate' only");
  if (a.has_get && a.command != "validate")
    throw surge::InputError("--get applies to 'validate' only");
  if (a.has_get && a.get.empty()) throw surge::InputError("--get needs a KEY.PATH");
  if (a.command == "plan" && (a.nodes == 0 || a.tasks_per_node == 0))
    throw surge::InputError("'plan' needs --nodes N and --tasks-per-node M");
  if (a.command != "plan" && (a.nodes != 0 || a.tasks_per_node != 0))
    throw surge::InputError("--nodes and --tasks-per-node apply to 'plan' only");
  if (a.command != "plan" && (a.calibrate || a.memory_per_node != 0 || a.gpus_per_node >= 0))
    throw surge::InputError(
        "--calibrate, --memory-per-node and --gpus-per-node apply to 'plan' only");
  return a;
}

// `validate --get KEY.PATH`: the resolved value at KEY.PATH, a scalar as its text, anything else
// as YAML. Every rank holds the same configuration, so every rank throws together.
std::string resolved_value(const YAML::Node& config, const std::string& path) {
  YAML::Node node = YAML::Clone(config);
  std::string walked;
  std::size_t from = 0;
  for (;;) {
    const std::size_t dot = path.find('.', from);
    const std::string key = path.substr(from, dot == std::string::npos ? dot : dot - from);
    if (key.empty()) throw surge::InputError("--get '" + path + "': empty key");
    const YAML::Node& here = node;
    if (!here.IsMap() || !here[key]) {
      std::string msg = "--get '" + path + "': the resolved configuration has no key '" +
                        (walked.empty() ? key : walked + "." + key) + "'";
      if (here.IsMap()) {
        std::vector<std::string> keys;
        for (const auto& kv : here) keys.push_back(kv.first.as<std::string>());
        if (auto c = surge::config::closest(key, keys)) msg += " (did you mean '" + *c + "'?)";
      }
      throw surge::InputError(msg);
    }
    node.reset(here[key]);
    walked += (walked.empty() ? "" : ".") + key;
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "";
  std::string text = surge::config::emit(node);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

int run(const surge::Comm& world, int argc, char** argv) {
  const Args args = parse(argc, argv);  // identical on every rank: no agreement needed
  if (args.command == "help") {
    surge::log::info(kUsage);
    return surge::kExitOk;
  }
  if (args.command == "version") {
    surge::log::info(std::string("surge ") + SURGE_VERSION);
    return surge::kExitOk;
  }
  if (args.command == "schema") {
    surge::log::info(
        surge::config::markdown_reference(surge::root_schema(), "surge configuration reference"));
    return surge::kExitOk;
  }
  YAML::Node config = surge::load_config(world, args.config, args.overrides);
  if (args.command == "validate" && args.has_get) {
    surge::log::info(resolved_value(config, args.get));
    return surge::kExitOk;
  }
  if (args.command == "validate") {
    surge::log::info("# " + args.config + ": valid. Resolved configuration:\n" +
                     surge::config::emit(config));
    return surge::kExitOk;
  }
  if (args.command == "plan") {
    surge::PlanOptions opt;
    opt.nodes = args.nodes;
    opt.tasks_per_node = args.tasks_per_node;
    opt.memory_per_node = args.memory_per_node;
    opt.calibrate = args.calibrate;
    opt.gpus_per_node = args.gpus_per_node;
    // Every rank computes the same plan (it is cheap); rank 0 prints it.
    surge::PlanEstimate estimate;
    surge::agree_on_input(world, [&] { estimate = surge::plan(world, config, opt); });
    surge::log::info(surge::describe(estimate, opt));
    return surge::kExitOk;
  }
  if (args.command == "run") {
    surge::RunOptions opt;
    opt.overwrite = args.overwrite;
    opt.resume = args.resume;
    opt.offline = args.offline;
    surge::install_interrupt_handlers();
    const surge::RunSummary summary = surge::run(world, config, opt);
    return summary.interrupted ? surge::kExitInterrupted : surge::kExitOk;
  }
  if (args.command == "train") {
    surge::TrainOptions opt;
    opt.data = args.data;
    opt.validation = args.validation;
    opt.overwrite = args.overwrite;
    surge::install_interrupt_handlers();
    const surge::RunSummary summary = surge::train_from_files(world, config, opt);
    return summary.interrupted ? surge::kExitInterrupted : surge::kExitOk;
  }
  if (args.command == "evaluate") {
    surge::EvaluateOptions opt;
    opt.model = args.model;
    opt.output = args.output;
    opt.overwrite = args.overwrite;
    opt.config_file = args.config;
    surge::evaluate(world, config, opt);
    return surge::kExitOk;
  }
  surge::SimulateOptions opt;
  opt.overwrite = args.overwrite;
  if (args.shard_count > 0) {
    opt.shard_index = args.shard_index;
    opt.shard_count = args.shard_count;
  }
  // Simulations that blew up are recorded in the output and reported; the study itself has
  // succeeded once every simulation was run.
  surge::simulate(world, config, opt);
  return surge::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // `run` takes SIGUSR1 / SIGTERM from its first moment: SLURM's warning before a short time
  // limit can come while MPI is still starting (a usage error is reported below, after MPI
  // starts, when the arguments are parsed again).
  try {
    if (parse(argc, argv).command == "run") surge::install_interrupt_handlers();
  } catch (const std::exception&) {
  }
  // Trainer ranks receive the stream on a thread of their own while the training loop runs
  // collectives: ask for MPI_THREAD_MULTIPLE (without it they poll between steps instead).
  int provided = MPI_THREAD_SINGLE;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
    return surge::kExitRuntime;
  // PETSc must not see surge's own options; give it only the program name.
  int petsc_argc = 1;
  char** petsc_argv = argv;
  if (PetscInitialize(&petsc_argc, &petsc_argv, nullptr, nullptr) != 0) return surge::kExitRuntime;
  surge::Comm world = surge::Comm::borrow(MPI_COMM_WORLD);
  surge::log::set_rank(world.rank(), world.rank() == 0);
  int status = surge::kExitOk;
  try {
    status = run(world, argc, argv);
  } catch (const surge::InputError& e) {
    // Raised on every rank together (configuration agreement); rank 0 speaks for all.
    if (world.rank() == 0) std::cerr << "surge: error: " << e.what() << std::endl;
    status = surge::kExitInput;
  } catch (const std::exception& e) {
    // A failure on some ranks only: the others may be waiting in a collective, so abort.
    std::cerr << "surge [rank " << world.rank() << "]: fatal: " << e.what() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, surge::kExitRuntime);
  }
  PetscFinalize();  // MPI was initialised here, so PETSc leaves finalising it to us
  MPI_Finalize();
  return status;
}
