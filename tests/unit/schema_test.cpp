#include "core/schema.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/expression.hpp"

using surge::config::Schema;

namespace {

Schema sample() {
  Schema s = Schema::map("root");
  s.add("n", Schema::integer("count").min(1).defaults("4"));
  s.add("x", Schema::real("ratio").min(0, true).max(1).required());
  s.add("mode", Schema::choice({"fast", "exact"}, "mode").defaults("fast"));
  s.add("flag", Schema::boolean("flag").defaults("false"));
  s.add("sizes",
        Schema::list(Schema::integer("size").min(1), "sizes").length(1, 2).defaults("[8]"));
  Schema inner = Schema::map("inner");
  inner.add("k", Schema::real("k").defaults("0.5"));
  s.add("inner", inner);
  s.add("expr", Schema::expression({"x"}, "expr").defaults("1"));
  s.add("named", Schema::dict(Schema::real("v"), "user keys"));
  Schema a = Schema::map("type a");
  a.add("parameters",
        Schema::map("a's parameters").add("alpha", Schema::real("alpha").defaults("2")));
  Schema b = Schema::map("type b");
  b.add("parameters", Schema::map("b's").add("beta", Schema::integer("beta").required()));
  s.add(
      "thing",
      Schema::typed({{"alpha_type", a}, {"beta_type", b}}, "typed").defaults("{type: alpha_type}"));
  return s;
}

YAML::Node run(const std::string& text, std::vector<std::string> params = {}) {
  surge::config::ResolveContext ctx;
  ctx.file = "t.yaml";
  ctx.parameter_names = std::move(params);
  return surge::config::resolve(sample(), YAML::Load(text), ctx);
}

std::string error_of(const std::string& text) {
  try {
    run(text);
  } catch (const surge::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Schema, FillsDefaultsRecursively) {
  YAML::Node r = run("x: 0.5");
  EXPECT_EQ(r["n"].as<int>(), 4);
  EXPECT_EQ(r["mode"].as<std::string>(), "fast");
  EXPECT_FALSE(r["flag"].as<bool>());
  EXPECT_EQ(r["sizes"][0].as<int>(), 8);
  EXPECT_DOUBLE_EQ(r["inner"]["k"].as<double>(), 0.5);
  EXPECT_EQ(r["thing"]["type"].as<std::string>(), "alpha_type");
  EXPECT_DOUBLE_EQ(r["thing"]["parameters"]["alpha"].as<double>(), 2.0);
}

TEST(Schema, ReportsRangesTypesAndLocations) {
  EXPECT_NE(error_of("x: 0").find("t.yaml:1:4: x: got '0', expected a real number in (0, 1]"),
            std::string::npos)
      << error_of("x: 0");
  EXPECT_NE(error_of("x: 0.5\nn: 0").find("t.yaml:2:4: n: got '0', expected an integer >= 1"),
            std::string::npos);
  EXPECT_NE(error_of("x: 0.5\nn: 2.5").find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of("x: 0.5\nsizes: [1, 2, 3]").find("got a list of 3 items"), std::string::npos);
  EXPECT_NE(error_of("x: 0.5\nsizes: [0]").find("sizes[0]: got '0'"), std::string::npos);
  EXPECT_NE(error_of("{}").find("x: missing required key"), std::string::npos);
}

TEST(Schema, SuggestsTheClosestKeyAndValue) {
  EXPECT_NE(error_of("x: 0.5\nmdoe: fast").find("unknown key 'mdoe' (did you mean 'mode'?)"),
            std::string::npos);
  EXPECT_NE(error_of("x: 0.5\nmode: exakt").find("(did you mean 'exact'?)"), std::string::npos);
  EXPECT_NE(error_of("x: 0.5\nthing: {type: beta_typ, parameters: {beta: 1}}")
                .find("(did you mean 'beta_type'?)"),
            std::string::npos);
  // Far from every key: list the valid ones instead of guessing.
  EXPECT_NE(error_of("x: 0.5\nzzzzzzzz: 1").find("valid keys here:"), std::string::npos);
}

TEST(Schema, ReportsEveryProblemAtOnce) {
  const std::string e = error_of("n: 0\nmode: slow\nbogus: 1");
  EXPECT_NE(e.find("4 problems"), std::string::npos) << e;
}

TEST(Schema, TypedSectionsFollowTheirTypesSchema) {
  YAML::Node r = run("x: 0.5\nthing: {type: beta_type, parameters: {beta: 3}}");
  EXPECT_EQ(r["thing"]["parameters"]["beta"].as<int>(), 3);
  EXPECT_NE(error_of("x: 0.5\nthing: {type: beta_type}").find("thing.parameters.beta: missing"),
            std::string::npos)
      << error_of("x: 0.5\nthing: {type: beta_type}");
  EXPECT_NE(error_of("x: 0.5\nthing: {type: alpha_type, parameters: {beta: 3}}")
                .find("thing.parameters.beta: unknown key"),
            std::string::npos);
}

TEST(Schema, ExpressionsKnowTheStudyParameters) {
  YAML::Node r = run("x: 0.5\nexpr: 2*nu + x", {"nu"});
  EXPECT_EQ(r["expr"].as<std::string>(), "2*nu + x");
  EXPECT_DOUBLE_EQ(run("x: 0.5\nexpr: 0.25")["expr"].as<double>(), 0.25);
  try {
    run("x: 0.5\nexpr: 2*mu", {"nu"});
    FAIL();
  } catch (const surge::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expr: invalid expression '2*mu'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("known names: x, nu"), std::string::npos);
  }
  surge::Expression f("2*nu + x", {"x", "nu"}, "expr");
  EXPECT_DOUBLE_EQ(f({1.0, 3.0}), 7.0);
}

TEST(Schema, DictKeepsTheUsersOrder) {
  YAML::Node r = run("x: 0.5\nnamed: {zeta: 1, alpha: 2, mid: 3}");
  std::vector<std::string> keys;
  for (const auto& kv : r["named"]) keys.push_back(kv.first.Scalar());
  EXPECT_EQ(keys, (std::vector<std::string>{"zeta", "alpha", "mid"}));
}

TEST(Schema, ClosestNeedsToBeClose) {
  EXPECT_EQ(surge::config::closest("slover", {"solver", "study"}).value_or(""), "solver");
  EXPECT_FALSE(surge::config::closest("qqqqqq", {"solver", "study"}).has_value());
}

}  // namespace
