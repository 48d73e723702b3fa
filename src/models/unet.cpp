#include "models/unet.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace surge::models {

namespace {

// Groups of the normalisation: 8 channels per group where the width allows, at least one.
int groups_for(int channels) {
  int g = std::max(1, channels / 8);
  while (channels % g != 0) --g;
  return g;
}

torch::nn::Conv2d conv3x3(int in, int out, const std::string& padding) {
  auto options = torch::nn::Conv2dOptions(in, out, 3).padding(1);
  if (padding == "circular")
    options.padding_mode(torch::kCircular);
  else if (padding == "replicate")
    options.padding_mode(torch::kReplicate);
  else
    options.padding_mode(torch::kZeros);
  return torch::nn::Conv2d(options);
}

}  // namespace

DoubleConvImpl::DoubleConvImpl(int in_channels, int out_channels, const std::string& padding) {
  conv1_ = register_module("conv1", conv3x3(in_channels, out_channels, padding));
  norm1_ = register_module("norm1", torch::nn::GroupNorm(groups_for(out_channels), out_channels));
  conv2_ = register_module("conv2", conv3x3(out_channels, out_channels, padding));
  norm2_ = register_module("norm2", torch::nn::GroupNorm(groups_for(out_channels), out_channels));
}

torch::Tensor DoubleConvImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = torch::gelu(norm1_->forward(conv1_->forward(x)));
  return torch::gelu(norm2_->forward(conv2_->forward(y)));
}

Unet2d::Unet2d(ModelShape shape, int levels, int width, const std::string& padding)
    : Model(std::move(shape)) {
  const std::vector<int>& grid = this->shape().grid;
  if (grid.size() != 2) {
    throw InputError("training.model.type: unet2d needs samples on a 2D grid, got " +
                     std::to_string(grid.size()) + " dimension(s)");
  }
  const int factor = 1 << (levels - 1);
  if (grid[0] % factor != 0 || grid[1] % factor != 0) {
    throw InputError("training.model.parameters.levels: " + std::to_string(levels) +
                     " levels halve the grid " + std::to_string(levels - 1) +
                     " times, so its sides must be multiples of " + std::to_string(factor) +
                     "; the training grid is " + std::to_string(grid[0]) + " x " +
                     std::to_string(grid[1]) + " (ny x nx)");
  }
  int in = this->shape().in_channels;
  for (int l = 0; l < levels; ++l) {
    const int channels = width << l;
    down_.push_back(
        register_module("down" + std::to_string(l), DoubleConv(in, channels, padding)));
    in = channels;
  }
  for (int l = levels - 2; l >= 0; --l) {
    const int channels = width << l;
    upsample_.push_back(register_module(
        "upsample" + std::to_string(l),
        torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(2 * channels, channels, 2)
                                       .stride(2))));
    up_.push_back(
        register_module("up" + std::to_string(l), DoubleConv(2 * channels, channels, padding)));
  }
  out_ = register_module(
      "out", torch::nn::Conv2d(torch::nn::Conv2dOptions(width, this->shape().out_channels, 1)));
}

torch::Tensor Unet2d::forward(torch::Tensor x) {
  std::vector<torch::Tensor> skips;
  for (std::size_t l = 0; l < down_.size(); ++l) {
    if (l > 0) x = torch::max_pool2d(x, 2);
    x = down_[l]->forward(x);
    skips.push_back(x);
  }
  for (std::size_t u = 0; u < up_.size(); ++u) {
    x = upsample_[u]->forward(x);
    x = up_[u]->forward(torch::cat({skips[skips.size() - 2 - u], x}, 1));
  }
  return out_->forward(x);
}

namespace unet2d {

config::Schema schema() {
  using config::Schema;
  return Schema::map("2D U-Net")
      .add("parameters",
           Schema::map("sizes of the network")
               .add("levels",
                    Schema::integer("resolutions, the grid halved between them; the training "
                                    "grid's sides must be multiples of 2^(levels-1)")
                        .min(1)
                        .defaults("4"))
               .add("width",
                    Schema::integer("channels at the finest level (doubled at each coarser one)")
                        .min(1)
                        .defaults("32"))
               .add("padding",
                    Schema::choice({"circular", "replicate", "zeros"},
                                   "padding of the 3x3 convolutions: `circular` for periodic "
                                   "boxes, `replicate` or `zeros` for walls and open sides")
                        .defaults("replicate")));
}

std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape) {
  const YAML::Node p = model_section["parameters"];
  return std::make_shared<Unet2d>(shape, p["levels"].as<int>(), p["width"].as<int>(),
                                  p["padding"].as<std::string>());
}

}  // namespace unet2d
}  // namespace surge::models
