#include "stream/options.hpp"

#include <string>

namespace surge::stream {

config::Schema stream_schema() {
  using config::Schema;
  Schema s = Schema::map(
      "How solver ranks stream snapshots (taken every output.every of simulated time) in memory "
      "(MPI, no files) to the trainer rank of their node (surge run).");
  s.add("max_in_flight",
        Schema::integer("messages a solver rank may have handed to MPI and not yet seen "
                        "delivered; each holds one snapshot in memory (one more is being written)")
            .min(1)
            .defaults("4"));
  s.add("backpressure",
        Schema::choice({"block", "drop_oldest"},
                       "what a solver rank does when max_in_flight sends are pending: `block` "
                       "waits for the oldest to complete (nothing is lost, the solver slows "
                       "down to the trainer's pace); `drop_oldest` keeps up to `queue` snapshots "
                       "waiting and, when that queue is full, discards the oldest one not yet "
                       "sent (the solver never waits; the trainer sees the newest states; "
                       "discarded snapshots are counted)")
            .defaults("block"));
  s.add("queue",
        Schema::integer("drop_oldest only: snapshots a solver rank keeps waiting beyond the "
                        "max_in_flight ones being sent; each holds one snapshot")
            .min(1)
            .defaults("16"));
  return s;
}

StreamOptions stream_options(const YAML::Node& section) {
  StreamOptions o;
  o.max_in_flight = section["max_in_flight"].as<int>();
  o.backpressure = section["backpressure"].as<std::string>() == "drop_oldest"
                       ? Backpressure::DropOldest
                       : Backpressure::Block;
  o.queue = section["queue"].as<int>();
  return o;
}

}  // namespace surge::stream
