#pragma once
// Snapshot and Sample: the seam between solver ranks and trainer ranks, and the binary wire
// format that carries a Snapshot over MPI.
//
// A Snapshot is what one solver rank sends: the metadata of the simulation state plus this
// rank's block of every field. A Sample is what a trainer gets once the blocks of every rank of
// the group have arrived: the same metadata with the assembled global field. Neither carries a
// solver or framework type; both are plain structs.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "grid/grid.hpp"

namespace surge::stream {

// What identifies a state of one simulation of the ensemble, shared by Snapshot and Sample.
struct SnapshotMeta {
  long long simulation = 0;         // simulation id in the study
  long long step = 0;               // solver steps taken so far
  double time = 0;                  // simulated time
  std::vector<double> parameters;   // sampled parameter values, in the study's order
  std::vector<std::string> fields;  // field names, in the order of the values
  Grid grid;                        // global shape (dim, cells) and geometry
};

// One rank's piece of a state: `values` holds every field's values on `block`, field after
// field, each block.size() values with x fastest (what Solver::snapshot() writes).
struct Snapshot {
  SnapshotMeta meta;
  Block block;
  std::vector<double> values;
};

// An assembled state: `values` holds every field on the whole grid, field after field, each
// grid.total_cells() values with x fastest.
struct Sample {
  SnapshotMeta meta;
  int group = -1;  // index of the solver group it came from, in the Receiver's list
  std::vector<double> values;

  // The values of field `f` (grid.total_cells() of them).
  const double* field(std::size_t f) const {
    return values.data() + f * static_cast<std::size_t>(meta.grid.total_cells());
  }
};

// ---- wire format, version 2 --------------------------------------------------------------
//
// A snapshot travels as two MPI messages from the solver rank to its trainer, posted one after
// the other:
//   header   on the stream's tag: a WireHeader (raw bytes of the struct below, native byte
//            order: sender and trainer share a node), then `parameter_count` doubles, then
//            `field_count` names each written as a uint32 length followed by its bytes
//            (`names_bytes` in all);
//   payload  on the stream's tag + 1 (kPayloadTagOffset): the `payload_count` values as
//            MPI_DOUBLE, straight from the snapshot's own storage.
// Keeping the values out of the header message means neither side copies them: the sender
// sends the solver's snapshot vector itself, and the trainer, having read the header, receives
// the payload straight into the sample (a block of a multi-rank group through an MPI subarray
// type that places it in the global field). MPI keeps the messages of one sender and tag in
// order, so the k-th payload of a rank belongs to its k-th snapshot header.
// An end-of-stream marker is a header alone with kind = kWireEnd (or kWireEndInterrupted when
// the sender stopped early on an interruption, see core/interrupt.hpp) and no payload.
// A trainer asks its solver ranks to stop early with an empty message on tag + kStopTagOffset.

inline constexpr std::uint32_t kWireMagic = 0x53475253u;  // "SRGS" read as little-endian
inline constexpr std::uint32_t kWireVersion = 2;
// The payload of a stream on tag t travels on tag t + kPayloadTagOffset.
inline constexpr int kPayloadTagOffset = 1;
inline constexpr std::uint32_t kWireSnapshot = 0;
inline constexpr std::uint32_t kWireEnd = 1;
inline constexpr std::uint32_t kWireEndInterrupted = 2;
inline constexpr int kStopTagOffset = 2;
// Bounds that keep a corrupt header from asking for absurd allocations.
inline constexpr std::int32_t kMaxFields = 1024;
inline constexpr std::int32_t kMaxParameters = 1 << 16;
inline constexpr std::int32_t kMaxNameLength = 256;

struct WireHeader {
  std::uint32_t magic = kWireMagic;
  std::uint32_t version = kWireVersion;
  std::uint32_t kind = kWireSnapshot;
  std::int32_t dim = 1;
  std::int64_t simulation = 0;
  std::int64_t step = 0;
  // Position of this snapshot among all those handed to the sender, dropped ones included. The
  // ranks of a group hand over the same sequence of states, so equal serials mean equal states
  // and a rank whose later serial arrived has dropped the earlier ones.
  std::int64_t serial = 0;
  // Position of this message among the messages the sender handed to MPI (end marker: how many
  // there were), so that the trainer notices a lost or repeated message.
  std::int64_t sequence = 0;
  double time = 0;
  std::int32_t cells[3] = {1, 1, 1};
  std::int32_t offset[3] = {0, 0, 0};
  std::int32_t extent[3] = {1, 1, 1};
  std::int32_t parameter_count = 0;
  std::int32_t field_count = 0;
  std::int32_t names_bytes = 0;
  std::int64_t payload_count = 0;  // doubles
  double lower[3] = {0, 0, 0};
  double upper[3] = {1, 1, 1};
};
// No padding: every byte of a message is defined.
static_assert(sizeof(WireHeader) == 160, "WireHeader must have no padding");
static_assert(std::is_trivially_copyable<WireHeader>::value, "WireHeader is copied as bytes");

// A header message read back: the header plus decoded parameters and names.
struct WireMessage {
  WireHeader header;
  std::vector<double> parameters;
  std::vector<std::string> fields;
};

// What is wrong with `s` as a snapshot to send (sizes, names, block inside the grid), or "" if
// nothing. Not collective.
std::string snapshot_problem(const Snapshot& s);
// Size in bytes of the header message of `s`.
std::size_t header_size(const Snapshot& s);
// Writes the header message of `s` into `out` (resized); its payload is s.values. `s` must have
// no snapshot_problem. Not collective.
void pack_header(const Snapshot& s, std::int64_t serial, std::int64_t sequence,
                 std::vector<char>& out);
// An end-of-stream marker telling that `messages` snapshots were sent before it, and whether the
// sender stopped early (interrupted).
std::vector<char> pack_end(std::int64_t serial, std::int64_t messages, bool interrupted = false);
// Checks the `size` bytes of a header message at `data` against the wire format (magic,
// version, kind, sizes consistent with the header, block inside the global grid, names) and
// decodes them into `out`. Returns what is wrong, or "" if nothing. Not collective.
std::string unpack(const char* data, std::size_t size, WireMessage& out);

}  // namespace surge::stream
