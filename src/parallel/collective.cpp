#include "parallel/collective.hpp"

namespace surge {

void agree_on_problem(const Comm& comm, const std::string& problem) {
  const int mine = problem.empty() ? comm.size() : comm.rank();
  int first = mine;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm.get());
  if (first == comm.size()) return;
  std::string message = problem;
  comm.bcast(message, first);
  throw InputError(message);
}

}  // namespace surge
