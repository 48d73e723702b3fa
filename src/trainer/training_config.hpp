#pragma once
// The `training:` section: what `surge run` trains and how (task, model, loss, optimizer,
// learning-rate schedule, buffer, batch, stopping, validation, metrics).
#include <yaml-cpp/yaml.h>

#include "core/schema.hpp"

namespace surge::trainer {

// Schema of the whole `training:` section. Not collective.
config::Schema training_schema();

// The checks of a resolved `training:` section that go beyond its schema (watermark within the
// capacity, nesterov with momentum, a horizon for the cosine schedule). Throws InputError naming
// the key. Not collective.
void check_training(const YAML::Node& training);

}  // namespace surge::trainer
