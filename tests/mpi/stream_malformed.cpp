// Malformed streams: raw bytes injected with MPI must each raise a RuntimeError on the trainer
// (rank 0) that names the sending rank; plus the wire format and the config schema.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <utility>

#include "core/error.hpp"
#include "stream/options.hpp"
#include "stream/receiver.hpp"
#include "stream/sender.hpp"
#include "support/test_support.hpp"

namespace {

using surge::Comm;
using namespace surge::stream;
using Bytes = std::vector<char>;

Snapshot snapshot(long long step, int offset = 0, int extent = 8, std::string field = "u",
                  std::vector<double> parameters = {2.5}) {
  Snapshot s;
  s.meta.simulation = 4;
  s.meta.step = step;
  s.meta.time = 0.5 * static_cast<double>(step);
  s.meta.parameters = std::move(parameters);
  s.meta.fields = {std::move(field)};
  s.meta.grid.dim = 1;
  s.meta.grid.cells = {8, 1, 1};
  s.block.offset[0] = offset;
  s.block.extent[0] = extent;
  for (int i = 0; i < extent; ++i)
    s.values.push_back(offset + i + 100.0 * static_cast<double>(step));
  return s;
}

// A snapshot as the wire carries it: header message and payload (none for an end marker).
struct Message {
  Message(Bytes h) : header(std::move(h)) {}  // implicit: an end marker is a Message
  Message(Bytes h, std::vector<double> p) : header(std::move(h)), payload(std::move(p)) {}
  Bytes header;
  std::optional<std::vector<double>> payload;
};

Message packed(const Snapshot& s, long long serial, long long sequence) {
  Bytes b;
  pack_header(s, serial, sequence, b);
  return {std::move(b), s.values};
}

// Applies `edit` to the header of a packed message.
template <class F>
Message patched(Message m, F edit) {
  WireHeader h;
  std::memcpy(&h, m.header.data(), sizeof h);
  edit(h);
  std::memcpy(m.header.data(), &h, sizeof h);
  return m;
}

// Posts `m` from this rank to rank 0 as a Sender would: header, then payload.
void post(const surge::Comm& comm, const Message& m, std::vector<MPI_Request>& requests) {
  requests.emplace_back();
  MPI_Isend(m.header.data(), static_cast<int>(m.header.size()), MPI_BYTE, 0, kStreamTag,
            comm.get(), &requests.back());
  if (!m.payload) return;
  requests.emplace_back();
  MPI_Isend(m.payload->data(), static_cast<int>(m.payload->size()), MPI_DOUBLE, 0,
            kStreamTag + kPayloadTagOffset, comm.get(), &requests.back());
}

struct Injection {
  int from;
  Message message;
};

// Collective: each rank sends its injections (in order) to rank 0, which receives from
// `groups` until an error. Returns the error text on rank 0 ("" on the others, or if none).
std::string failure(const std::vector<std::vector<int>>& groups,
                    const std::vector<Injection>& injections) {
  Comm world = surge::test::world();
  Comm comm = world.dup();
  std::vector<MPI_Request> requests;
  for (const auto& inj : injections)
    if (inj.from == comm.rank()) post(comm, inj.message, requests);
  std::string error;
  if (comm.rank() == 0) {
    Receiver rx(comm, groups);
    const double start = MPI_Wtime();
    try {
      while (MPI_Wtime() - start < 10) rx.poll();
      ADD_FAILURE() << "no error within 10 s";
    } catch (const surge::RuntimeError& e) {
      error = e.what();
    }
  }
  // Injected messages are small (sent eagerly), so they complete whether received or not.
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  comm.barrier();
  return error;
}

bool root() {
  return surge::test::world().rank() == 0;
}

// A rank that is not among the expected solver ranks: rank 2, or the trainer itself.
int stranger() {
  return surge::test::world().size() >= 3 ? 2 : 0;
}

#define EXPECT_ERROR(text, ...)                                                \
  do {                                                                         \
    std::string e = failure(__VA_ARGS__);                                      \
    if (root()) {                                                              \
      EXPECT_NE(e.find("rank "), std::string::npos) << e;                      \
      for (const char* t : text) EXPECT_NE(e.find(t), std::string::npos) << e; \
    }                                                                          \
  } while (0)

using Texts = std::vector<const char*>;

TEST(StreamMalformed, TruncatedHeader) {
  Message b = packed(snapshot(0), 0, 0);
  b.header.resize(100);
  EXPECT_ERROR((Texts{"rank 1", "truncated"}), {{1}}, {{1, b}});
}

TEST(StreamMalformed, TruncatedHeaderMessage) {
  Message b = packed(snapshot(0), 0, 0);
  b.header.pop_back();
  EXPECT_ERROR((Texts{"rank 1", "truncated header message"}), {{1}}, {{1, b}});
}

TEST(StreamMalformed, TruncatedPayload) {
  Message b = packed(snapshot(0), 0, 0);
  b.payload->pop_back();
  EXPECT_ERROR((Texts{"rank 1", "payload truncated", "56 bytes", "announces 64"}), {{1}},
               {{1, b}});
}

TEST(StreamMalformed, OversizedPayload) {
  Message b = packed(snapshot(0), 0, 0);
  b.payload->push_back(1.0);
  EXPECT_ERROR((Texts{"rank 1", "payload oversized"}), {{1}}, {{1, b}});
}

TEST(StreamMalformed, WrongMagic) {
  Message b = patched(packed(snapshot(0), 0, 0), [](WireHeader& h) { h.magic = 0x12345678; });
  EXPECT_ERROR((Texts{"rank 1", "magic"}), {{1}}, {{1, b}});
}

TEST(StreamMalformed, WrongVersion) {
  Message b = patched(packed(snapshot(0), 0, 0), [](WireHeader& h) { h.version = 99; });
  EXPECT_ERROR((Texts{"rank 1", "version 99"}), {{1}}, {{1, b}});
}

TEST(StreamMalformed, BlockOutsideTheGrid) {
  // A consistent message (8 values for 8 cells) whose block runs past the grid's 8 cells.
  Message b = patched(packed(snapshot(0), 0, 0), [](WireHeader& h) { h.offset[0] = 3; });
  EXPECT_ERROR((Texts{"rank 1", "not inside the global grid"}), {{1}}, {{1, b}});
}

TEST(StreamMalformed, DuplicateBlockFromOneRank) {
  Message b = packed(snapshot(0), 0, 0);
  EXPECT_ERROR((Texts{"rank 1", "twice"}), {{1}}, {{1, b}, {1, b}});
}

TEST(StreamMalformed, UnexpectedSender) {
  Message b = packed(snapshot(0), 0, 0);
  const std::string who = "rank " + std::to_string(stranger());
  EXPECT_ERROR((Texts{who.c_str(), "not one of the solver ranks"}), {{1}}, {{stranger(), b}});
}

TEST(StreamMalformed, FieldNamesChangeWithinASimulation) {
  EXPECT_ERROR((Texts{"rank 1", "field names (v)"}), {{1}},
               {{1, packed(snapshot(0), 0, 0)}, {1, packed(snapshot(1, 0, 8, "v"), 1, 1)}});
}

TEST(StreamMalformed, ParameterCountChangesWithinASimulation) {
  EXPECT_ERROR(
      (Texts{"rank 1", "2 parameter values"}), {{1}},
      {{1, packed(snapshot(0), 0, 0)}, {1, packed(snapshot(1, 0, 8, "u", {2.5, 1.0}), 1, 1)}});
}

TEST(StreamMalformed, LostMessage) {
  EXPECT_ERROR((Texts{"rank 1", "lost"}), {{1}},
               {{1, packed(snapshot(0), 0, 0)}, {1, packed(snapshot(1), 1, 2)}});
}

TEST(StreamMalformed, DataAfterEndOfStream) {
  EXPECT_ERROR(
      (Texts{"rank 1", "end-of-stream"}), {{1}},
      {{1, packed(snapshot(0), 0, 0)}, {1, pack_end(1, 1)}, {1, packed(snapshot(1), 1, 1)}});
}

TEST(StreamMalformed, OverlappingBlocksOfTwoRanks) {
  if (surge::test::world().size() < 3) GTEST_SKIP() << "needs two solver ranks";
  EXPECT_ERROR((Texts{"rank 1", "rank 2", "overlaps"}), {{1, 2}},
               {{1, packed(snapshot(0, 0, 6), 0, 0)}, {2, packed(snapshot(0, 4, 4), 0, 0)}});
}

TEST(StreamMalformed, GapBetweenTheBlocksOfTwoRanks) {
  if (surge::test::world().size() < 3) GTEST_SKIP() << "needs two solver ranks";
  EXPECT_ERROR((Texts{"ranks 1, 2", "7 of the 8 cells", "gap"}), {{1, 2}},
               {{1, packed(snapshot(0, 0, 4), 0, 0)}, {2, packed(snapshot(0, 5, 3), 0, 0)}});
}

TEST(StreamWire, PackThenUnpackGivesTheSnapshotBack) {
  Snapshot s = snapshot(3, 2, 5, "density", {1.5, -2.0, 3.25});
  Bytes b;
  pack_header(s, 7, 6, b);
  EXPECT_EQ(b.size(), header_size(s));
  WireMessage m;
  ASSERT_EQ(unpack(b.data(), b.size(), m), "");
  EXPECT_EQ(m.header.payload_count, 5);
  EXPECT_EQ(m.header.kind, kWireSnapshot);
  EXPECT_EQ(m.header.simulation, 4);
  EXPECT_EQ(m.header.step, 3);
  EXPECT_EQ(m.header.serial, 7);
  EXPECT_EQ(m.header.sequence, 6);
  EXPECT_EQ(m.header.time, 1.5);
  EXPECT_EQ(m.header.offset[0], 2);
  EXPECT_EQ(m.header.extent[0], 5);
  EXPECT_EQ(m.parameters, s.meta.parameters);
  EXPECT_EQ(m.fields, s.meta.fields);
  Bytes end = pack_end(9, 8);
  ASSERT_EQ(unpack(end.data(), end.size(), m), "");
  EXPECT_EQ(m.header.kind, kWireEnd);
  EXPECT_EQ(m.header.sequence, 8);
}

TEST(StreamWire, SenderRefusesMalformedSnapshots) {
  Comm world = surge::test::world();
  Comm comm = world.dup();
  Sender tx(comm, 0, StreamOptions{});
  Snapshot s = snapshot(0);
  s.values.pop_back();
  EXPECT_THROW(tx.send(s), surge::RuntimeError);
  s = snapshot(0, 4, 8);
  EXPECT_THROW(tx.send(s), surge::RuntimeError);
  s = snapshot(0, 0, 8, "");
  EXPECT_THROW(tx.send(s), surge::RuntimeError);
  EXPECT_EQ(tx.stats().produced, 0);
  EXPECT_THROW(Sender(comm, comm.size(), StreamOptions{}), surge::RuntimeError);
  EXPECT_THROW(Receiver(comm, {{0}, {0}}), surge::RuntimeError);
}

TEST(StreamWire, SchemaDefaultsAndDocs) {
  const auto schema = stream_schema();
  YAML::Node resolved = surge::config::resolve(schema, YAML::Load("{}"), {});
  const StreamOptions o = stream_options(resolved);
  EXPECT_EQ(o.max_in_flight, 4);
  EXPECT_EQ(o.backpressure, Backpressure::Block);
  EXPECT_EQ(o.queue, 16);
  for (const auto& [key, child] : schema.keys()) EXPECT_FALSE(child.doc().empty()) << key;
  resolved =
      surge::config::resolve(schema, YAML::Load("{backpressure: drop_oldest, queue: 3}"), {});
  EXPECT_EQ(stream_options(resolved).backpressure, Backpressure::DropOldest);
  EXPECT_THROW(surge::config::resolve(schema, YAML::Load("{every: 0}"), {}), surge::InputError);
  EXPECT_THROW(surge::config::resolve(schema, YAML::Load("{max_in_flight: 0}"), {}),
               surge::InputError);
  EXPECT_THROW(surge::config::resolve(schema, YAML::Load("{backpressure: drop}"), {}),
               surge::InputError);
}

}  // namespace

namespace {

// Ranks 1 and 2 form a group; rank 2 dropped state 0 (drop_oldest) and sent state 1 first:
// state 0 can never complete and is given up, state 1 is assembled, nothing is left pending.
TEST(StreamDrops, AStateOneRankDroppedIsAbandoned) {
  Comm world = surge::test::world();
  if (world.size() < 3) GTEST_SKIP() << "needs two solver ranks";
  Comm comm = world.dup();
  std::vector<Message> mine;
  if (comm.rank() == 1)
    mine = {packed(snapshot(0, 0, 4), 0, 0), packed(snapshot(1, 0, 4), 1, 1), pack_end(2, 2)};
  if (comm.rank() == 2) mine = {packed(snapshot(1, 4, 4), 1, 0), pack_end(2, 1)};
  std::vector<MPI_Request> requests;
  for (const Message& m : mine) post(comm, m, requests);
  if (comm.rank() == 0) {
    Receiver rx(comm, {{1, 2}});
    std::vector<long long> steps;
    while (auto s = rx.next()) {
      steps.push_back(s->meta.step);
      for (int i = 0; i < 8; ++i) EXPECT_EQ(s->values[static_cast<std::size_t>(i)], 100.0 + i);
    }
    EXPECT_EQ(steps, std::vector<long long>{1});
    EXPECT_EQ(rx.stats().abandoned, 1);
    EXPECT_EQ(rx.pending(), 0);
    EXPECT_TRUE(rx.done());
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  comm.barrier();
}

}  // namespace
