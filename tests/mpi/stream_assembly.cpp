// Stream assembly: rank 0 trains, the other ranks (1, 2 or 4) form solver groups; every value
// of every assembled sample must equal the value its solver rank computed for that cell.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "core/error.hpp"
#include "stream/receiver.hpp"
#include "stream/sender.hpp"
#include "support/test_support.hpp"

namespace {

using surge::Block;
using surge::Comm;
using surge::Grid;
using namespace surge::stream;

// The value of field f at global cell index i of (sim, step): distinct and exact.
double value(long long sim, long long step, std::size_t f, long long i) {
  return static_cast<double>(sim) * 1000003.0 + static_cast<double>(step) * 1009.0 +
         static_cast<double>(f) * 0.25 + static_cast<double>(i);
}

// Cells [offset, offset + extent) of part `i` of `n` cells split in `parts` (uneven sizes).
std::pair<int, int> split(int n, int parts, int i) {
  const int base = n / parts, extra = n % parts;
  return {i * base + std::min(i, extra), base + (i < extra ? 1 : 0)};
}

// Block of rank `r` of a group arranged as a px x py x pz process grid, x fastest.
Block block_of(const Grid& g, std::array<int, 3> procs, int r) {
  Block b;
  const int coord[3] = {r % procs[0], (r / procs[0]) % procs[1], r / (procs[0] * procs[1])};
  for (int d = 0; d < 3; ++d)
    std::tie(b.offset[d], b.extent[d]) = split(g.cells[d], procs[d], coord[d]);
  return b;
}

Grid grid(int dim, std::array<int, 3> cells) {
  Grid g;
  g.dim = dim;
  g.cells = cells;
  for (int d = 0; d < 3; ++d) g.upper[d] = 1.0 + d;
  return g;
}

Snapshot snapshot(const Grid& g, const Block& b, long long sim, long long step) {
  Snapshot s;
  s.meta.simulation = sim;
  s.meta.step = step;
  s.meta.time = 0.01 * static_cast<double>(step);
  s.meta.parameters = {0.5 * static_cast<double>(sim), 1.0 / static_cast<double>(sim + 1)};
  s.meta.fields = {"u", "v"};
  s.meta.grid = g;
  s.block = b;
  for (std::size_t f = 0; f < 2; ++f)
    for (int k = 0; k < b.extent[2]; ++k)
      for (int j = 0; j < b.extent[1]; ++j)
        for (int i = 0; i < b.extent[0]; ++i) {
          const long long gi =
              (1LL * (b.offset[2] + k) * g.cells[1] + b.offset[1] + j) * g.cells[0] + b.offset[0] +
              i;
          s.values.push_back(value(sim, step, f, gi));
        }
  return s;
}

// Checks every value and the metadata of an assembled sample.
void check(const Sample& s, const Grid& g) {
  ASSERT_EQ(s.meta.grid.dim, g.dim);
  ASSERT_EQ(s.meta.grid.cells, g.cells);
  EXPECT_EQ(s.meta.grid.upper, g.upper);
  EXPECT_EQ(s.meta.time, 0.01 * static_cast<double>(s.meta.step));
  EXPECT_EQ(s.meta.fields, (std::vector<std::string>{"u", "v"}));
  EXPECT_EQ(s.meta.parameters,
            (std::vector<double>{0.5 * static_cast<double>(s.meta.simulation),
                                 1.0 / static_cast<double>(s.meta.simulation + 1)}));
  ASSERT_EQ(s.values.size(), 2 * static_cast<std::size_t>(g.total_cells()));
  long long wrong = 0;
  for (std::size_t f = 0; f < 2; ++f)
    for (long long i = 0; i < g.total_cells(); ++i)
      if (s.field(f)[i] != value(s.meta.simulation, s.meta.step, f, i)) ++wrong;
  EXPECT_EQ(wrong, 0) << "simulation " << s.meta.simulation << " step " << s.meta.step;
}

std::vector<int> range(int first, int count) {
  std::vector<int> v;
  for (int i = 0; i < count; ++i) v.push_back(first + i);
  return v;
}

// Rank 0 receives from `groups` (ranks 1.. of the world); group g runs simulations g, g + G,
// ... with `steps` snapshots each on the decomposition `procs` of `g`.
void stream_and_check(const Grid& g, std::array<int, 3> procs, int groups, int sims, int steps) {
  Comm world = surge::test::world();
  Comm comm = world.dup();
  const int per_group = (world.size() - 1) / groups;
  ASSERT_EQ(procs[0] * procs[1] * procs[2], per_group);
  StreamOptions opt;
  opt.max_in_flight = 2;
  if (comm.rank() == 0) {
    std::vector<std::vector<int>> ranks;
    for (int k = 0; k < groups; ++k) ranks.push_back(range(1 + k * per_group, per_group));
    Receiver rx(comm, ranks);
    std::set<std::pair<long long, long long>> seen;
    while (auto s = rx.next()) {
      check(*s, g);
      EXPECT_EQ(s->meta.simulation % groups, s->group);
      EXPECT_TRUE(seen.insert({s->meta.simulation, s->meta.step}).second);
    }
    EXPECT_TRUE(rx.done());
    EXPECT_EQ(rx.finished_senders(), world.size() - 1);
    EXPECT_EQ(static_cast<int>(seen.size()), groups * sims * steps);
    EXPECT_EQ(rx.pending(), 0);
    EXPECT_EQ(rx.stats().abandoned, 0);
    EXPECT_EQ(rx.stats().messages, 1LL * (world.size() - 1) * sims * steps);
  } else {
    const int group = (comm.rank() - 1) / per_group, r = (comm.rank() - 1) % per_group;
    const Block b = block_of(g, procs, r);
    Sender tx(comm, 0, opt);
    for (int k = 0; k < sims; ++k)
      for (int step = 0; step < steps; ++step)
        tx.send(snapshot(g, b, group + k * groups, 10 * step));
    tx.finish();
    EXPECT_EQ(tx.stats().sent, sims * steps);
    EXPECT_EQ(tx.stats().dropped, 0);
  }
}

int solvers() {
  return surge::test::world().size() - 1;
}

TEST(Stream, AssemblesBlocksSplitInX) {
  stream_and_check(grid(1, {37, 1, 1}), {solvers(), 1, 1}, 1, 3, 4);
}

TEST(Stream, AssemblesTwoDimensionalBlocks) {
  // 1 rank: 1x1; 2 ranks: split in y; 4 ranks: 2x2.
  const int n = solvers();
  std::array<int, 3> procs = n == 4 ? std::array<int, 3>{2, 2, 1} : std::array<int, 3>{1, n, 1};
  stream_and_check(grid(2, {9, 7, 1}), procs, 1, 3, 4);
}

TEST(Stream, AssemblesThreeDimensionalBlocks) {
  const int n = solvers();
  std::array<int, 3> procs = n == 4 ? std::array<int, 3>{1, 2, 2} : std::array<int, 3>{1, 1, n};
  stream_and_check(grid(3, {5, 4, 3}), procs, 1, 2, 3);
}

TEST(Stream, TwoGroupsShareOneTrainer) {
  const int n = solvers();
  if (n < 2 || n % 2) GTEST_SKIP() << "needs an even number of solver ranks";
  stream_and_check(grid(2, {6, 5, 1}), {n / 2, 1, 1}, 2, 3, 3);
}

TEST(Stream, DoneOnlyAfterEverySenderFinished) {
  Comm world = surge::test::world();
  Comm comm = world.dup();
  const int n = world.size() - 1;
  const Grid g = grid(1, {12, 1, 1});
  if (comm.rank() == 0) {
    Receiver rx(comm, {range(1, n)});
    for (int k = 0; k < 2; ++k) {
      auto s = rx.next();
      ASSERT_TRUE(s);
      check(*s, g);
    }
    EXPECT_FALSE(rx.done());
    EXPECT_EQ(rx.finished_senders(), 0);
    world.barrier();  // 1: rank 1 finishes
    while (rx.finished_senders() < 1) {
      EXPECT_TRUE(rx.poll().empty());
      usleep(1000);
    }
    EXPECT_EQ(rx.done(), n == 1);
    world.barrier();  // 2: the others finish
    EXPECT_FALSE(rx.next());
    EXPECT_TRUE(rx.done());
    EXPECT_EQ(rx.finished_senders(), n);
  } else {
    Sender tx(comm, 0, StreamOptions{});
    const Block b = block_of(g, {n, 1, 1}, comm.rank() - 1);
    tx.send(snapshot(g, b, 0, 0));
    tx.send(snapshot(g, b, 0, 1));
    world.barrier();
    if (comm.rank() == 1) tx.finish();
    world.barrier();
    tx.finish();
    EXPECT_TRUE(tx.finished());
    EXPECT_THROW(tx.send(snapshot(g, b, 0, 2)), surge::RuntimeError);
  }
}

}  // namespace
