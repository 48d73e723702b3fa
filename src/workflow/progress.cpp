#include "workflow/progress.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/log.hpp"

namespace surge {

namespace {
constexpr int kTag = 7101;

struct Fixed {
  int id;
  int ok;
  long long steps;
  long long cell_updates;
  double time;
};

std::vector<char> pack(const SimulationReport& r) {
  Fixed f{r.id, r.ok ? 1 : 0, r.steps, r.cell_updates, r.time};
  std::vector<char> b(sizeof f + r.message.size());
  std::memcpy(b.data(), &f, sizeof f);
  std::memcpy(b.data() + sizeof f, r.message.data(), r.message.size());
  return b;
}

SimulationReport unpack(const std::vector<char>& b) {
  Fixed f;
  std::memcpy(&f, b.data(), sizeof f);
  SimulationReport r;
  r.id = f.id;
  r.ok = f.ok != 0;
  r.steps = f.steps;
  r.cell_updates = f.cell_updates;
  r.time = f.time;
  r.message.assign(b.data() + sizeof f, b.size() - sizeof f);
  return r;
}

std::string seconds(double s) {
  char buf[32];
  if (s < 120)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 7200)
    std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}
}  // namespace

Progress::Progress(const Comm& comm, int total, double interval)
    : comm_(comm.dup()), total_(total), interval_(interval), start_(MPI_Wtime()) {
  last_print_ = start_;
}

void Progress::finished(const SimulationReport& r) {
  send_buffers_.push_back(pack(r));
  auto& b = send_buffers_.back();
  MPI_Request req;
  MPI_Isend(b.data(), static_cast<int>(b.size()), MPI_CHAR, 0, kTag, comm_.get(), &req);
  requests_.push_back(req);
}

void Progress::receive(bool wait) {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (wait) {
      MPI_Probe(MPI_ANY_SOURCE, kTag, comm_.get(), &st);
      flag = 1;
    } else {
      MPI_Iprobe(MPI_ANY_SOURCE, kTag, comm_.get(), &flag, &st);
    }
    if (!flag) return;
    int n = 0;
    MPI_Get_count(&st, MPI_CHAR, &n);
    std::vector<char> b(static_cast<std::size_t>(n));
    MPI_Recv(b.data(), n, MPI_CHAR, st.MPI_SOURCE, kTag, comm_.get(), MPI_STATUS_IGNORE);
    SimulationReport r = unpack(b);
    if (!r.ok) log::warn("simulation " + std::to_string(r.id) + " failed: " + r.message);
    received_.push_back(std::move(r));
    if (wait) return;
  }
}

void Progress::poll(int sim, double time, double t_end) {
  // Local ranks that are not rank 0 still complete their sends (Isend needs progress).
  if (!requests_.empty()) {
    int done = 0;
    MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE);
  }
  if (comm_.rank() != 0) return;
  current_sim_ = sim;
  current_time_ = time;
  current_end_ = t_end;
  receive(false);
  print(false);
}

void Progress::print(bool force) {
  const double now = MPI_Wtime();
  if (!force && interval_ > 0 && now - last_print_ < interval_) return;
  last_print_ = now;
  const double elapsed = now - start_;
  int done = static_cast<int>(received_.size());
  int failed = 0;
  long long updates = 0;
  for (const auto& r : received_) {
    failed += r.ok ? 0 : 1;
    updates += r.cell_updates;
  }
  const double current = current_sim_ >= 0 ? current_time_ / current_end_ : 0.0;
  const double progress = std::min<double>(total_, done + current);
  char line[256];
  std::snprintf(line, sizeof line, "[%9s] simulations %d/%d done", seconds(elapsed).c_str(), done,
                total_);
  std::string out = line;
  if (failed) out += " (" + std::to_string(failed) + " failed)";
  if (current_sim_ >= 0 && done < total_) {
    std::snprintf(line, sizeof line, "; rank 0 at simulation %d, t = %.4g of %.4g", current_sim_,
                  current_time_, current_end_);
    out += line;
  }
  if (updates > 0 && elapsed > 0) {
    std::snprintf(line, sizeof line, ", %.3g cell-updates/s", updates / elapsed);
    out += line;
  }
  if (progress > 0 && done < total_)
    out += ", ETA " + seconds(elapsed / progress * (total_ - progress));
  log::info(out);
}

std::vector<SimulationReport> Progress::finish() {
  if (comm_.rank() == 0) {
    while (static_cast<int>(received_.size()) < total_) {
      receive(true);
      if (interval_ == 0) print(true);
    }
    print(true);
  }
  if (!requests_.empty())
    MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
  // Share every report with every rank (the output file records all statuses collectively).
  std::vector<char> blob;
  if (comm_.rank() == 0) {
    std::sort(received_.begin(), received_.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& r : received_) {
      auto b = pack(r);
      int n = static_cast<int>(b.size());
      blob.insert(blob.end(), reinterpret_cast<char*>(&n), reinterpret_cast<char*>(&n) + sizeof n);
      blob.insert(blob.end(), b.begin(), b.end());
    }
  }
  std::string s(blob.begin(), blob.end());
  comm_.bcast(s, 0);
  std::vector<SimulationReport> all;
  for (std::size_t p = 0; p < s.size();) {
    int n;
    std::memcpy(&n, s.data() + p, sizeof n);
    p += sizeof n;
    all.push_back(unpack(
        std::vector<char>(s.begin() + static_cast<long>(p), s.begin() + static_cast<long>(p) + n)));
    p += static_cast<std::size_t>(n);
  }
  return all;
}

}  // namespace surge
