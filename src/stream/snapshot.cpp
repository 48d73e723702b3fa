#include "stream/snapshot.hpp"

#include <cmath>
#include <cstring>
#include <sstream>

namespace surge::stream {

namespace {

// Beyond any memory a trainer has; keeps products of corrupt extents from overflowing.
constexpr long long kMaxTotalCells = 1LL << 40;

std::string triple(const std::int32_t v[3], int dim) {
  std::ostringstream o;
  o << "(";
  for (int d = 0; d < dim; ++d) o << (d ? ", " : "") << v[d];
  o << ")";
  return o.str();
}

// Checks of the header alone: global shape, block inside it, counts. Shared by the sender
// (before packing) and the receiver (on arrival), so both sides agree on what is valid.
std::string header_problem(const WireHeader& h) {
  std::ostringstream o;
  if (h.dim < 1 || h.dim > 3) {
    o << "dimension " << h.dim << " is not 1, 2 or 3";
    return o.str();
  }
  long long total = 1, block = 1;
  for (int d = 0; d < 3; ++d) {
    const bool used = d < h.dim;
    if (h.cells[d] < 1 || (!used && h.cells[d] != 1)) {
      o << "global shape " << triple(h.cells, 3) << " is not " << h.dim
        << "-dimensional with at least one cell per direction";
      return o.str();
    }
    if (!used && (h.offset[d] != 0 || h.extent[d] != 1)) {
      o << "block offset " << triple(h.offset, 3) << ", extent " << triple(h.extent, 3)
        << " uses a direction beyond dimension " << h.dim;
      return o.str();
    }
    if (h.offset[d] < 0 || h.extent[d] < 1 ||
        static_cast<long long>(h.offset[d]) + h.extent[d] > h.cells[d]) {
      o << "block offset " << triple(h.offset, h.dim) << ", extent " << triple(h.extent, h.dim)
        << " is not inside the global grid of " << triple(h.cells, h.dim) << " cells";
      return o.str();
    }
    total *= h.cells[d];
    block *= h.extent[d];
    if (total > kMaxTotalCells) {
      o << "global shape " << triple(h.cells, h.dim) << " has more than 2^40 cells";
      return o.str();
    }
  }
  if (h.field_count < 1 || h.field_count > kMaxFields) {
    o << h.field_count << " fields (expected 1 to " << kMaxFields << ")";
    return o.str();
  }
  if (h.parameter_count < 0 || h.parameter_count > kMaxParameters) {
    o << h.parameter_count << " parameter values (expected 0 to " << kMaxParameters << ")";
    return o.str();
  }
  if (h.payload_count != block * h.field_count) {
    o << h.payload_count << " values for " << h.field_count << " field(s) on a block of " << block
      << " cells (expected " << block * h.field_count << ")";
    return o.str();
  }
  for (int d = 0; d < h.dim; ++d)
    if (!(std::isfinite(h.lower[d]) && std::isfinite(h.upper[d]) && h.lower[d] < h.upper[d])) {
      o << "grid bounds [" << h.lower[d] << ", " << h.upper[d] << "] in direction " << d
        << " are not an interval";
      return o.str();
    }
  if (!std::isfinite(h.time)) return "time is not finite";
  return {};
}

WireHeader header_of(const Snapshot& s) {
  WireHeader h;
  const Grid& g = s.meta.grid;
  h.dim = g.dim;
  h.simulation = s.meta.simulation;
  h.step = s.meta.step;
  h.time = s.meta.time;
  for (int d = 0; d < 3; ++d) {
    h.cells[d] = g.cells[d];
    h.offset[d] = s.block.offset[d];
    h.extent[d] = s.block.extent[d];
    h.lower[d] = g.lower[d];
    h.upper[d] = g.upper[d];
  }
  h.parameter_count = static_cast<std::int32_t>(s.meta.parameters.size());
  h.field_count = static_cast<std::int32_t>(s.meta.fields.size());
  long long names = 0;
  for (const auto& f : s.meta.fields) names += static_cast<long long>(4 + f.size());
  h.names_bytes = static_cast<std::int32_t>(names);
  h.payload_count = static_cast<std::int64_t>(s.values.size());
  return h;
}

}  // namespace

std::string snapshot_problem(const Snapshot& s) {
  if (s.meta.fields.size() > static_cast<std::size_t>(kMaxFields))
    return std::to_string(s.meta.fields.size()) + " fields (at most " + std::to_string(kMaxFields) +
           ")";
  if (s.meta.parameters.size() > static_cast<std::size_t>(kMaxParameters))
    return std::to_string(s.meta.parameters.size()) + " parameter values (at most " +
           std::to_string(kMaxParameters) + ")";
  for (const auto& f : s.meta.fields)
    if (f.empty() || f.size() > static_cast<std::size_t>(kMaxNameLength))
      return "field name '" + f + "' is empty or longer than " + std::to_string(kMaxNameLength) +
             " characters";
  return header_problem(header_of(s));
}

std::size_t header_size(const Snapshot& s) {
  const WireHeader h = header_of(s);
  return sizeof(WireHeader) + sizeof(double) * static_cast<std::size_t>(h.parameter_count) +
         static_cast<std::size_t>(h.names_bytes);
}

void pack_header(const Snapshot& s, std::int64_t serial, std::int64_t sequence,
                 std::vector<char>& out) {
  WireHeader h = header_of(s);
  h.serial = serial;
  h.sequence = sequence;
  out.resize(header_size(s));
  char* p = out.data();
  std::memcpy(p, &h, sizeof h);
  p += sizeof h;
  if (!s.meta.parameters.empty()) {
    std::memcpy(p, s.meta.parameters.data(), sizeof(double) * s.meta.parameters.size());
    p += sizeof(double) * s.meta.parameters.size();
  }
  for (const auto& f : s.meta.fields) {
    const auto n = static_cast<std::uint32_t>(f.size());
    std::memcpy(p, &n, sizeof n);
    p += sizeof n;
    std::memcpy(p, f.data(), f.size());
    p += f.size();
  }
}

std::vector<char> pack_end(std::int64_t serial, std::int64_t messages, bool interrupted) {
  WireHeader h;
  h.kind = interrupted ? kWireEndInterrupted : kWireEnd;
  h.serial = serial;
  h.sequence = messages;
  std::vector<char> out(sizeof h);
  std::memcpy(out.data(), &h, sizeof h);
  return out;
}

std::string unpack(const char* data, std::size_t size, WireMessage& out) {
  std::ostringstream o;
  if (size < sizeof(WireHeader)) {
    o << "truncated message of " << size << " bytes, shorter than the " << sizeof(WireHeader)
      << "-byte header";
    return o.str();
  }
  WireHeader& h = out.header;
  std::memcpy(&h, data, sizeof h);
  if (h.magic != kWireMagic) {
    o << "not a surge stream message (magic 0x" << std::hex << h.magic << ", expected 0x"
      << kWireMagic << ")";
    return o.str();
  }
  if (h.version != kWireVersion) {
    o << "wire format version " << h.version << ", this trainer reads version " << kWireVersion;
    return o.str();
  }
  if (h.kind == kWireEnd || h.kind == kWireEndInterrupted) {
    if (size != sizeof h) {
      o << "end-of-stream marker of " << size << " bytes (expected " << sizeof h << ")";
      return o.str();
    }
    out.parameters.clear();
    out.fields.clear();
    return {};
  }
  if (h.kind != kWireSnapshot) {
    o << "unknown message kind " << h.kind;
    return o.str();
  }
  if (std::string p = header_problem(h); !p.empty()) return p;
  if (h.names_bytes < 0) return "negative size of the field names";
  const std::size_t expected = sizeof h +
                               sizeof(double) * static_cast<std::size_t>(h.parameter_count) +
                               static_cast<std::size_t>(h.names_bytes);
  if (size != expected) {
    o << (size < expected ? "truncated header message: " : "oversized header message: ") << size
      << " bytes, the header announces " << expected;
    return o.str();
  }
  const char* p = data + sizeof h;
  out.parameters.resize(static_cast<std::size_t>(h.parameter_count));
  if (h.parameter_count > 0) {
    std::memcpy(out.parameters.data(), p, sizeof(double) * out.parameters.size());
    p += sizeof(double) * out.parameters.size();
  }
  const char* names_end = p + h.names_bytes;
  out.fields.clear();
  for (int f = 0; f < h.field_count; ++f) {
    std::uint32_t n = 0;
    if (names_end - p < static_cast<std::ptrdiff_t>(sizeof n))
      return "field names overrun their announced " + std::to_string(h.names_bytes) + " bytes";
    std::memcpy(&n, p, sizeof n);
    p += sizeof n;
    if (n == 0 || n > static_cast<std::uint32_t>(kMaxNameLength) ||
        names_end - p < static_cast<std::ptrdiff_t>(n)) {
      o << "field name " << f << " has a bad length " << n;
      return o.str();
    }
    out.fields.emplace_back(p, n);
    p += n;
  }
  if (p != names_end)
    return "field names take fewer bytes than the announced " + std::to_string(h.names_bytes);
  return {};
}

}  // namespace surge::stream
