#include "stream/sender.hpp"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "stream/huge_pages.hpp"

namespace surge::stream {

Sender::Sender(Comm comm, int trainer, const StreamOptions& options, int tag)
    : comm_(std::move(comm)), trainer_(trainer), tag_(tag), options_(options) {
  if (comm_.null()) throw RuntimeError("stream sender: null communicator");
  if (trainer_ < 0 || trainer_ >= comm_.size())
    throw RuntimeError("stream sender: trainer rank " + std::to_string(trainer_) +
                       " is not a rank of a communicator of " + std::to_string(comm_.size()));
  if (options_.max_in_flight < 1 || options_.queue < 1)
    throw RuntimeError("stream sender: max_in_flight and queue must be at least 1");
}

Sender::~Sender() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  for (auto& p : posted_) MPI_Waitall(2, p.requests, MPI_STATUSES_IGNORE);
}

void Sender::keep_spare(Outgoing&& m) {
  // At most max_in_flight + queue + 1 snapshots are ever held; keep no more spares than one
  // pipeline's worth.
  const auto keep = static_cast<std::size_t>(options_.max_in_flight) + 1;
  if (spare_headers_.size() < keep) spare_headers_.push_back(std::move(m.header));
  if (spare_values_.size() < keep && m.values.capacity() > 0)
    spare_values_.push_back(std::move(m.values));
}

std::vector<double> Sender::recycled_values() {
  complete_some();
  if (spare_values_.empty()) return {};
  std::vector<double> v = std::move(spare_values_.back());
  spare_values_.pop_back();
  return v;
}

void Sender::reserve(std::size_t values) {
  const auto count = static_cast<std::size_t>(options_.max_in_flight) + 1;
  while (spare_values_.size() < count) {
    std::vector<double> v;
    v.reserve(values);
    advise_huge_pages(v.data(), values * sizeof(double));
    v.resize(values);
    spare_values_.push_back(std::move(v));
  }
}

void Sender::complete_some() {
  for (auto it = posted_.begin(); it != posted_.end();) {
    int done = 0;
    MPI_Testall(2, it->requests, &done, MPI_STATUSES_IGNORE);
    if (done) {
      keep_spare(std::move(it->message));
      it = posted_.erase(it);
    } else {
      ++it;
    }
  }
}

void Sender::post_queued() {
  while (!queue_.empty() && static_cast<int>(posted_.size()) < options_.max_in_flight) {
    Posted p{{MPI_REQUEST_NULL, MPI_REQUEST_NULL}, std::move(queue_.front())};
    queue_.pop_front();
    // The sequence number is given when the message reaches MPI, so that the numbers the
    // trainer sees are consecutive whatever was dropped before.
    const std::int64_t sequence = stats_.sent;
    std::memcpy(p.message.header.data() + offsetof(WireHeader, sequence), &sequence,
                sizeof sequence);
    // Push first so that the buffers' addresses (kept by MPI) are those of the element we keep.
    posted_.push_back(std::move(p));
    Posted& q = posted_.back();
    MPI_Isend(q.message.header.data(), static_cast<int>(q.message.header.size()), MPI_BYTE,
              trainer_, tag_, comm_.get(), &q.requests[0]);
    MPI_Isend(q.message.values.data(), static_cast<int>(q.message.values.size()), MPI_DOUBLE,
              trainer_, tag_ + kPayloadTagOffset, comm_.get(), &q.requests[1]);
    ++stats_.sent;
    stats_.bytes += static_cast<long long>(q.message.header.size() +
                                           sizeof(double) * q.message.values.size());
  }
}

void Sender::wait_oldest() {
  const double start = MPI_Wtime();
  MPI_Waitall(2, posted_.front().requests, MPI_STATUSES_IGNORE);
  stats_.blocked_seconds += MPI_Wtime() - start;
  keep_spare(std::move(posted_.front().message));
  posted_.pop_front();
}

void Sender::send(Snapshot&& s) { enqueue(s, std::move(s.values)); }

void Sender::send(const Snapshot& s) {
  std::vector<double> values = recycled_values();
  values.assign(s.values.begin(), s.values.end());
  enqueue(s, std::move(values));
}

// `values` are those of `s` (moved out of it or copied by the caller); `s.values` is only read
// for its size through snapshot_problem(), before anything is taken.
void Sender::enqueue(const Snapshot& s, std::vector<double>&& values) {
  if (finished_)
    throw RuntimeError("stream sender: send() after finish() (simulation " +
                       std::to_string(s.meta.simulation) + ", step " + std::to_string(s.meta.step) +
                       ")");
  if (std::string p = snapshot_problem(s); !p.empty())
    throw RuntimeError("stream sender: snapshot of simulation " +
                       std::to_string(s.meta.simulation) + ", step " + std::to_string(s.meta.step) +
                       ": " + p);
  if (values.size() > static_cast<std::size_t>(INT_MAX))
    throw RuntimeError("stream sender: a snapshot block of " + std::to_string(values.size()) +
                       " values exceeds one MPI message (2^31 - 1 values)");
  Outgoing m;
  if (!spare_headers_.empty()) {
    m.header = std::move(spare_headers_.back());
    spare_headers_.pop_back();
  }
  const std::int64_t serial = stats_.produced++;
  pack_header(s, serial, 0, m.header);
  m.values = std::move(values);
  complete_some();
  post_queued();
  if (options_.backpressure == Backpressure::Block) {
    while (static_cast<int>(posted_.size()) >= options_.max_in_flight) wait_oldest();
  } else if (static_cast<int>(queue_.size()) >= options_.queue) {
    keep_spare(std::move(queue_.front()));
    queue_.pop_front();
    ++stats_.dropped;
  }
  queue_.push_back(std::move(m));
  post_queued();
}

void Sender::poll() {
  complete_some();
  post_queued();
}

void Sender::flush() {
  poll();
  while (!posted_.empty()) {
    wait_oldest();
    post_queued();
  }
}

bool Sender::stop_requested() {
  if (stop_requested_) return true;
  int flag = 0;
  MPI_Status status;
  MPI_Iprobe(trainer_, tag_ + kStopTagOffset, comm_.get(), &flag, &status);
  if (flag) {
    MPI_Recv(nullptr, 0, MPI_BYTE, trainer_, tag_ + kStopTagOffset, comm_.get(), MPI_STATUS_IGNORE);
    stop_requested_ = true;
  }
  return stop_requested_;
}

void Sender::finish(bool interrupted) {
  if (finished_) return;
  flush();
  std::vector<char> end = pack_end(stats_.produced, stats_.sent, interrupted);
  const double start = MPI_Wtime();
  MPI_Send(end.data(), static_cast<int>(end.size()), MPI_BYTE, trainer_, tag_, comm_.get());
  stats_.blocked_seconds += MPI_Wtime() - start;
  finished_ = true;
}

}  // namespace surge::stream
