#pragma once
// Sender: one per solver rank; streams this rank's snapshots to its trainer with non-blocking
// MPI sends, never more than `max_in_flight` of them outstanding.
//
// A snapshot's values are not copied: send(Snapshot&&) takes their storage and MPI sends it
// as it is (see the wire format in snapshot.hpp); once the send has completed the storage comes
// back through recycled_values() to hold a later snapshot.
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

  // Sends `s`, or queues it (drop_oldest), applying the back-pressure policy; takes the storage
  // of s.values, which MPI sends from. Not collective; but every rank of a solver group must
  // hand over the same sequence of states (the trainer matches blocks by their position in
  // it). Throws RuntimeError (taking nothing) if `s` is malformed or finish() was called.
  void send(Snapshot&& s);
  // As above, for a snapshot the caller keeps: its values are copied into recycled storage.
  void send(const Snapshot& s);
  // Storage of the values of an earlier snapshot whose send has completed or that was dropped,
  // or an empty vector if there is none: fill it with the next snapshot's values and hand it
  // back with send(). It keeps its size and capacity, so a solver writing as many values as
  // before neither allocates nor touches fresh memory. Not collective.
  std::vector<double> recycled_values();
  // Allocates (on huge pages where the system allows) and touches the storage of
  // max_in_flight + 1 snapshots of `values` values each, the most a blocking stream holds, so
  // that the first snapshots of a run do not pay for fresh memory one at a time while the
  // trainer waits (page faults cost more than the transfer). recycled_values() then hands out
  // vectors of `values` zeros. Not collective.
  void reserve(std::size_t values);
  // Completes what MPI has completed and posts queued snapshots while there is room. Never
  // waits. Not collective.
  void poll();
  // Waits until every queued and pending message has been delivered to MPI's care and
  // completed. Not collective (the trainer must be receiving).
  void flush();
  // flush(), then sends the end-of-stream marker that tells the trainer this rank is done
  // (`interrupted`: stopped early, the trainer should stop too). Later calls do nothing. Not
  // collective.
  void finish(bool interrupted = false);
  // True once the trainer has asked this rank to stop early (Receiver::request_stop). Never
  // waits. Not collective.
  bool stop_requested();

  const SenderStats& stats() const { return stats_; }
  int in_flight() const { return static_cast<int>(posted_.size()); }
  int queued() const { return static_cast<int>(queue_.size()); }
  bool finished() const { return finished_; }

 private:
  // One snapshot on its way: header message and payload.
  struct Outgoing {
    std::vector<char> header;
    std::vector<double> values;
  };
  struct Posted {
    MPI_Request requests[2];  // header, payload
    Outgoing message;
  };
  void enqueue(const Snapshot& s, std::vector<double>&& values);
  void complete_some();
  void post_queued();
  void wait_oldest();
  void keep_spare(Outgoing&& m);

  Comm comm_;
  int trainer_;
  int tag_;
  StreamOptions options_;
  SenderStats stats_;
  std::deque<Posted> posted_;    // handed to MPI, in posting order
  std::deque<Outgoing> queue_;   // not yet handed to MPI, oldest first
  std::vector<std::vector<char>> spare_headers_;   // of completed or dropped snapshots
  std::vector<std::vector<double>> spare_values_;  // likewise
  bool finished_ = false;
  bool stop_requested_ = false;
};

}  // namespace surge::stream
