// bench_stream: bandwidth of the solver -> trainer snapshot stream on one node, beside a plain
// MPI ping-pong measured in the same run (figures for docs/benchmarks.md; scripts/bench.sh
// runs it and rebuilds the table from its records).
//
//   mpirun -np 2 bench_stream [--runs N] [--reps R] [--stream-mib M] [--sizes K1,K2,...]
//                             [--max-in-flight F]
//
// Exactly 2 ranks: rank 0 is a solver with a stream::Sender, rank 1 its trainer with a
// stream::Receiver for the single solver group {0}. For each snapshot payload size (KiB,
// default 64 KiB to 64 MiB; a 1D grid of size/8 cells, one field, three parameters), N times
// (default 5) in turn:
//   ping-pong  MPI_Send/MPI_Recv of the payload's bytes back and forth: 2 warm-up round trips,
//              then R (default 5) timed repetitions of `roundtrips` round trips (enough for
//              8 MiB each way); one-way bandwidth = bytes / (round trip / 2). Twice: with plain
//              heap buffers (the peer of the goal: what an application calling MPI itself
//              would get) and with buffers on transparent huge pages (the stream's own buffers
//              are advised onto them, see src/stream; this shows how much of the stream's
//              figure the page size alone explains).
//   stream     a fresh Sender/Receiver pair (default options unless --max-in-flight: 4 in
//              flight, backpressure block) streams `warmup` untimed snapshots (the buffers
//              reach their steady size), then, after a barrier, `messages` snapshots (at least
//              M MiB, default 256, and 20 messages) with Sender::send and finish(); rank 1
//              takes samples with Receiver::next() until it returns nothing and checks the
//              step and the first and last value of each. Bandwidth = payload bytes / time on
//              rank 1 from the barrier to the last sample assembled.
// The best ping-pong repetition and the best stream run are compared (the median stream run
// is printed too). Interleaving them run by run lets both see the same load of a shared
// machine. Rank 0 prints a header, one `key=value` record per measurement and the table.
//
// Only bench/ and apps/ mains name MPI_COMM_WORLD.
#include <mpi.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "parallel/comm.hpp"
#include "stream/options.hpp"
#include "stream/receiver.hpp"
#include "stream/sender.hpp"
#include "stream/snapshot.hpp"

namespace {

namespace stream = surge::stream;

constexpr double kGoal = 0.80;
constexpr long long kKiB = 1024;
constexpr long long kMiB = 1024 * 1024;
// Bytes each way per timed ping-pong repetition: small messages need many round trips to rise
// above the timer's resolution and the scatter of a single one.
constexpr long long kPingPongBytes = 8 * kMiB;
// A stream run has at least this many timed messages, so that the pipeline's fill and drain
// (max_in_flight messages) weigh little.
constexpr long long kMinMessages = 20;

struct Options {
  int runs = 5;
  int reps = 5;
  long long stream_bytes = 256 * kMiB;
  int max_in_flight = stream::StreamOptions{}.max_in_flight;
  std::vector<long long> sizes = {64 * kKiB, 256 * kKiB, 1 * kMiB, 4 * kMiB, 16 * kMiB, 64 * kMiB};
};

struct Result {
  long long bytes = 0;
  long long message_bytes = 0;
  int roundtrips = 0;
  long long messages = 0;
  int warmup = 0;
  std::vector<double> pingpong_s;       // one-way seconds, every repetition of every run
  std::vector<double> huge_pingpong_s;  // the same on huge-page buffers
  std::vector<double> stream_s;         // rank 1's seconds, every run
  double send_s = 0;                    // rank 0, best run: time inside send() and finish()
  double blocked_s = 0;                 // rank 0, best run: of which waiting for sends to complete
};

std::string size_name(long long bytes) {
  std::ostringstream o;
  if (bytes % kMiB == 0)
    o << bytes / kMiB << " MiB";
  else
    o << bytes / kKiB << " KiB";
  return o.str();
}

double best(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double gbps(long long bytes, double seconds) {
  return static_cast<double>(bytes) / seconds / 1e9;
}

std::string first_line_of(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, prefix.size(), prefix) == 0) return line;
  return {};
}

std::string now_and_load() {
  char stamp[64];
  const std::time_t t = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  std::string load = first_line_of("/proc/loadavg", "");
  // The first three fields: the 1, 5 and 15 minute averages.
  std::istringstream in(load);
  std::string a, b, c;
  in >> a >> b >> c;
  return std::string(stamp) + ", load average " + a + " " + b + " " + c;
}

void print_header(const Options& o) {
  std::string cpu = first_line_of("/proc/cpuinfo", "model name");
  if (auto colon = cpu.find(": "); colon != std::string::npos) cpu = cpu.substr(colon + 2);
  utsname u{};
  uname(&u);
  char library[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(library, &length);
  std::string mpi(library, static_cast<std::size_t>(length));
  if (auto comma = mpi.find(','); comma != std::string::npos) mpi = mpi.substr(0, comma);
  std::printf(
      "# bench_stream: rank 0 (stream::Sender) -> rank 1 (stream::Receiver, group {0}),"
      " beside an MPI_Send/MPI_Recv ping-pong\n");
  std::printf("# machine: %ld cores, %s; %s %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu.c_str(),
              u.sysname, u.release);
  std::printf("# MPI: %s\n", mpi.c_str());
  std::printf(
      "# runs per size %d (ping-pong, huge-page ping-pong and stream in turn), ping-pong "
      "repetitions per run %d, stream >= %lld MiB and >= %lld messages per run, max_in_flight "
      "%d, backpressure block\n",
      o.runs, o.reps, o.stream_bytes / kMiB, kMinMessages, o.max_in_flight);
  std::printf("# started %s\n", now_and_load().c_str());
  std::fflush(stdout);
}

// The snapshot rank 0 streams: a 1D grid of bytes / 8 cells, one field, three parameters.
stream::Snapshot make_snapshot(long long bytes) {
  stream::Snapshot s;
  const long long n = bytes / static_cast<long long>(sizeof(double));
  s.meta.simulation = 0;
  s.meta.parameters = {0.5, 1.0, 2.0};
  s.meta.fields = {"u"};
  s.meta.grid.dim = 1;
  s.meta.grid.cells = {static_cast<int>(n), 1, 1};
  s.block.extent = {static_cast<int>(n), 1, 1};
  s.values.resize(static_cast<std::size_t>(n));
  for (long long i = 0; i < n; ++i) s.values[static_cast<std::size_t>(i)] = 1e-3 * i;
  return s;
}

// A ping-pong buffer of `bytes` bytes, written once: plain heap memory, or memory advised onto
// transparent huge pages before its first touch, as src/stream does with its buffers.
class Buffer {
 public:
  Buffer(std::size_t bytes, bool huge) : bytes_(bytes) {
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    if (huge) {
      const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
      p_.reset(static_cast<char*>(std::aligned_alloc(kHuge, rounded)));
      if (p_) madvise(p_.get(), rounded, MADV_HUGEPAGE);
    } else {
      p_.reset(static_cast<char*>(std::malloc(bytes)));
    }
    if (!p_) throw std::runtime_error("out of memory for a ping-pong buffer");
    std::memset(p_.get(), 1, bytes);
  }
  char* data() const { return p_.get(); }
  int count() const { return static_cast<int>(bytes_); }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::size_t bytes_;
  std::unique_ptr<char, Free> p_;
};

// One-way seconds of `reps` repetitions of `roundtrips` round trips (rank 0's clock), appended
// to `out` on rank 0.
void pingpong(const surge::Comm& comm, const Buffer& buffer, int roundtrips, int reps,
              std::vector<double>& out) {
  const int peer = 1 - comm.rank();
  const auto trip = [&] {
    if (comm.rank() == 0) {
      MPI_Send(buffer.data(), buffer.count(), MPI_BYTE, peer, 0, comm.get());
      MPI_Recv(buffer.data(), buffer.count(), MPI_BYTE, peer, 0, comm.get(), MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(buffer.data(), buffer.count(), MPI_BYTE, peer, 0, comm.get(), MPI_STATUS_IGNORE);
      MPI_Send(buffer.data(), buffer.count(), MPI_BYTE, peer, 0, comm.get());
    }
  };
  for (int w = 0; w < 2; ++w) trip();
  for (int r = 0; r < reps; ++r) {
    comm.barrier();
    const double t0 = MPI_Wtime();
    for (int k = 0; k < roundtrips; ++k) trip();
    const double t = MPI_Wtime() - t0;
    if (comm.rank() == 0) out.push_back(t / roundtrips / 2);
  }
}

struct StreamRun {
  double seconds = 0;    // rank 1: barrier to last sample assembled
  double send_s = 0;     // rank 0: inside send() and finish()
  double blocked_s = 0;  // rank 0: of which waiting for sends (SenderStats::blocked_seconds)
};

// One stream run: `warmup` untimed snapshots, a barrier, `messages` timed ones and finish().
// `s` is make_snapshot(bytes) on rank 0 and empty on rank 1.
StreamRun stream_run(const surge::Comm& world, const stream::StreamOptions& options,
                     stream::Snapshot& s, long long bytes, int warmup, long long messages) {
  const surge::Comm comm = world.dup();  // its own context: no match with other traffic
  const long long cells = bytes / static_cast<long long>(sizeof(double));
  const auto n = static_cast<std::size_t>(cells);
  const double last_value = 1e-3 * (cells - 1);  // as make_snapshot() writes it
  StreamRun run;
  if (comm.rank() == 0) {
    stream::Sender sender(comm, 1, options);
    sender.reserve(n);  // as surge run does
    long long step = 0;
    const auto send_next = [&] {
      // As a solver does (src/workflow/run.cpp): the snapshot is written into storage the
      // sender gives back once an earlier send has completed, and handed over without a copy.
      // Only its first and last values are written (the solver's own copy of its state into
      // the snapshot is not timed: no ping-pong peer has it).
      stream::Snapshot next{s.meta, s.block, sender.recycled_values()};
      if (next.values.size() != n) throw std::runtime_error("stream sender storage ran out");
      next.meta.step = step;
      next.meta.time = 1e-3 * static_cast<double>(step);
      next.values[0] = static_cast<double>(step);  // tells rank 1 which state it holds
      next.values.back() = last_value;
      sender.send(std::move(next));
      ++step;
    };
    for (int w = 0; w < warmup; ++w) send_next();
    sender.flush();
    const double blocked0 = sender.stats().blocked_seconds;
    comm.barrier();
    const double t0 = MPI_Wtime();
    for (long long k = 0; k < messages; ++k) send_next();
    sender.finish();
    run.send_s = MPI_Wtime() - t0;
    run.blocked_s = sender.stats().blocked_seconds - blocked0;
  } else {
    stream::Receiver receiver(comm, {{0}});
    long long expected = 0;
    double t0 = 0, last = 0;
    const auto take = [&](const stream::Sample& sample) {
      // Touch the data where a wrong or stale state would show: first and last value, step.
      if (sample.meta.step != expected || sample.values.size() != n ||
          sample.values[0] != static_cast<double>(expected) || sample.values.back() != last_value)
        throw std::runtime_error("stream sample " + std::to_string(expected) +
                                 " arrived wrong (step " + std::to_string(sample.meta.step) + ")");
      ++expected;
    };
    for (int w = 0; w < warmup; ++w) {
      std::optional<stream::Sample> sample = receiver.next();
      if (!sample) throw std::runtime_error("stream ended during the warm-up");
      take(*sample);
    }
    comm.barrier();
    t0 = MPI_Wtime();
    while (std::optional<stream::Sample> sample = receiver.next()) {
      take(*sample);
      // As the trainer does once it has made its pairs: the storage serves the next sample.
      receiver.recycle(std::move(sample->values));
      last = MPI_Wtime();
    }
    if (expected != warmup + messages)
      throw std::runtime_error("stream delivered " + std::to_string(expected) + " samples, " +
                               std::to_string(warmup + messages) + " were sent");
    run.seconds = last - t0;
  }
  // Rank 1's time and rank 0's breakdown, on both ranks.
  run.seconds = comm.allreduce_max(run.seconds);
  run.send_s = comm.allreduce_max(run.send_s);
  run.blocked_s = comm.allreduce_max(run.blocked_s);
  return run;
}

Result measure(const surge::Comm& world, const Options& o, long long bytes) {
  Result r;
  r.bytes = bytes;
  r.roundtrips = static_cast<int>(std::max(1LL, kPingPongBytes / bytes));
  r.messages = std::max(kMinMessages, (o.stream_bytes + bytes - 1) / bytes);
  stream::StreamOptions options;
  options.max_in_flight = o.max_in_flight;
  r.warmup = o.max_in_flight + 2;
  stream::Snapshot s;
  if (world.rank() == 0) {
    s = make_snapshot(bytes);
    r.message_bytes =
        static_cast<long long>(stream::header_size(s) + sizeof(double) * s.values.size());
  }
  const Buffer plain(static_cast<std::size_t>(bytes), false);
  const Buffer huge(static_cast<std::size_t>(bytes), true);
  double best_run = 0;
  for (int run = 0; run < o.runs; ++run) {
    pingpong(world, plain, r.roundtrips, o.reps, r.pingpong_s);
    pingpong(world, huge, r.roundtrips, o.reps, r.huge_pingpong_s);
    const StreamRun sr = stream_run(world, options, s, bytes, r.warmup, r.messages);
    r.stream_s.push_back(sr.seconds);
    if (run == 0 || sr.seconds < best_run) {
      best_run = sr.seconds;
      r.send_s = sr.send_s;
      r.blocked_s = sr.blocked_s;
    }
  }
  return r;
}

// Best bandwidths of a result, GB/s.
struct Figures {
  double pingpong, huge_pingpong, stream, stream_median;
};

Figures figures(const Result& r) {
  const long long payload = r.bytes * r.messages;
  return {gbps(r.bytes, best(r.pingpong_s)), gbps(r.bytes, best(r.huge_pingpong_s)),
          gbps(payload, best(r.stream_s)), gbps(payload, median(r.stream_s))};
}

void print_record(const Result& r, int max_in_flight) {
  const Figures f = figures(r);
  std::printf(
      "pingpong bytes=%lld roundtrips=%d reps=%zu best_oneway_s=%.6e median_oneway_s=%.6e "
      "gbps=%.4f huge_best_oneway_s=%.6e huge_median_oneway_s=%.6e huge_gbps=%.4f\n",
      r.bytes, r.roundtrips, r.pingpong_s.size(), best(r.pingpong_s), median(r.pingpong_s),
      f.pingpong, best(r.huge_pingpong_s), median(r.huge_pingpong_s), f.huge_pingpong);
  std::printf(
      "stream bytes=%lld message_bytes=%lld messages=%lld warmup=%d runs=%zu max_in_flight=%d "
      "best_s=%.6f median_s=%.6f gbps=%.4f median_gbps=%.4f send_s=%.6f blocked_s=%.6f "
      "pingpong_gbps=%.4f huge_pingpong_gbps=%.4f ratio=%.4f huge_ratio=%.4f\n",
      r.bytes, r.message_bytes, r.messages, r.warmup, r.stream_s.size(), max_in_flight,
      best(r.stream_s), median(r.stream_s), f.stream, f.stream_median, r.send_s, r.blocked_s,
      f.pingpong, f.huge_pingpong, f.stream / f.pingpong, f.stream / f.huge_pingpong);
  std::fflush(stdout);
}

void print_table(const std::vector<Result>& results) {
  // The same table as scripts/bench.sh builds from the records (its section 5).
  std::printf(
      "\n| payload | ping-pong round trips x reps | stream messages x runs | ping-pong GB/s "
      "| ping-pong, huge pages, GB/s | stream GB/s (best) | stream GB/s (median) "
      "| stream / ping-pong | stream / huge-page ping-pong | goal: stream / ping-pong >= %.2f "
      "|\n",
      kGoal);
  std::printf(
      "|--------:|-----------------------------:|-----------------------:|---------------:"
      "|----------------------------:|-------------------:|---------------------:"
      "|-------------------:|-----------------------------:|----------------------------------|"
      "\n");
  bool all = true, all_huge = true;
  for (const Result& r : results) {
    const Figures f = figures(r);
    const bool met = f.stream / f.pingpong >= kGoal;
    all = all && met;
    all_huge = all_huge && f.stream / f.huge_pingpong >= kGoal;
    std::printf("| %s | %d x %zu | %lld x %zu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n",
                size_name(r.bytes).c_str(), r.roundtrips, r.pingpong_s.size(), r.messages,
                r.stream_s.size(), f.pingpong, f.huge_pingpong, f.stream, f.stream_median,
                f.stream / f.pingpong, f.stream / f.huge_pingpong, met ? "PASS" : "MISS");
  }
  std::printf(
      "\ngoal: stream at least %.0f%% of the plain ping-pong's one-way bandwidth at every size: "
      "%s (against the huge-page ping-pong: %s)\n",
      100 * kGoal, all ? "PASS" : "MISS", all_huge ? "PASS" : "MISS");
}

std::vector<long long> parse_sizes(const std::string& s) {
  std::vector<long long> v;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const long long kib = std::stoll(item);
    // Whole doubles, and a grid size that fits the wire format's 32-bit cell counts.
    if (kib < 1 || kib > 1024 * kKiB) throw std::invalid_argument("--sizes: 1 to 1048576 KiB");
    v.push_back(kib * kKiB);
  }
  if (v.empty()) throw std::invalid_argument("empty list '" + s + "'");
  return v;
}

int run(const surge::Comm& world, int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--runs")
      o.runs = std::stoi(v);
    else if (a == "--reps")
      o.reps = std::stoi(v);
    else if (a == "--stream-mib")
      o.stream_bytes = std::stoll(v) * kMiB;
    else if (a == "--sizes")
      o.sizes = parse_sizes(v);
    else if (a == "--max-in-flight")
      o.max_in_flight = std::stoi(v);
    else
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.runs < 1 || o.reps < 1 || o.stream_bytes < 1 || o.max_in_flight < 1)
    throw std::invalid_argument("--runs, --reps, --stream-mib and --max-in-flight must be >= 1");
  if (world.size() != 2) {
    if (world.rank() == 0)
      std::fprintf(stderr,
                   "bench_stream: needs exactly 2 MPI ranks (rank 0 the solver, rank 1 the "
                   "trainer), got %d: run `mpirun -np 2 bench_stream`\n",
                   world.size());
    return 2;
  }
  surge::bench::command_line_done();
  if (world.rank() == 0) print_header(o);
  std::vector<Result> results;
  for (long long bytes : o.sizes) {
    results.push_back(measure(world, o, bytes));
    if (world.rank() == 0) print_record(results.back(), o.max_in_flight);
  }
  if (world.rank() == 0) {
    std::printf("# finished %s\n", now_and_load().c_str());
    print_table(results);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const surge::Comm world = surge::Comm::borrow(MPI_COMM_WORLD);
  int status = 0;
  try {
    status = run(world, argc, argv);
  } catch (const std::exception& e) {
    status = surge::bench::failed("bench_stream", world.rank(), e);
  }
  MPI_Finalize();
  return status;
}
