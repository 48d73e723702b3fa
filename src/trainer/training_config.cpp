#include "trainer/training_config.hpp"

#include "models/model.hpp"
#include "train/buffer.hpp"
#include "trainer/optimization.hpp"
#include "trainer/task.hpp"

namespace surge::trainer {

config::Schema training_schema() {
  using config::Schema;
  Schema s = Schema::map(
      "What `surge run` trains on the streamed snapshots and how (TorchFort style: each of "
      "task, model, loss, optimizer and lr_scheduler is a `type` with its `parameters`).");
  s.add("task", task_schema());
  s.add("model", models::model_schema().defaults("{type: fno1d}"));
  s.add("loss", loss_schema().defaults("{type: mse}"));
  s.add("optimizer", optimizer_schema().defaults("{type: adam}"));
  s.add("lr_scheduler", lr_scheduler_schema().defaults("{type: constant}"));
  s.add("buffer", train::buffer_schema());
  s.add("batch_size",
        Schema::integer("samples per optimizer step on each trainer rank (the step averages the "
                        "gradients of every trainer rank's batch)")
            .min(1)
            .defaults("32"));
  s.add("max_steps", Schema::integer("stop training after this many optimizer steps (the study "
                                     "still runs to its end; later snapshots are received and "
                                     "discarded); 0: no limit")
                         .min(0)
                         .defaults("0"));
  s.add("steps_after_stream",
        Schema::integer("reservoir only: optimizer steps taken on the buffer's content once "
                        "every simulation has been streamed (fifo and firo instead serve what "
                        "is left, each sample once, and stop)")
            .min(0)
            .defaults("0"));
  s.add("normalization",
        Schema::choice({"online", "none"},
                       "online: inputs and targets are normalised per channel with the mean and "
                       "standard deviation of every pair received so far (Welford, merged over "
                       "the trainer ranks before each step; saved with the model); none: raw "
                       "values")
            .defaults("online"));
  s.add("seed", Schema::integer("seed of the initial weights (the same on every trainer rank)")
                    .min(0)
                    .defaults("0"));
  s.add("threads", Schema::integer("Torch intra-op threads per trainer rank").min(1).defaults("1"));
  s.add("device",
        Schema::choice({"auto", "cpu", "cuda"},
                       "where each trainer rank trains: cpu; cuda (node-local trainer rank k "
                       "uses GPU k mod the GPUs it sees; exit 2 if it sees none, e.g. with a "
                       "CPU-only LibTorch); auto: cuda where a GPU is visible, else cpu")
            .defaults("auto"));
  s.add("validate_every",
        Schema::integer("optimizer steps between two validations on the held-out simulations "
                        "(study.validation); validation also runs before the first step and "
                        "after the last")
            .min(1)
            .defaults("200"));
  s.add("rollout_steps",
        Schema::integer("horizon of the autoregressive validation rollout, in model steps from "
                        "the first frame of each held-out simulation (shortened to the frames "
                        "available)")
            .min(1)
            .defaults("30"));
  s.add("metrics_every",
        Schema::integer("optimizer steps between two lines of metrics.csv").min(1).defaults("50"));
  s.add("checkpoint_every",
        Schema::integer("optimizer steps between two checkpoints (output.directory/checkpoint; "
                        "resume with surge run CONFIG --resume DIR); 0: only at the end and when "
                        "interrupted by SIGUSR1 or SIGTERM")
            .min(0)
            .defaults("0"));
  s.add("checkpoint_buffer",
        Schema::boolean("checkpoints hold each trainer's training buffer too (its pairs, what "
                        "was served, its random draws; about buffer.capacity pairs per trainer "
                        "rank), so that a resumed run trains on what the interrupted one held; "
                        "false: a resumed run starts with empty buffers, refilled by the "
                        "simulations still to run")
            .defaults("true"));
  return s;
}

void check_training(const YAML::Node& training) {
  train::buffer_options(training["buffer"]);
  // Building the optimizer on a stand-in parameter runs every check of the optimizer and of the
  // schedule, with the same messages as the trainer would give.
  std::vector<torch::Tensor> stand_in{torch::zeros({1}, torch::requires_grad())};
  Optimizer(training["optimizer"], training["lr_scheduler"], stand_in,
            training["max_steps"].as<long long>());
}

}  // namespace surge::trainer
