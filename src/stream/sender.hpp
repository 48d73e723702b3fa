#pragma once
// Sender: one per solver rank; streams this rank's snapshots to its trainer with non-blocking
// MPI sends, never more than `max_in_flight` of them outstanding.
//
// Only messages not yet handed to MPI can be discarded (a posted send is never cancelled), so
// with drop_oldest a snapshot is handed to MPI only while fewer than max_in_flight sends are
// pending; the others wait in a bounded local queue whose oldest entry gives way to a new one.
// The queue moves on at every send() and poll(): call poll() now and then between snapshots so
// that sends complete (MPI progresses large messages only inside MPI calls).
#include <cstdint>
#include <deque>
#include <vector>

#include "parallel/comm.hpp"
#include "stream/options.hpp"
#include "stream/snapshot.hpp"

namespace surge::stream {

// Tag of every stream message; the communicator handed in keeps it apart from other traffic.
inline constexpr int kStreamTag = 7301;

struct SenderStats {
  long long produced = 0;  // snapshots handed to send()
  long long sent = 0;      // messages handed to MPI (each is delivered by flush() at the latest)
  long long dropped = 0;   // drop_oldest: snapshots discarded before reaching MPI
  long long bytes = 0;     // bytes of the messages handed to MPI (end marker excluded)
  double blocked_seconds = 0;  // time spent waiting for sends to complete
};

class Sender {
 public:
  // Sends to rank `trainer` of `comm` (the trainer paired with this rank). Not collective.
  // Throws RuntimeError if `trainer` is not a rank of `comm` or the options are out of range.
  Sender(Comm comm, int trainer, const StreamOptions& options, int tag = kStreamTag);
  // Waits for the sends still pending (their buffers must outlive them); call it before
  // MPI_Finalize. Does not send the end-of-stream marker: call finish() for that.
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Packs `s` and sends it, or queues it (drop_oldest), applying the back-pressure policy. Not
  // collective; but every rank of a solver group must hand over the same sequence of states
  // (the trainer matches blocks by their position in it). Throws RuntimeError if `s` is
  // malformed or finish() was called.
  void send(const Snapshot& s);
  // Completes what MPI has completed and posts queued snapshots while there is room. Never
  // waits. Not collective.
  void poll();
  // Waits until every queued and pending message has been delivered to MPI's care and
  // completed. Not collective (the trainer must be receiving).
  void flush();
  // flush(), then sends the end-of-stream marker that tells the trainer this rank is done.
  // Later calls do nothing. Not collective.
  void finish();

  const SenderStats& stats() const { return stats_; }
  int in_flight() const { return static_cast<int>(posted_.size()); }
  int queued() const { return static_cast<int>(queue_.size()); }
  bool finished() const { return finished_; }

 private:
  struct Posted {
    MPI_Request request;
    std::vector<char> bytes;
  };
  void complete_some();
  void post_queued();
  void wait_oldest();
  std::vector<char> take_buffer();

  Comm comm_;
  int trainer_;
  int tag_;
  StreamOptions options_;
  SenderStats stats_;
  std::deque<Posted> posted_;             // handed to MPI, in posting order
  std::deque<std::vector<char>> queue_;   // packed, not yet handed to MPI, oldest first
  std::vector<std::vector<char>> spare_;  // buffers of completed or dropped messages
  bool finished_ = false;
};

}  // namespace surge::stream
