#pragma once
// Layout: which rank does what. The job's ranks are split by node; on each node the first
// `trainer_ranks_per_node` ranks are trainers and the others form solver groups of
// `ranks_per_simulation` ranks, each group paired with a trainer of its own node so that
// snapshots never leave the node. A group never spans nodes.
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "parallel/comm.hpp"

namespace surge {

struct LayoutOptions {
  int ranks_per_simulation = 1;
  int trainer_ranks_per_node = 0;  // 0: every rank is a solver rank (surge simulate)
  // 0: nodes are found with MPI_Comm_split_type(SHARED). N > 0: pretend that consecutive
  // blocks of N ranks are nodes (tests of multi-node pairing on one machine).
  int ranks_per_node = 0;
};

// Schema of the `layout:` section.
config::Schema layout_schema();
// From a resolved `layout:` section; `with_trainers` = false forces trainer_ranks_per_node = 0.
LayoutOptions layout_options(const YAML::Node& section, bool with_trainers);

enum class Role { Solver, Trainer };

struct RankPlace {
  int node = 0;
  Role role = Role::Solver;
  int group = -1;    // solver group (solver ranks)
  int trainer = -1;  // trainer index: its own (trainers) or the paired one (solver ranks)
};

class Layout {
 public:
  // Collective over `world`. Throws InputError (on every rank together, since every rank
  // computes the same table) when the ranks cannot be arranged as asked.
  Layout(const Comm& world, const LayoutOptions& options);

  const RankPlace& self() const { return table_[static_cast<std::size_t>(world_rank_)]; }
  const std::vector<RankPlace>& table() const { return table_; }
  int nodes() const { return nodes_; }
  int groups() const { return groups_; }
  int trainers() const { return trainers_; }
  // World rank of trainer `t`, and the world ranks of group `g` in group-rank order.
  int trainer_world_rank(int t) const;
  std::vector<int> group_world_ranks(int g) const;

  const Comm& group_comm() const { return group_; }             // my solver group (solver ranks)
  const Comm& solvers_comm() const { return solvers_; }         // every solver rank
  const Comm& trainers_comm() const { return trainers_comm_; }  // every trainer rank
  // A multi-line description for the start-up log.
  std::string describe() const;

 private:
  int world_rank_ = 0;
  int nodes_ = 0, groups_ = 0, trainers_ = 0;
  std::vector<RankPlace> table_;
  Comm group_, solvers_, trainers_comm_;
};

}  // namespace surge
