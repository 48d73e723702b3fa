#pragma once
// Receiver: one per trainer rank; receives the blocks that the solver ranks feeding it send,
// checks each message on arrival and assembles the global field of every (simulation, step).
//
// Every message is checked before it touches any state: wire format, sizes, the block inside
// the global grid, field names / parameters / grid equal to those of earlier messages of the
// same simulation, the sender one of the expected ranks, no (simulation, step) twice from one
// sender, no message lost between two that arrived. A failed check throws surge::RuntimeError
// naming the sender's rank and what is wrong; the offending message is consumed, and the stream
// should then be treated as broken.
#include <array>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "parallel/comm.hpp"
#include "stream/sender.hpp"
#include "stream/snapshot.hpp"

namespace surge::stream {

struct ReceiverStats {
  long long messages = 0;  // snapshot messages accepted
  long long bytes = 0;     // their bytes
  long long samples = 0;   // assembled samples handed out or ready
  // Assemblies given up because a rank of the group dropped its block (drop_oldest) and sent a
  // later state or finished instead.
  long long abandoned = 0;
  // Snapshots the senders dropped (drop_oldest) before their latest message, summed over the
  // sending ranks (a state lost by a group of n ranks counts once per rank that dropped it).
  // Known from the messages themselves: a message's serial counts every snapshot its sender
  // was handed, its sequence only those sent.
  long long dropped = 0;
};

class Receiver {
 public:
  // `groups[g]` lists the ranks of `comm` (in group-rank order) of solver group g that feed
  // this trainer; each sends one block of every state. Not collective. Throws RuntimeError if a
  // group is empty, a rank is not in `comm` or appears twice.
  Receiver(Comm comm, std::vector<std::vector<int>> groups, int tag = kStreamTag);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Receives every snapshot whose header has already arrived (waiting only for the payloads
  // of those, which their senders post together with the headers) and returns the samples
  // completed so far, oldest first. Not collective. Throws RuntimeError on a bad message.
  std::vector<Sample> poll();
  // The next completed sample, waiting for messages as long as needed; nothing once done().
  // Not collective. Throws RuntimeError on a bad message.
  std::optional<Sample> next();
  // True once every expected sender has sent its end-of-stream marker and every sample has
  // been handed out (no assembly can be pending then: a finished rank's missing blocks never
  // come, and such assemblies are abandoned).
  bool done() const;
  // Gives back the storage of a sample's values once the caller is done with them, so that a
  // later sample reuses it instead of fresh memory, which the kernel must zero and map page by
  // page (at 64 MiB that costs more than the transfer itself). At most kSpareSamples are kept.
  // Not collective.
  void recycle(std::vector<double>&& values);
  static constexpr std::size_t kSpareSamples = 4;

  // Asks every solver rank feeding this trainer to stop early (an empty message each; see
  // Sender::stop_requested). Call it once; the stream then ends as usual, with end markers.
  // Not collective.
  void request_stop();
  // True once a sender has ended its stream early (interrupted end marker).
  bool interrupted() const { return interrupted_ > 0; }

  int senders() const { return static_cast<int>(senders_.size()); }
  int finished_senders() const { return finished_; }
  // Assemblies in progress (some blocks arrived, not all).
  int pending() const { return static_cast<int>(assemblies_.size()); }
  const ReceiverStats& stats() const { return stats_; }

 private:
  // Where a rank's payload goes in a sample: an MPI subarray type placing its block of every
  // field in the global fields (null while the block is the whole grid, received as it is).
  // Kept per rank because its block is the same for every state.
  struct Placement {
    Block block;
    std::array<int, 3> cells{0, 0, 0};
    int fields = 0;
    MPI_Datatype type = MPI_DATATYPE_NULL;
  };
  struct SenderState {
    int group = 0;
    Placement placement;
    long long next_sequence = 0;
    long long last_serial = -1;
    long long dropped = 0;
    bool finished = false;
    std::map<long long, long long> last_step;  // simulation -> last step received
  };
  struct SimulationInfo {
    int group = 0;
    int first_rank = 0;
    std::vector<double> parameters;
    std::vector<std::string> fields;
    WireHeader shape;  // dim, cells, lower, upper of the first message
  };
  struct Assembly {
    long long serial = 0;
    double time = 0;
    long long covered = 0;
    std::vector<int> ranks;  // contributors so far
    std::vector<Block> blocks;
    Sample sample;
  };
  using Key = std::tuple<int, long long, long long>;  // group, simulation, step

  void receive(MPI_Message& message, const MPI_Status& status);
  void accept(int source, const WireMessage& m, std::size_t bytes);
  // The payload type of `block` for a sample of `total` cells in `cells` with `fields` fields.
  MPI_Datatype placement(SenderState& sender, const Block& block,
                         const std::array<int, 3>& cells, int fields);
  void abandon_stale(int group);

  Comm comm_;
  int tag_;
  std::vector<std::vector<int>> groups_;
  std::map<int, SenderState> senders_;
  std::map<long long, SimulationInfo> simulations_;
  std::map<Key, Assembly> assemblies_;
  std::deque<Sample> ready_;
  std::vector<std::vector<double>> spare_values_;  // recycled sample storage
  std::vector<char> buffer_;
  WireMessage message_;
  ReceiverStats stats_;
  int finished_ = 0;
  int interrupted_ = 0;
};

}  // namespace surge::stream
