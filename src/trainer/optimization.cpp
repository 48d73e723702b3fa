#include "trainer/optimization.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace surge::trainer {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::string text(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// An InputError for a `type` outside `available`, for sections that did not go through
// config::resolve (which rejects them with the same suggestion).
[[noreturn]] void unknown_type(const std::string& section, const std::string& what,
                               const std::string& name, const std::vector<std::string>& available) {
  std::ostringstream m;
  m << section << ".type: unknown " << what << " '" << name << "'";
  if (const auto near = config::closest(name, available)) m << " (did you mean '" << *near << "'?)";
  m << "; available:";
  for (const auto& a : available) m << " " << a;
  throw InputError(m.str());
}

std::string type_of(const YAML::Node& section) {
  const YAML::Node type = section["type"];
  return type && type.IsScalar() ? type.Scalar() : std::string();
}

}  // namespace

// ---------------------------------------------------------------- loss

config::Schema loss_schema() {
  using config::Schema;
  auto no_parameters = [](const std::string& doc) {
    return Schema::map(doc).add("parameters",
                                Schema::map("none: this loss has no parameters").defaults("{}"));
  };
  return Schema::typed(
      {{"mse", no_parameters("mean squared error over all points, channels and samples")},
       {"relative_l2",
        no_parameters("mean over the samples of ||prediction - target|| / ||target|| (2-norms "
                      "over the whole field of a sample): every sample counts the same whatever "
                      "its amplitude")}},
      "the loss minimised by the trainer");
}

Loss loss_from_config(const YAML::Node& resolved_loss_section) {
  const std::string name = type_of(resolved_loss_section);
  if (name == "mse") return Loss::Mse;
  if (name == "relative_l2") return Loss::RelativeL2;
  unknown_type("training.loss", "loss", name, {"mse", "relative_l2"});
}

torch::Tensor loss_value(Loss loss, const torch::Tensor& prediction, const torch::Tensor& target) {
  // torch::mse_loss would broadcast mismatched shapes with only a warning; a shape mismatch here
  // is a bug of the caller, not something to average over.
  if (prediction.sizes() != target.sizes() || prediction.dim() == 0 || prediction.size(0) == 0) {
    std::ostringstream m;
    m << "loss_value: prediction " << prediction.sizes() << " and target " << target.sizes()
      << " must have the same shape [batch, ...] with at least one sample";
    throw RuntimeError(m.str());
  }
  if (loss == Loss::Mse) return torch::mse_loss(prediction, target);
  const std::int64_t batch = prediction.size(0);
  const torch::Tensor error = (prediction - target).reshape({batch, -1}).norm(2, {1});
  const torch::Tensor scale = target.reshape({batch, -1}).norm(2, {1}).clamp_min(1e-12);
  return (error / scale).mean();
}

// ---------------------------------------------------------------- schemas

namespace {

config::Schema learning_rate(const std::string& lr) {
  return config::Schema::real("base learning rate (the schedule scales it)")
      .min(0, /*open=*/true)
      .defaults(lr);
}

// Appends the keys every optimizer ends with to its `parameters` map.
config::Schema with_decay_and_clipping(config::Schema parameters, const std::string& weight_decay,
                                       const std::string& decay_doc) {
  using config::Schema;
  parameters.add("weight_decay", Schema::real(decay_doc).min(0).defaults(weight_decay))
      .add("max_grad_norm",
           Schema::real("clip the global 2-norm of the gradient (all parameters together) to this "
                        "value before every step; 0: no clipping")
               .min(0)
               .defaults("0"));
  return parameters;
}

config::Schema adam_body(const std::string& doc, const std::string& weight_decay,
                         const std::string& decay_doc) {
  using config::Schema;
  Schema parameters =
      Schema::map("settings of the optimizer")
          .add("lr", learning_rate("1e-3"))
          .add("betas",
               Schema::list(Schema::real("decay rate").min(0).max(1, /*open=*/true),
                            "decay rates of the running means of the gradient and of its square")
                   .length(2, 2)
                   .defaults("[0.9, 0.999]"))
          .add("eps", Schema::real("added to the denominator for numerical stability")
                          .min(0, /*open=*/true)
                          .defaults("1e-8"));
  return Schema::map(doc).add("parameters",
                              with_decay_and_clipping(parameters, weight_decay, decay_doc));
}

config::Schema with_warmup(config::Schema parameters) {
  parameters.add("warmup_steps",
                 config::Schema::integer("steps of linear warmup: step s < warmup_steps uses lr * "
                                         "(s + 1) / warmup_steps; 0: none")
                     .min(0)
                     .defaults("0"));
  return parameters;
}

}  // namespace

config::Schema optimizer_schema() {
  using config::Schema;
  Schema sgd_parameters =
      Schema::map("settings of the optimizer")
          .add("lr", learning_rate("1e-2"))
          .add("momentum",
               Schema::real("momentum factor; 0: plain gradient descent").min(0).defaults("0"))
          .add("nesterov",
               Schema::boolean("Nesterov momentum (needs momentum > 0)").defaults("false"));
  return Schema::typed(
      {{"adam", adam_body("Adam (Kingma & Ba 2015), as torch.optim.Adam", "0",
                          "L2 penalty: weight_decay * parameter added to the gradient before the "
                          "moments (torch.optim.Adam semantics)")},
       {"adamw", adam_body("AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW", "0.01",
                           "decoupled weight decay: every step multiplies the parameters by "
                           "1 - lr * weight_decay (torch.optim.AdamW semantics)")},
       {"sgd",
        Schema::map("stochastic gradient descent, optionally with momentum")
            .add("parameters", with_decay_and_clipping(
                                   sgd_parameters, "0",
                                   "L2 penalty: weight_decay * parameter added to the gradient"))}},
      "the optimizer of the surrogate's parameters");
}

config::Schema lr_scheduler_schema() {
  using config::Schema;
  Schema constant = Schema::map("the optimizer's lr after the warmup")
                        .add("parameters", with_warmup(Schema::map("settings of the schedule")));
  Schema step =
      Schema::map("after the warmup, lr * gamma^floor((s - warmup_steps) / step_size) at step s")
          .add("parameters",
               with_warmup(Schema::map("settings of the schedule"))
                   .add("step_size",
                        Schema::integer("steps between two decays").min(1).defaults("1000"))
                   .add("gamma", Schema::real("factor applied at every decay")
                                     .min(0, /*open=*/true)
                                     .max(1)
                                     .defaults("0.5")));
  Schema cosine =
      Schema::map("after the warmup, half a cosine from lr down to min_lr, reached at step `steps`")
          .add(
              "parameters",
              with_warmup(Schema::map("settings of the schedule"))
                  .add("steps",
                       Schema::integer(
                           "step at which the schedule reaches min_lr (warmup "
                           "included); 0: the total number of training steps (training.max_steps)")
                           .min(0)
                           .defaults("0"))
                  .add(
                      "min_lr",
                      Schema::real("learning rate at the end of the cosine").min(0).defaults("0")));
  return Schema::typed({{"constant", constant}, {"step", step}, {"cosine", cosine}},
                       "how the learning rate changes over the optimizer steps");
}

// ---------------------------------------------------------------- schedule

LrSchedule::LrSchedule(const YAML::Node& resolved_scheduler_section, double base_lr,
                       long long total_steps)
    : base_lr_(base_lr) {
  if (total_steps < 0) {
    throw RuntimeError("LrSchedule: total_steps must be >= 0 (0: unknown), got " +
                       std::to_string(total_steps));
  }
  const std::string name = type_of(resolved_scheduler_section);
  const YAML::Node p = resolved_scheduler_section["parameters"];
  if (name == "constant") {
    type_ = Type::Constant;
  } else if (name == "step") {
    type_ = Type::Step;
    step_size_ = p["step_size"].as<long long>();
    gamma_ = p["gamma"].as<double>();
  } else if (name == "cosine") {
    type_ = Type::Cosine;
    min_lr_ = p["min_lr"].as<double>();
    horizon_ = p["steps"].as<long long>();
    if (horizon_ == 0) horizon_ = total_steps;
  } else {
    unknown_type("training.lr_scheduler", "learning-rate schedule", name,
                 {"constant", "step", "cosine"});
  }
  warmup_ = p["warmup_steps"].as<long long>();

  if (type_ == Type::Cosine) {
    if (horizon_ == 0) {
      throw InputError(
          "training.lr_scheduler.parameters.steps: a cosine schedule needs the number of steps "
          "over which it decays, and the total number of training steps is not known; set "
          "training.lr_scheduler.parameters.steps or training.max_steps");
    }
    if (warmup_ >= horizon_) {
      throw InputError("training.lr_scheduler.parameters.warmup_steps: the warmup (" +
                       std::to_string(warmup_) + " steps) must end before the cosine reaches " +
                       "min_lr at step " + std::to_string(horizon_));
    }
    if (min_lr_ > base_lr_) {
      throw InputError("training.lr_scheduler.parameters.min_lr: " + text(min_lr_) +
                       " exceeds the optimizer's lr " + text(base_lr_) +
                       ", so the cosine would increase the learning rate");
    }
  }
}

double LrSchedule::at(long long step) const {
  if (step < 0) throw RuntimeError("LrSchedule::at: negative step " + std::to_string(step));
  if (step < warmup_) {
    return base_lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_);
  }
  const long long k = step - warmup_;
  switch (type_) {
    case Type::Constant:
      return base_lr_;
    case Type::Step:
      return base_lr_ * std::pow(gamma_, static_cast<double>(k / step_size_));
    case Type::Cosine:
      break;
  }
  const double t = static_cast<double>(horizon_ - warmup_);
  const double phase = static_cast<double>(std::min<long long>(k, horizon_ - warmup_)) / t;
  return min_lr_ + (base_lr_ - min_lr_) * (1 + std::cos(kPi * phase)) / 2;
}

std::string LrSchedule::describe() const {
  std::ostringstream o;
  switch (type_) {
    case Type::Constant:
      o << "constant";
      break;
    case Type::Step:
      o << "step: x" << gamma_ << " every " << step_size_ << " steps";
      break;
    case Type::Cosine:
      o << "cosine over " << horizon_ << " steps";
      if (min_lr_ > 0) o << " down to " << min_lr_;
      break;
  }
  if (warmup_ > 0) o << ", warmup " << warmup_;
  return o.str();
}

// ---------------------------------------------------------------- optimizer

Optimizer::Optimizer(const YAML::Node& resolved_optimizer_section,
                     const YAML::Node& resolved_scheduler_section,
                     std::vector<torch::Tensor> parameters, long long total_steps)
    : parameters_(std::move(parameters)),
      schedule_(resolved_scheduler_section,
                resolved_optimizer_section["parameters"]["lr"].as<double>(), total_steps) {
  const std::string name = type_of(resolved_optimizer_section);
  const YAML::Node p = resolved_optimizer_section["parameters"];
  const double lr = p["lr"].as<double>();
  const double weight_decay = p["weight_decay"].as<double>();
  max_grad_norm_ = p["max_grad_norm"].as<double>();

  std::ostringstream d;
  d << name << " lr " << lr;
  if (name == "adam" || name == "adamw") {
    const auto betas = std::make_tuple(p["betas"][0].as<double>(), p["betas"][1].as<double>());
    const double eps = p["eps"].as<double>();
    if (name == "adam") {
      optimizer_ = std::make_unique<torch::optim::Adam>(
          parameters_,
          torch::optim::AdamOptions(lr).betas(betas).eps(eps).weight_decay(weight_decay));
    } else {
      optimizer_ = std::make_unique<torch::optim::AdamW>(
          parameters_,
          torch::optim::AdamWOptions(lr).betas(betas).eps(eps).weight_decay(weight_decay));
    }
  } else if (name == "sgd") {
    const double momentum = p["momentum"].as<double>();
    const bool nesterov = p["nesterov"].as<bool>();
    // torch::optim::SGD rejects this too, but with a c10::Error that names no key.
    if (nesterov && momentum == 0) {
      throw InputError(
          "training.optimizer.parameters.nesterov: Nesterov momentum needs momentum > 0 "
          "(training.optimizer.parameters.momentum is 0)");
    }
    optimizer_ = std::make_unique<torch::optim::SGD>(
        parameters_,
        torch::optim::SGDOptions(lr).momentum(momentum).nesterov(nesterov).weight_decay(
            weight_decay));
    if (momentum > 0) d << ", momentum " << momentum << (nesterov ? " (nesterov)" : "");
  } else {
    unknown_type("training.optimizer", "optimizer", name, {"adam", "adamw", "sgd"});
  }
  d << ", weight decay " << weight_decay << ", clip ";
  if (max_grad_norm_ > 0)
    d << max_grad_norm_;
  else
    d << "off";
  description_ = d.str();
  apply_lr();
}

void Optimizer::zero_grad() {
  optimizer_->zero_grad();
}

double Optimizer::step() {
  const double lr = schedule_.at(steps_);
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);

  double norm = 0;
  if (max_grad_norm_ > 0) {
    norm = torch::nn::utils::clip_grad_norm_(parameters_, max_grad_norm_);
  } else {
    // The same norm clip_grad_norm_ computes (a norm of the per-tensor norms), without the
    // pass that multiplies every gradient by 1.
    std::vector<torch::Tensor> norms;
    for (const auto& q : parameters_) {
      if (q.grad().defined()) norms.push_back(q.grad().detach().norm(2));
    }
    if (!norms.empty()) norm = torch::stack(norms).norm(2).item<double>();
  }
  optimizer_->step();
  ++steps_;
  return norm;
}

double Optimizer::lr() const {
  return schedule_.at(std::max<long long>(steps_ - 1, 0));
}

void Optimizer::set_steps(long long s) {
  if (s < 0) throw RuntimeError("Optimizer::set_steps: negative step count " + std::to_string(s));
  steps_ = s;
  apply_lr();
}

void Optimizer::apply_lr() {
  const double value = lr();
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(value);
}

std::string Optimizer::describe() const {
  return description_ + "; " + schedule_.describe();
}

}  // namespace surge::trainer
