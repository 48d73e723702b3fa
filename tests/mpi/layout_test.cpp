#include "parallel/layout.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "parallel/collective.hpp"
#include "support/test_support.hpp"

namespace {

using surge::Layout;
using surge::LayoutOptions;
using surge::Role;

TEST(Layout, AllSolversWithoutTrainers) {
  auto world = surge::test::world();
  Layout l(world, LayoutOptions{1, 0, 0});
  EXPECT_EQ(l.groups(), world.size());
  EXPECT_EQ(l.trainers(), 0);
  EXPECT_EQ(l.self().role, Role::Solver);
  EXPECT_EQ(l.self().group, world.rank());
  EXPECT_EQ(l.group_comm().size(), 1);
  EXPECT_EQ(l.solvers_comm().size(), world.size());
  EXPECT_TRUE(l.trainers_comm().null());
}

TEST(Layout, GroupsOfTwoStayOnTheirPretendNode) {
  auto world = surge::test::world();
  if (world.size() % 2) GTEST_SKIP() << "needs an even number of ranks";
  Layout l(world, LayoutOptions{2, 0, 2});
  EXPECT_EQ(l.nodes(), world.size() / 2);
  EXPECT_EQ(l.groups(), world.size() / 2);
  EXPECT_EQ(l.self().group, world.rank() / 2);
  EXPECT_EQ(l.group_comm().size(), 2);
  EXPECT_EQ(l.group_comm().rank(), world.rank() % 2);
}

TEST(Layout, TrainersArePairedOnTheirOwnNode) {
  auto world = surge::test::world();
  if (world.size() != 4) GTEST_SKIP() << "needs 4 ranks";
  // Two pretend nodes of two ranks: rank 0 and 2 train, 1 and 3 simulate.
  Layout l(world, LayoutOptions{1, 1, 2});
  EXPECT_EQ(l.nodes(), 2);
  EXPECT_EQ(l.trainers(), 2);
  EXPECT_EQ(l.groups(), 2);
  const auto& t = l.table();
  EXPECT_EQ(t[0].role, Role::Trainer);
  EXPECT_EQ(t[2].role, Role::Trainer);
  EXPECT_EQ(t[1].role, Role::Solver);
  EXPECT_EQ(t[3].role, Role::Solver);
  for (int r = 0; r < 4; ++r) {
    if (t[r].role == Role::Solver) {
      EXPECT_EQ(t[l.trainer_world_rank(t[r].trainer)].node, t[r].node) << "rank " << r;
    }
  }
  EXPECT_EQ(l.trainers_comm().null(), t[world.rank()].role != Role::Trainer);
  EXPECT_NE(l.describe().find("group 1 = ranks 3 -> trainer 1"), std::string::npos) << l.describe();
}

TEST(Layout, OneTrainerServesSeveralGroupsOfItsNode) {
  auto world = surge::test::world();
  if (world.size() != 4) GTEST_SKIP() << "needs 4 ranks";
  Layout l(world, LayoutOptions{1, 1, 4});  // one node: 1 trainer, 3 groups
  EXPECT_EQ(l.groups(), 3);
  for (int g = 0; g < 3; ++g) EXPECT_EQ(l.table()[l.group_world_ranks(g)[0]].trainer, 0);
}

TEST(Layout, ImpossibleLayoutsFailOnEveryRank) {
  auto world = surge::test::world();
  // Groups of size+1 ranks never fit.
  try {
    Layout l(world, LayoutOptions{world.size() + 1, 0, 0});
    FAIL() << "accepted";
  } catch (const surge::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("fewer than layout.ranks_per_simulation"),
              std::string::npos)
        << e.what();
  }
  if (world.size() == 4) {
    // 2 pretend nodes of 2 ranks with groups of 3: would span nodes.
    EXPECT_THROW(Layout(world, LayoutOptions{3, 0, 2}), surge::InputError);
    // A trainer on each node leaves 3 ranks, not a multiple of 2.
    EXPECT_THROW(Layout(world, LayoutOptions{2, 1, 4}), surge::InputError);
  }
}

TEST(Collective, AnInputErrorOnOneRankReachesAll) {
  auto world = surge::test::world();
  try {
    surge::agree_on_input(world, [&] {
      if (world.rank() == world.size() - 1) throw surge::InputError("only the last rank saw this");
    });
    FAIL();
  } catch (const surge::InputError& e) {
    EXPECT_STREQ(e.what(), "only the last rank saw this");
  }
}

}  // namespace
