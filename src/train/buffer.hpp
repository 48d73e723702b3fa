#pragma once
// The training buffer: a bounded store of samples between the stream (producer) and the
// training loop (consumer), with the three policies of the Melissa papers.
//
//   fifo       each sample is served exactly once, in arrival order; a served sample leaves.
//   firo       first in, random out: each batch draws uniformly among the samples present;
//              a served sample leaves, so each sample is still served exactly once.
//   reservoir  random draw with reuse: a served sample stays; when the buffer is full a new
//              sample replaces a uniformly random one, so put() never waits. Once the fill
//              reaches the watermark it never drops again, so training never waits either.
//
// Gating: batches are served only while size() >= watermark, until close(); after close()
// every policy serves what is present regardless of the watermark (fifo and firo drain it).
// A batch holds min(n, size()) distinct samples, so set watermark >= the batch size to get
// full batches before the drain.
//
// Threading: every member function is thread-safe (one mutex); the intended use is one
// producer thread (put / try_put / close) and one consumer thread (batch / try_batch / abort).
// Determinism: random choices come from a SplitMix64 stream seeded by `seed`, so the same
// sequence of calls gives the same batches on any machine. With two threads the interleaving
// of puts and batches (and so the draws) depends on timing.
#include <yaml-cpp/yaml.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "core/random.hpp"

namespace surge::train {

// One training sample as the buffer sees it: where it came from and its numbers, whose layout
// (input and target fields, shapes) the producer and the trainer agree on elsewhere.
struct Sample {
  std::int64_t simulation = -1;  // id of the simulation that produced it
  std::int64_t step = -1;        // its time step within that simulation
  std::vector<float> data;
  // Set by the buffer on arrival: 0 for the first sample received, then 1, 2, ...
  std::uint64_t arrival = 0;
};

// Served samples are shared, never copied: a reservoir sample may be served again, or evicted,
// while the trainer still holds an earlier batch that contains it.
using SamplePtr = std::shared_ptr<const Sample>;

enum class BufferPolicy { fifo, firo, reservoir };

// "fifo", "firo" or "reservoir".
std::string to_string(BufferPolicy policy);

struct BufferOptions {
  BufferPolicy policy = BufferPolicy::reservoir;
  std::size_t capacity = 1000;  // samples held at most
  std::size_t watermark = 100;  // samples needed before the first batch (until close())
  std::uint64_t seed = 0;
};

// Schema of the `training.buffer` section:
//   policy: fifo | firo | reservoir   (default reservoir)
//   capacity: C                       (integer >= 1, default 1000)
//   watermark: W                      (integer >= 1, default 100, W <= C)
//   seed: S                           (integer >= 0, default 0)
config::Schema buffer_schema();

// Options from a resolved `training.buffer` section. Throws InputError when the watermark
// exceeds the capacity (the schema cannot compare two keys). Not collective.
BufferOptions buffer_options(const YAML::Node& section);

// How many times the samples were served: over every sample received so far, both those still
// present and those gone (served and removed by fifo / firo, evicted by reservoir). The values
// sum to Counters::served, so mean == served / received.
struct SeenSummary {
  std::uint64_t samples = 0;  // == received
  std::uint64_t min = 0, max = 0;
  double mean = 0;
  std::uint64_t median = 0, p90 = 0;                 // nearest-rank quantiles
  std::map<std::uint64_t, std::uint64_t> histogram;  // seen count -> number of samples
};

class Buffer {
 public:
  struct Counters {
    std::uint64_t received = 0;  // samples accepted by put / try_put
    std::uint64_t served = 0;    // samples handed out in batches (a reused one counts again)
    std::uint64_t evicted = 0;   // reservoir samples replaced by a newer one
    std::size_t size = 0;        // samples present now
  };

  // Where a present sample stands (for metrics and tests).
  struct Entry {
    std::uint64_t arrival = 0;
    std::uint64_t seen = 0;
  };

  // Throws InputError naming training.buffer.capacity / training.buffer.watermark when
  // capacity < 1, watermark < 1 or watermark > capacity.
  explicit Buffer(const BufferOptions& options);

  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // Non-blocking. Stores `sample` and returns true, or returns false leaving `sample`
  // untouched when it would have to wait (fifo / firo full) or after close() / abort().
  // Thread-safe.
  bool try_put(Sample&& sample);

  // Blocking. Waits while fifo / firo are full (reservoir never waits), then stores `sample`
  // and returns true; returns false, leaving `sample` untouched, once close() or abort() has
  // been called (also waking a put that was waiting). Thread-safe.
  bool put(Sample&& sample);

  // Blocking. Waits until a batch can be served, i.e. size() >= watermark, or close(), or
  // abort(); then returns min(n, size()) distinct samples: the oldest in arrival order (fifo,
  // removed), a uniformly random subset in random order (firo, removed; reservoir, kept).
  // An empty batch means exhaustion: abort() was called, or the stream is closed and nothing
  // is left (fifo / firo once drained; reservoir only if it never received a sample). A closed
  // reservoir keeps serving until the trainer stops asking. Throws std::invalid_argument for
  // n == 0. Thread-safe.
  std::vector<SamplePtr> batch(std::size_t n);

  // Non-blocking batch(): std::nullopt when batch(n) would wait, else what it would return.
  std::optional<std::vector<SamplePtr>> try_batch(std::size_t n);

  // The producer's end of stream: no more puts (they return false); batches drain what is
  // left. Wakes every waiting call. Idempotent. Thread-safe.
  void close();

  // Stop everything now (e.g. the trainer hit its step budget or failed): waiting and later
  // puts return false, batches return empty. Samples and counters stay readable. Thread-safe.
  void abort();

  BufferPolicy policy() const { return options_.policy; }
  std::size_t capacity() const { return options_.capacity; }
  std::size_t watermark() const { return options_.watermark; }
  // Thread-safe snapshots.
  std::size_t size() const;
  bool closed() const;
  bool aborted() const;
  Counters counters() const;
  SeenSummary seen_summary() const;
  // The present samples in storage order (arrival order for fifo). Thread-safe.
  std::vector<Entry> contents() const;

  // Everything a checkpoint needs to continue this buffer: the present samples (shared, not
  // copied) with the times each was served, in storage order, the state of the random
  // stream, the counters and the seen counts of the samples gone.
  struct Saved {
    std::vector<std::pair<SamplePtr, std::uint64_t>> samples;  // sample, times served
    // Reservoir: the permutation of sample indices its batches draw from (empty otherwise).
    std::vector<std::size_t> order;
    std::uint64_t rng_state = 0;
    Counters counters;
    std::map<std::uint64_t, std::uint64_t> retired_seen;
    // Removes the samples for which `gone` is true, as evicted ones (counters and seen counts
    // follow), keeping the others in their order and the reservoir's permutation among them.
    // Returns how many went.
    std::size_t drop_if(const std::function<bool(const Sample&)>& gone);
  };
  // Thread-safe; also after close() or abort().
  Saved save() const;
  // Puts a saved buffer back into this new one: its samples (the newest capacity() of them
  // when it holds more; the others count as evicted), their seen counts, the random stream and
  // the counters (counters.size is recomputed). With the same samples, order and options, the
  // restored buffer serves and evicts exactly as the saved one would have gone on to (an order
  // that is not a permutation of the samples' indices is replaced by the identity). Throws
  // std::logic_error if this buffer has already received a sample.
  void restore(Saved saved);

 private:
  struct Slot {
    SamplePtr sample;
    std::uint64_t seen = 0;
  };

  bool has_room_locked() const;
  bool ready_locked() const;
  void insert_locked(Sample&& sample);
  std::vector<SamplePtr> serve_locked(std::size_t n);
  void retire_locked(const Slot& slot);

  const BufferOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;  // a producer waits here (fifo / firo full)
  std::condition_variable ready_;     // a consumer waits here (below the watermark)
  std::deque<Slot> slots_;
  // Reservoir only: a permutation of the slot indices, partially reshuffled by each batch so
  // that a batch is a uniform draw without repetition in O(n).
  std::vector<std::size_t> order_;
  rng::SplitMix64 rng_;
  Counters counters_;
  std::map<std::uint64_t, std::uint64_t> retired_seen_;  // seen counts of samples gone
  bool closed_ = false;
  bool aborted_ = false;
};

}  // namespace surge::train
