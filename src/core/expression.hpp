#pragma once
// Expression: a compiled muParser expression of named variables.
#include <memory>
#include <string>
#include <vector>

namespace surge {

class Expression {
 public:
  // Compiles `text` with the given variable names. Throws InputError naming `where` (a key
  // path such as "solver.parameters.viscosity") if the text does not parse or uses an unknown
  // name.
  Expression(const std::string& text, const std::vector<std::string>& variables,
             const std::string& where);
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  // Evaluates with `values[i]` bound to variables[i]. Not thread-safe (one parser per object).
  double operator()(const std::vector<double>& values) const;
  const std::string& text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks an expression without keeping it: returns an empty string when it is valid, else the
// parser's message.
std::string check_expression(const std::string& text, const std::vector<std::string>& variables);

}  // namespace surge
