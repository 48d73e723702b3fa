#pragma once
// Options of the `stream:` section: what a sender does when its trainer falls behind. (How
// often snapshots are taken is `output.every`, shared with surge simulate.)
#include <yaml-cpp/yaml.h>

#include "core/schema.hpp"

namespace surge::stream {

enum class Backpressure {
  Block,       // wait for the oldest send to complete: nothing is lost, the solver slows down
  DropOldest,  // queue locally; when the queue is full, discard the oldest snapshot not yet sent
};

struct StreamOptions {
  int max_in_flight = 4;
  Backpressure backpressure = Backpressure::Block;
  int queue = 16;  // drop_oldest only
};

// Schema of the `stream:` section (every key documented, with defaults). Not collective.
config::Schema stream_schema();
// From a resolved `stream:` section. Not collective.
StreamOptions stream_options(const YAML::Node& section);

}  // namespace surge::stream
