#include "core/schema.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/expression.hpp"

namespace surge::config {

// ---------------------------------------------------------------- construction

Schema Schema::integer(std::string doc) {
  return Schema(Kind::Integer, std::move(doc));
}
Schema Schema::real(std::string doc) {
  return Schema(Kind::Real, std::move(doc));
}
Schema Schema::boolean(std::string doc) {
  return Schema(Kind::Boolean, std::move(doc));
}
Schema Schema::string(std::string doc) {
  return Schema(Kind::String, std::move(doc));
}

Schema Schema::choice(std::vector<std::string> allowed, std::string doc) {
  Schema s(Kind::Choice, std::move(doc));
  s.allowed_ = std::move(allowed);
  return s;
}

Schema Schema::expression(std::vector<std::string> variables, std::string doc) {
  Schema s(Kind::Expression, std::move(doc));
  s.variables_ = std::move(variables);
  return s;
}

Schema Schema::list(Schema item, std::string doc) {
  Schema s(Kind::List, std::move(doc));
  s.item_ = std::make_shared<Schema>(std::move(item));
  return s;
}

Schema Schema::map(std::string doc) {
  return Schema(Kind::Map, std::move(doc));
}

Schema Schema::dict(Schema value, std::string doc) {
  Schema s(Kind::Dict, std::move(doc));
  s.item_ = std::make_shared<Schema>(std::move(value));
  return s;
}

Schema Schema::typed(std::vector<std::pair<std::string, Schema>> types, std::string doc) {
  Schema s(Kind::Typed, std::move(doc));
  s.types_ = std::move(types);
  for (const auto& t : s.types_) s.allowed_.push_back(t.first);
  return s;
}

Schema& Schema::add(std::string key, Schema child) {
  keys_.emplace_back(std::move(key), std::move(child));
  return *this;
}
Schema& Schema::required() {
  required_ = true;
  default_.reset();
  return *this;
}
Schema& Schema::defaults(const std::string& yaml) {
  default_ = yaml;
  required_ = false;
  return *this;
}
Schema& Schema::min(double lo, bool open) {
  lo_ = lo;
  lo_open_ = open;
  return *this;
}
Schema& Schema::max(double hi, bool open) {
  hi_ = hi;
  hi_open_ = open;
  return *this;
}
Schema& Schema::length(std::size_t lo, std::size_t hi) {
  len_lo_ = lo;
  len_hi_ = hi;
  return *this;
}

namespace {

std::string number(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string range_text(const Schema& s) {
  auto lo = s.lower();
  auto hi = s.upper();
  if (lo && hi)
    return std::string(" in ") + (s.lower_open() ? "(" : "[") + number(*lo) + ", " + number(*hi) +
           (s.upper_open() ? ")" : "]");
  if (lo) return std::string(s.lower_open() ? " > " : " >= ") + number(*lo);
  if (hi) return std::string(s.upper_open() ? " < " : " <= ") + number(*hi);
  return "";
}

}  // namespace

std::string Schema::expected() const {
  switch (kind_) {
    case Kind::Integer:
      return "an integer" + range_text(*this);
    case Kind::Real:
      return "a real number" + range_text(*this);
    case Kind::Boolean:
      return "true or false";
    case Kind::String:
      return "a string";
    case Kind::Choice:
      return "one of: " + join(allowed_, ", ");
    case Kind::Expression:
      return "a number or an expression" +
             (variables_.empty() ? std::string(" of the study parameters")
                                 : " of " + join(variables_, ", ") + " and the study parameters");
    case Kind::List: {
      std::string n;
      if (len_lo_ == len_hi_)
        n = std::to_string(len_lo_) + " ";
      else if (len_hi_ != static_cast<std::size_t>(-1))
        n = std::to_string(len_lo_) + " to " + std::to_string(len_hi_) + " ";
      else if (len_lo_ > 0)
        n = "at least " + std::to_string(len_lo_) + " ";
      const bool one = len_hi_ == 1 || (len_lo_ == 1 && len_hi_ == static_cast<std::size_t>(-1));
      return "a list of " + n + (one ? "item" : "items") + ", each " + item_->expected();
    }
    case Kind::Map:
    case Kind::Dict:
      return "a mapping";
    case Kind::Typed:
      return "a mapping with 'type' (one of: " + join(allowed_, ", ") + ")";
  }
  return "";
}

// ---------------------------------------------------------------- suggestions

std::optional<std::string> closest(const std::string& word,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    // Levenshtein distance, case-insensitive.
    std::vector<std::size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        bool same = std::tolower(static_cast<unsigned char>(word[i - 1])) ==
                    std::tolower(static_cast<unsigned char>(c[j - 1]));
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      }
      std::swap(prev, cur);
    }
    std::size_t d = prev[c.size()];
    bool prefix = !word.empty() && c.rfind(word, 0) == 0;
    if (prefix) d = std::min<std::size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  if (best && best_d <= limit) return best;
  return std::nullopt;
}

// ---------------------------------------------------------------- resolution

namespace {

class Resolver {
 public:
  explicit Resolver(const ResolveContext& ctx) : ctx_(ctx) {}

  YAML::Node run(const Schema& s, const YAML::Node& n, const std::string& path) {
    return value(s, n, path);
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  const ResolveContext& ctx_;
  std::vector<std::string> errors_;

  std::string where(const YAML::Node& n) const {
    std::ostringstream o;
    o << ctx_.file;
    if (n.IsDefined() && !n.Mark().is_null() && n.Mark().line >= 0)
      o << ":" << n.Mark().line + 1 << ":" << n.Mark().column + 1;
    return o.str();
  }

  static std::string given(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsScalar()) return "'" + n.Scalar() + "'";
    if (n.IsSequence()) return "a list";
    return "a mapping";
  }

  void error(const YAML::Node& at, const std::string& path, const std::string& what) {
    std::string location = where(at);
    for (const auto& o : ctx_.overrides) {
      const std::string key = o.substr(0, o.find('='));
      if (path == key || path.rfind(key + ".", 0) == 0 || path.rfind(key + "[", 0) == 0)
        location = "--set " + o;
    }
    errors_.push_back(location + ": " + (path.empty() ? "(top level)" : path) + ": " + what);
  }

  void mismatch(const Schema& s, const YAML::Node& n, const std::string& path) {
    error(n, path, "got " + given(n) + ", expected " + s.expected());
  }

  bool in_range(const Schema& s, double v) {
    if (s.lower() && (s.lower_open() ? !(v > *s.lower()) : !(v >= *s.lower()))) return false;
    if (s.upper() && (s.upper_open() ? !(v < *s.upper()) : !(v <= *s.upper()))) return false;
    return true;
  }

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  YAML::Node value(const Schema& s, const YAML::Node& n, const std::string& path) {
    using K = Schema::Kind;
    switch (s.kind()) {
      case K::Integer: {
        long long v = 0;
        if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) {
          mismatch(s, n, path);
          return {};
        }
        if (!in_range(s, static_cast<double>(v))) {
          mismatch(s, n, path);
          return {};
        }
        return YAML::Node(n.Scalar());  // the text as written (checked), not a re-encoding
      }
      case K::Real: {
        double v = 0;
        if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || std::isnan(v)) {
          mismatch(s, n, path);
          return {};
        }
        if (!in_range(s, v)) {
          mismatch(s, n, path);
          return {};
        }
        // Keep the text as written: re-encoding a double prints 0.1 as 0.10000000000000001.
        return YAML::Node(n.Scalar());
      }
      case K::Boolean: {
        bool v = false;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
          mismatch(s, n, path);
          return {};
        }
        return YAML::Node(v);
      }
      case K::String:
        if (!n.IsScalar()) {
          mismatch(s, n, path);
          return {};
        }
        return YAML::Node(n.Scalar());
      case K::Choice: {
        if (!n.IsScalar()) {
          mismatch(s, n, path);
          return {};
        }
        const auto& a = s.allowed();
        if (std::find(a.begin(), a.end(), n.Scalar()) == a.end()) {
          std::string msg = "unknown value '" + n.Scalar() + "', expected " + s.expected();
          if (auto c = closest(n.Scalar(), a)) msg += " (did you mean '" + *c + "'?)";
          error(n, path, msg);
          return {};
        }
        return YAML::Node(n.Scalar());
      }
      case K::Expression: {
        if (!n.IsScalar()) {
          mismatch(s, n, path);
          return {};
        }
        double v = 0;
        if (YAML::convert<double>::decode(n, v)) return YAML::Node(n.Scalar());
        std::vector<std::string> vars = s.variables();
        vars.insert(vars.end(), ctx_.parameter_names.begin(), ctx_.parameter_names.end());
        std::string problem = check_expression(n.Scalar(), vars);
        if (!problem.empty()) {
          std::string msg =
              "invalid expression '" + n.Scalar() + "': " + problem +
              "; known names: " + (vars.empty() ? std::string("none") : join(vars, ", "));
          error(n, path, msg);
          return {};
        }
        return YAML::Node(n.Scalar());
      }
      case K::List: {
        if (!n.IsSequence()) {
          mismatch(s, n, path);
          return {};
        }
        auto [lo, hi] = s.length_bounds();
        if (n.size() < lo || n.size() > hi) {
          error(n, path,
                "got a list of " + std::to_string(n.size()) + " items, expected " + s.expected());
          return {};
        }
        YAML::Node out(YAML::NodeType::Sequence);
        for (std::size_t i = 0; i < n.size(); ++i)
          out.push_back(value(*s.item(), n[i], path + "[" + std::to_string(i) + "]"));
        return out;
      }
      case K::Map:
        return map(s, s.keys(), n, path, {});
      case K::Dict: {
        if (!(n.IsMap() || n.IsNull())) {
          mismatch(s, n, path);
          return {};
        }
        YAML::Node out(YAML::NodeType::Map);
        if (n.IsMap())
          for (const auto& kv : n) {
            std::string key = kv.first.Scalar();
            out[key] = value(*s.item(), kv.second, child(path, key));
          }
        return out;
      }
      case K::Typed:
        return typed(s, n, path);
    }
    return {};
  }

  // A fixed-key mapping. `extra` are keys handled by the caller (e.g. `type`).
  YAML::Node map(const Schema& s, const std::vector<std::pair<std::string, Schema>>& keys,
                 const YAML::Node& n, const std::string& path,
                 const std::vector<std::string>& extra) {
    if (!(n.IsMap() || n.IsNull() || !n.IsDefined())) {
      mismatch(s, n, path);
      return {};
    }
    std::vector<std::string> known = extra;
    for (const auto& k : keys) known.push_back(k.first);
    if (n.IsMap())
      for (const auto& kv : n) {
        const std::string key = kv.first.Scalar();
        if (std::find(known.begin(), known.end(), key) == known.end()) {
          std::string msg = "unknown key '" + key + "'";
          if (auto c = closest(key, known))
            msg += " (did you mean '" + *c + "'?)";
          else
            msg += "; valid keys here: " + join(known, ", ");
          error(kv.first, child(path, key), msg);
        }
      }
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& [key, sub] : keys) {
      // An explicit null (`key:` with nothing after it) counts as not given.
      YAML::Node given = n.IsMap() ? n[key] : YAML::Node();
      if (given.IsDefined() && !given.IsNull()) {
        out[key] = value(sub, given, child(path, key));
      } else if (sub.default_yaml()) {
        out[key] = value(sub, YAML::Load(*sub.default_yaml()), child(path, key));
      } else if (sub.is_required()) {
        error(n, child(path, key), "missing required key, expected " + sub.expected());
      } else if (sub.kind() == Schema::Kind::Map) {
        out[key] = value(sub, YAML::Node(), child(path, key));  // all of its defaults
      }
    }
    return out;
  }

  YAML::Node typed(const Schema& s, const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) {
      mismatch(s, n, path);
      return {};
    }
    YAML::Node type = n["type"];
    if (!type.IsDefined()) {
      error(n, child(path, "type"),
            "missing required key, expected one of: " + join(s.allowed(), ", "));
      return {};
    }
    const auto& a = s.allowed();
    auto it = std::find(a.begin(), a.end(), type.Scalar());
    if (!type.IsScalar() || it == a.end()) {
      std::string msg = "unknown type " + given(type) + ", expected one of: " + join(a, ", ");
      if (type.IsScalar())
        if (auto c = closest(type.Scalar(), a)) msg += " (did you mean '" + *c + "'?)";
      error(type, child(path, "type"), msg);
      return {};
    }
    const Schema& body = s.types()[static_cast<std::size_t>(it - a.begin())].second;
    std::vector<std::pair<std::string, Schema>> keys = s.keys();
    keys.insert(keys.end(), body.keys().begin(), body.keys().end());
    YAML::Node out = map(s, keys, n, path, {"type"});
    YAML::Node result(YAML::NodeType::Map);
    result["type"] = type.Scalar();
    for (const auto& kv : out) result[kv.first] = kv.second;
    return result;
  }
};

}  // namespace

YAML::Node resolve(const Schema& schema, const YAML::Node& input, const ResolveContext& ctx) {
  Resolver r(ctx);
  YAML::Node out = r.run(schema, input, "");
  if (!r.errors().empty()) {
    std::string msg = r.errors().size() == 1
                          ? "invalid configuration:\n"
                          : std::to_string(r.errors().size()) + " problems in the configuration:\n";
    for (const auto& e : r.errors()) msg += "  " + e + "\n";
    msg.pop_back();
    throw InputError(msg);
  }
  return out;
}

// ---------------------------------------------------------------- reference

namespace {
void reference(const Schema& s, const std::string& path, std::ostringstream& o,
               std::vector<std::pair<std::string, const Schema*>>& typed_sections) {
  using K = Schema::Kind;
  for (const auto& [key, sub] : s.keys()) {
    std::string p = path.empty() ? key : path + "." + key;
    std::string def = sub.is_required()
                          ? "required"
                          : (sub.default_yaml() ? "`" + *sub.default_yaml() + "`" : "optional");
    o << "| `" << p << "` | " << sub.expected() << " | " << def << " | " << sub.doc() << " |\n";
    if (sub.kind() == K::Map) reference(sub, p, o, typed_sections);
    if (sub.kind() == K::Dict && sub.item()) {
      const Schema& item = *sub.item();
      o << "| `" << p << ".NAME` | " << item.expected() << " | | " << item.doc() << " |\n";
      reference(item, p + ".NAME", o, typed_sections);
    }
    if (sub.kind() == K::Typed) {
      reference(sub, p, o, typed_sections);
      typed_sections.emplace_back(p, &sub);
    }
  }
}
}  // namespace

std::string markdown_reference(const Schema& schema, const std::string& title) {
  std::ostringstream o;
  o << "# " << title << "\n\n" << schema.doc() << "\n\n";
  o << "| key | expected | default | meaning |\n|---|---|---|---|\n";
  std::vector<std::pair<std::string, const Schema*>> typed;
  reference(schema, "", o, typed);
  // The same typed section can hang below several types of its parent (every solver type has
  // an initial_condition): it is described once.
  std::set<std::string> written;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    const auto [path, s] = typed[i];  // a copy: the loop appends to `typed`
    for (const auto& [name, body] : s->types()) {
      std::ostringstream section;
      section << "\n## `" << path << ".type: " << name << "`\n\n" << body.doc() << "\n\n";
      section << "| key | expected | default | meaning |\n|---|---|---|---|\n";
      std::vector<std::pair<std::string, const Schema*>> nested;
      reference(body, path, section, nested);
      if (!written.insert(section.str()).second) continue;
      o << section.str();
      typed.insert(typed.end(), nested.begin(), nested.end());
    }
  }
  return o.str();
}

}  // namespace surge::config
