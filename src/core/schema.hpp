#pragma once
// Declarative configuration schemas.
//
// Each module declares the schema of its own section (keys, types, defaults, ranges, allowed
// values, documentation). resolve() checks a YAML tree against a schema, fills in defaults and
// reports every problem at once: key path, file, line and column, the value given, what was
// expected, and for an unknown key or value the closest valid one.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace surge::config {

class Schema {
 public:
  enum class Kind { Integer, Real, Boolean, String, Choice, Expression, List, Map, Dict, Typed };

  static Schema integer(std::string doc);
  static Schema real(std::string doc);
  static Schema boolean(std::string doc);
  static Schema string(std::string doc);
  // One of `allowed` (exact, case-sensitive).
  static Schema choice(std::vector<std::string> allowed, std::string doc);
  // A number, or a text expression (muParser syntax) of the study's parameters and of
  // `variables` (e.g. {"x", "y"}). Checked for syntax and unknown names while resolving.
  static Schema expression(std::vector<std::string> variables, std::string doc);
  // A sequence whose items follow `item`.
  static Schema list(Schema item, std::string doc);
  // A mapping with fixed keys, added with add(); any other key is an error.
  static Schema map(std::string doc);
  // A mapping whose keys the user names (e.g. study parameters); every value follows `value`.
  static Schema dict(Schema value, std::string doc);
  // A mapping {type: NAME, ...}: the keys other than `type` follow the Map schema given for
  // NAME in `types` (e.g. a Map with a single key `parameters`, TorchFort style).
  static Schema typed(std::vector<std::pair<std::string, Schema>> types, std::string doc);

  // Modifiers; each returns *this.
  Schema& add(std::string key, Schema child);      // Map and Typed only
  Schema& required();                              // no default: the key must be given
  Schema& defaults(const std::string& yaml);       // default value written as YAML, e.g. "[64]"
  Schema& min(double lo, bool open = false);       // Integer, Real: lower bound
  Schema& max(double hi, bool open = false);       // Integer, Real: upper bound
  Schema& length(std::size_t lo, std::size_t hi);  // List: item count bounds

  Kind kind() const { return kind_; }
  const std::string& doc() const { return doc_; }
  bool is_required() const { return required_; }
  const std::optional<std::string>& default_yaml() const { return default_; }
  const std::vector<std::pair<std::string, Schema>>& keys() const { return keys_; }
  const std::vector<std::pair<std::string, Schema>>& types() const { return types_; }
  const std::vector<std::string>& allowed() const { return allowed_; }
  const std::vector<std::string>& variables() const { return variables_; }
  const Schema* item() const { return item_.get(); }
  std::optional<double> lower() const { return lo_; }
  std::optional<double> upper() const { return hi_; }
  bool lower_open() const { return lo_open_; }
  bool upper_open() const { return hi_open_; }
  std::pair<std::size_t, std::size_t> length_bounds() const { return {len_lo_, len_hi_}; }

  // Short human description of what is expected ("a real in (0, 1]").
  std::string expected() const;

 private:
  explicit Schema(Kind k, std::string doc) : kind_(k), doc_(std::move(doc)) {}
  Kind kind_;
  std::string doc_;
  bool required_ = false;
  std::optional<std::string> default_;
  std::vector<std::pair<std::string, Schema>> keys_;
  std::vector<std::pair<std::string, Schema>> types_;
  std::vector<std::string> allowed_;
  std::vector<std::string> variables_;
  std::shared_ptr<Schema> item_;
  std::optional<double> lo_, hi_;
  bool lo_open_ = false, hi_open_ = false;
  std::size_t len_lo_ = 0, len_hi_ = static_cast<std::size_t>(-1);
};

// What resolve() needs to know beyond the tree itself.
struct ResolveContext {
  std::string file;                          // named in messages
  std::vector<std::string> parameter_names;  // study parameters usable in expressions
  // Command-line overrides as given ("a.b=value"): problems at or below a.b are reported as
  // coming from the override rather than from the file.
  std::vector<std::string> overrides;
};

// Checks `input` against `schema`, fills defaults and returns the resolved tree. Throws
// surge::InputError listing every problem found. Not collective.
YAML::Node resolve(const Schema& schema, const YAML::Node& input, const ResolveContext& ctx);

// The closest of `candidates` to `word` by edit distance, if reasonably close.
std::optional<std::string> closest(const std::string& word,
                                   const std::vector<std::string>& candidates);

// A Markdown reference of `schema` (used to generate docs/config-reference.md).
std::string markdown_reference(const Schema& schema, const std::string& title);

}  // namespace surge::config
