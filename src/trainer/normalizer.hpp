#pragma once
// Normalizer: per-channel mean and standard deviation of the model inputs and targets,
// accumulated online as pairs arrive (Welford / Chan et al.: chunk means and sums of squared
// deviations merged pairwise, never sums of squares, so a large mean does not swamp a small
// variance), merged over the trainer ranks, and applied to batches:
// x_normalised = (x - mean) / std.
//
// Every trainer rank accumulates the pairs it receives; synchronize() merges the ranks'
// accumulators (in rank order, so every rank gets bit-identical statistics) and makes them the
// ones applied. A channel whose values do not vary (a parameter held constant) gets std 1.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "parallel/comm.hpp"

namespace surge::trainer {

// Count, mean and sum of squared deviations of one channel.
struct Moments {
  double count = 0;
  double mean = 0;
  double m2 = 0;

  // Adds `n` values.
  void add(const float* x, std::int64_t n);
  // Adds the values summarised by `other` (Chan et al.'s pairwise update).
  void merge(const Moments& other);
  double variance() const { return count > 0 ? m2 / count : 0; }
};

class Normalizer {
 public:
  // `points` values per channel per pair. `enabled` = false: mean 0, std 1 throughout.
  Normalizer(int in_channels, int out_channels, std::int64_t points, bool enabled);

  // Not collective: accumulates one pair laid out as input channels then target channels.
  void observe(const float* pair);
  // Collective over `trainers`: merges every rank's accumulators and applies the result.
  void synchronize(const Comm& trainers);
  // Collective over `trainers`: every rank's accumulators merged in rank order (a checkpoint
  // saves them), inputs then targets.
  std::vector<Moments> merged(const Comm& trainers) const;
  // Not collective: applies `merged` (from a checkpoint) and makes it this rank's accumulator
  // if `keep` (one rank of the trainers, so that the next merge counts it once), else starts
  // this rank's accumulator empty. RuntimeError if the channel count differs.
  void restore(const std::vector<Moments>& merged, bool keep);
  // Sets the applied statistics directly (a saved surrogate). Not collective.
  void set(std::vector<double> in_mean, std::vector<double> in_std, std::vector<double> out_mean,
           std::vector<double> out_std);

  // [batch, channels, grid...] tensors, normalised or back. Not collective.
  torch::Tensor inputs(const torch::Tensor& x) const;
  torch::Tensor targets(const torch::Tensor& y) const;
  torch::Tensor targets_back(const torch::Tensor& y) const;

  bool enabled() const { return enabled_; }
  double pairs() const;  // pairs merged into the applied statistics
  const std::vector<double>& in_mean() const { return in_mean_; }
  const std::vector<double>& in_std() const { return in_std_; }
  const std::vector<double>& out_mean() const { return out_mean_; }
  const std::vector<double>& out_std() const { return out_std_; }

 private:
  void apply(const std::vector<Moments>& merged);
  // v as a [1, channels, 1...] tensor broadcasting against `like`, on its device.
  static torch::Tensor channel_tensor(const std::vector<double>& v, const torch::Tensor& like);

  int in_channels_, out_channels_;
  std::int64_t points_;
  bool enabled_;
  std::vector<Moments> local_;  // this rank's pairs, inputs then targets
  double merged_pairs_ = 0;
  std::vector<double> in_mean_, in_std_, out_mean_, out_std_;
};

}  // namespace surge::trainer
