#pragma once
// Comm: an owning or borrowing handle on an MPI communicator.
//
// Everything parallel in surge takes a Comm handed in by its caller; only the mains in apps/
// (and tests) name the world communicator. Communicators created by split()/dup() are freed
// when the last copy of the handle goes away.
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

namespace surge {

class Comm {
 public:
  // Borrows `comm` (does not free it). Not collective.
  static Comm borrow(MPI_Comm comm);
  Comm() = default;  // MPI_COMM_NULL

  MPI_Comm get() const { return comm_ ? *comm_ : MPI_COMM_NULL; }
  bool null() const { return get() == MPI_COMM_NULL; }
  int rank() const;
  int size() const;

  // Collective: a duplicate with its own context (message tags cannot collide).
  Comm dup() const;
  // Collective: MPI_Comm_split; color < 0 gives a null Comm on that rank.
  Comm split(int color, int key) const;
  // Collective: ranks sharing memory (one node), via MPI_Comm_split_type.
  Comm split_shared() const;

  // Collective helpers over this communicator.
  void barrier() const;
  double allreduce_max(double v) const;
  double allreduce_min(double v) const;
  double allreduce_sum(double v) const;
  long long allreduce_sum(long long v) const;
  int allreduce_max(int v) const;
  // Broadcasts a string from `root` (size first, then bytes).
  void bcast(std::string& s, int root) const;
  void bcast(int& v, int root) const;
  std::vector<int> allgather(int v) const;
  // Not collective: ends every process of this communicator's job (MPI_Abort). For failures
  // seen by some ranks only, where the others may wait forever in a collective.
  [[noreturn]] void abort(int status) const;

 private:
  std::shared_ptr<MPI_Comm> comm_;
};

}  // namespace surge
