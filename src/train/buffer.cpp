#include "train/buffer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/error.hpp"

namespace surge::train {
namespace {

// Domain separation: the buffer's stream must not repeat the study's streams when both are
// given the same seed.
constexpr std::uint64_t kTagTrainingBuffer = 0x7472626675660004ULL;

// Smallest seen count v with at least ceil(q * total) samples at or below v (nearest rank).
std::uint64_t quantile(const std::map<std::uint64_t, std::uint64_t>& histogram, std::uint64_t total,
                       double q) {
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))));
  std::uint64_t cumulative = 0;
  for (const auto& [seen, count] : histogram) {
    cumulative += count;
    if (cumulative >= rank) return seen;
  }
  return histogram.empty() ? 0 : histogram.rbegin()->first;
}

}  // namespace

std::string to_string(BufferPolicy policy) {
  switch (policy) {
    case BufferPolicy::fifo:
      return "fifo";
    case BufferPolicy::firo:
      return "firo";
    case BufferPolicy::reservoir:
      return "reservoir";
  }
  return "reservoir";
}

config::Schema buffer_schema() {
  using config::Schema;
  Schema buffer = Schema::map(
      "The training buffer between the stream and the training loop (after Melissa): how "
      "samples are kept, drawn and replaced");
  buffer
      .add("policy",
           Schema::choice({"fifo", "firo", "reservoir"},
                          "fifo: each sample served once, in arrival order; firo (first in, "
                          "random out): each sample served once, in random order; reservoir: "
                          "random draws with reuse, a new sample replaces a random one when "
                          "full, so neither the stream nor training waits once the watermark "
                          "is reached")
               .defaults("reservoir"))
      .add("capacity", Schema::integer("Samples held at most (Melissa's habit: 5-10% of all "
                                       "streamed time steps)")
                           .min(1)
                           .defaults("1000"))
      .add("watermark",
           Schema::integer("Samples needed before the first batch is served, at most capacity "
                           "(Melissa's habit: clients x time steps per simulation); at the end "
                           "of the stream what is left is served regardless")
               .min(1)
               .defaults("100"))
      .add("seed", Schema::integer("Seed of the buffer's random draws and replacements; the "
                                   "same seed and arrivals give the same batches")
                       .min(0)
                       .defaults("0"));
  return buffer;
}

BufferOptions buffer_options(const YAML::Node& section) {
  BufferOptions options;
  const std::string policy = section["policy"].as<std::string>();
  if (policy == "fifo") {
    options.policy = BufferPolicy::fifo;
  } else if (policy == "firo") {
    options.policy = BufferPolicy::firo;
  } else if (policy == "reservoir") {
    options.policy = BufferPolicy::reservoir;
  } else {
    throw InputError("training.buffer.policy: '" + policy +
                     "' is not a buffer policy; expected fifo, firo or reservoir");
  }
  // The schema bounds each number, so these conversions cannot see negative values.
  options.capacity = static_cast<std::size_t>(section["capacity"].as<long long>());
  options.watermark = static_cast<std::size_t>(section["watermark"].as<long long>());
  options.seed = static_cast<std::uint64_t>(section["seed"].as<long long>());
  Buffer check(options);  // the watermark <= capacity check lives in one place
  return options;
}

Buffer::Buffer(const BufferOptions& options)
    : options_(options), rng_(rng::hash2(options.seed, kTagTrainingBuffer)) {
  if (options_.capacity < 1) {
    throw InputError("training.buffer.capacity: " + std::to_string(options_.capacity) +
                     " is too small; expected an integer >= 1");
  }
  if (options_.watermark < 1 || options_.watermark > options_.capacity) {
    throw InputError("training.buffer.watermark: " + std::to_string(options_.watermark) +
                     " must be between 1 and training.buffer.capacity (" +
                     std::to_string(options_.capacity) +
                     "): a buffer that can never reach its watermark never serves a batch");
  }
}

bool Buffer::has_room_locked() const {
  return options_.policy == BufferPolicy::reservoir || slots_.size() < options_.capacity;
}

bool Buffer::ready_locked() const {
  return aborted_ || closed_ || slots_.size() >= options_.watermark;
}

void Buffer::insert_locked(Sample&& sample) {
  sample.arrival = counters_.received++;
  Slot slot{std::make_shared<const Sample>(std::move(sample)), 0};
  if (slots_.size() < options_.capacity) {
    if (options_.policy == BufferPolicy::reservoir) order_.push_back(slots_.size());
    slots_.push_back(std::move(slot));
    return;
  }
  // Only a full reservoir gets here: every present sample is equally likely to make room.
  Slot& victim = slots_[rng_.below(slots_.size())];
  retire_locked(victim);
  victim = std::move(slot);
  ++counters_.evicted;
}

void Buffer::retire_locked(const Slot& slot) {
  ++retired_seen_[slot.seen];
}

std::vector<SamplePtr> Buffer::serve_locked(std::size_t n) {
  std::vector<SamplePtr> out;
  if (aborted_) return out;
  const std::size_t k = std::min(n, slots_.size());
  out.reserve(k);
  switch (options_.policy) {
    case BufferPolicy::fifo:
      for (std::size_t i = 0; i < k; ++i) {
        Slot& front = slots_.front();
        ++front.seen;
        retire_locked(front);
        out.push_back(std::move(front.sample));
        slots_.pop_front();
      }
      break;
    case BufferPolicy::firo:
      // Draw uniformly among those present, then fill the hole with the last slot: storage
      // order carries no meaning for firo, and removal stays O(1).
      for (std::size_t i = 0; i < k; ++i) {
        const std::size_t j = rng_.below(slots_.size());
        Slot& chosen = slots_[j];
        ++chosen.seen;
        retire_locked(chosen);
        out.push_back(std::move(chosen.sample));
        if (j + 1 != slots_.size()) chosen = std::move(slots_.back());
        slots_.pop_back();
      }
      break;
    case BufferPolicy::reservoir:
      // Partial Fisher-Yates on a persistent permutation: the first k entries become a
      // uniformly random k-subset in random order, whatever permutation we started from.
      for (std::size_t i = 0; i < k; ++i) {
        const std::size_t j = i + rng_.below(order_.size() - i);
        std::swap(order_[i], order_[j]);
        Slot& chosen = slots_[order_[i]];
        ++chosen.seen;
        out.push_back(chosen.sample);
      }
      break;
  }
  counters_.served += k;
  return out;
}

Buffer::Saved Buffer::save() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Saved saved;
  saved.samples.reserve(slots_.size());
  for (const Slot& slot : slots_) saved.samples.emplace_back(slot.sample, slot.seen);
  saved.order = order_;
  saved.rng_state = rng_.state();
  saved.counters = counters_;
  saved.counters.size = slots_.size();
  saved.retired_seen = retired_seen_;
  return saved;
}

std::size_t Buffer::Saved::drop_if(const std::function<bool(const Sample&)>& gone) {
  std::vector<std::pair<SamplePtr, std::uint64_t>> kept;
  std::vector<std::ptrdiff_t> index(samples.size(), -1);  // old index -> new, -1: dropped
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (gone(*samples[i].first)) {
      ++retired_seen[samples[i].second];
      ++counters.evicted;
    } else {
      index[i] = static_cast<std::ptrdiff_t>(kept.size());
      kept.push_back(std::move(samples[i]));
    }
  }
  const std::size_t dropped = samples.size() - kept.size();
  samples = std::move(kept);
  std::vector<std::size_t> kept_order;
  for (std::size_t i : order)
    if (i < index.size() && index[i] >= 0) kept_order.push_back(static_cast<std::size_t>(index[i]));
  order = std::move(kept_order);
  counters.size = samples.size();
  return dropped;
}

void Buffer::restore(Saved saved) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (counters_.received != 0 || !slots_.empty())
    throw std::logic_error("Buffer::restore: the buffer has already received samples");
  if (saved.samples.size() > options_.capacity) {
    // The newest ones stay (a smaller training.buffer.capacity than the checkpoint's).
    std::vector<std::uint64_t> arrivals;
    for (const auto& entry : saved.samples) arrivals.push_back(entry.first->arrival);
    const auto cut = arrivals.begin() +
                     static_cast<std::ptrdiff_t>(saved.samples.size() - options_.capacity - 1);
    std::nth_element(arrivals.begin(), cut, arrivals.end());
    const std::uint64_t oldest_gone = *cut;
    saved.drop_if([&](const Sample& s) { return s.arrival <= oldest_gone; });
  }
  rng_.set_state(saved.rng_state);
  counters_ = saved.counters;
  retired_seen_ = std::move(saved.retired_seen);
  std::vector<char> hit(saved.samples.size(), 0);
  bool permutation = saved.order.size() == saved.samples.size();
  for (std::size_t k = 0; permutation && k < saved.order.size(); ++k) {
    const std::size_t i = saved.order[k];
    permutation = i < hit.size() && !hit[i];
    if (permutation) hit[i] = 1;
  }
  for (auto& [sample, seen] : saved.samples) slots_.push_back(Slot{std::move(sample), seen});
  if (options_.policy == BufferPolicy::reservoir) {
    if (permutation) {
      order_ = std::move(saved.order);
    } else {
      order_.resize(slots_.size());
      for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    }
  }
  counters_.size = slots_.size();
}

bool Buffer::try_put(Sample&& sample) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_ || aborted_ || !has_room_locked()) return false;
    insert_locked(std::move(sample));
  }
  ready_.notify_all();
  return true;
}

bool Buffer::put(Sample&& sample) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || aborted_ || has_room_locked(); });
    if (closed_ || aborted_) return false;
    insert_locked(std::move(sample));
  }
  ready_.notify_all();
  return true;
}

std::vector<SamplePtr> Buffer::batch(std::size_t n) {
  if (n == 0) throw std::invalid_argument("Buffer::batch: a batch needs n >= 1 samples");
  std::vector<SamplePtr> out;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return ready_locked(); });
    out = serve_locked(n);
  }
  if (options_.policy != BufferPolicy::reservoir && !out.empty()) not_full_.notify_all();
  return out;
}

std::optional<std::vector<SamplePtr>> Buffer::try_batch(std::size_t n) {
  if (n == 0) throw std::invalid_argument("Buffer::try_batch: a batch needs n >= 1 samples");
  std::vector<SamplePtr> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ready_locked()) return std::nullopt;
    out = serve_locked(n);
  }
  if (options_.policy != BufferPolicy::reservoir && !out.empty()) not_full_.notify_all();
  return out;
}

void Buffer::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  not_full_.notify_all();
  ready_.notify_all();
}

void Buffer::abort() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    aborted_ = true;
  }
  not_full_.notify_all();
  ready_.notify_all();
}

std::size_t Buffer::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.size();
}

bool Buffer::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

bool Buffer::aborted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return aborted_;
}

Buffer::Counters Buffer::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Counters c = counters_;
  c.size = slots_.size();
  return c;
}

SeenSummary Buffer::seen_summary() const {
  SeenSummary s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.histogram = retired_seen_;
    for (const Slot& slot : slots_) ++s.histogram[slot.seen];
  }
  std::uint64_t total_seen = 0;
  for (const auto& [seen, count] : s.histogram) {
    s.samples += count;
    total_seen += seen * count;
  }
  if (s.samples == 0) return s;
  s.min = s.histogram.begin()->first;
  s.max = s.histogram.rbegin()->first;
  s.mean = static_cast<double>(total_seen) / static_cast<double>(s.samples);
  s.median = quantile(s.histogram, s.samples, 0.5);
  s.p90 = quantile(s.histogram, s.samples, 0.9);
  return s;
}

std::vector<Buffer::Entry> Buffer::contents() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Entry> entries;
  entries.reserve(slots_.size());
  for (const Slot& slot : slots_) entries.push_back({slot.sample->arrival, slot.seen});
  return entries;
}

}  // namespace surge::train
