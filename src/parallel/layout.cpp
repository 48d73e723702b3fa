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
  o.ranks_per_node = s["ranks_per_node"].as<int>();
  return o;
}

Layout::Layout(const Comm& world, const LayoutOptions& opt) : world_rank_(world.rank()) {
  const int size = world.size();
  // Node of every rank, numbered 0.. in order of the node's lowest world rank.
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
  std::vector<int> keys = world.allgather(node_key);
  std::map<int, std::vector<int>> members;  // node key -> world ranks, ascending
  for (int r = 0; r < size; ++r) members[keys[static_cast<std::size_t>(r)]].push_back(r);

  table_.assign(static_cast<std::size_t>(size), RankPlace{});
  const int rps = opt.ranks_per_simulation;
  const int tpn = opt.trainer_ranks_per_node;
  std::ostringstream problems;
  int node = 0;
  for (const auto& [key, ranks] : members) {
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
    const int first_trainer = trainers_;
    for (int i = 0; i < n; ++i) {
      RankPlace& p = table_[static_cast<std::size_t>(ranks[static_cast<std::size_t>(i)])];
      p.node = node;
      if (i < tpn) {
        p.role = Role::Trainer;
        p.trainer = trainers_++;
      } else {
        const int local_group = (i - tpn) / rps;
        p.role = Role::Solver;
        p.group = groups_ + local_group;
        p.trainer = tpn > 0 ? first_trainer + local_group % tpn : -1;
      }
    }
    groups_ += std::max(solvers, 0) / rps + ((solvers > 0 && solvers % rps) ? 1 : 0);
    ++node;
  }
  nodes_ = node;
  if (!problems.str().empty()) {
    std::string msg = problems.str();
    msg.pop_back();
    throw InputError("layout: the " + std::to_string(size) +
                     " ranks cannot be arranged as asked:\n" + msg);
  }
  const RankPlace& me = self();
  group_ = world.split(me.role == Role::Solver ? me.group : -1, world_rank_);
  solvers_ = world.split(me.role == Role::Solver ? 0 : -1, world_rank_);
  trainers_comm_ = world.split(me.role == Role::Trainer ? 0 : -1, world_rank_);
}

int Layout::trainer_world_rank(int t) const {
  for (std::size_t r = 0; r < table_.size(); ++r)
    if (table_[r].role == Role::Trainer && table_[r].trainer == t) return static_cast<int>(r);
  return -1;
}

std::vector<int> Layout::group_world_ranks(int g) const {
  std::vector<int> out;
  for (std::size_t r = 0; r < table_.size(); ++r)
    if (table_[r].role == Role::Solver && table_[r].group == g) out.push_back(static_cast<int>(r));
  return out;
}

std::string Layout::describe() const {
  std::ostringstream o;
  o << "layout: " << table_.size() << " ranks on " << nodes_ << " node(s): " << groups_
    << " solver group(s), " << trainers_ << " trainer(s)\n";
  for (int n = 0; n < nodes_; ++n) {
    o << "  node " << n << ":";
    for (int t = 0; t < trainers_; ++t) {
      int r = trainer_world_rank(t);
      if (table_[static_cast<std::size_t>(r)].node == n)
        o << " trainer " << t << " = rank " << r << ";";
    }
    for (int g = 0; g < groups_; ++g) {
      auto ranks = group_world_ranks(g);
      if (ranks.empty() || table_[static_cast<std::size_t>(ranks[0])].node != n) continue;
      o << " group " << g << " = ranks ";
      for (std::size_t i = 0; i < ranks.size(); ++i) o << (i ? "," : "") << ranks[i];
      int t = table_[static_cast<std::size_t>(ranks[0])].trainer;
      if (t >= 0) o << " -> trainer " << t;
      o << ";";
    }
    o << "\n";
  }
  std::string s = o.str();
  s.pop_back();
  return s;
}

}  // namespace surge
