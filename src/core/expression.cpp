#include "core/expression.hpp"

#include <muParser.h>

#include "core/error.hpp"

namespace surge {

struct Expression::Impl {
  mu::Parser parser;
  std::vector<double> slots;
  std::string text;
};

namespace {
void define(mu::Parser& p, const std::string& text, const std::vector<std::string>& vars,
            std::vector<double>& slots) {
  slots.assign(vars.size(), 0.0);
  p.DefineConst("pi", 3.141592653589793238462643383279502884);
  for (std::size_t i = 0; i < vars.size(); ++i) p.DefineVar(vars[i], &slots[i]);
  p.SetExpr(text);
  p.Eval();  // forces parsing so unknown names and syntax errors surface now
}
}  // namespace

Expression::Expression(const std::string& text, const std::vector<std::string>& variables,
                       const std::string& where)
    : impl_(std::make_unique<Impl>()) {
  impl_->text = text;
  try {
    define(impl_->parser, text, variables, impl_->slots);
  } catch (const mu::Parser::exception_type& e) {
    throw InputError(where + ": invalid expression '" + text + "': " + e.GetMsg());
  }
}

Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

double Expression::operator()(const std::vector<double>& values) const {
  for (std::size_t i = 0; i < impl_->slots.size() && i < values.size(); ++i)
    impl_->slots[i] = values[i];
  return impl_->parser.Eval();
}

const std::string& Expression::text() const {
  return impl_->text;
}

std::string check_expression(const std::string& text, const std::vector<std::string>& variables) {
  mu::Parser p;
  std::vector<double> slots;
  try {
    define(p, text, variables, slots);
  } catch (const mu::Parser::exception_type& e) {
    return e.GetMsg();
  }
  return {};
}

}  // namespace surge
