#include "stream/receiver.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <sstream>
#include <utility>

#include "core/error.hpp"
#include "stream/huge_pages.hpp"

namespace surge::stream {

namespace {

std::string list(const std::vector<int>& v) {
  std::ostringstream o;
  for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  return o.str();
}

std::string names(const std::vector<std::string>& v) {
  std::ostringstream o;
  o << "(";
  for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  o << ")";
  return o.str();
}

std::string describe(const Block& b, int dim) {
  std::ostringstream o;
  o << "[";
  for (int d = 0; d < dim; ++d)
    o << (d ? ", " : "") << b.offset[d] << ":" << b.offset[d] + b.extent[d];
  o << ")";
  return o.str();
}

bool overlap(const Block& a, const Block& b) {
  for (int d = 0; d < 3; ++d)
    if (std::max(a.offset[d], b.offset[d]) >=
        std::min(a.offset[d] + a.extent[d], b.offset[d] + b.extent[d]))
      return false;
  return true;
}

// Makes `v` hold `count` elements whose values are about to be overwritten: recycled storage
// keeps its size, so a sample the size of the previous one costs nothing; storage that must
// grow is fresh (on huge pages), its old contents not copied.
void size_for_overwrite(std::vector<double>& v, std::size_t count) {
  if (v.capacity() < count) {
    std::vector<double>().swap(v);
    v.reserve(count);
    advise_huge_pages(v.data(), count * sizeof(double));
  }
  v.resize(count);
}

bool same_shape(const WireHeader& a, const WireHeader& b) {
  if (a.dim != b.dim) return false;
  for (int d = 0; d < 3; ++d)
    if (a.cells[d] != b.cells[d] || a.lower[d] != b.lower[d] || a.upper[d] != b.upper[d])
      return false;
  return true;
}

}  // namespace

Receiver::Receiver(Comm comm, std::vector<std::vector<int>> groups, int tag)
    : comm_(std::move(comm)), tag_(tag), groups_(std::move(groups)) {
  if (comm_.null()) throw RuntimeError("stream receiver: null communicator");
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g].empty())
      throw RuntimeError("stream receiver: solver group " + std::to_string(g) + " has no rank");
    for (int r : groups_[g]) {
      if (r < 0 || r >= comm_.size())
        throw RuntimeError("stream receiver: rank " + std::to_string(r) + " of group " +
                           std::to_string(g) + " is not a rank of a communicator of " +
                           std::to_string(comm_.size()));
      if (senders_.count(r))
        throw RuntimeError("stream receiver: rank " + std::to_string(r) +
                           " is listed twice among the solver ranks");
      senders_[r].group = static_cast<int>(g);
    }
  }
}

Receiver::~Receiver() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  for (auto& [rank, sender] : senders_)
    if (sender.placement.type != MPI_DATATYPE_NULL) MPI_Type_free(&sender.placement.type);
}

MPI_Datatype Receiver::placement(SenderState& sender, const Block& block,
                                 const std::array<int, 3>& cells, int fields) {
  Placement& p = sender.placement;
  if (p.block.offset == block.offset && p.block.extent == block.extent && p.cells == cells &&
      p.fields == fields)
    return p.type;
  if (p.type != MPI_DATATYPE_NULL) MPI_Type_free(&p.type);
  p.block = block;
  p.cells = cells;
  p.fields = fields;
  if (block.extent != cells) {
    // Fields, z, y, x: the payload's order (field after field, x fastest) is C order.
    const int sizes[4] = {fields, cells[2], cells[1], cells[0]};
    const int subsizes[4] = {fields, block.extent[2], block.extent[1], block.extent[0]};
    const int starts[4] = {0, block.offset[2], block.offset[1], block.offset[0]};
    MPI_Type_create_subarray(4, sizes, subsizes, starts, MPI_ORDER_C, MPI_DOUBLE, &p.type);
    MPI_Type_commit(&p.type);
  }
  return p.type;
}

void Receiver::request_stop() {
  for (const auto& [rank, sender] : senders_)
    if (!sender.finished)
      MPI_Send(nullptr, 0, MPI_BYTE, rank, tag_ + kStopTagOffset, comm_.get());
}

void Receiver::recycle(std::vector<double>&& values) {
  if (spare_values_.size() < kSpareSamples && values.capacity() > 0)
    spare_values_.push_back(std::move(values));
}

bool Receiver::done() const {
  return finished_ == static_cast<int>(senders_.size()) && ready_.empty();
}

std::vector<Sample> Receiver::poll() {
  for (;;) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    MPI_Improbe(MPI_ANY_SOURCE, tag_, comm_.get(), &flag, &message, &status);
    if (!flag) break;
    receive(message, status);
  }
  std::vector<Sample> out(std::make_move_iterator(ready_.begin()),
                          std::make_move_iterator(ready_.end()));
  ready_.clear();
  return out;
}

std::optional<Sample> Receiver::next() {
  for (;;) {
    if (!ready_.empty()) {
      Sample s = std::move(ready_.front());
      ready_.pop_front();
      return s;
    }
    if (done()) return std::nullopt;
    MPI_Message message;
    MPI_Status status;
    MPI_Mprobe(MPI_ANY_SOURCE, tag_, comm_.get(), &message, &status);
    receive(message, status);
  }
}

void Receiver::receive(MPI_Message& message, const MPI_Status& status) {
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  // Always receive first: a rejected message must not stay queued in MPI.
  buffer_.resize(static_cast<std::size_t>(std::max(count, 1)));
  MPI_Mrecv(buffer_.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE);
  const int source = status.MPI_SOURCE;
  const auto fail = [source](const std::string& what) {
    throw RuntimeError("stream: message from rank " + std::to_string(source) + ": " + what);
  };
  auto it = senders_.find(source);
  if (it == senders_.end()) {
    std::vector<int> expected;
    for (const auto& [rank, state] : senders_) expected.push_back(rank);
    fail("rank " + std::to_string(source) +
         " is not one of the solver ranks that feed this trainer (" + list(expected) + ")");
  }
  SenderState& sender = it->second;
  if (sender.finished) fail("arrived after the rank's end-of-stream marker");
  if (std::string p = unpack(buffer_.data(), static_cast<std::size_t>(count), message_); !p.empty())
    fail(p);
  if (message_.header.kind == kWireEnd || message_.header.kind == kWireEndInterrupted) {
    if (message_.header.kind == kWireEndInterrupted) ++interrupted_;
    if (message_.header.sequence != sender.next_sequence)
      fail("end-of-stream marker says " + std::to_string(message_.header.sequence) +
           " messages were sent, " + std::to_string(sender.next_sequence) + " arrived");
    // The marker's serial is the number of snapshots handed over, its sequence the messages.
    stats_.dropped += message_.header.serial - message_.header.sequence - sender.dropped;
    sender.dropped = message_.header.serial - message_.header.sequence;
    sender.finished = true;
    ++finished_;
    abandon_stale(sender.group);
    return;
  }
  accept(source, message_, static_cast<std::size_t>(count));
}

void Receiver::accept(int source, const WireMessage& m, std::size_t bytes) {
  const auto fail = [source](const std::string& what) {
    throw RuntimeError("stream: message from rank " + std::to_string(source) + ": " + what);
  };
  const WireHeader& h = m.header;
  SenderState& sender = senders_.at(source);
  const int g = sender.group;
  const std::string what =
      "simulation " + std::to_string(h.simulation) + " step " + std::to_string(h.step);

  // ---- checks; nothing is changed until every one has passed
  auto sim = simulations_.find(h.simulation);
  if (sim != simulations_.end()) {
    const SimulationInfo& info = sim->second;
    const std::string earlier = " in earlier messages of simulation " +
                                std::to_string(h.simulation) + " (from rank " +
                                std::to_string(info.first_rank) + ")";
    if (info.group != g)
      fail("simulation " + std::to_string(h.simulation) + " is streamed by solver group " +
           std::to_string(info.group) + " (rank " + std::to_string(info.first_rank) +
           "), not by this rank's group " + std::to_string(g));
    if (m.fields != info.fields)
      fail("field names " + names(m.fields) + " differ from " + names(info.fields) + earlier);
    if (m.parameters.size() != info.parameters.size())
      fail(std::to_string(m.parameters.size()) + " parameter values, against " +
           std::to_string(info.parameters.size()) + earlier);
    if (!m.parameters.empty() && std::memcmp(m.parameters.data(), info.parameters.data(),
                                             sizeof(double) * m.parameters.size()) != 0)
      fail("parameter values differ from those" + earlier);
    if (!same_shape(h, info.shape)) fail("global grid differs from the one" + earlier);
  }
  auto last = sender.last_step.find(h.simulation);
  if (last != sender.last_step.end() && h.step <= last->second)
    fail(h.step == last->second ? what + " received twice from this rank (duplicate block)"
                                : what + " arrived after step " + std::to_string(last->second) +
                                      " of the same simulation (out of order)");
  if (h.sequence != sender.next_sequence)
    fail("message number " + std::to_string(h.sequence) + " where " +
         std::to_string(sender.next_sequence) + " was due: a message was lost or repeated");
  if (h.serial <= sender.last_serial)
    fail("snapshot number " + std::to_string(h.serial) + " does not follow " +
         std::to_string(sender.last_serial));
  Block block;
  for (int d = 0; d < 3; ++d) {
    block.offset[d] = h.offset[d];
    block.extent[d] = h.extent[d];
  }
  const Key key{g, h.simulation, h.step};
  auto a = assemblies_.find(key);
  if (a != assemblies_.end()) {
    const Assembly& as = a->second;
    if (as.serial != h.serial)
      fail(what + " is snapshot number " + std::to_string(h.serial) + " here but number " +
           std::to_string(as.serial) + " from rank " + std::to_string(as.ranks.front()) +
           ": the ranks of a group must send the same sequence of states");
    if (as.time != h.time)
      fail(what + " has time " + std::to_string(h.time) + " here but " + std::to_string(as.time) +
           " from rank " + std::to_string(as.ranks.front()));
    for (std::size_t i = 0; i < as.blocks.size(); ++i)
      if (overlap(block, as.blocks[i]))
        fail(what + ": block " + describe(block, h.dim) + " overlaps block " +
             describe(as.blocks[i], h.dim) + " of rank " + std::to_string(as.ranks[i]));
  }

  // ---- the payload: posted by the sender right after this header
  MPI_Message payload;
  MPI_Status payload_status;
  MPI_Mprobe(source, tag_ + kPayloadTagOffset, comm_.get(), &payload, &payload_status);
  MPI_Count payload_bytes = 0;
  MPI_Get_elements_x(&payload_status, MPI_BYTE, &payload_bytes);
  const auto expected_bytes = static_cast<MPI_Count>(sizeof(double) * h.payload_count);
  if (payload_bytes != expected_bytes) {
    // Consumed before failing, so that the offending message does not stay queued in MPI.
    std::vector<double> discard(static_cast<std::size_t>(payload_bytes / 8 + 1));
    if (payload_bytes % 8 == 0)
      MPI_Mrecv(discard.data(), static_cast<int>(payload_bytes / 8), MPI_DOUBLE, &payload,
                MPI_STATUS_IGNORE);
    else
      MPI_Mrecv(discard.data(), static_cast<int>(payload_bytes), MPI_BYTE, &payload,
                MPI_STATUS_IGNORE);
    fail(what + ": payload " +
         (payload_bytes < expected_bytes ? std::string("truncated") : std::string("oversized")) +
         ", " + std::to_string(payload_bytes) + " bytes where the header announces " +
         std::to_string(expected_bytes));
  }

  // ---- accepted
  if (sim == simulations_.end()) {
    SimulationInfo info;
    info.group = g;
    info.first_rank = source;
    info.parameters = m.parameters;
    info.fields = m.fields;
    info.shape = h;
    simulations_.emplace(h.simulation, std::move(info));
  }
  sender.last_step[h.simulation] = h.step;
  ++sender.next_sequence;
  sender.last_serial = h.serial;
  stats_.dropped += h.serial - h.sequence - sender.dropped;
  sender.dropped = h.serial - h.sequence;
  ++stats_.messages;
  stats_.bytes += static_cast<long long>(bytes) + static_cast<long long>(payload_bytes);

  if (a == assemblies_.end()) {
    Assembly as;
    as.serial = h.serial;
    as.time = h.time;
    SnapshotMeta& meta = as.sample.meta;
    meta.simulation = h.simulation;
    meta.step = h.step;
    meta.time = h.time;
    meta.parameters = m.parameters;
    meta.fields = m.fields;
    meta.grid.dim = h.dim;
    for (int d = 0; d < 3; ++d) {
      meta.grid.cells[d] = h.cells[d];
      meta.grid.lower[d] = h.lower[d];
      meta.grid.upper[d] = h.upper[d];
    }
    as.sample.group = g;
    if (!spare_values_.empty()) {
      as.sample.values = std::move(spare_values_.back());
      spare_values_.pop_back();
    }
    size_for_overwrite(as.sample.values,
                       m.fields.size() * static_cast<std::size_t>(meta.grid.total_cells()));
    a = assemblies_.emplace(key, std::move(as)).first;
  }
  Assembly& as = a->second;
  const std::size_t total = static_cast<std::size_t>(as.sample.meta.grid.total_cells());
  // Straight into the sample: as it is when the block is the whole grid, else placed by the
  // rank's subarray type (MPI scatters the rows; no copy of ours).
  const MPI_Datatype type =
      placement(sender, block, as.sample.meta.grid.cells, static_cast<int>(m.fields.size()));
  if (type == MPI_DATATYPE_NULL)
    MPI_Mrecv(as.sample.values.data(), static_cast<int>(h.payload_count), MPI_DOUBLE, &payload,
              MPI_STATUS_IGNORE);
  else
    MPI_Mrecv(as.sample.values.data(), 1, type, &payload, MPI_STATUS_IGNORE);
  as.ranks.push_back(source);
  as.blocks.push_back(block);
  as.covered += static_cast<long long>(block.size());

  if (as.ranks.size() == groups_[static_cast<std::size_t>(g)].size()) {
    // Blocks inside the grid that do not overlap tile it exactly iff they cover every cell.
    const long long covered = as.covered;
    std::vector<int> ranks = as.ranks;
    std::sort(ranks.begin(), ranks.end());
    if (covered != static_cast<long long>(total)) {
      assemblies_.erase(a);
      fail("the blocks of " + what + " from ranks " + list(ranks) + " cover " +
           std::to_string(covered) + " of the " + std::to_string(total) +
           " cells of the global grid (a gap)");
    }
    ready_.push_back(std::move(as.sample));
    assemblies_.erase(a);
    ++stats_.samples;
  }
  abandon_stale(g);
}

void Receiver::abandon_stale(int group) {
  for (auto it = assemblies_.begin(); it != assemblies_.end();) {
    bool stale = false;
    if (std::get<0>(it->first) == group) {
      const Assembly& as = it->second;
      // A rank's messages arrive in the order it sent them: once it has finished or sent a
      // later state, a block it has not sent for this state was dropped and will never come.
      for (int r : groups_[static_cast<std::size_t>(group)]) {
        if (std::find(as.ranks.begin(), as.ranks.end(), r) != as.ranks.end()) continue;
        const SenderState& s = senders_.at(r);
        if (s.finished || s.last_serial > as.serial) stale = true;
      }
    }
    if (stale) {
      it = assemblies_.erase(it);
      ++stats_.abandoned;
    } else {
      ++it;
    }
  }
}

}  // namespace surge::stream
