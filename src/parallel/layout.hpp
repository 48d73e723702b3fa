#pragma once
// Layout: which rank does what. The job's ranks are split by node; on each node the first
// `trainer_ranks_per_node` ranks are trainers and the others form solver groups of
// `ranks_per_simulation` ranks, each group paired with a trainer of its own node so that
// snapshots never leave the node. A group never spans nodes.
//
// With `trainer_nodes` = K > 0 (a heterogeneous job: CPU nodes for the solvers, GPU nodes for
// the trainers) the first K nodes hold trainers only, every rank of them, and the other nodes
// solver groups only; group g streams to trainer g mod (number of trainers), across the
// network.
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
  // K > 0: the first K nodes are trainer nodes (every rank a trainer; trainer_ranks_per_node
  // is not used) and the others solver nodes. 0: trainers on every node.
  int trainer_nodes = 0;
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

// The arrangement itself, computed from the node of every rank: what Layout holds, and what
// `surge plan` computes for a job it does not run (no communicator needed).
struct LayoutTable {
  std::vector<RankPlace> places;  // by world rank
  int nodes = 0, groups = 0, trainers = 0;
  int trainer_nodes = 0;  // layout.trainer_nodes: nodes 0 .. trainer_nodes-1 hold only trainers

  // World rank of trainer `t` (-1 if none), and the world ranks of group `g` in group-rank order.
  int trainer_world_rank(int t) const;
  std::vector<int> group_world_ranks(int g) const;
  // A multi-line description for the start-up log: a header line, then one line per node
  // (the first `max_nodes` nodes when max_nodes >= 0, then a line saying how many were left out).
  std::string describe(int max_nodes = -1) const;
};

// Not collective. `node_keys[r]` names the node of world rank r (ranks with equal keys share a
// node; nodes are numbered in order of their lowest rank). Throws InputError, listing every
// node that cannot be arranged, when the ranks cannot be arranged as `options` asks.
LayoutTable arrange_ranks(const std::vector<int>& node_keys, const LayoutOptions& options);

class Layout {
 public:
  // Collective over `world`. Throws InputError (on every rank together, since every rank
  // computes the same table) when the ranks cannot be arranged as asked.
  Layout(const Comm& world, const LayoutOptions& options);

  const RankPlace& self() const { return plan_.places[static_cast<std::size_t>(world_rank_)]; }
  const std::vector<RankPlace>& table() const { return plan_.places; }
  int nodes() const { return plan_.nodes; }
  int groups() const { return plan_.groups; }
  int trainers() const { return plan_.trainers; }
  // World rank of trainer `t`, and the world ranks of group `g` in group-rank order.
  int trainer_world_rank(int t) const { return plan_.trainer_world_rank(t); }
  std::vector<int> group_world_ranks(int g) const { return plan_.group_world_ranks(g); }

  const Comm& group_comm() const { return group_; }             // my solver group (solver ranks)
  const Comm& solvers_comm() const { return solvers_; }         // every solver rank
  const Comm& trainers_comm() const { return trainers_comm_; }  // every trainer rank
  // A multi-line description for the start-up log.
  std::string describe() const { return plan_.describe(); }

 private:
  int world_rank_ = 0;
  LayoutTable plan_;
  Comm group_, solvers_, trainers_comm_;
};

}  // namespace surge
