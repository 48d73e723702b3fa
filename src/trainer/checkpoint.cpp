#include "trainer/checkpoint.hpp"

#include <torch/serialize.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

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

constexpr std::int64_t kBufferFormat = 1;

std::string buffer_file_name(int rank) { return "buffer-" + std::to_string(rank) + ".pt"; }

// A training buffer as a pickled dict of tensors (readable with torch.load in Python):
//   format   int64 [1]
//   data     float32 [n, width]   the pairs, in the buffer's storage order
//   meta     int64 [n, 4]         simulation, solver step, arrival number, times served
//   order    int64 [m]            reservoir: the permutation its batches draw from (m = n)
//   state    int64 [4]            random stream state (its 64 bits), received, served, evicted
//   retired  int64 [k, 2]         seen count, number of samples gone with it
void write_buffer_file(const fs::path& path, const train::Buffer::Saved& b) {
  const auto n = static_cast<std::int64_t>(b.samples.size());
  const std::int64_t width =
      n ? static_cast<std::int64_t>(b.samples.front().first->data.size()) : 0;
  torch::Tensor data = torch::empty({n, width}, torch::kFloat32);
  torch::Tensor meta = torch::empty({n, 4}, torch::kInt64);
  float* d = data.data_ptr<float>();
  std::int64_t* m = meta.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const train::Sample& sample = *b.samples[static_cast<std::size_t>(i)].first;
    if (static_cast<std::int64_t>(sample.data.size()) != width)
      throw RuntimeError("checkpoint: buffer samples of different sizes");
    if (width) std::memcpy(d + i * width, sample.data.data(), sizeof(float) * sample.data.size());
    m[4 * i] = sample.simulation;
    m[4 * i + 1] = sample.step;
    m[4 * i + 2] = static_cast<std::int64_t>(sample.arrival);
    m[4 * i + 3] = static_cast<std::int64_t>(b.samples[static_cast<std::size_t>(i)].second);
  }
  std::int64_t rng = 0;
  std::memcpy(&rng, &b.rng_state, sizeof rng);
  const std::vector<std::int64_t> state{rng, static_cast<std::int64_t>(b.counters.received),
                                        static_cast<std::int64_t>(b.counters.served),
                                        static_cast<std::int64_t>(b.counters.evicted)};
  std::vector<std::int64_t> retired;
  for (const auto& [seen, count] : b.retired_seen) {
    retired.push_back(static_cast<std::int64_t>(seen));
    retired.push_back(static_cast<std::int64_t>(count));
  }
  c10::Dict<std::string, at::Tensor> dict;
  dict.insert("format", torch::tensor(std::vector<std::int64_t>{kBufferFormat}));
  dict.insert("data", data);
  dict.insert("meta", meta);
  std::vector<std::int64_t> order(b.order.begin(), b.order.end());
  dict.insert("order", torch::tensor(order, torch::kInt64));
  dict.insert("state", torch::tensor(state));
  dict.insert("retired", torch::tensor(retired, torch::kInt64)
                             .reshape({static_cast<std::int64_t>(b.retired_seen.size()), 2}));
  const std::vector<char> bytes = torch::pickle_save(dict);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) throw RuntimeError("checkpoint: cannot write " + path.string());
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

void write_checkpoint(const Comm& trainers, const std::string& run_directory,
                      const Surrogate& surrogate, Optimizer& optimizer, CheckpointState state,
                      const train::Buffer::Saved* buffer) {
  const fs::path root = fs::path(run_directory) / "checkpoint";
  std::error_code ec;
  // Rank 0 names the checkpoint and makes its temporary directory; every rank then writes its
  // buffer into it, and rank 0 the rest once they all have.
  std::string message;  // "ok NAME" or "error WHAT"
  if (trainers.rank() == 0) {
    fs::create_directories(root, ec);
    // A new name even for a step checkpointed before (a resumed run interrupted at once):
    // LATEST must never name a directory being replaced.
    std::string name = step_name(state.step);
    for (int k = 2; fs::exists(root / name, ec); ++k)
      name = step_name(state.step) + "-" + std::to_string(k);
    const fs::path tmp = root / (name + ".tmp");
    fs::remove_all(tmp, ec);
    message = fs::create_directory(tmp, ec)
                  ? "ok " + name
                  : "error checkpoint: cannot create " + tmp.string() + ": " + ec.message();
  }
  trainers.bcast(message, 0);
  if (message.rfind("ok ", 0) != 0) throw RuntimeError(message.substr(6));
  const std::string name = message.substr(3);
  const fs::path tmp = root / (name + ".tmp");
  const fs::path final_dir = root / name;
  if (buffer) {
    std::string error;
    try {
      write_buffer_file(tmp / buffer_file_name(trainers.rank()), *buffer);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (trainers.allreduce_max(error.empty() ? 0 : 1) != 0) {
      if (trainers.rank() == 0) fs::remove_all(tmp, ec);
      throw RuntimeError(error.empty()
                             ? "checkpoint: another trainer rank could not write its buffer"
                             : error);
    }
    state.buffer_ranks = trainers.size();
  }
  if (trainers.rank() != 0) return;

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
  y["buffer_ranks"] = state.buffer_ranks;  // buffer-0.pt ... of that many trainer ranks
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
  // Only now is the previous checkpoint no longer needed. The directory is listed first and
  // changed after: whether an iteration sees changes made during it is unspecified.
  std::vector<fs::path> old;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string n = entry.path().filename().string();
    if (entry.is_directory(ec) && n.rfind("step-", 0) == 0 && n != name) old.push_back(entry.path());
  }
  for (const fs::path& dir : old) fs::remove_all(dir, ec);
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
    c.state.buffer_ranks = y["buffer_ranks"] ? y["buffer_ranks"].as<int>() : 0;
    if (c.state.buffer_ranks < 0) throw InputError(state_file + ": buffer_ranks < 0");
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
  for (int r = 0; r < c.state.buffer_ranks; ++r) {
    const fs::path file = fs::path(c.path) / buffer_file_name(r);
    if (!fs::is_regular_file(file))
      throw InputError(file.string() + ": no such file (" + state_file + " says " +
                       std::to_string(c.state.buffer_ranks) + " trainer ranks wrote their "
                       "buffers)");
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(optimizer_file, torch::Device(torch::kCPU));  // GPU-written ones too
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

train::Buffer::Saved read_checkpoint_buffer(const LoadedCheckpoint& checkpoint, int rank,
                                            std::int64_t width) {
  const std::string file = (fs::path(checkpoint.path) / buffer_file_name(rank)).string();
  const auto dict = read_pickled_dict(file, "a training buffer");
  const auto get = [&](const std::string& key, torch::ScalarType type, std::int64_t dims) {
    const auto it = dict.find(key);
    if (it == dict.end() || !it->value().isTensor())
      throw InputError(file + ": tensor '" + key + "' missing");
    torch::Tensor t = it->value().toTensor().contiguous();
    if (t.scalar_type() != type || t.dim() != dims)
      throw InputError(file + ": tensor '" + key + "' has the wrong type or shape");
    return t;
  };
  const torch::Tensor format = get("format", torch::kInt64, 1);
  if (format.numel() != 1 || format.item<std::int64_t>() != kBufferFormat)
    throw InputError(file + ": format is not " + std::to_string(kBufferFormat));
  const torch::Tensor data = get("data", torch::kFloat32, 2);
  const torch::Tensor meta = get("meta", torch::kInt64, 2);
  const torch::Tensor state = get("state", torch::kInt64, 1);
  const torch::Tensor retired = get("retired", torch::kInt64, 2);
  const torch::Tensor order = get("order", torch::kInt64, 1);
  const std::int64_t n = data.size(0);
  if (n > 0 && data.size(1) != width)
    throw InputError(file + ": pairs of " + std::to_string(data.size(1)) +
                     " numbers, this run's have " + std::to_string(width));
  if (meta.size(0) != n || meta.size(1) != 4 || state.numel() != 4 ||
      (retired.numel() > 0 && retired.size(1) != 2))
    throw InputError(file + ": tensor shapes do not agree");
  train::Buffer::Saved saved;
  const float* d = data.data_ptr<float>();
  const std::int64_t* m = meta.data_ptr<std::int64_t>();
  saved.samples.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    train::Sample sample;
    sample.simulation = m[4 * i];
    sample.step = m[4 * i + 1];
    sample.arrival = static_cast<std::uint64_t>(m[4 * i + 2]);
    sample.data.assign(d + i * width, d + (i + 1) * width);
    saved.samples.emplace_back(std::make_shared<const train::Sample>(std::move(sample)),
                               static_cast<std::uint64_t>(m[4 * i + 3]));
  }
  const std::int64_t* o = order.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < order.numel(); ++i) {
    if (o[i] < 0 || o[i] >= n) throw InputError(file + ": order: index out of range");
    saved.order.push_back(static_cast<std::size_t>(o[i]));
  }
  const std::int64_t* st = state.data_ptr<std::int64_t>();
  std::memcpy(&saved.rng_state, &st[0], sizeof saved.rng_state);
  saved.counters.received = static_cast<std::uint64_t>(st[1]);
  saved.counters.served = static_cast<std::uint64_t>(st[2]);
  saved.counters.evicted = static_cast<std::uint64_t>(st[3]);
  saved.counters.size = static_cast<std::size_t>(n);
  const std::int64_t* r = retired.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < retired.size(0); ++i)
    saved.retired_seen[static_cast<std::uint64_t>(r[2 * i])] += static_cast<std::uint64_t>(r[2 * i + 1]);
  return saved;
}

void restore_training(const LoadedCheckpoint& checkpoint, models::Model& model,
                      Optimizer& optimizer) {
  try {
    // The optimiser's state onto the device the model trains on (it may have been written
    // on another).
    const std::vector<torch::Tensor> parameters = model.parameters();
    const torch::Device device =
        parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
    torch::serialize::InputArchive archive;
    archive.load_from((fs::path(checkpoint.path) / "optimizer.pt").string(), device);
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
