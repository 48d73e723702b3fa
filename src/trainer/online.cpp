#include "trainer/online.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "train/buffer.hpp"
#include "trainer/data_parallel.hpp"
#include "trainer/device.hpp"
#include "trainer/normalizer.hpp"
#include "trainer/optimization.hpp"
#include "trainer/surrogate.hpp"
#include "trainer/task.hpp"

namespace surge::trainer {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The states of one held-out simulation, kept whole for validation.
struct HeldOut {
  std::vector<double> parameters;
  Frames frames;
  bool final_seen = false;
};

// Empty for NaN: a CSV cell with no value.
std::string fmt(double v, int precision = 4) {
  if (std::isnan(v)) return "";
  std::ostringstream o;
  o << std::setprecision(precision) << v;
  return o.str();
}

std::vector<double> allreduce(const Comm& c, std::vector<double> v, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_DOUBLE, op, c.get());
  return v;
}

class Loop {
 public:
  explicit Loop(const OnlineSetup& s);
  OnlineSummary run();

 private:
  void pump();
  void receive_loop();
  bool stream_finished() const;
  // The pairs a state makes; `finished` is set to the training simulation it ends, else -1.
  std::vector<train::Sample> route(stream::Sample&& s, long long& finished);
  void buffered(long long id);
  int settled() const;
  void step(const std::vector<train::SamplePtr>& batch, double n_total);
  ValidationFigures validate(long long step);
  void metrics(bool due_row, const ValidationFigures* v, bool progress_line);
  torch::Tensor predict(const torch::Tensor& inputs, const torch::Tensor& last_frames);
  std::vector<std::vector<float>> rollout(const HeldOut& h);
  void write_example();
  void checkpoint();
  void restore_buffer();
  Surrogate surrogate() const;

  const OnlineSetup& s_;
  TaskLayout layout_;
  train::BufferOptions buffer_options_;
  train::Buffer buffer_;
  std::shared_ptr<SampleSource> source_;
  PairBuilder builder_;
  Normalizer normalizer_;
  std::unique_ptr<Optimizer> optimizer_;
  torch::Device device_{torch::kCPU};  // training.device on this rank
  Loss loss_kind_;
  std::shared_ptr<models::Model> model_;
  // Receiving: a thread of its own when MPI allows it (MPI_THREAD_MULTIPLE), so that the
  // stream moves while the model trains; otherwise pump() between steps.
  bool threaded_ = false;
  std::thread receiver_thread_;
  std::atomic<bool> stream_done_{false};
  std::atomic<bool> peer_interrupted_{false};  // a solver rank ended its stream early
  std::atomic<bool> ask_stop_{false};  // the receiving side should ask the solvers to stop
  std::exception_ptr receiver_error_;
  // Guards what the receiving thread and the training loop share: held_, last_item_,
  // last_step_, the counters below and the normaliser's accumulators.
  mutable std::mutex mutex_;
  // Polling mode: pairs waiting for room in the buffer, each with the training simulation
  // whose last pair it is (-1 for the others).
  std::deque<std::pair<train::Sample, long long>> pending_;
  std::map<long long, HeldOut> held_;
  std::set<int> my_groups_;                   // job-wide indices of the groups feeding this rank
  std::map<int, long long> last_item_;        // job-wide group -> highest work item seen
  std::map<long long, long long> last_step_;  // training simulation -> last solver step seen
  std::set<long long> completed_;  // training simulations whose final state arrived
  // Training simulations whose every pair went into the buffer (what a checkpoint counts as
  // done: a resumed run restores the buffer, or refills it, and does not run them again).
  std::set<long long> buffered_;
  bool checkpoint_buffer_ = true;  // training.checkpoint_buffer
  int batch_size_;
  long long max_steps_, steps_after_stream_;
  long long validate_every_, metrics_every_, checkpoint_every_;
  int rollout_steps_;

  // Counters (this rank).
  long long received_ = 0, pairs_ = 0, discarded_ = 0, finished_sims_ = 0;
  long long dropped_ = 0;  // snapshots the senders dropped (the receiver's count, copied)
  double cell_updates_ = 0;
  long long steps_ = 0;
  double t_start_ = 0, t_gate_ = -1, t_train_ = 0, t_validation_ = 0;
  double loss_sum_ = 0;  // global loss summed over the steps since the last metrics row
  long long loss_steps_ = 0;
  double last_loss_ = kNaN, last_grad_norm_ = kNaN;
  double last_progress_ = 0;
  ValidationFigures last_validation_;
  bool validated_ = false;
  long long checkpoint_step_ = -1;
  std::ofstream csv_;
  // The last row of metrics.csv: its step and where it starts. A second row for the same step
  // (the final row after the loop's own, or a resumed run's first) replaces it.
  long long last_row_step_ = -1;
  std::streampos last_row_pos_ = -1;
  double last_row_loss_ = kNaN;  // its train_loss, kept by a row that replaces it
};

Loop::Loop(const OnlineSetup& s)
    : s_(s),
      layout_(task_layout(task_options(s.training["task"]), s.fields, s.parameters, s.grid)),
      buffer_options_(train::buffer_options(s.training["buffer"])),
      buffer_(buffer_options_),
      source_(s.source),
      builder_(layout_, s.every, s.final_time),
      normalizer_(layout_.in_channels(), layout_.out_channels(), layout_.points,
                  s.training["normalization"].as<std::string>() == "online"),
      loss_kind_(loss_from_config(s.training["loss"])),
      model_(s.model),
      batch_size_(s.training["batch_size"].as<int>()),
      max_steps_(s.training["max_steps"].as<long long>()),
      steps_after_stream_(s.training["steps_after_stream"].as<long long>()),
      validate_every_(s.training["validate_every"].as<long long>()),
      metrics_every_(s.training["metrics_every"].as<long long>()),
      checkpoint_every_(s.training["checkpoint_every"].as<long long>()),
      rollout_steps_(s.training["rollout_steps"].as<int>()) {
  for (int g : s.group_index) my_groups_.insert(g);
  checkpoint_buffer_ = s.training["checkpoint_buffer"].as<bool>();
  {
    const std::string setting = s.training["device"].as<std::string>();
    const Comm node = s.trainers.split_shared();  // the trainer ranks of this node
    device_ = trainer_device(setting, node.rank());
    model_->to(device_);  // before the optimiser sees the parameters
    std::vector<int> on(static_cast<std::size_t>(s.trainers.size()), -2);
    int mine = device_.is_cuda() ? device_.index() : -1;
    MPI_Gather(&mine, 1, MPI_INT, on.data(), 1, MPI_INT, 0, s.trainers.get());
    if (s.trainers.rank() == 0 && setting != "cpu") {
      std::ostringstream o;
      o << "train: training.device " << setting << ":";
      for (std::size_t r = 0; r < on.size(); ++r)
        o << " trainer " << r << (on[r] < 0 ? " cpu" : " cuda:" + std::to_string(on[r]))
          << (r + 1 < on.size() ? "," : "");
      log::info(o.str());
    }
  }
  optimizer_ = std::make_unique<Optimizer>(s.training["optimizer"], s.training["lr_scheduler"],
                                           model_->parameters(), max_steps_);
  const bool root = s.trainers.rank() == 0;
  if (s.resume) {
    // Every trainer restores the same weights, optimizer state and step; the normaliser's
    // moments and the counters are carried by rank 0 alone, so that sums over ranks count
    // them once.
    restore_training(*s.resume, *model_, *optimizer_);
    normalizer_.restore(s.resume->state.moments, root);
    steps_ = s.resume->state.step;
    checkpoint_step_ = steps_;
    if (root) {
      received_ = s.resume->state.samples_received;
      pairs_ = s.resume->state.pairs;
      completed_.insert(s.resume->state.completed.begin(), s.resume->state.completed.end());
      buffered_ = completed_;
      finished_sims_ = static_cast<long long>(completed_.size());
    }
    restore_buffer();
  }
  if (root) {
    const std::string path = (std::filesystem::path(s.directory) / "metrics.csv").string();
    csv_.open(path);
    if (!csv_) throw RuntimeError("cannot write " + path);
    csv_ << "step,wall_s,samples_received,snapshots_dropped,pairs,pairs_used,buffer_fill,"
            "seen_mean,seen_max,"
            "train_loss,lr,grad_norm,val_one_step,val_one_step_persistence,val_rollout,"
            "val_rollout_persistence,val_horizon,busy_fraction,solver_cell_updates_per_s,"
            "simulations_streamed\n";
    // A resumed run continues the interrupted run's rows (its wall_s restart from 0).
    for (const std::string& row : s.metrics_rows) {
      last_row_pos_ = csv_.tellp();
      last_row_step_ = std::stoll(row);  // metrics_rows_until() kept rows that start so
      csv_ << row << '\n';
    }
  }
}

std::vector<train::Sample> Loop::route(stream::Sample&& s, long long& finished) {
  finished = -1;
  std::lock_guard<std::mutex> lock(mutex_);
  const long long id = s.meta.simulation;
  const long long item = id >= s_.simulations ? id - s_.simulations : id + s_.validation;
  const int group = s_.group_index[static_cast<std::size_t>(s.group)];
  last_item_[group] = std::max(last_item_[group], item);
  const bool last = s.meta.time >= s_.final_time - 1e-9 * std::max(1.0, std::abs(s_.final_time));
  if (id >= s_.simulations) {
    if (const std::string what = sample_mismatch(layout_, s); !what.empty())
      throw RuntimeError("training: " + what);
    HeldOut& h = held_[id];
    h.parameters = s.meta.parameters;
    const long long j = builder_.frame_index(s.meta.time);
    if (j >= 0) h.frames[j] = std::vector<float>(s.values.begin(), s.values.end());
    h.final_seen = h.final_seen || last;
    return {};
  }
  ++received_;
  if (last && completed_.insert(id).second) ++finished_sims_;  // a re-read one counts once
  if (last) finished = id;
  auto [it, fresh] = last_step_.emplace(id, 0);
  cell_updates_ += static_cast<double>(s.meta.step - it->second) *
                   static_cast<double>(s.meta.grid.total_cells());
  it->second = s.meta.step;
  if (last) last_step_.erase(it);
  (void)fresh;
  std::vector<train::Sample> pairs = builder_.add(s);
  for (const train::Sample& p : pairs) normalizer_.observe(p.data.data());
  pairs_ += static_cast<long long>(pairs.size());
  return pairs;
}

void Loop::receive_loop() {
  bool stop_sent = false;
  try {
    while (!source_->done()) {
      // The receiver is this thread's alone while it runs.
      if (ask_stop_ && !stop_sent) {
        source_->request_stop();
        stop_sent = true;
      }
      std::vector<stream::Sample> samples = source_->poll();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        dropped_ = source_->dropped();
      }
      if (source_->interrupted()) peer_interrupted_ = true;
      if (samples.empty()) {
        // Not MPI_Mprobe: a blocking probe spins, and the trainer needs the core.
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      for (stream::Sample& sample : samples) {
        long long finished = -1;
        bool all_in = true;
        for (train::Sample& p : route(std::move(sample), finished))
          // Waits while fifo / firo are full: the stream then backs up to the solvers.
          if (!buffer_.put(std::move(p))) {
            std::lock_guard<std::mutex> lock(mutex_);
            ++discarded_;  // training has stopped
            all_in = false;
          }
        if (finished >= 0 && all_in) buffered(finished);
        source_->recycle(std::move(sample.values));
      }
    }
  } catch (...) {
    receiver_error_ = std::current_exception();
  }
  buffer_.close();
  stream_done_ = true;
}

bool Loop::stream_finished() const {
  return threaded_ ? stream_done_.load() : source_->done() && pending_.empty();
}

void Loop::buffered(long long id) {
  std::lock_guard<std::mutex> lock(mutex_);
  buffered_.insert(id);
}

void Loop::pump() {
  const auto drain = [this] {
    while (!pending_.empty() && buffer_.try_put(std::move(pending_.front().first))) {
      if (pending_.front().second >= 0) buffered(pending_.front().second);
      pending_.pop_front();
    }
  };
  drain();
  // A full buffer holds the stream back: nothing is received until it has room, so the sends
  // of the solver ranks stay pending and (backpressure: block) the solvers wait.
  if (pending_.empty()) {
    for (stream::Sample& sample : source_->poll()) {
      long long finished = -1;
      std::vector<train::Sample> pairs = route(std::move(sample), finished);
      if (pairs.empty() && finished >= 0) buffered(finished);
      for (std::size_t i = 0; i < pairs.size(); ++i)
        pending_.emplace_back(std::move(pairs[i]), i + 1 == pairs.size() ? finished : -1);
      source_->recycle(std::move(sample.values));
    }
    dropped_ = source_->dropped();
    if (source_->interrupted()) peer_interrupted_ = true;
    drain();
  }
  if (source_->done() && pending_.empty() && !buffer_.closed()) buffer_.close();
}

int Loop::settled() const {
  const bool finished = stream_finished();
  std::lock_guard<std::mutex> lock(mutex_);
  int n = 0;
  for (int v = 0; v < s_.validation; ++v) {
    const int group = v % s_.total_groups;
    if (!my_groups_.count(group)) continue;
    auto it = last_item_.find(group);
    auto h = held_.find(s_.simulations + v);
    const bool final_seen = h != held_.end() && h->second.final_seen;
    if (finished || final_seen || (it != last_item_.end() && it->second > v)) ++n;
  }
  return n;
}

torch::Tensor Loop::predict(const torch::Tensor& inputs, const torch::Tensor& last_frames) {
  // The model runs on the training device; the prediction comes back to the host.
  torch::Tensor y =
      normalizer_.targets_back(model_->forward(normalizer_.inputs(inputs.to(device_))))
          .to(torch::kCPU);
  const bool delta =
      layout_.options.kind != TaskKind::ParametersToField && layout_.options.predict_delta;
  return delta ? y + last_frames : y;
}

std::vector<std::vector<float>> Loop::rollout(const HeldOut& h) {
  // Each prediction becomes the next input, from the first frames of the simulation, for as
  // many of rollout_steps_ as it has truth frames for. Nothing if its first frames are missing.
  const long long stride = layout_.stride();
  const int depth = layout_.input_frames();
  std::vector<std::vector<float>> window;
  for (long long f = 0; f < depth; ++f) {
    auto it = h.frames.find(f * stride);
    if (it == h.frames.end()) return {};
    window.push_back(it->second);
  }
  std::vector<std::int64_t> in_shape{1, layout_.in_channels()};
  std::vector<std::int64_t> frame_shape{1, static_cast<std::int64_t>(layout_.fields.size())};
  for (int g : layout_.model_grid) {
    in_shape.push_back(g);
    frame_shape.push_back(g);
  }
  std::vector<float> input(static_cast<std::size_t>(layout_.in_channels() * layout_.points));
  std::vector<std::vector<float>> predicted;
  for (int r = 1; r <= rollout_steps_ && h.frames.count((depth - 1 + r) * stride); ++r) {
    std::vector<const float*> frames;
    for (const auto& w : window) frames.push_back(w.data());
    build_input(layout_, frames, h.parameters, 0.0, input.data());
    torch::Tensor x = torch::from_blob(input.data(), in_shape, torch::kFloat32);
    torch::Tensor last = torch::from_blob(window.back().data(), frame_shape, torch::kFloat32);
    torch::Tensor y = predict(x, last).contiguous();
    predicted.emplace_back(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
    window.erase(window.begin());
    window.push_back(predicted.back());
  }
  return predicted;
}

ValidationFigures Loop::validate(long long step) {
  const double t0 = MPI_Wtime();
  std::unique_lock<std::mutex> lock(mutex_);
  torch::NoGradGuard no_grad;
  model_->eval();
  const std::int64_t n = layout_.points;
  const int fields = static_cast<int>(layout_.fields.size());
  const std::int64_t frame_size = fields * n;
  std::vector<std::int64_t> in_shape{0, layout_.in_channels()};
  std::vector<std::int64_t> frame_shape{0, fields};
  for (int g : layout_.model_grid) {
    in_shape.push_back(g);
    frame_shape.push_back(g);
  }
  auto rel = [](const torch::Tensor& a, const torch::Tensor& b) {  // per sample ||a-b||/||b||
    const auto d = (a - b).flatten(1).norm(2, 1);
    return (d / b.flatten(1).norm(2, 1).clamp_min(1e-30)).to(torch::kFloat64);
  };
  // Sums: one-step error, persistence, pairs; rollout nRMSE, persistence, simulations; horizon.
  std::vector<double> sum(6, 0.0);
  double horizon = std::numeric_limits<double>::infinity();
  const bool to_field = layout_.options.kind == TaskKind::ParametersToField;
  const int stride = layout_.stride();
  const int depth = layout_.input_frames();
  for (const auto& [id, h] : held_) {
    if (!h.final_seen) continue;  // still arriving
    // One step: every target frame whose input frames arrived.
    std::vector<float> inputs, lasts, truths;
    long long count = 0;
    for (const auto& [j, values] : h.frames) {
      std::vector<const float*> frames;
      if (!to_field) {
        frames = input_frames(layout_, h.frames, j);
        if (frames.empty()) continue;
      }
      const std::size_t at = inputs.size();
      inputs.resize(at + static_cast<std::size_t>(layout_.in_channels() * n));
      build_input(layout_, frames, h.parameters, static_cast<double>(j) * s_.every,
                  inputs.data() + at);
      if (!to_field) lasts.insert(lasts.end(), frames.back(), frames.back() + frame_size);
      truths.insert(truths.end(), values.begin(), values.end());
      ++count;
    }
    if (count > 0) {
      in_shape[0] = frame_shape[0] = count;
      torch::Tensor x = torch::from_blob(inputs.data(), in_shape, torch::kFloat32);
      torch::Tensor truth = torch::from_blob(truths.data(), frame_shape, torch::kFloat32);
      torch::Tensor last = to_field ? torch::zeros_like(truth)
                                    : torch::from_blob(lasts.data(), frame_shape, torch::kFloat32);
      sum[0] += rel(predict(x, last), truth).sum().item<double>();
      if (!to_field) sum[1] += rel(last, truth).sum().item<double>();
      sum[2] += static_cast<double>(count);
    }
    if (to_field) continue;
    // Rollout from the first frames, against the truth and against the first frame kept.
    const std::vector<std::vector<float>> predicted = rollout(h);
    if (predicted.empty()) continue;
    const std::vector<float>& first_last = h.frames.at((depth - 1) * stride);
    double err2 = 0, pers2 = 0, truth2 = 0;
    const int reached = static_cast<int>(predicted.size());
    for (int r = 1; r <= reached; ++r) {
      const std::vector<float>& truth = h.frames.at((depth - 1 + r) * stride);
      const std::vector<float>& next = predicted[static_cast<std::size_t>(r - 1)];
      for (std::size_t i = 0; i < truth.size(); ++i) {
        const double t = truth[i];
        const double e = next[i] - t;
        const double p = first_last[i] - t;
        err2 += e * e;
        pers2 += p * p;
        truth2 += t * t;
      }
    }
    sum[3] += std::sqrt(err2 / std::max(truth2, 1e-300));
    sum[4] += std::sqrt(pers2 / std::max(truth2, 1e-300));
    sum[5] += 1;
    horizon = std::min(horizon, static_cast<double>(reached));
  }
  model_->train();
  lock.unlock();
  std::vector<double> total = allreduce(s_.trainers, sum, MPI_SUM);
  const double min_horizon = -allreduce(s_.trainers, {-horizon}, MPI_MAX)[0];
  ValidationFigures v;
  v.step = step;
  v.pairs = static_cast<long long>(total[2]);
  v.one_step = total[2] > 0 ? total[0] / total[2] : kNaN;
  v.one_step_persistence = total[2] > 0 && !to_field ? total[1] / total[2] : kNaN;
  v.simulations = static_cast<int>(to_field ? 0 : total[5]);
  v.rollout = total[5] > 0 ? total[3] / total[5] : kNaN;
  v.rollout_persistence = total[5] > 0 ? total[4] / total[5] : kNaN;
  v.horizon = std::isfinite(min_horizon) ? static_cast<int>(min_horizon) : 0;
  t_validation_ += MPI_Wtime() - t0;
  return v;
}

void Loop::step(const std::vector<train::SamplePtr>& batch, double n_total) {
  const double t0 = MPI_Wtime();
  const int P = s_.trainers.size();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    normalizer_.synchronize(s_.trainers);
  }
  optimizer_->zero_grad();
  double local_loss = 0;
  const auto n_local = static_cast<std::int64_t>(batch.size());
  if (n_local > 0) {
    const std::int64_t in = layout_.in_channels() * layout_.points;
    const std::int64_t width = in + layout_.out_channels() * layout_.points;
    torch::Tensor data = torch::empty({n_local, width}, torch::kFloat32);
    float* d = data.data_ptr<float>();
    for (std::int64_t b = 0; b < n_local; ++b)
      std::copy(batch[b]->data.begin(), batch[b]->data.end(), d + b * width);
    std::vector<std::int64_t> xs{n_local, layout_.in_channels()},
        ys{n_local, layout_.out_channels()};
    for (int g : layout_.model_grid) {
      xs.push_back(g);
      ys.push_back(g);
    }
    data = data.to(device_);
    torch::Tensor x = data.narrow(1, 0, in).reshape(xs);
    torch::Tensor y = data.narrow(1, in, width - in).reshape(ys);
    torch::Tensor loss =
        loss_value(loss_kind_, model_->forward(normalizer_.inputs(x)), normalizer_.targets(y));
    local_loss = loss.item<double>();
    // Weighted by this rank's share so that the averaged gradient is the gradient of the mean
    // loss over every sample of the step, whatever the ranks' batch sizes.
    (loss * (static_cast<double>(P) * static_cast<double>(n_local) / n_total)).backward();
  }
  average_gradients(*model_, s_.trainers);
  last_grad_norm_ = optimizer_->step();
  last_loss_ = s_.trainers.allreduce_sum(local_loss * static_cast<double>(n_local) / n_total);
  loss_sum_ += last_loss_;
  ++loss_steps_;
  ++steps_;
  t_train_ += MPI_Wtime() - t0;
}

void Loop::metrics(bool row, const ValidationFigures* v, bool progress_line) {
  const auto c = buffer_.counters();
  const auto seen = buffer_.seen_summary();
  const double now = MPI_Wtime();
  const double active = t_gate_ >= 0 ? now - t_gate_ - t_validation_ : 0;
  std::vector<double> mine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    mine = {static_cast<double>(received_),
            static_cast<double>(pairs_),
            static_cast<double>(c.served),
            static_cast<double>(c.size),
            t_train_,
            active,
            cell_updates_,
            static_cast<double>(finished_sims_),
            static_cast<double>(dropped_)};
  }
  std::vector<double> sums = allreduce(s_.trainers, mine, MPI_SUM);
  const double seen_max = allreduce(s_.trainers, {static_cast<double>(seen.max)}, MPI_MAX)[0];
  if (s_.trainers.rank() != 0) return;
  const double wall = now - t_start_;
  const double seen_mean = sums[1] > 0 ? sums[2] / sums[1] : 0;
  const double busy = sums[5] > 0 ? sums[4] / sums[5] : kNaN;
  double loss = loss_steps_ > 0 ? loss_sum_ / static_cast<double>(loss_steps_) : kNaN;
  if (row) {
    const bool again = steps_ == last_row_step_ && last_row_pos_ != std::streampos(-1);
    if (again && loss_steps_ == 0) loss = last_row_loss_;  // no step since: the same loss
    last_row_loss_ = loss;
    if (again)
      csv_.seekp(last_row_pos_);  // the newer row of this step replaces the older
    else
      last_row_pos_ = csv_.tellp();
    last_row_step_ = steps_;
    csv_ << steps_ << ',' << fmt(wall, 6) << ',' << sums[0] << ',' << sums[8] << ',' << sums[1]
         << ',' << sums[2] << ',' << sums[3] << ',' << fmt(seen_mean) << ',' << seen_max << ','
         << fmt(loss, 6) << ',' << fmt(optimizer_->lr(), 6) << ',' << fmt(last_grad_norm_, 6)
         << ',';
    if (v)
      csv_ << fmt(v->one_step, 6) << ',' << fmt(v->one_step_persistence, 6) << ','
           << fmt(v->rollout, 6) << ',' << fmt(v->rollout_persistence, 6) << ',' << v->horizon;
    else
      csv_ << ",,,,";
    csv_ << ',' << fmt(busy) << ',' << fmt(sums[6] / std::max(wall, 1e-9)) << ',' << sums[7]
         << '\n';
    csv_.flush();
    if (!csv_) throw RuntimeError("cannot write metrics.csv in " + s_.directory);
    if (again) {  // a shorter row leaves no tail of the older one
      std::error_code ec;
      std::filesystem::resize_file(std::filesystem::path(s_.directory) / "metrics.csv",
                                   static_cast<std::uintmax_t>(csv_.tellp()), ec);
      if (ec) throw RuntimeError("cannot write metrics.csv in " + s_.directory + ": " + ec.message());
    }
    loss_sum_ = 0;
    loss_steps_ = 0;
  }
  if (progress_line) {
    std::ostringstream o;
    const auto shown = [](double v) { return std::isnan(v) ? std::string("n/a") : fmt(v, 3); };
    o << "train: step " << steps_ << ", " << sums[0] << " states received (" << sums[7] << "/"
      << s_.simulations << " simulations streamed), loss " << shown(last_loss_) << ", lr "
      << fmt(optimizer_->lr(), 3);
    if (validated_)
      o << ", validation at step " << last_validation_.step << ": one-step "
        << shown(last_validation_.one_step) << " (persistence "
        << shown(last_validation_.one_step_persistence) << ")";
    o << ", busy " << fmt(100 * busy, 3) << "%, " << fmt(wall, 3) << " s";
    log::info(o.str());
  }
}

void Loop::write_example() {
  // The rank holding the first complete held-out simulation with a rollout writes it.
  long long mine = std::numeric_limits<long long>::max();
  for (const auto& [id, h] : held_)
    if (h.final_seen && h.frames.count(0)) {
      mine = id;
      break;
    }
  const double first = -allreduce(s_.trainers, {-static_cast<double>(mine)}, MPI_MAX)[0];
  if (mine == std::numeric_limits<long long>::max() || static_cast<double>(mine) != first) return;
  const HeldOut& h = held_.at(mine);
  if (layout_.options.kind == TaskKind::ParametersToField) return;
  const long long stride = layout_.stride();
  const int depth = layout_.input_frames();
  std::vector<std::vector<float>> predicted;
  {
    torch::NoGradGuard no_grad;
    model_->eval();
    predicted = rollout(h);
    model_->train();
  }
  if (predicted.empty()) return;
  const int reached = static_cast<int>(predicted.size());
  const std::vector<float>& initial = h.frames.at((depth - 1) * stride);
  const long long target = (depth - 1 + reached) * stride;
  const std::vector<float>& truth = h.frames.at(target);
  const std::vector<float>& surrogate = predicted.back();
  const std::string path =
      (std::filesystem::path(s_.directory) / "validation_example.csv").string();
  std::ofstream out(path);
  out << std::setprecision(9);
  out << "# held-out simulation " << mine << ", parameters";
  for (std::size_t p = 0; p < layout_.parameters.size(); ++p)
    out << " " << layout_.parameters[p] << "=" << h.parameters[p];
  out << "\n# rollout of " << reached << " model steps from t = " << (depth - 1) * stride * s_.every
      << " to t = " << target * s_.every << "; first_frame: " << (depth - 1) * stride
      << ", steps: " << reached << "\n";
  static const char* axis[] = {"x", "y", "z"};
  for (int d = 0; d < layout_.grid.dim; ++d) out << axis[d] << ",";
  for (std::size_t f = 0; f < layout_.fields.size(); ++f) {
    const std::string& name = layout_.fields[f];
    out << (f ? "," : "") << name << "_initial," << name << "_truth," << name << "_surrogate";
  }
  out << "\n";
  const Grid& g = layout_.grid;
  const std::int64_t n = layout_.points;
  for (std::int64_t i = 0; i < n; ++i) {
    const int idx[3] = {static_cast<int>(i % g.cells[0]),
                        static_cast<int>((i / g.cells[0]) % g.cells[1]),
                        static_cast<int>(i / (static_cast<std::int64_t>(g.cells[0]) * g.cells[1]))};
    for (int d = 0; d < g.dim; ++d) out << g.center(d, idx[d]) << ",";
    for (std::size_t f = 0; f < layout_.fields.size(); ++f) {
      const std::size_t k = f * static_cast<std::size_t>(n) + static_cast<std::size_t>(i);
      out << (f ? "," : "") << initial[k] << "," << truth[k] << "," << surrogate[k];
    }
    out << "\n";
  }
  if (!out) throw RuntimeError("cannot write " + path);
}

Surrogate Loop::surrogate() const {
  Surrogate sur;
  sur.model_section = s_.training["model"];
  sur.task_section = s_.training["task"];
  sur.layout = layout_;
  sur.model = model_;
  sur.normalizer = std::make_shared<Normalizer>(normalizer_);
  sur.every = s_.every;
  return sur;
}

void Loop::checkpoint() {
  CheckpointState state;
  state.step = steps_;
  std::vector<long long> mine;
  double counters[2];
  {
    // The receiving thread adds to these while training runs.
    std::lock_guard<std::mutex> lock(mutex_);
    state.moments = normalizer_.merged(s_.trainers);
    mine.assign(buffered_.begin(), buffered_.end());
    counters[0] = static_cast<double>(received_);
    counters[1] = static_cast<double>(pairs_);
  }
  // After the list of simulations done: every pair of those is in this copy of the buffer
  // (or was served before); pairs of later ones that it holds are dropped on resume, as their
  // simulations run again.
  std::optional<train::Buffer::Saved> saved;
  if (checkpoint_buffer_) saved = buffer_.save();
  MPI_Allreduce(MPI_IN_PLACE, counters, 2, MPI_DOUBLE, MPI_SUM, s_.trainers.get());
  state.samples_received = static_cast<long long>(counters[0]);
  state.pairs = static_cast<long long>(counters[1]);
  // Every trainer's completed simulations, gathered on rank 0.
  const int P = s_.trainers.size();
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(P)), offsets(static_cast<std::size_t>(P));
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, s_.trainers.get());
  int total = 0;
  for (int r = 0; r < P; ++r) {
    offsets[static_cast<std::size_t>(r)] = total;
    total += counts[static_cast<std::size_t>(r)];
  }
  std::vector<long long> all(static_cast<std::size_t>(std::max(total, 1)));
  MPI_Gatherv(mine.data(), count, MPI_LONG_LONG, all.data(), counts.data(), offsets.data(),
              MPI_LONG_LONG, 0, s_.trainers.get());
  if (s_.trainers.rank() == 0) {
    std::set<long long> ids(all.begin(), all.begin() + total);
    state.completed.assign(ids.begin(), ids.end());
    state.config = s_.config;
  }
  write_checkpoint(s_.trainers, s_.directory, surrogate(), *optimizer_, state,
                   saved ? &*saved : nullptr);
  checkpoint_step_ = steps_;
}

void Loop::restore_buffer() {
  // Every trainer rank takes the same branch: resume_buffer is read on all of them or none.
  const bool root = s_.trainers.rank() == 0;
  const LoadedCheckpoint& c = *s_.resume;
  if (!s_.resume_buffer) {
    if (root && c.state.buffer_ranks > 0)
      log::warn("train: resuming with empty training buffers: the checkpoint holds the buffers "
                "of " + std::to_string(c.state.buffer_ranks) + " trainer rank(s), this run " +
                (checkpoint_buffer_ ? "has " + std::to_string(s_.trainers.size())
                                    : std::string("has training.checkpoint_buffer: false")));
    return;
  }
  // Pairs of simulations not done at the checkpoint go: those simulations run again.
  train::Buffer::Saved saved = *s_.resume_buffer;
  const std::set<long long> done(c.state.completed.begin(), c.state.completed.end());
  const auto dropped = static_cast<double>(
      saved.drop_if([&](const train::Sample& p) { return done.count(p.simulation) == 0; }));
  buffer_.restore(std::move(saved));
  const std::vector<double> t = allreduce(
      s_.trainers, {static_cast<double>(buffer_.size()), dropped}, MPI_SUM);
  if (root)
    log::info("train: resuming with the checkpoint's training buffers: " +
              std::to_string(static_cast<long long>(t[0])) + " pair(s) on " +
              std::to_string(s_.trainers.size()) + " trainer rank(s)" +
              (t[1] > 0 ? " (" + std::to_string(static_cast<long long>(t[1])) +
                              " of simulations to run again left out)"
                        : std::string()));
}

OnlineSummary Loop::run() {
  t_start_ = s_.wall_origin > 0 ? s_.wall_origin : MPI_Wtime();
  last_progress_ = MPI_Wtime();
  const int P = s_.trainers.size();
  const bool reservoir = buffer_options_.policy == train::BufferPolicy::reservoir;
  OnlineSummary summary;
  bool gate = s_.validation == 0;
  long long after_stream = 0;
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  threaded_ = !source_->uses_mpi() || level == MPI_THREAD_MULTIPLE;
  if (threaded_) receiver_thread_ = std::thread([this] { receive_loop(); });
  for (;;) {
    if (threaded_) {
      if (stream_done_ && receiver_error_) std::rethrow_exception(receiver_error_);
    } else {
      pump();
    }
    std::optional<std::vector<train::SamplePtr>> batch;
    if (gate) batch = buffer_.try_batch(static_cast<std::size_t>(batch_size_));
    const bool exhausted = batch && batch->empty();
    const double n_local = batch ? static_cast<double>(batch->size()) : 0.0;
    const bool progress_due = s_.trainers.rank() == 0 && s_.progress_interval > 0 &&
                              MPI_Wtime() - last_progress_ >= s_.progress_interval;
    const bool interrupt = interrupt_requested() || peer_interrupted_;
    // A full fifo / firo buffer holds the stream back, held-out snapshots still on their way
    // included: waiting for those before training would wait forever.
    const bool held_back = !reservoir && buffer_.size() >= buffer_.capacity();
    const std::vector<double> flags =
        allreduce(s_.trainers,
                  {n_local, stream_finished() ? 1.0 : 0.0, exhausted ? 1.0 : 0.0,
                   static_cast<double>(settled()), progress_due ? 1.0 : 0.0,
                   interrupt ? 1.0 : 0.0, held_back ? 1.0 : 0.0},
                  MPI_SUM);
    const double n_total = flags[0];
    const bool all_done = flags[1] == P;
    if (flags[5] > 0) {
      summary.interrupted = true;
      break;
    }
    if (!gate) {
      // Training starts once the held-out simulations have arrived (the first validation then
      // sees them whole), or when waiting longer cannot help.
      if (flags[3] >= s_.validation || all_done || flags[6] > 0) {
        gate = true;
        t_gate_ = MPI_Wtime();
        last_validation_ = validate(steps_);
        validated_ = true;
        summary.first = last_validation_;
        metrics(true, &last_validation_, true);
        last_progress_ = MPI_Wtime();
      } else {
        if (flags[4] > 0) {
          metrics(false, nullptr, true);
          last_progress_ = MPI_Wtime();
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      continue;
    }
    if (t_gate_ < 0) t_gate_ = MPI_Wtime();
    if (!validated_) {
      last_validation_ = validate(steps_);
      validated_ = true;
      summary.first = last_validation_;
    }
    bool stop = max_steps_ > 0 && steps_ >= max_steps_;
    if (all_done) {
      if (reservoir)
        stop = stop || after_stream >= steps_after_stream_;
      // Nothing more will arrive and no trainer holds a sample (a drained fifo / firo buffer,
      // or a run resumed after its stream had ended without its checkpoint's buffers).
      if (n_total == 0 && !stop) {
        stop = true;
        if (reservoir && s_.trainers.rank() == 0)
          log::warn("train: the stream is over and no trainer holds a sample; stopping at step " +
                    std::to_string(steps_) + " (" + std::to_string(after_stream) + " of " +
                    std::to_string(steps_after_stream_) + " steps after the stream done)");
      }
    }
    if (stop) break;
    if (n_total == 0) {
      if (flags[4] > 0) {
        metrics(false, nullptr, true);
        last_progress_ = MPI_Wtime();
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    step(batch ? *batch : std::vector<train::SamplePtr>{}, n_total);
    if (all_done) ++after_stream;
    const bool validate_now = steps_ % validate_every_ == 0;
    if (validate_now) {
      last_validation_ = validate(steps_);
      validated_ = true;
    }
    const bool row = validate_now || steps_ % metrics_every_ == 0;
    if (row || flags[4] > 0) {
      metrics(row, validate_now ? &last_validation_ : nullptr, flags[4] > 0);
      if (flags[4] > 0) last_progress_ = MPI_Wtime();
    }
    if (checkpoint_every_ > 0 && steps_ % checkpoint_every_ == 0) checkpoint();
  }

  // Interrupted: the solver ranks stop too (those that have not ended their stream yet), so
  // that the rest of the stream is short.
  if (summary.interrupted) {
    if (threaded_)
      ask_stop_ = true;
    else
      source_->request_stop();
    if (s_.trainers.rank() == 0)
      log::info("train: interrupted at step " + std::to_string(steps_) +
                (interrupt_requested()
                     ? " (signal " + std::to_string(interrupt_signal()) + ")"
                     : std::string(" (a solver rank was interrupted)")) +
                "; stopping the solvers and writing a checkpoint");
  }
  // Training is over: take in the rest of the stream so that no solver waits for us (held-out
  // states still count for the final validation; training pairs are discarded).
  buffer_.abort();
  if (threaded_) {
    receiver_thread_.join();
    if (receiver_error_) std::rethrow_exception(receiver_error_);
  } else {
    discarded_ += static_cast<long long>(pending_.size());
    pending_.clear();
    while (!source_->done())
      if (auto sample = source_->next()) {
        long long finished = -1;  // its pairs are discarded: not buffered
        discarded_ += static_cast<long long>(route(std::move(*sample), finished).size());
      }
  }
  if (summary.interrupted) {
    checkpoint();
    summary.checkpoint_step = checkpoint_step_;
    summary.steps = steps_;
    summary.last = summary.first;
    summary.wall_seconds = MPI_Wtime() - t_start_;
    return summary;
  }
  if (last_validation_.step != steps_ || !validated_) last_validation_ = validate(steps_);
  validated_ = true;
  summary.last = last_validation_;
  metrics(true, &last_validation_, true);
  write_example();
  checkpoint();
  summary.checkpoint_step = checkpoint_step_;

  const auto c = buffer_.counters();
  const std::vector<double> totals =
      allreduce(s_.trainers,
                {static_cast<double>(received_), static_cast<double>(pairs_),
                 static_cast<double>(c.served), static_cast<double>(discarded_), t_train_,
                 t_gate_ >= 0 ? MPI_Wtime() - t_gate_ - t_validation_ : 0.0},
                MPI_SUM);
  const std::vector<double> longest =
      allreduce(s_.trainers, {t_train_, source_->read_seconds()}, MPI_MAX);
  summary.train_seconds = longest[0];
  summary.read_seconds = longest[1];
  summary.steps = steps_;
  summary.samples_received = static_cast<long long>(totals[0]);
  summary.pairs = static_cast<long long>(totals[1]);
  summary.pairs_used = static_cast<long long>(totals[2]);
  summary.pairs_discarded = static_cast<long long>(totals[3]);
  summary.busy_fraction = totals[5] > 0 ? totals[4] / totals[5] : kNaN;
  summary.wall_seconds = MPI_Wtime() - t_start_;
  summary.final_loss = last_loss_;

  if (s_.trainers.rank() == 0) {
    const Surrogate sur = surrogate();
    YAML::Node info;
    info["steps"] = steps_;
    info["pairs_used"] = summary.pairs_used;
    info["validation_one_step_rel_l2"] = summary.last.one_step;
    info["validation_rollout_nrmse"] = summary.last.rollout;
    info["validation_rollout_steps"] = summary.last.horizon;
    save_surrogate(s_.directory, sur, info);
  }
  return summary;
}

}  // namespace

OnlineSummary train_online(const OnlineSetup& setup) {
  auto loop = std::make_unique<Loop>(setup);
  try {
    return loop->run();
  } catch (...) {
    // The receiving thread may still be waiting for messages that never come: the loop is
    // left alive for it, and the caller ends the job.
    (void)loop.release();
    throw;
  }
}

}  // namespace surge::trainer
