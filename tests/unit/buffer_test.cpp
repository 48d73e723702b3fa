// Training buffer: the semantics of each policy, gating, close / abort, counters, the
// distributions of the random draws and replacements, and one producer / one consumer threads.
//
// Statistical checks use fixed seeds (so they are reproducible, not flaky) and thresholds at
// p = 1e-3: a correct buffer fails one with probability about 1e-3 per seed set, a biased one
// (e.g. a modulo or off-by-one in the draws) fails by orders of magnitude.
#include "train/buffer.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"

namespace surge::train {
namespace {

BufferOptions options(BufferPolicy policy, std::size_t capacity, std::size_t watermark,
                      std::uint64_t seed = 0) {
  BufferOptions o;
  o.policy = policy;
  o.capacity = capacity;
  o.watermark = watermark;
  o.seed = seed;
  return o;
}

Sample sample(std::int64_t step) {
  Sample s;
  s.simulation = 7;
  s.step = step;
  s.data = {static_cast<float>(step), 0.5f};
  return s;
}

// Puts samples with steps first, ..., first + count - 1; each must be accepted at once.
void put_all(Buffer& buffer, std::int64_t first, std::int64_t count) {
  for (std::int64_t i = first; i < first + count; ++i) ASSERT_TRUE(buffer.try_put(sample(i)));
}

std::vector<std::uint64_t> arrivals(const std::vector<SamplePtr>& batch) {
  std::vector<std::uint64_t> out;
  for (const SamplePtr& s : batch) out.push_back(s->arrival);
  return out;
}

// Pearson's statistic of observed counts against equal expected counts.
double chi_square_uniform(const std::vector<std::uint64_t>& counts) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const double expected = total / static_cast<double>(counts.size());
  double chi2 = 0;
  for (std::uint64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

YAML::Node resolve_buffer(const std::string& text) {
  config::ResolveContext context;
  context.file = "test.yaml";
  return config::resolve(buffer_schema(), YAML::Load(text), context);
}

// ---------------------------------------------------------------------------------- config

TEST(BufferSchema, DefaultsAreAReservoirOfAThousandWithWatermarkAHundred) {
  const BufferOptions o = buffer_options(resolve_buffer("{}"));
  EXPECT_EQ(o.policy, BufferPolicy::reservoir);
  EXPECT_EQ(o.capacity, 1000u);
  EXPECT_EQ(o.watermark, 100u);
  EXPECT_EQ(o.seed, 0u);
  const config::Schema schema = buffer_schema();  // keys() refers into it: keep it alive
  EXPECT_FALSE(schema.doc().empty());
  for (const auto& [key, child] : schema.keys()) EXPECT_FALSE(child.doc().empty()) << key;
  const BufferOptions f =
      buffer_options(resolve_buffer("{policy: firo, capacity: 8, watermark: 8, seed: 3}"));
  EXPECT_EQ(f.policy, BufferPolicy::firo);
  EXPECT_EQ(f.capacity, 8u);
  EXPECT_EQ(f.watermark, 8u);
  EXPECT_EQ(f.seed, 3u);
  EXPECT_EQ(to_string(BufferPolicy::fifo), "fifo");
}

TEST(BufferSchema, RejectsUnknownPolicyAndOutOfRangeNumbers) {
  EXPECT_THROW(resolve_buffer("{policy: lifo}"), InputError);
  EXPECT_THROW(resolve_buffer("{capacity: 0}"), InputError);
  EXPECT_THROW(resolve_buffer("{watermark: 0}"), InputError);
  EXPECT_THROW(resolve_buffer("{seed: -1}"), InputError);
  EXPECT_THROW(resolve_buffer("{size: 10}"), InputError);
}

TEST(BufferSchema, WatermarkAboveCapacityNamesTheKeyAndBothValues) {
  std::string message;
  try {
    buffer_options(resolve_buffer("{capacity: 10, watermark: 25}"));
  } catch (const InputError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("training.buffer.watermark"), std::string::npos) << message;
  EXPECT_NE(message.find("25"), std::string::npos) << message;
  EXPECT_NE(message.find("10"), std::string::npos) << message;
  EXPECT_THROW(Buffer{options(BufferPolicy::fifo, 4, 5)}, InputError);
  EXPECT_THROW(Buffer{options(BufferPolicy::fifo, 4, 0)}, InputError);
  EXPECT_THROW(Buffer{options(BufferPolicy::fifo, 0, 1)}, InputError);
  EXPECT_NO_THROW(Buffer{options(BufferPolicy::fifo, 4, 4)});
}

// ----------------------------------------------------------------------------------- fifo

TEST(BufferFifo, ServesEachSampleExactlyOnceInArrivalOrder) {
  Buffer buffer(options(BufferPolicy::fifo, 100, 1));
  put_all(buffer, 0, 50);
  std::vector<std::uint64_t> served;
  while (buffer.size() > 0) {
    const auto batch = buffer.batch(7);
    EXPECT_EQ(batch.size(), std::min<std::size_t>(7, 50 - served.size()));
    for (const SamplePtr& s : batch) {
      EXPECT_EQ(s->step, static_cast<std::int64_t>(s->arrival));  // data travels with it
      EXPECT_EQ(s->data[0], static_cast<float>(s->step));
      served.push_back(s->arrival);
    }
  }
  std::vector<std::uint64_t> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(served, expected);
  const Buffer::Counters c = buffer.counters();
  EXPECT_EQ(c.received, 50u);
  EXPECT_EQ(c.served, 50u);
  EXPECT_EQ(c.evicted, 0u);
  EXPECT_EQ(c.size, 0u);
  const SeenSummary seen = buffer.seen_summary();
  EXPECT_EQ(seen.samples, 50u);
  EXPECT_EQ(seen.min, 1u);
  EXPECT_EQ(seen.max, 1u);
  EXPECT_DOUBLE_EQ(seen.mean, 1.0);
  EXPECT_EQ(seen.histogram, (std::map<std::uint64_t, std::uint64_t>{{1, 50}}));
}

TEST(BufferFifo, FullBufferRefusesTryPutAndKeepsTheSample) {
  Buffer buffer(options(BufferPolicy::fifo, 4, 4));
  put_all(buffer, 0, 4);
  Sample extra = sample(4);
  EXPECT_FALSE(buffer.try_put(std::move(extra)));
  // A refused sample is not moved from: the producer can offer it again.
  EXPECT_EQ(extra.step, 4);
  ASSERT_EQ(extra.data.size(), 2u);
  EXPECT_EQ(buffer.counters().received, 4u);
  EXPECT_EQ(arrivals(buffer.batch(2)), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_TRUE(buffer.try_put(std::move(extra)));
  EXPECT_EQ(buffer.size(), 3u);
  // Below the watermark again: no batch until the fill is back at 4.
  EXPECT_FALSE(buffer.try_batch(1).has_value());
  put_all(buffer, 5, 1);
  EXPECT_EQ(arrivals(*buffer.try_batch(4)), (std::vector<std::uint64_t>{2, 3, 4, 5}));
}

// ----------------------------------------------------------------------------------- firo

TEST(BufferFiro, ServesEachSampleExactlyOnceInRandomOrder) {
  constexpr std::size_t kCount = 100;
  Buffer buffer(options(BufferPolicy::firo, kCount, 1, 11));
  put_all(buffer, 0, kCount);
  EXPECT_FALSE(buffer.try_put(sample(kCount)));  // full: the producer must wait
  std::vector<std::uint64_t> served;
  while (buffer.size() > 0) {
    for (std::uint64_t a : arrivals(buffer.batch(10))) served.push_back(a);
  }
  ASSERT_EQ(served.size(), kCount);
  const std::set<std::uint64_t> distinct(served.begin(), served.end());
  EXPECT_EQ(distinct.size(), kCount);
  EXPECT_EQ(*distinct.rbegin(), kCount - 1);
  // A uniformly random order of 100 keeps about one sample in place (expected 1, Poisson);
  // arrival order would keep all 100.
  int in_place = 0;
  for (std::size_t i = 0; i < kCount; ++i) in_place += served[i] == i;
  EXPECT_LT(in_place, 10);
  EXPECT_NE(served, std::vector<std::uint64_t>(distinct.begin(), distinct.end()));
  const SeenSummary seen = buffer.seen_summary();
  EXPECT_EQ(seen.min, 1u);
  EXPECT_EQ(seen.max, 1u);
  EXPECT_EQ(buffer.counters().served, kCount);
}

TEST(BufferFiro, SameSeedSameOrderOtherSeedOtherOrder) {
  auto drain = [](std::uint64_t seed) {
    Buffer buffer(options(BufferPolicy::firo, 30, 5, seed));
    std::vector<std::uint64_t> served;
    for (int i = 0; i < 30; ++i) {
      EXPECT_TRUE(buffer.try_put(sample(i)));
      if (i % 3 == 2) {
        if (auto b = buffer.try_batch(2)) {
          for (std::uint64_t a : arrivals(*b)) served.push_back(a);
        }
      }
    }
    buffer.close();
    for (auto b = buffer.batch(4); !b.empty(); b = buffer.batch(4)) {
      for (std::uint64_t a : arrivals(b)) served.push_back(a);
    }
    return served;
  };
  EXPECT_EQ(drain(5), drain(5));
  EXPECT_NE(drain(5), drain(6));
  EXPECT_EQ(drain(5).size(), 30u);
}

// ------------------------------------------------------------------------------ reservoir

TEST(BufferReservoir, ReusesSamplesAndReplacesWhenFullWithoutWaiting) {
  Buffer buffer(options(BufferPolicy::reservoir, 10, 5, 2));
  put_all(buffer, 0, 4);
  EXPECT_FALSE(buffer.try_batch(3).has_value());  // below the watermark
  put_all(buffer, 4, 1);
  for (int i = 0; i < 100; ++i) {
    const auto batch = buffer.batch(3);
    ASSERT_EQ(batch.size(), 3u);
    const auto a = arrivals(batch);
    EXPECT_EQ(std::set<std::uint64_t>(a.begin(), a.end()).size(), 3u);  // distinct in a batch
  }
  EXPECT_EQ(buffer.size(), 5u);  // reuse: nothing left the buffer
  const auto batch6 = buffer.batch(6);
  EXPECT_EQ(batch6.size(), 5u);  // at most the samples present, each once
  // The stream never waits: 100 more puts into a buffer of 10 all succeed, 95 replace.
  put_all(buffer, 5, 100);
  Buffer::Counters c = buffer.counters();
  EXPECT_EQ(c.size, 10u);
  EXPECT_EQ(c.received, 105u);
  EXPECT_EQ(c.evicted, 95u);
  EXPECT_EQ(c.served, 305u);
  const SeenSummary seen = buffer.seen_summary();
  EXPECT_EQ(seen.samples, 105u);
  std::uint64_t total = 0;
  for (const auto& [count, samples] : seen.histogram) total += count * samples;
  EXPECT_EQ(total, c.served);
  EXPECT_DOUBLE_EQ(seen.mean, 305.0 / 105.0);
  EXPECT_GE(seen.max, 61u);  // 5 samples shared 305 draws: one was seen >= 61 times
  EXPECT_EQ(seen.min, 0u);   // the 100 late ones were never served
  EXPECT_EQ(seen.median, 0u);
}

TEST(BufferReservoir, ServedSamplesOutliveTheirEviction) {
  Buffer buffer(options(BufferPolicy::reservoir, 2, 2));
  put_all(buffer, 0, 2);
  const auto held = buffer.batch(2);
  put_all(buffer, 2, 50);  // both originals are certainly evicted (p = 2 * 0.5^50)
  for (const Buffer::Entry& e : buffer.contents()) EXPECT_GE(e.arrival, 2u);
  for (const SamplePtr& s : held) EXPECT_EQ(s->data[0], static_cast<float>(s->step));
}

// ------------------------------------------------------------------ gating, close, abort

TEST(BufferGating, NoBatchBelowTheWatermarkUntilClose) {
  for (BufferPolicy policy : {BufferPolicy::fifo, BufferPolicy::firo, BufferPolicy::reservoir}) {
    Buffer buffer(options(policy, 20, 8));
    put_all(buffer, 0, 7);
    EXPECT_FALSE(buffer.try_batch(1).has_value()) << to_string(policy);
    put_all(buffer, 7, 1);
    const auto at_watermark = buffer.try_batch(3);
    ASSERT_TRUE(at_watermark.has_value()) << to_string(policy);
    EXPECT_EQ(at_watermark->size(), 3u);
    const std::size_t left = buffer.size();
    EXPECT_EQ(left, policy == BufferPolicy::reservoir ? 8u : 5u);
    if (policy != BufferPolicy::reservoir) {
      EXPECT_FALSE(buffer.try_batch(1).has_value()) << "5 < watermark 8";
    }
    buffer.close();
    EXPECT_FALSE(buffer.try_put(sample(99))) << "no puts after close";
    EXPECT_FALSE(buffer.put(sample(99))) << "no puts after close";
    const auto drained = buffer.try_batch(100);
    ASSERT_TRUE(drained.has_value());
    EXPECT_EQ(drained->size(), left) << to_string(policy);
  }
}

TEST(BufferClose, FifoAndFiroDrainThenReturnEmptyBatches) {
  for (BufferPolicy policy : {BufferPolicy::fifo, BufferPolicy::firo}) {
    Buffer buffer(options(policy, 10, 10));
    put_all(buffer, 0, 5);
    buffer.close();
    EXPECT_TRUE(buffer.closed());
    EXPECT_EQ(buffer.batch(3).size(), 3u);
    EXPECT_EQ(buffer.batch(3).size(), 2u);
    EXPECT_TRUE(buffer.batch(3).empty()) << "closed and drained: exhaustion";
    EXPECT_TRUE(buffer.batch(3).empty()) << "and it stays exhausted";
    EXPECT_EQ(buffer.counters().served, 5u);
  }
}

TEST(BufferClose, ReservoirKeepsServingAfterCloseUntilTheTrainerStops) {
  Buffer buffer(options(BufferPolicy::reservoir, 10, 10));
  put_all(buffer, 0, 5);
  buffer.close();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(buffer.batch(3).size(), 3u);
  EXPECT_EQ(buffer.size(), 5u);
  buffer.abort();
  EXPECT_TRUE(buffer.batch(3).empty()) << "abort ends the serving";
  Buffer empty(options(BufferPolicy::reservoir, 10, 1));
  empty.close();
  EXPECT_TRUE(empty.batch(1).empty()) << "a closed reservoir that never got a sample";
}

TEST(BufferClose, BatchZeroIsAnError) {
  Buffer buffer(options(BufferPolicy::fifo, 4, 1));
  EXPECT_THROW(buffer.batch(0), std::invalid_argument);
  EXPECT_THROW(buffer.try_batch(0), std::invalid_argument);
}

TEST(BufferSeen, SummaryCountsPresentAndRetiredSamples) {
  Buffer buffer(options(BufferPolicy::fifo, 10, 1));
  put_all(buffer, 0, 10);
  buffer.batch(4);
  const SeenSummary seen = buffer.seen_summary();
  EXPECT_EQ(seen.samples, 10u);
  EXPECT_EQ(seen.histogram, (std::map<std::uint64_t, std::uint64_t>{{0, 6}, {1, 4}}));
  EXPECT_EQ(seen.min, 0u);
  EXPECT_EQ(seen.max, 1u);
  EXPECT_DOUBLE_EQ(seen.mean, 0.4);
  EXPECT_EQ(seen.median, 0u);  // rank 5 of 10 falls among the six zeros
  EXPECT_EQ(seen.p90, 1u);     // rank 9 of 10 among the ones
  const auto entries = buffer.contents();
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries.front().arrival, 4u);
  EXPECT_EQ(entries.front().seen, 0u);
  const SeenSummary none = Buffer(options(BufferPolicy::firo, 3, 1)).seen_summary();
  EXPECT_EQ(none.samples, 0u);
  EXPECT_EQ(none.mean, 0.0);
}

// -------------------------------------------------------------------------- distributions

// FIRO: for 8 samples drained one at a time, the position at which sample k is served must be
// uniform for every k. Over 8000 seeds each of the 64 (sample, position) cells expects 1000;
// rows and columns both sum to 8000, so Pearson's statistic has (8-1)^2 = 49 degrees of
// freedom: chi2(49) exceeds 85.35 with probability 1e-3. The first draw alone: 7 degrees of
// freedom, threshold 24.32.
TEST(BufferDistribution, FiroDrawsAreUniform) {
  constexpr std::size_t kC = 8;
  constexpr std::uint64_t kSeeds = 8000;
  std::vector<std::uint64_t> cells(kC * kC, 0), first(kC, 0);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Buffer buffer(options(BufferPolicy::firo, kC, kC, seed));
    put_all(buffer, 0, kC);
    buffer.close();  // below the watermark after the first draw: only a closed buffer drains
    for (std::size_t position = 0; position < kC; ++position) {
      const auto batch = buffer.batch(1);
      ASSERT_EQ(batch.size(), 1u);
      ++cells[batch[0]->arrival * kC + position];
      if (position == 0) ++first[batch[0]->arrival];
    }
  }
  const double chi2_cells = chi_square_uniform(cells);
  const double chi2_first = chi_square_uniform(first);
  RecordProperty("chi2_cells_49dof", std::to_string(chi2_cells));
  RecordProperty("chi2_first_7dof", std::to_string(chi2_first));
  EXPECT_LT(chi2_cells, 85.35);
  EXPECT_LT(chi2_first, 24.32);
}

// Reservoir of capacity C fed M samples: once full, each insertion replaces a uniformly random
// slot, so sample k survives each of the M - max(C, k + 1) later insertions with probability
// 1 - 1/C, independently: P(k present at the end) = (1 - 1/C)^(M - max(C, k + 1)).
// C = 20, M = 100, 4000 seeds: every empirical frequency must lie within 5 binomial standard
// deviations (+ 1/T for the discreteness) of its law; the sum of the 99 squared z-scores (the
// last sample is always present) must stay below 148.23, the p = 1e-3 point of chi2(99).
// Finally the fraction of present samples from the older half of the stream must match the law
// within 0.01 (its standard error is about 0.001).
TEST(BufferDistribution, ReservoirSurvivalFollowsTheReplacementLaw) {
  constexpr std::size_t kC = 20;
  constexpr std::size_t kM = 100;
  constexpr std::uint64_t kSeeds = 4000;
  std::vector<std::uint64_t> present(kM, 0);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Buffer buffer(options(BufferPolicy::reservoir, kC, 1, seed));
    put_all(buffer, 0, kM);
    const auto entries = buffer.contents();
    ASSERT_EQ(entries.size(), kC);
    for (const Buffer::Entry& e : entries) ++present[e.arrival];
  }
  const double T = static_cast<double>(kSeeds);
  double sum_z2 = 0, old_fraction = 0, old_expected = 0;
  for (std::size_t k = 0; k < kM; ++k) {
    const double p = std::pow(1.0 - 1.0 / kC, static_cast<double>(kM - std::max(kC, k + 1)));
    const double f = static_cast<double>(present[k]) / T;
    if (k < kM / 2) {
      old_fraction += f / kC;
      old_expected += p / kC;
    }
    if (p == 1.0) {
      EXPECT_EQ(present[k], kSeeds) << "the last sample is always present";
      continue;
    }
    const double sigma = std::sqrt(p * (1 - p) / T);
    EXPECT_LE(std::abs(f - p), 5 * sigma + 1 / T) << "k = " << k << ", law " << p;
    sum_z2 += (f - p) * (f - p) / (sigma * sigma);
  }
  RecordProperty("sum_z2_99", std::to_string(sum_z2));
  RecordProperty("old_half_fraction", std::to_string(old_fraction));
  EXPECT_LT(sum_z2, 148.23);
  EXPECT_NEAR(old_fraction, old_expected, 0.01);
}

// Reservoir draws are uniform over the present samples: 10 samples (one of them arrived after 25
// replacements), 20000 single draws, 2000 expected each: chi2(9) < 27.88 (p = 1e-3). With
// batches of 4 distinct samples the per-sample counts are less spread than multinomial, so the
// same threshold is conservative. The seen counts must equal the observed draw counts.
TEST(BufferDistribution, ReservoirDrawsAreUniformOverPresentSamples) {
  Buffer buffer(options(BufferPolicy::reservoir, 10, 10, 42));
  put_all(buffer, 0, 35);
  std::map<std::uint64_t, std::uint64_t> by_arrival;
  for (int i = 0; i < 20000; ++i) ++by_arrival[buffer.batch(1)[0]->arrival];
  ASSERT_EQ(by_arrival.size(), 10u);
  std::vector<std::uint64_t> counts;
  for (const auto& [arrival, count] : by_arrival) counts.push_back(count);
  const double chi2_single = chi_square_uniform(counts);
  for (const Buffer::Entry& e : buffer.contents()) EXPECT_EQ(e.seen, by_arrival[e.arrival]);

  std::map<std::uint64_t, std::uint64_t> in_batches;
  for (int i = 0; i < 5000; ++i) {
    for (std::uint64_t a : arrivals(buffer.batch(4))) ++in_batches[a];
  }
  counts.clear();
  for (const auto& [arrival, count] : in_batches) counts.push_back(count);
  const double chi2_batches = chi_square_uniform(counts);
  RecordProperty("chi2_single_9dof", std::to_string(chi2_single));
  RecordProperty("chi2_batches_9dof", std::to_string(chi2_batches));
  EXPECT_LT(chi2_single, 27.88);
  EXPECT_LT(chi2_batches, 27.88);
  EXPECT_EQ(buffer.counters().served, 40000u);
}

TEST(BufferDistribution, ReservoirIsReproducibleFromItsSeed) {
  auto run = [](std::uint64_t seed) {
    Buffer buffer(options(BufferPolicy::reservoir, 16, 4, seed));
    std::vector<std::uint64_t> trace;
    for (int i = 0; i < 200; ++i) {
      EXPECT_TRUE(buffer.try_put(sample(i)));
      if (auto b = buffer.try_batch(3)) {
        for (std::uint64_t a : arrivals(*b)) trace.push_back(a);
      }
    }
    for (const Buffer::Entry& e : buffer.contents()) trace.push_back(e.arrival);
    return trace;
  };
  EXPECT_EQ(run(9), run(9));
  EXPECT_NE(run(9), run(10));
}

// ------------------------------------------------------------------------------- threads

// Runs `body` on another thread; if it has not finished after `limit`, aborts `buffer` (which
// wakes every waiting call) and reports a deadlock instead of hanging the test.
template <class Body>
void finishes_within(Buffer& buffer, std::chrono::seconds limit, Body body) {
  auto done = std::async(std::launch::async, body);
  if (done.wait_for(limit) != std::future_status::ready) {
    buffer.abort();
    ADD_FAILURE() << "no progress within " << limit.count() << " s: deadlock";
  }
  done.get();
}

TEST(BufferThreads, FifoOfFourCarriesEverySampleOnceInOrder) {
  constexpr std::int64_t kN = 20000;
  Buffer buffer(options(BufferPolicy::fifo, 4, 1));
  std::vector<std::uint64_t> received;
  std::vector<std::int64_t> steps;
  std::int64_t refused = 0;
  finishes_within(buffer, std::chrono::seconds(60), [&] {
    std::thread producer([&] {
      for (std::int64_t i = 0; i < kN; ++i) refused += !buffer.put(sample(i));
      buffer.close();
    });
    for (auto b = buffer.batch(3); !b.empty(); b = buffer.batch(3)) {
      for (const SamplePtr& s : b) {
        received.push_back(s->arrival);
        steps.push_back(s->step);
      }
    }
    producer.join();
  });
  EXPECT_EQ(refused, 0);
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kN));
  for (std::int64_t i = 0; i < kN; ++i) {
    ASSERT_EQ(received[i], static_cast<std::uint64_t>(i));
    ASSERT_EQ(steps[i], i);
  }
  const Buffer::Counters c = buffer.counters();
  EXPECT_EQ(c.received, static_cast<std::uint64_t>(kN));
  EXPECT_EQ(c.served, static_cast<std::uint64_t>(kN));
}

TEST(BufferThreads, FiroCarriesEverySampleExactlyOnce) {
  constexpr std::int64_t kN = 10000;
  Buffer buffer(options(BufferPolicy::firo, 4, 2));
  std::vector<std::int64_t> steps;
  finishes_within(buffer, std::chrono::seconds(60), [&] {
    std::thread producer([&] {
      for (std::int64_t i = 0; i < kN; ++i) buffer.put(sample(i));
      buffer.close();
    });
    for (auto b = buffer.batch(2); !b.empty(); b = buffer.batch(2)) {
      for (const SamplePtr& s : b) steps.push_back(s->step);
    }
    producer.join();
  });
  ASSERT_EQ(steps.size(), static_cast<std::size_t>(kN));
  std::sort(steps.begin(), steps.end());
  for (std::int64_t i = 0; i < kN; ++i) ASSERT_EQ(steps[i], i);
}

// ------------------------------------------------------------------------- save / restore

// A buffer saved part-way and restored into a new one goes on exactly as the original: the
// same batches (by arrival) and, for a full reservoir, the same evictions.
TEST(BufferSaveRestore, RestoredBufferContinuesExactlyAsTheOriginal) {
  for (BufferPolicy policy : {BufferPolicy::fifo, BufferPolicy::firo, BufferPolicy::reservoir}) {
    SCOPED_TRACE(to_string(policy));
    Buffer a(options(policy, 8, 1, 3));
    put_all(a, 0, 8);
    for (int b = 0; b < 3; ++b) a.batch(2);
    if (policy == BufferPolicy::reservoir) put_all(a, 8, 5);  // evictions before the save
    const Buffer::Saved saved = a.save();
    Buffer b(options(policy, 8, 1, 99));  // another seed: the saved stream must win
    b.restore(saved);
    EXPECT_EQ(b.size(), a.size());
    EXPECT_EQ(b.counters().received, a.counters().received);
    EXPECT_EQ(b.counters().served, a.counters().served);
    for (int round = 0; round < 6; ++round) {
      const std::int64_t next = 20 + round;
      if (policy == BufferPolicy::reservoir || a.size() < 8) {
        ASSERT_TRUE(a.try_put(sample(next)));
        ASSERT_TRUE(b.try_put(sample(next)));
      }
      EXPECT_EQ(arrivals(a.batch(3)), arrivals(b.batch(3))) << "round " << round;
    }
    const SeenSummary sa = a.seen_summary(), sb = b.seen_summary();
    EXPECT_EQ(sa.histogram, sb.histogram);
    EXPECT_EQ(a.counters().evicted, b.counters().evicted);
  }
}

TEST(BufferSaveRestore, SmallerCapacityKeepsTheNewestAndCountsTheRestEvicted) {
  Buffer a(options(BufferPolicy::reservoir, 8, 2));
  put_all(a, 0, 8);
  Buffer b(options(BufferPolicy::reservoir, 3, 2));
  b.restore(a.save());
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.counters().evicted, 5u);
  std::vector<std::uint64_t> present;
  for (const Buffer::Entry& e : b.contents()) present.push_back(e.arrival);
  std::sort(present.begin(), present.end());
  EXPECT_EQ(present, (std::vector<std::uint64_t>{5, 6, 7}));
  EXPECT_EQ(b.seen_summary().samples, 8u);  // present + retired == received
}

TEST(BufferSaveRestore, OnlyIntoAnEmptyBuffer) {
  Buffer a(options(BufferPolicy::fifo, 4, 1));
  put_all(a, 0, 1);
  EXPECT_THROW(a.restore(a.save()), std::logic_error);
}

TEST(BufferThreads, ReservoirTrainerStopsWithAbortWhileTheStreamRuns) {
  Buffer buffer(options(BufferPolicy::reservoir, 8, 4));
  std::int64_t accepted = 0;
  std::size_t batches = 0;
  finishes_within(buffer, std::chrono::seconds(60), [&] {
    std::thread producer([&] {
      // An endless stream: only the trainer's abort stops it.
      for (std::int64_t i = 0; buffer.put(sample(i)); ++i) ++accepted;
    });
    for (; batches < 2000; ++batches) {
      if (buffer.batch(4).size() != 4) break;
    }
    buffer.abort();
    producer.join();
  });
  EXPECT_EQ(batches, 2000u);
  EXPECT_GE(accepted, 4);
  EXPECT_EQ(buffer.counters().received, static_cast<std::uint64_t>(accepted));
}

TEST(BufferThreads, AbortWakesABlockedPutAndCloseWakesABlockedBatch) {
  Buffer full(options(BufferPolicy::fifo, 1, 1));
  put_all(full, 0, 1);
  finishes_within(full, std::chrono::seconds(30), [&] {
    auto blocked = std::async(std::launch::async, [&] { return full.put(sample(1)); });
    EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    full.abort();
    EXPECT_FALSE(blocked.get());
  });
  EXPECT_EQ(full.counters().received, 1u);

  Buffer waiting(options(BufferPolicy::firo, 10, 5));
  put_all(waiting, 0, 2);
  finishes_within(waiting, std::chrono::seconds(30), [&] {
    auto blocked = std::async(std::launch::async, [&] { return waiting.batch(4).size(); });
    EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    waiting.close();
    EXPECT_EQ(blocked.get(), 2u) << "close drains below the watermark";
  });
}

}  // namespace
}  // namespace surge::train
