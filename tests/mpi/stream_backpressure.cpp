// Back-pressure: a trainer that starts receiving late. Snapshots are large enough (>= 256 KiB
// per rank) that MPI sends them by rendezvous, so a send stays pending until the trainer
// receives it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "stream/receiver.hpp"
#include "stream/sender.hpp"
#include "support/test_support.hpp"

namespace {

using surge::Comm;
using namespace surge::stream;

constexpr int kCells = 1 << 17;
constexpr int kProduced = 24;

double value(long long step, long long i) {
  return static_cast<double>(step) * 1048576.0 + static_cast<double>(i);
}

Snapshot snapshot(int rank, int ranks, long long step) {
  Snapshot s;
  s.meta.simulation = 1;
  s.meta.step = step;
  s.meta.time = static_cast<double>(step);
  s.meta.fields = {"u"};
  s.meta.grid.dim = 1;
  s.meta.grid.cells = {kCells, 1, 1};
  s.block.extent[0] = kCells / ranks;
  s.block.offset[0] = rank * s.block.extent[0];
  for (int i = 0; i < s.block.extent[0]; ++i)
    s.values.push_back(value(step, s.block.offset[0] + i));
  return s;
}

struct Outcome {
  std::vector<long long> steps;  // of the received samples, in arrival order
  long long messages = 0, abandoned = 0;
};

// Solver ranks send kProduced snapshots as fast as they can while rank 0 sleeps `late_s`, then
// receives everything. Returns (on rank 0) what arrived; `stats` is each solver's own counters.
Outcome run(const StreamOptions& opt, double late_s, SenderStats& stats) {
  Comm world = surge::test::world();
  Comm comm = world.dup();
  const int solvers = world.size() - 1;
  Outcome out;
  if (comm.rank() == 0) {
    std::vector<int> ranks;
    for (int r = 1; r <= solvers; ++r) ranks.push_back(r);
    Receiver rx(comm, {ranks});
    usleep(static_cast<useconds_t>(late_s * 1e6));
    while (auto s = rx.next()) {
      out.steps.push_back(s->meta.step);
      long long wrong = 0;
      for (int i = 0; i < kCells; ++i)
        if (s->values[static_cast<std::size_t>(i)] != value(s->meta.step, i)) ++wrong;
      EXPECT_EQ(wrong, 0) << "step " << s->meta.step;
    }
    out.messages = rx.stats().messages;
    out.abandoned = rx.stats().abandoned;
  } else {
    Sender tx(comm, 0, opt);
    for (int step = 0; step < kProduced; ++step) {
      tx.send(snapshot(comm.rank() - 1, solvers, step));
      EXPECT_LE(tx.in_flight(), opt.max_in_flight);
      EXPECT_LE(tx.queued(), opt.queue);
    }
    tx.finish();
    EXPECT_EQ(tx.in_flight(), 0);
    EXPECT_EQ(tx.queued(), 0);
    stats = tx.stats();
  }
  // Every solver's count of messages sent, for the trainer's books.
  const long long sent = comm.allreduce_sum(comm.rank() == 0 ? 0LL : stats.sent);
  if (comm.rank() == 0) {
    EXPECT_EQ(out.messages, sent);
  }
  return out;
}

TEST(Stream, BlockBackpressureLosesNothing) {
  if (surge::test::world().size() - 1 > 4) GTEST_SKIP() << "blocks need >= 256 KiB";
  StreamOptions opt;
  opt.max_in_flight = 2;
  SenderStats stats;
  Outcome out = run(opt, 0.5, stats);
  if (surge::test::world().rank() == 0) {
    ASSERT_EQ(static_cast<int>(out.steps.size()), kProduced);
    for (int k = 0; k < kProduced; ++k) EXPECT_EQ(out.steps[static_cast<std::size_t>(k)], k);
    EXPECT_EQ(out.abandoned, 0);
  } else {
    EXPECT_EQ(stats.produced, kProduced);
    EXPECT_EQ(stats.sent, kProduced);
    EXPECT_EQ(stats.dropped, 0);
    EXPECT_GT(stats.bytes, 1LL * kProduced * 8 * kCells / 4);
    // The trainer slept 0.5 s with two sends pending: the solver had to wait for it.
    EXPECT_GT(stats.blocked_seconds, 0.1);
  }
}

TEST(Stream, DropOldestKeepsTheNewestWhenTheTrainerIsLate) {
  if (surge::test::world().size() - 1 > 4) GTEST_SKIP() << "blocks need >= 256 KiB";
  StreamOptions opt;
  opt.backpressure = Backpressure::DropOldest;
  opt.max_in_flight = 2;
  opt.queue = 5;
  SenderStats stats;
  Outcome out = run(opt, 1.0, stats);
  // The first max_in_flight snapshots were handed to MPI before the queue filled (a posted send
  // is never cancelled); the queue then kept the newest `queue`; the rest were dropped.
  std::vector<long long> expected;
  for (int k = 0; k < opt.max_in_flight; ++k) expected.push_back(k);
  for (int k = kProduced - opt.queue; k < kProduced; ++k) expected.push_back(k);
  if (surge::test::world().rank() == 0) {
    EXPECT_EQ(out.steps, expected);
    EXPECT_EQ(out.abandoned, 0);
  } else {
    EXPECT_EQ(stats.produced, kProduced);
    EXPECT_EQ(stats.sent + stats.dropped, kProduced);
    EXPECT_EQ(stats.dropped, kProduced - opt.max_in_flight - opt.queue);
    EXPECT_EQ(stats.sent, static_cast<long long>(expected.size()));
  }
}

}  // namespace
