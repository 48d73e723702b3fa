#include "parallel/comm.hpp"

#include <cstdlib>

namespace surge {

namespace {
std::shared_ptr<MPI_Comm> own(MPI_Comm c) {
  if (c == MPI_COMM_NULL) return nullptr;
  return std::shared_ptr<MPI_Comm>(new MPI_Comm(c), [](MPI_Comm* p) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && *p != MPI_COMM_NULL) MPI_Comm_free(p);
    delete p;
  });
}
}  // namespace

Comm Comm::borrow(MPI_Comm comm) {
  Comm c;
  c.comm_ = std::make_shared<MPI_Comm>(comm);
  return c;
}

int Comm::rank() const {
  int r = -1;
  if (!null()) MPI_Comm_rank(get(), &r);
  return r;
}

int Comm::size() const {
  int s = 0;
  if (!null()) MPI_Comm_size(get(), &s);
  return s;
}

Comm Comm::dup() const {
  MPI_Comm out;
  MPI_Comm_dup(get(), &out);
  Comm c;
  c.comm_ = own(out);
  return c;
}

Comm Comm::split(int color, int key) const {
  MPI_Comm out;
  MPI_Comm_split(get(), color < 0 ? MPI_UNDEFINED : color, key, &out);
  Comm c;
  c.comm_ = own(out);
  return c;
}

Comm Comm::split_shared() const {
  MPI_Comm out;
  MPI_Comm_split_type(get(), MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL, &out);
  Comm c;
  c.comm_ = own(out);
  return c;
}

void Comm::barrier() const {
  MPI_Barrier(get());
}

double Comm::allreduce_max(double v) const {
  double out;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, get());
  return out;
}
double Comm::allreduce_min(double v) const {
  double out;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MIN, get());
  return out;
}
double Comm::allreduce_sum(double v) const {
  double out;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_SUM, get());
  return out;
}
long long Comm::allreduce_sum(long long v) const {
  long long out;
  MPI_Allreduce(&v, &out, 1, MPI_LONG_LONG, MPI_SUM, get());
  return out;
}
int Comm::allreduce_max(int v) const {
  int out;
  MPI_Allreduce(&v, &out, 1, MPI_INT, MPI_MAX, get());
  return out;
}

void Comm::bcast(std::string& s, int root) const {
  long long n = static_cast<long long>(s.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, root, get());
  s.resize(static_cast<size_t>(n));
  if (n > 0) MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, root, get());
}

void Comm::bcast(int& v, int root) const {
  MPI_Bcast(&v, 1, MPI_INT, root, get());
}

std::vector<int> Comm::allgather(int v) const {
  std::vector<int> out(static_cast<size_t>(size()));
  MPI_Allgather(&v, 1, MPI_INT, out.data(), 1, MPI_INT, get());
  return out;
}

void Comm::abort(int status) const {
  MPI_Abort(get(), status);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace surge
