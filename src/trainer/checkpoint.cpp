#include "trainer/checkpoint.hpp"

#include <torch/serialize.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"

namespace surge::trainer {

namespace {

namespace fs = std::filesystem;

constexpr int kFormat = 1;

std::string step_name(long long step) {
  std::ostringstream o;
  o << "step-" << std::setw(6) << std::setfill('0') << step;
  return o.str();
}

// Numbers in state.yaml round-trip exactly (17 significant digits).
std::string exact(double v) {
  std::ostringstream o;
  o << std::setprecision(17) << v;
  return o.str();
}

// Writes `text` to `path` through path.tmp and a rename, so the file is whole or absent.
void write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    out.flush();
    if (!out) throw RuntimeError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot rename " + tmp.string() + " to " + path.string() + ": " +
                             ec.message());
}

// The sections a resumed run must keep unchanged, by key path.
const char* const kKeptSections[][2] = {{"study", nullptr},
                                        {"solver", nullptr},
                                        {"output", "every"},
                                        {"training", "task"},
                                        {"training", "model"},
                                        {"training", "normalization"}};

YAML::Node section(const YAML::Node& config, const char* a, const char* b) {
  if (!config || !config[a]) return YAML::Node();
  return b ? config[a][b] : config[a];
}

}  // namespace

void write_checkpoint(const std::string& run_directory, const Surrogate& surrogate,
                      Optimizer& optimizer, const CheckpointState& state) {
  const fs::path root = fs::path(run_directory) / "checkpoint";
  std::error_code ec;
  fs::create_directories(root, ec);
  // A new name even for a step checkpointed before (a resumed run interrupted at once): LATEST
  // must never name a directory being replaced.
  std::string name = step_name(state.step);
  for (int k = 2; fs::exists(root / name, ec); ++k)
    name = step_name(state.step) + "-" + std::to_string(k);
  const fs::path tmp = root / (name + ".tmp");
  const fs::path final_dir = root / name;
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec))
    throw RuntimeError("checkpoint: cannot create " + tmp.string() + ": " + ec.message());

  YAML::Node info;
  info["checkpoint_step"] = state.step;
  save_surrogate(tmp.string(), surrogate, info);
  {
    torch::serialize::OutputArchive archive;
    optimizer.torch_optimizer().save(archive);
    archive.save_to((tmp / "optimizer.pt").string());
  }
  YAML::Node y;
  y["format"] = kFormat;
  y["step"] = state.step;
  y["samples_received"] = state.samples_received;
  y["pairs"] = state.pairs;
  YAML::Node completed(YAML::NodeType::Sequence);
  for (long long id : state.completed) completed.push_back(id);
  completed.SetStyle(YAML::EmitterStyle::Flow);
  y["completed_simulations"] = completed;
  YAML::Node moments(YAML::NodeType::Sequence);
  for (const Moments& m : state.moments) {
    YAML::Node row(YAML::NodeType::Sequence);
    row.push_back(exact(m.count));
    row.push_back(exact(m.mean));
    row.push_back(exact(m.m2));
    row.SetStyle(YAML::EmitterStyle::Flow);
    moments.push_back(row);
  }
  y["normalizer_moments"] = moments;  // [count, mean, m2] per channel, inputs then targets
  y["config"] = state.config;
  {
    std::ofstream out(tmp / "state.yaml");
    out << "# surge run checkpoint: resume with surge run CONFIG --resume DIR\n"
        << config::emit(y) << "\n";
    out.flush();
    if (!out) throw RuntimeError("checkpoint: cannot write " + (tmp / "state.yaml").string());
  }
  fs::rename(tmp, final_dir, ec);
  if (ec)
    throw RuntimeError("checkpoint: cannot rename " + tmp.string() + ": " + ec.message());
  write_file_atomically(root / "LATEST", name + "\n");
  // Only now is the previous checkpoint no longer needed.
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string n = entry.path().filename().string();
    if (entry.is_directory() && n.rfind("step-", 0) == 0 && n != name) fs::remove_all(entry, ec);
  }
}

LoadedCheckpoint read_checkpoint(const std::string& run_directory) {
  const fs::path root = fs::path(run_directory) / "checkpoint";
  const fs::path latest = root / "LATEST";
  if (!fs::is_regular_file(latest))
    throw InputError("--resume: no checkpoint in '" + run_directory + "' (" + latest.string() +
                     " does not exist; checkpoints are written every training.checkpoint_every "
                     "steps and when the run is interrupted)");
  std::string name;
  {
    std::ifstream in(latest);
    std::getline(in, name);
  }
  if (name.rfind("step-", 0) != 0 || name.find('/') != std::string::npos)
    throw InputError(latest.string() + ": does not name a checkpoint ('" + name + "')");
  LoadedCheckpoint c;
  c.path = (root / name).string();
  if (!fs::is_directory(c.path))
    throw InputError(latest.string() + ": names '" + name + "', which does not exist");
  const std::string state_file = (fs::path(c.path) / "state.yaml").string();
  const std::string optimizer_file = (fs::path(c.path) / "optimizer.pt").string();
  if (!fs::is_regular_file(state_file)) throw InputError(state_file + ": no such file");
  if (!fs::is_regular_file(optimizer_file)) throw InputError(optimizer_file + ": no such file");
  c.surrogate = load_surrogate(c.path);  // InputError naming model.pt / surrogate.yaml
  try {
    const YAML::Node y = YAML::LoadFile(state_file);
    if (!y["format"] || y["format"].as<int>(-1) != kFormat)
      throw InputError(state_file + ": format is not " + std::to_string(kFormat));
    c.state.step = y["step"].as<long long>();
    c.state.samples_received = y["samples_received"].as<long long>();
    c.state.pairs = y["pairs"].as<long long>();
    c.state.completed = y["completed_simulations"].as<std::vector<long long>>();
    for (const auto& row : y["normalizer_moments"]) {
      if (!row.IsSequence() || row.size() != 3)
        throw InputError(state_file + ": normalizer_moments: [count, mean, m2] per channel");
      c.state.moments.push_back(
          Moments{row[0].as<double>(), row[1].as<double>(), row[2].as<double>()});
    }
    c.state.config = y["config"];
    if (!c.state.config || !c.state.config.IsMap())
      throw InputError(state_file + ": config: missing");
  } catch (const YAML::Exception& e) {
    throw InputError(state_file + ": " + e.what());
  }
  const std::size_t channels = static_cast<std::size_t>(c.surrogate.layout.in_channels() +
                                                        c.surrogate.layout.out_channels());
  if (c.state.moments.size() != channels)
    throw InputError(state_file + ": normalizer_moments: " +
                     std::to_string(c.state.moments.size()) + " channels, the model has " +
                     std::to_string(channels));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(optimizer_file);
  } catch (const std::exception& e) {
    throw InputError(optimizer_file + ": not an optimizer state written by surge (" +
                     std::string(e.what()).substr(0, 200) + ")");
  }
  return c;
}

std::string checkpoint_mismatch(const YAML::Node& checkpoint_config, const YAML::Node& config) {
  for (const auto& keys : kKeptSections) {
    const std::string was = config::emit(section(checkpoint_config, keys[0], keys[1]));
    const std::string now = config::emit(section(config, keys[0], keys[1]));
    if (was != now) {
      const std::string key = std::string(keys[0]) + (keys[1] ? std::string(".") + keys[1] : "");
      const auto one_line = [](std::string s) {
        for (char& ch : s)
          if (ch == '\n') ch = ' ';
        return s.size() > 160 ? s.substr(0, 157) + "..." : s;
      };
      return key + ": the checkpoint was written with '" + one_line(was) + "', this run has '" +
             one_line(now) + "'";
    }
  }
  return {};
}

void restore_training(const LoadedCheckpoint& checkpoint, models::Model& model,
                      Optimizer& optimizer) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from((fs::path(checkpoint.path) / "optimizer.pt").string());
    optimizer.torch_optimizer().load(archive);
  } catch (const std::exception& e) {
    throw InputError((fs::path(checkpoint.path) / "optimizer.pt").string() +
                     ": does not fit this run's optimizer (" +
                     std::string(e.what()).substr(0, 200) + ")");
  }
  torch::NoGradGuard no_grad;
  const auto source = checkpoint.surrogate.model->named_parameters(true);
  for (auto& p : model.named_parameters(true)) p.value().copy_(source[p.key()]);
  const auto buffers = checkpoint.surrogate.model->named_buffers(true);
  for (auto& b : model.named_buffers(true)) b.value().copy_(buffers[b.key()]);
  optimizer.set_steps(checkpoint.state.step);
}

}  // namespace surge::trainer
