// The study and initial-condition schemas resolve short sections into what Study and
// make_initial_condition accept.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "study/initial_condition.hpp"
#include "study/study.hpp"

namespace surge {
namespace {

YAML::Node resolve(const config::Schema& schema, const std::string& text,
                   const std::vector<std::string>& parameters = {}) {
  config::ResolveContext context;
  context.file = "test.yaml";
  context.parameter_names = parameters;
  return config::resolve(schema, YAML::Load(text), context);
}

TEST(StudySchema, DefaultsGiveARandomStudyWithoutParameters) {
  const YAML::Node section = resolve(study_schema(), "simulations: 3");
  EXPECT_EQ(section["seed"].as<int>(), 0);
  EXPECT_EQ(section["sampler"].as<std::string>(), "random");
  Study study(section);
  EXPECT_EQ(study.simulations(), 3);
  EXPECT_TRUE(study.parameter_names().empty());
}

TEST(StudySchema, ResolvedParametersKeepTheirDeclarationOrder) {
  Study study(resolve(study_schema(),
                      "simulations: 8\nsampler: sobol\nparameters:\n"
                      "  nu: {distribution: log_uniform, low: 0.001, high: 0.1}\n"
                      "  amp: {distribution: constant, value: 2}\n"
                      "  k: {distribution: choice, values: [1, 2, 4]}\n"));
  EXPECT_EQ(study.parameter_names(), (std::vector<std::string>{"nu", "amp", "k"}));
  EXPECT_EQ(study.spec(7).parameter_values[1], 2.0);
}

TEST(StudySchema, MisspelledSamplerIsRejectedBeforeStudy) {
  EXPECT_THROW(resolve(study_schema(), "simulations: 3\nsampler: sobl"), InputError);
  EXPECT_THROW(resolve(study_schema(), "simulations: 0"), InputError);
}

TEST(InitialConditionSchema, DefaultsResolveForEveryType) {
  Grid g;
  g.cells = {8, 1, 1};
  SimulationSpec spec;
  spec.parameter_names = {"nu"};
  spec.parameter_values = {0.5};
  spec.seed = 99;
  const YAML::Node fourier = resolve(initial_condition_schema(), "type: random_fourier");
  EXPECT_EQ(fourier["parameters"]["modes"].as<int>(), 2);
  EXPECT_EQ(fourier["parameters"]["max_wavenumber"].as<int>(), 4);
  EXPECT_NE(make_initial_condition(fourier, spec, g), nullptr);
  const YAML::Node expression =
      resolve(initial_condition_schema(), "type: expression\nparameters: {value: 'nu*x'}", {"nu"});
  EXPECT_EQ(expression["parameters"]["quadrature_points"].as<int>(), 5);
  EXPECT_NE(make_initial_condition(expression, spec, g), nullptr);
  const YAML::Node hdf5 =
      resolve(initial_condition_schema(), "type: hdf5\nparameters: {file: ic.h5}");
  EXPECT_EQ(hdf5["parameters"]["dataset"].as<std::string>(), "u");
}

}  // namespace
}  // namespace surge
