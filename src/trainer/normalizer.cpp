#include "trainer/normalizer.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace surge::trainer {

void Moments::add(const float* x, std::int64_t n) {
  if (n <= 0) return;
  // Two passes over the chunk give its own mean and squared deviations exactly enough; the
  // chunk is then merged like any other.
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += x[i];
  Moments chunk;
  chunk.count = static_cast<double>(n);
  chunk.mean = s / chunk.count;
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = x[i] - chunk.mean;
    chunk.m2 += d * d;
  }
  merge(chunk);
}

void Moments::merge(const Moments& o) {
  if (o.count == 0) return;
  if (count == 0) {
    *this = o;
    return;
  }
  const double total = count + o.count;
  const double delta = o.mean - mean;
  mean += delta * o.count / total;
  m2 += o.m2 + delta * delta * count * o.count / total;
  count = total;
}

Normalizer::Normalizer(int in_channels, int out_channels, std::int64_t points, bool enabled)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      points_(points),
      enabled_(enabled),
      local_(static_cast<std::size_t>(in_channels + out_channels)),
      in_mean_(static_cast<std::size_t>(in_channels), 0.0),
      in_std_(static_cast<std::size_t>(in_channels), 1.0),
      out_mean_(static_cast<std::size_t>(out_channels), 0.0),
      out_std_(static_cast<std::size_t>(out_channels), 1.0) {}

void Normalizer::observe(const float* pair) {
  if (!enabled_) return;
  for (std::size_t c = 0; c < local_.size(); ++c) local_[c].add(pair + c * points_, points_);
}

void Normalizer::synchronize(const Comm& trainers) {
  if (!enabled_) return;
  apply(merged(trainers));
}

std::vector<Moments> Normalizer::merged(const Comm& trainers) const {
  const int channels = static_cast<int>(local_.size());
  std::vector<double> mine(static_cast<std::size_t>(3 * channels));
  for (int c = 0; c < channels; ++c) {
    mine[3 * c] = local_[c].count;
    mine[3 * c + 1] = local_[c].mean;
    mine[3 * c + 2] = local_[c].m2;
  }
  std::vector<double> all(mine.size() * static_cast<std::size_t>(trainers.size()));
  MPI_Allgather(mine.data(), 3 * channels, MPI_DOUBLE, all.data(), 3 * channels, MPI_DOUBLE,
                trainers.get());
  std::vector<Moments> merged(local_.size());
  for (int r = 0; r < trainers.size(); ++r)
    for (int c = 0; c < channels; ++c) {
      const double* m = all.data() + (static_cast<std::size_t>(r) * channels + c) * 3;
      merged[c].merge(Moments{m[0], m[1], m[2]});
    }
  return merged;
}

void Normalizer::restore(const std::vector<Moments>& merged, bool keep) {
  if (merged.size() != local_.size())
    throw RuntimeError("normaliser: " + std::to_string(merged.size()) + " channels to restore, " +
                       std::to_string(local_.size()) + " expected");
  local_ = keep ? merged : std::vector<Moments>(local_.size());
  if (enabled_) apply(merged);
}

void Normalizer::apply(const std::vector<Moments>& merged) {
  auto stddev = [](const Moments& m) {
    const double s = std::sqrt(m.variance());
    // A channel that does not vary (or barely: rounding of a constant) is left unscaled.
    return s > 1e-12 * std::max(1.0, std::abs(m.mean)) ? s : 1.0;
  };
  for (int c = 0; c < in_channels_; ++c) {
    in_mean_[c] = merged[c].mean;
    in_std_[c] = stddev(merged[c]);
  }
  for (int c = 0; c < out_channels_; ++c) {
    out_mean_[c] = merged[in_channels_ + c].mean;
    out_std_[c] = stddev(merged[in_channels_ + c]);
  }
  merged_pairs_ = merged.empty() ? 0 : merged[0].count / static_cast<double>(points_);
}

void Normalizer::set(std::vector<double> in_mean, std::vector<double> in_std,
                     std::vector<double> out_mean, std::vector<double> out_std) {
  in_mean_ = std::move(in_mean);
  in_std_ = std::move(in_std);
  out_mean_ = std::move(out_mean);
  out_std_ = std::move(out_std);
}

double Normalizer::pairs() const {
  return merged_pairs_;
}

torch::Tensor Normalizer::channel_tensor(const std::vector<double>& v, const torch::Tensor& like) {
  const std::int64_t dims = like.dim();
  std::vector<std::int64_t> shape{1, static_cast<std::int64_t>(v.size())};
  for (std::int64_t d = 2; d < dims; ++d) shape.push_back(1);
  return torch::tensor(v, torch::kFloat64).to(like.device(), torch::kFloat32).reshape(shape);
}

torch::Tensor Normalizer::inputs(const torch::Tensor& x) const {
  if (!enabled_) return x;
  return (x - channel_tensor(in_mean_, x)) / channel_tensor(in_std_, x);
}

torch::Tensor Normalizer::targets(const torch::Tensor& y) const {
  if (!enabled_) return y;
  return (y - channel_tensor(out_mean_, y)) / channel_tensor(out_std_, y);
}

torch::Tensor Normalizer::targets_back(const torch::Tensor& y) const {
  if (!enabled_) return y;
  return y * channel_tensor(out_std_, y) + channel_tensor(out_mean_, y);
}

}  // namespace surge::trainer
