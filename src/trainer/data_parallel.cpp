#include "trainer/data_parallel.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace surge::trainer {
namespace {

// What every rank must agree on before the one big collective: whether any rank found a problem
// with its own tensors, and the layout (tensor count, total size, buffer dtype).
struct Layout {
  long long problem = 0;  // 1 when this rank cannot take part (CUDA tensor, odd dtype, bad root)
  long long tensors = 0;
  long long size = 0;   // bytes (broadcast) or elements (allreduce)
  long long dtype = 0;  // 0 unless the buffer's dtype depends on the rank's tensors
};

// Collective: throws RuntimeError on every rank if any rank reported a problem or if the ranks'
// layouts differ. `what` names the caller in the message.
void agree_on_layout(const Comm& comm, const Layout& local, const std::string& local_problem,
                     const char* what) {
  // One allreduce of maxima: -x gives the minimum, so max == -max(-x) means all ranks agree.
  long long in[7] = {local.problem, local.tensors, -local.tensors, local.size,
                     -local.size,   local.dtype,   -local.dtype};
  long long out[7] = {};
  MPI_Allreduce(in, out, 7, MPI_LONG_LONG, MPI_MAX, comm.get());
  if (out[0] != 0) {
    throw RuntimeError(
        std::string(what) + ": " +
        (local.problem ? local_problem : std::string("another trainer rank failed")));
  }
  if (out[1] != -out[2] || out[3] != -out[4] || out[5] != -out[6]) {
    throw RuntimeError(std::string(what) +
                       ": the trainer ranks hold models of different structure (tensor count " +
                       std::to_string(-out[2]) + ".." + std::to_string(out[1]) + ", size " +
                       std::to_string(-out[4]) + ".." + std::to_string(out[3]) + ")");
  }
}

// Splits a collective over `count` items into calls of at most INT_MAX items (MPI counts are
// int); one call for any model that fits in 2^31 items.
template <class F>
void in_chunks(long long count, F&& f) {
  long long done = 0;
  do {
    const long long n = std::min<long long>(count - done, INT_MAX);
    f(done, static_cast<int>(n));
    done += n;
  } while (done < count);
}

std::string describe(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.device() << " " << t.scalar_type();
  return s.str();
}

}  // namespace

void broadcast_parameters(torch::nn::Module& m, const Comm& trainers, int root) {
  std::vector<torch::Tensor> tensors = m.parameters(/*recurse=*/true);
  for (auto& b : m.buffers(/*recurse=*/true)) tensors.push_back(b);

  Layout layout;
  std::string problem;
  if (root < 0 || root >= trainers.size()) {
    layout.problem = 1;
    problem = "root " + std::to_string(root) + " is not a rank of the " +
              std::to_string(trainers.size()) + " trainer ranks";
  }
  for (const auto& t : tensors) {
    if (!(t.device().is_cpu() || t.device().is_cuda()) || t.is_sparse()) {
      layout.problem = 1;
      problem = "only dense CPU or CUDA tensors are supported, got a " + describe(t) + " tensor";
    }
    layout.size += static_cast<long long>(t.numel()) * static_cast<long long>(t.element_size());
  }
  layout.tensors = static_cast<long long>(tensors.size());
  agree_on_layout(trainers, layout, problem, "broadcast_parameters");
  if (trainers.size() == 1 || layout.size == 0) return;

  // One flat byte buffer: exact for every dtype (parameters and buffers such as BatchNorm's
  // int64 counter alike).
  std::vector<char> buffer(static_cast<std::size_t>(layout.size));
  const bool is_root = trainers.rank() == root;
  if (is_root) {
    std::size_t at = 0;
    for (const auto& t : tensors) {
      const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();  // staged on the host
      const std::size_t bytes = static_cast<std::size_t>(c.numel()) * c.element_size();
      if (bytes) std::memcpy(buffer.data() + at, c.data_ptr(), bytes);
      at += bytes;
    }
  }
  in_chunks(layout.size, [&](long long offset, int n) {
    MPI_Bcast(buffer.data() + offset, n, MPI_BYTE, root, trainers.get());
  });
  if (is_root) return;

  torch::NoGradGuard no_grad;
  std::size_t at = 0;
  for (auto& t : tensors) {
    const std::size_t bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
    if (bytes) {
      const torch::Tensor src = torch::from_blob(buffer.data() + at, t.sizes(),
                                                 torch::TensorOptions().dtype(t.scalar_type()));
      t.copy_(src);
    }
    at += bytes;
  }
}

void average_gradients(torch::nn::Module& m, const Comm& trainers) {
  std::vector<torch::Tensor> params;
  for (auto& p : m.parameters(/*recurse=*/true)) {
    if (p.requires_grad()) params.push_back(p);
  }

  Layout layout;
  std::string problem;
  bool all_float = true;
  for (const auto& p : params) {
    const torch::Tensor& g = p.grad();
    // CPU or CUDA; a device's gradients are staged through the host buffer below.
    const bool dense = (p.device().is_cpu() || p.device().is_cuda()) &&
                       (!g.defined() || (g.device() == p.device() && !g.is_sparse()));
    if (!dense) {
      layout.problem = 1;
      problem = "only dense CPU or CUDA parameters with dense gradients on the same device are "
                "supported, got a " + describe(p) +
                " parameter" + (g.defined() ? " with a " + describe(g) + " gradient" : "");
    } else if (p.scalar_type() != torch::kFloat && p.scalar_type() != torch::kDouble) {
      layout.problem = 1;
      problem = "only float32 and float64 parameters are supported, got " + describe(p);
    }
    all_float = all_float && p.scalar_type() == torch::kFloat;
    layout.size += static_cast<long long>(p.numel());
  }
  layout.tensors = static_cast<long long>(params.size());
  layout.dtype = all_float ? 0 : 1;
  agree_on_layout(trainers, layout, problem, "average_gradients");
  if (params.empty()) return;

  // Flat buffer: every gradient (zeros where missing), then one "has a gradient" count per
  // parameter, so that a parameter without a gradient anywhere stays without one.
  const auto dtype = all_float ? torch::kFloat : torch::kDouble;
  const auto options = torch::TensorOptions().dtype(dtype);
  const long long grads = layout.size;
  const long long count = grads + layout.tensors;
  torch::Tensor buffer = torch::zeros({count}, options);
  {
    torch::NoGradGuard no_grad;
    long long at = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto& p = params[i];
      if (p.grad().defined()) {
        buffer.narrow(0, at, p.numel()).copy_(p.grad().reshape({-1}));
        buffer[grads + static_cast<long long>(i)] = 1;
      }
      at += p.numel();
    }
  }
  if (trainers.size() > 1) {
    const MPI_Datatype type = all_float ? MPI_FLOAT : MPI_DOUBLE;
    const std::size_t item = all_float ? sizeof(float) : sizeof(double);
    char* data = static_cast<char*>(buffer.data_ptr());
    in_chunks(count, [&](long long offset, int n) {
      MPI_Allreduce(MPI_IN_PLACE, data + offset * item, n, type, MPI_SUM, trainers.get());
    });
    buffer.narrow(0, 0, grads).div_(static_cast<double>(trainers.size()));
  }

  torch::NoGradGuard no_grad;
  long long at = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    const torch::Tensor mean = buffer.narrow(0, at, p.numel()).view(p.sizes());
    at += p.numel();
    if (p.grad().defined()) {
      p.mutable_grad().copy_(mean);
    } else if (buffer[grads + static_cast<long long>(i)].item<double>() > 0) {
      p.mutable_grad() = mean.to(p.device(), p.scalar_type()).clone();
    }
  }
}

}  // namespace surge::trainer
