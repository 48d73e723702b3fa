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
  for (auto& p : posted_) MPI_Wait(&p.request, MPI_STATUS_IGNORE);
}

std::vector<char> Sender::take_buffer() {
  if (spare_.empty()) return {};
  std::vector<char> b = std::move(spare_.back());
  spare_.pop_back();
  return b;
}

void Sender::complete_some() {
  for (auto it = posted_.begin(); it != posted_.end();) {
    int done = 0;
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    if (done) {
      spare_.push_back(std::move(it->bytes));
      it = posted_.erase(it);
    } else {
      ++it;
    }
  }
  // At most max_in_flight + queue + 1 buffers are ever in use; keep no more spares than that.
  const auto keep = static_cast<std::size_t>(options_.max_in_flight) + 1;
  if (spare_.size() > keep) spare_.resize(keep);
}

void Sender::post_queued() {
  while (!queue_.empty() && static_cast<int>(posted_.size()) < options_.max_in_flight) {
    Posted p{MPI_REQUEST_NULL, std::move(queue_.front())};
    queue_.pop_front();
    // The sequence number is given when the message reaches MPI, so that the numbers the
    // trainer sees are consecutive whatever was dropped before.
    const std::int64_t sequence = stats_.sent;
    std::memcpy(p.bytes.data() + offsetof(WireHeader, sequence), &sequence, sizeof sequence);
    if (p.bytes.size() > static_cast<std::size_t>(INT_MAX))
      throw RuntimeError("stream sender: a snapshot of " + std::to_string(p.bytes.size()) +
                         " bytes exceeds one MPI message (2 GiB)");
    // Push first so that the buffer's address (kept by MPI) is that of the element we keep.
    posted_.push_back(std::move(p));
    Posted& q = posted_.back();
    MPI_Isend(q.bytes.data(), static_cast<int>(q.bytes.size()), MPI_BYTE, trainer_, tag_,
              comm_.get(), &q.request);
    ++stats_.sent;
    stats_.bytes += static_cast<long long>(q.bytes.size());
  }
}

void Sender::wait_oldest() {
  const double start = MPI_Wtime();
  MPI_Wait(&posted_.front().request, MPI_STATUS_IGNORE);
  stats_.blocked_seconds += MPI_Wtime() - start;
  spare_.push_back(std::move(posted_.front().bytes));
  posted_.pop_front();
}

void Sender::send(const Snapshot& s) {
  if (finished_)
    throw RuntimeError("stream sender: send() after finish() (simulation " +
                       std::to_string(s.meta.simulation) + ", step " + std::to_string(s.meta.step) +
                       ")");
  if (std::string p = snapshot_problem(s); !p.empty())
    throw RuntimeError("stream sender: snapshot of simulation " +
                       std::to_string(s.meta.simulation) + ", step " + std::to_string(s.meta.step) +
                       ": " + p);
  const std::int64_t serial = stats_.produced++;
  complete_some();
  post_queued();
  if (options_.backpressure == Backpressure::Block) {
    while (static_cast<int>(posted_.size()) >= options_.max_in_flight) wait_oldest();
  } else if (static_cast<int>(queue_.size()) >= options_.queue) {
    spare_.push_back(std::move(queue_.front()));
    queue_.pop_front();
    ++stats_.dropped;
  }
  std::vector<char> bytes = take_buffer();
  if (const std::size_t size = packed_size(s); bytes.capacity() < size) {
    // A new buffer rather than a grown one: the old contents need no copy.
    std::vector<char>().swap(bytes);
    bytes.reserve(size);
    advise_huge_pages(bytes.data(), size);
  }
  pack(s, serial, 0, bytes);
  queue_.push_back(std::move(bytes));
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

void Sender::finish() {
  if (finished_) return;
  flush();
  std::vector<char> end = pack_end(stats_.produced, stats_.sent);
  const double start = MPI_Wtime();
  MPI_Send(end.data(), static_cast<int>(end.size()), MPI_BYTE, trainer_, tag_, comm_.get());
  stats_.blocked_seconds += MPI_Wtime() - start;
  finished_ = true;
}

}  // namespace surge::stream
