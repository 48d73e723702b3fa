#pragma once
// `unet2d`: a U-Net (Ronneberger et al. 2015) on 2D fields, as in PDE surrogate studies (e.g.
// PDEArena, Gupta and Brandstetter 2022): at each of `levels` resolutions two 3x3 convolutions
// with group normalisation and GELU; 2x2 max pooling between levels on the way down, 2x2
// transposed convolutions on the way up, each level's features concatenated to the upsampled
// ones; a final 1x1 convolution to the output channels. Tied to grids whose sides divide by
// 2^(levels-1). The convolutions' padding is configurable: `circular` for periodic boxes,
// `replicate` or `zeros` otherwise.
#include <string>
#include <vector>

#include "models/model.hpp"

namespace surge::models {

// Two (3x3 convolution, group normalisation, GELU) in a row.
class DoubleConvImpl : public torch::nn::Module {
 public:
  DoubleConvImpl(int in_channels, int out_channels, const std::string& padding);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
};
TORCH_MODULE(DoubleConv);

class Unet2d : public Model {
 public:
  // Level l has width * 2^l channels. Throws InputError naming
  // training.model.parameters.levels when the grid does not divide by 2^(levels-1).
  Unet2d(ModelShape shape, int levels, int width, const std::string& padding);
  // x: [batch, in_channels, ny, nx] with ny and nx multiples of 2^(levels-1).
  torch::Tensor forward(torch::Tensor x) override;

 private:
  std::vector<DoubleConv> down_;
  std::vector<torch::nn::ConvTranspose2d> upsample_;
  std::vector<DoubleConv> up_;
  torch::nn::Conv2d out_{nullptr};
};

namespace unet2d {
config::Schema schema();
std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape);
}  // namespace unet2d

}  // namespace surge::models
