#include "parallel/layout.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "core/error.hpp"

namespace surge {

config::Schema layout_schema() {
  using config::Schema;
  Schema s = Schema::map("How the job's ranks are arranged into solver groups and trainers.");
  s.add("ranks_per_simulation",
        Schema::integer("ranks that run one simulation together (a solver group)")
            .min(1)
            .defaults("1"));
  s.add("trainer_ranks_per_node",
        Schema::integer("trainer ranks on each node (ignored by `surge simulate`)")
            .min(0)
            .defaults("1"));
  s.add("trainer_nodes",
        Schema::integer("0: trainer_ranks_per_node trainers on every node, fed by the solver "
                        "groups of their own node; K > 0: the first K nodes of the job hold "
                        "trainers only (every rank), the other nodes solver groups only, each "
                        "group streaming to trainer (group mod trainers) over the network: a "
                        "heterogeneous job, cluster/run_hetjob.sbatch (ignored by `surge "
                        "simulate`)")
            .min(0)
            .defaults("0"));
  s.add("ranks_per_node",
        Schema::integer(
            "0: detect nodes from shared memory; N > 0: treat each block of N consecutive "
            "ranks as a node (to test multi-node layouts on one machine)")
            .min(0)
            .defaults("0"));
  return s;
}

LayoutOptions layout_options(const YAML::Node& s, bool with_trainers) {
  LayoutOptions o;
  o.ranks_per_simulation = s["ranks_per_simulation"].as<int>();
  o.trainer_ranks_per_node = with_trainers ? s["trainer_ranks_per_node"].as<int>() : 0;
  o.trainer_nodes = with_trainers ? s["trainer_nodes"].as<int>() : 0;
  o.ranks_per_node = s["ranks_per_node"].as<int>();
  return o;
}

namespace {

// An InputError listing `problems` (one line per bad node), if there are any.
void throw_problems(const std::ostringstream& problems, int size) {
  if (problems.str().empty()) return;
  std::string msg = problems.str();
  msg.pop_back();
  throw InputError("layout: the " + std::to_string(size) + " ranks cannot be arranged as asked:\n" +
                   msg);
}

// layout.trainer_nodes > 0: the trainer nodes first (so that world rank 0, which prints the
// job's progress, is trainer 0, as in the co-located layout), then the solver nodes.
LayoutTable arrange_on_separate_nodes(const std::vector<const std::vector<int>*>& nodes,
                                      const LayoutOptions& opt, int size) {
  LayoutTable t;
  t.places.assign(static_cast<std::size_t>(size), RankPlace{});
  const int rps = opt.ranks_per_simulation;
  const int trainer_nodes = opt.trainer_nodes;
  t.trainer_nodes = trainer_nodes;
  std::ostringstream problems;
  for (int node = 0; node < trainer_nodes; ++node)
    for (int r : *nodes[static_cast<std::size_t>(node)]) {
      RankPlace& p = t.places[static_cast<std::size_t>(r)];
      p.node = node;
      p.role = Role::Trainer;
      p.trainer = t.trainers++;
    }
  for (int node = trainer_nodes; node < static_cast<int>(nodes.size()); ++node) {
    const std::vector<int>& ranks = *nodes[static_cast<std::size_t>(node)];
    const int n = static_cast<int>(ranks.size());
    if (n % rps != 0)
      problems << "  node " << node << " (a solver node) has " << n
               << " ranks, not a multiple of layout.ranks_per_simulation = " << rps
               << " (a solver group may not span nodes)\n";
    for (int i = 0; i < n; ++i) {
      RankPlace& p = t.places[static_cast<std::size_t>(ranks[static_cast<std::size_t>(i)])];
      p.node = node;
      p.role = Role::Solver;
      p.group = t.groups + i / rps;
      p.trainer = p.group % t.trainers;
    }
    t.groups += (n + rps - 1) / rps;
  }
  t.nodes = static_cast<int>(nodes.size());
  throw_problems(problems, size);
  return t;
}

}  // namespace

LayoutTable arrange_ranks(const std::vector<int>& node_keys, const LayoutOptions& opt) {
  const int size = static_cast<int>(node_keys.size());
  std::map<int, std::vector<int>> members;  // node key -> world ranks, ascending
  for (int r = 0; r < size; ++r) members[node_keys[static_cast<std::size_t>(r)]].push_back(r);
  // Keys are ordered by value, not by lowest rank: renumber so that node 0 holds rank 0, etc.
  std::vector<const std::vector<int>*> nodes;
  for (const auto& [key, ranks] : members) nodes.push_back(&ranks);
  std::sort(nodes.begin(), nodes.end(), [](auto a, auto b) { return a->front() < b->front(); });

  LayoutTable t;
  t.places.assign(static_cast<std::size_t>(size), RankPlace{});
  const int rps = opt.ranks_per_simulation;
  const int node_count = static_cast<int>(nodes.size());
  if (opt.trainer_nodes > 0) {
    if (opt.trainer_nodes >= node_count)
      throw InputError("layout.trainer_nodes: " + std::to_string(opt.trainer_nodes) +
                       " trainer node(s) leave no node for the solvers: the job has " +
                       std::to_string(node_count) + " node(s)");
    return arrange_on_separate_nodes(nodes, opt, size);
  }
  const int tpn = opt.trainer_ranks_per_node;
  std::ostringstream problems;
  int node = 0;
  for (const std::vector<int>* members_of_node : nodes) {
    const std::vector<int>& ranks = *members_of_node;
    const int n = static_cast<int>(ranks.size());
    const int solvers = n - tpn;
    if (solvers < rps) {
      problems << "  node " << node << " has " << n << " ranks: " << tpn << " trainer(s) leave "
               << std::max(solvers, 0)
               << " for solvers, fewer than layout.ranks_per_simulation = " << rps << "\n";
    } else if (solvers % rps != 0) {
      problems << "  node " << node << " has " << n << " ranks: " << tpn << " trainer(s) leave "
               << solvers << " for solvers, not a multiple of layout.ranks_per_simulation = " << rps
               << " (a solver group may not span nodes)\n";
    }
    const int first_trainer = t.trainers;
    for (int i = 0; i < n; ++i) {
      RankPlace& p = t.places[static_cast<std::size_t>(ranks[static_cast<std::size_t>(i)])];
      p.node = node;
      if (i < tpn) {
        p.role = Role::Trainer;
        p.trainer = t.trainers++;
      } else {
        const int local_group = (i - tpn) / rps;
        p.role = Role::Solver;
        p.group = t.groups + local_group;
        p.trainer = tpn > 0 ? first_trainer + local_group % tpn : -1;
      }
    }
    t.groups += std::max(solvers, 0) / rps + ((solvers > 0 && solvers % rps) ? 1 : 0);
    ++node;
  }
  t.nodes = node;
  throw_problems(problems, size);
  return t;
}

int LayoutTable::trainer_world_rank(int t) const {
  for (std::size_t r = 0; r < places.size(); ++r)
    if (places[r].role == Role::Trainer && places[r].trainer == t) return static_cast<int>(r);
  return -1;
}

std::vector<int> LayoutTable::group_world_ranks(int g) const {
  std::vector<int> out;
  for (std::size_t r = 0; r < places.size(); ++r)
    if (places[r].role == Role::Solver && places[r].group == g) out.push_back(static_cast<int>(r));
  return out;
}

std::string LayoutTable::describe(int max_nodes) const {
  std::ostringstream o;
  o << "layout: " << places.size() << " ranks on " << nodes << " node(s): " << groups
    << " solver group(s), " << trainers << " trainer(s)";
  if (trainer_nodes > 0)
    o << "; trainers on " << (trainer_nodes == 1 ? "node 0" : "nodes 0-" + std::to_string(trainer_nodes - 1))
      << " only, fed by the groups of the other nodes over the network";
  o << "\n";
  const int shown = max_nodes >= 0 ? std::min(nodes, max_nodes) : nodes;
  // One pass over the ranks: each node's trainers and groups, in order.
  std::vector<std::vector<int>> node_trainers(static_cast<std::size_t>(nodes));
  std::vector<std::vector<int>> node_groups(static_cast<std::size_t>(nodes));
  for (const RankPlace& p : places) {
    auto n = static_cast<std::size_t>(p.node);
    if (p.role == Role::Trainer) node_trainers[n].push_back(p.trainer);
    if (p.role == Role::Solver && (node_groups[n].empty() || node_groups[n].back() != p.group))
      node_groups[n].push_back(p.group);
  }
  std::vector<std::vector<int>> group_ranks(static_cast<std::size_t>(groups));
  std::vector<int> trainer_rank(static_cast<std::size_t>(trainers), -1);
  for (std::size_t r = 0; r < places.size(); ++r) {
    if (places[r].role == Role::Solver)
      group_ranks[static_cast<std::size_t>(places[r].group)].push_back(static_cast<int>(r));
    else
      trainer_rank[static_cast<std::size_t>(places[r].trainer)] = static_cast<int>(r);
  }
  for (int n = 0; n < shown; ++n) {
    o << "  node " << n << ":";
    for (int t : node_trainers[static_cast<std::size_t>(n)])
      o << " trainer " << t << " = rank " << trainer_rank[static_cast<std::size_t>(t)] << ";";
    for (int g : node_groups[static_cast<std::size_t>(n)]) {
      const auto& ranks = group_ranks[static_cast<std::size_t>(g)];
      o << " group " << g << " = ranks ";
      for (std::size_t i = 0; i < ranks.size(); ++i) o << (i ? "," : "") << ranks[i];
      int t = places[static_cast<std::size_t>(ranks[0])].trainer;
      if (t >= 0) o << " -> trainer " << t;
      o << ";";
    }
    o << "\n";
  }
  if (shown < nodes) o << "  (" << nodes - shown << " more node(s) not shown)\n";
  std::string s = o.str();
  s.pop_back();
  return s;
}

Layout::Layout(const Comm& world, const LayoutOptions& opt) : world_rank_(world.rank()) {
  // Node of every rank, named by a key that ranks of one node share.
  int node_key;
  if (opt.ranks_per_node > 0) {
    node_key = world_rank_ / opt.ranks_per_node;
  } else {
    Comm shared = world.split_shared();
    // The lowest world rank on my node names the node.
    int lowest = world_rank_;
    MPI_Allreduce(&world_rank_, &lowest, 1, MPI_INT, MPI_MIN, shared.get());
    node_key = lowest;
  }
  plan_ = arrange_ranks(world.allgather(node_key), opt);
  const RankPlace& me = self();
  group_ = world.split(me.role == Role::Solver ? me.group : -1, world_rank_);
  solvers_ = world.split(me.role == Role::Solver ? 0 : -1, world_rank_);
  trainers_comm_ = world.split(me.role == Role::Trainer ? 0 : -1, world_rank_);
}

}  // namespace surge
