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

// The arrangement without a communicator (surge plan): the same table on any rank count.
TEST(LayoutTable, ArrangesNodesInOrderOfTheirLowestRank) {
  // Keys name nodes but need not be ordered: the node holding rank 0 is node 0.
  const surge::LayoutTable t = surge::arrange_ranks({7, 7, 7, 3, 3, 3}, LayoutOptions{1, 1, 0});
  EXPECT_EQ(t.nodes, 2);
  EXPECT_EQ(t.trainers, 2);
  EXPECT_EQ(t.groups, 4);
  EXPECT_EQ(t.places[0].node, 0);
  EXPECT_EQ(t.places[0].role, Role::Trainer);
  EXPECT_EQ(t.places[3].node, 1);
  EXPECT_EQ(t.trainer_world_rank(1), 3);
  EXPECT_EQ(t.group_world_ranks(2), std::vector<int>{4});
  EXPECT_EQ(t.places[5].trainer, 1);
  EXPECT_NE(t.describe().find("node 1: trainer 1 = rank 3; group 2 = ranks 4 -> trainer 1;"),
            std::string::npos)
      << t.describe();
  const std::string two = t.describe(1);
  EXPECT_NE(two.find("(1 more node(s) not shown)"), std::string::npos) << two;
  EXPECT_EQ(two.find("node 1:"), std::string::npos) << two;
}

TEST(LayoutTable, ImpossibleArrangementsNameEveryBadNode) {
  // Nodes of 4 ranks, 1 trainer, groups of 2: 3 solver ranks per node would split a group.
  try {
    surge::arrange_ranks({0, 0, 0, 0, 1, 1, 1, 1}, LayoutOptions{2, 1, 0});
    FAIL() << "no InputError";
  } catch (const surge::InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("node 0 has 4 ranks"), std::string::npos) << m;
    EXPECT_NE(m.find("node 1 has 4 ranks"), std::string::npos) << m;
  }
  EXPECT_THROW(surge::arrange_ranks({0, 1}, LayoutOptions{1, 1, 0}), surge::InputError);
}

// layout.trainer_nodes (a heterogeneous job): the first K nodes hold only trainers, the
// others only solver groups, dealt round-robin to all the trainers.
TEST(LayoutTable, TrainerNodesHoldOnlyTrainersAndTakeGroupsOfEveryOtherNode) {
  // 3 nodes: 2 ranks (GPU node), then two nodes of 4 ranks in groups of 2.
  const surge::LayoutTable t =
      surge::arrange_ranks({0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, LayoutOptions{2, 1, 0, 1});
  EXPECT_EQ(t.nodes, 3);
  EXPECT_EQ(t.trainer_nodes, 1);
  EXPECT_EQ(t.trainers, 2);  // every rank of node 0; trainer_ranks_per_node is not used
  EXPECT_EQ(t.groups, 4);
  EXPECT_EQ(t.trainer_world_rank(0), 0);  // rank 0 (the job's speaker) is trainer 0
  EXPECT_EQ(t.trainer_world_rank(1), 1);
  EXPECT_EQ(t.group_world_ranks(0), (std::vector<int>{2, 3}));
  EXPECT_EQ(t.group_world_ranks(3), (std::vector<int>{8, 9}));
  for (int g = 0; g < 4; ++g)  // groups of nodes 1 and 2 alternate between the two trainers
    EXPECT_EQ(t.places[static_cast<std::size_t>(t.group_world_ranks(g)[0])].trainer, g % 2);
  EXPECT_NE(t.describe().find("trainers on node 0 only"), std::string::npos) << t.describe();
  // No node left for the solvers; a solver node that would split a group.
  EXPECT_THROW(surge::arrange_ranks({0, 0, 1, 1}, LayoutOptions{1, 1, 0, 2}), surge::InputError);
  try {
    surge::arrange_ranks({0, 1, 1, 1}, LayoutOptions{2, 1, 0, 1});
    FAIL() << "no InputError";
  } catch (const surge::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("node 1 (a solver node) has 3 ranks"), std::string::npos)
        << e.what();
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
