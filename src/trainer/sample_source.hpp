#pragma once
// SampleSource: where the training loop's states come from. Online that is the live stream of
// the solver ranks (StreamSource, over stream::Receiver); offline, study files read back
// (surge train, surge run --offline). The loop treats both alike, so the trainer, buffer and
// model code are the same for the online and the offline path.
#include <memory>
#include <optional>
#include <vector>

#include "parallel/comm.hpp"
#include "stream/receiver.hpp"
#include "stream/snapshot.hpp"

namespace surge::trainer {

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // The states ready now, oldest first; may be empty. Does not wait for the solvers (a file
  // source reads the next snapshot, which takes the time of the read). Throws RuntimeError on
  // a bad message or file.
  virtual std::vector<stream::Sample> poll() = 0;
  // The next state, waiting as long as needed; nothing once done().
  virtual std::optional<stream::Sample> next() = 0;
  // True once every state has been handed out.
  virtual bool done() const = 0;
  // Storage of a sample's values the caller is done with, for a later sample to reuse.
  virtual void recycle(std::vector<double>&& values) = 0;
  // Ends the source early (the trainer was interrupted); done() follows soon.
  virtual void request_stop() = 0;
  // True once a producer ended early (a solver rank was interrupted).
  virtual bool interrupted() const = 0;
  // States the producers dropped (drop_oldest backpressure).
  virtual long long dropped() const = 0;
  // Whether poll() / next() call MPI: such a source may run on a thread of its own only when
  // MPI provides MPI_THREAD_MULTIPLE.
  virtual bool uses_mpi() const = 0;
  // Seconds spent reading files so far (0 for the stream).
  virtual double read_seconds() const { return 0; }
};

// The live stream of the solver groups feeding this trainer (see stream::Receiver).
class StreamSource final : public SampleSource {
 public:
  StreamSource(Comm comm, std::vector<std::vector<int>> groups)
      : receiver_(std::move(comm), std::move(groups)) {}
  std::vector<stream::Sample> poll() override { return receiver_.poll(); }
  std::optional<stream::Sample> next() override { return receiver_.next(); }
  bool done() const override { return receiver_.done(); }
  void recycle(std::vector<double>&& values) override { receiver_.recycle(std::move(values)); }
  void request_stop() override { receiver_.request_stop(); }
  bool interrupted() const override { return receiver_.interrupted(); }
  long long dropped() const override { return receiver_.stats().dropped; }
  bool uses_mpi() const override { return true; }

 private:
  stream::Receiver receiver_;
};

}  // namespace surge::trainer
