#include "trainer/device.hpp"

#include <ATen/Context.h>

#include "core/error.hpp"

namespace surge::trainer {

std::string device_problem(const std::string& setting) {
  if (setting == "cpu" || setting == "auto") return {};
  if (setting != "cuda") return "'" + setting + "' is not one of auto, cpu, cuda";
  if (!torch::cuda::is_available())
    return "cuda, but this rank sees no CUDA device (this LibTorch " +
           std::string(!at::globalContext().hasCUDART()
                           ? "is built without CUDA: build surge against a CUDA LibTorch with "
                             "-DCMAKE_PREFIX_PATH, docs/cluster.md"
                           : "has CUDA, but no GPU is visible: check the allocation's --gpus and "
                             "CUDA_VISIBLE_DEVICES") +
           ")";
  return {};
}

torch::Device trainer_device(const std::string& setting, int local_rank) {
  if (const std::string what = device_problem(setting); !what.empty())
    throw InputError("training.device: " + what);
  if (setting == "cpu" || !torch::cuda::is_available()) return torch::Device(torch::kCPU);
  const auto count = static_cast<int>(torch::cuda::device_count());
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % count));
}

}  // namespace surge::trainer
