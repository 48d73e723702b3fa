#include "core/config.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace surge::config {

namespace {

// Sets `path` (dot-separated keys) in `root` to `value`, creating mappings on the way.
void apply_override(YAML::Node& root, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set '" + text + "': expected KEY.PATH=VALUE, e.g. study.seed=7");
  const std::string path = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    throw InputError("--set '" + text + "': the value is not valid YAML: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  std::vector<std::string> keys;
  std::stringstream ss(path);
  for (std::string k; std::getline(ss, k, '.');) {
    if (k.empty()) throw InputError("--set '" + text + "': empty key in '" + path + "'");
    keys.push_back(k);
  }
  // yaml-cpp nodes are handles: walk with fresh handles, never reassign a parent's handle.
  std::vector<YAML::Node> chain{root};
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = chain.back()[keys[i]];
    if (next.IsDefined() && !next.IsMap() && !next.IsNull())
      throw InputError("--set '" + text + "': '" + keys[i] + "' is not a mapping in the config");
    if (!next.IsDefined() || next.IsNull()) {
      chain.back()[keys[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[keys[i]];
    }
    chain.push_back(next);
  }
  chain.back()[keys.back()] = value;
}

std::vector<std::string> parameter_names(const YAML::Node& root) {
  std::vector<std::string> names;
  if (!root.IsMap()) return names;
  YAML::Node study = root["study"];
  if (!study.IsMap()) return names;
  YAML::Node params = study["parameters"];
  if (!params.IsMap()) return names;
  for (const auto& kv : params) names.push_back(kv.first.Scalar());
  return names;
}

}  // namespace

YAML::Node load_text(const std::string& text, const std::string& name,
                     const std::vector<std::string>& overrides, const Schema& schema) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    std::ostringstream o;
    o << name << ":" << e.mark.line + 1 << ":" << e.mark.column + 1
      << ": not valid YAML: " << e.msg;
    throw InputError(o.str());
  }
  if (root.IsDefined() && !root.IsNull() && !root.IsMap())
    throw InputError(name + ": the configuration must be a YAML mapping of sections");
  for (const auto& o : overrides) apply_override(root, o);
  ResolveContext ctx;
  ctx.file = name;
  ctx.parameter_names = parameter_names(root);
  ctx.overrides = overrides;
  return resolve(schema, root, ctx);
}

YAML::Node load(const std::string& file, const std::vector<std::string>& overrides,
                const Schema& schema) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot read the configuration file '" + file + "'");
  std::stringstream buf;
  buf << in.rdbuf();
  return load_text(buf.str(), file, overrides, schema);
}

std::string emit(const YAML::Node& node) {
  YAML::Emitter e;
  e.SetIndent(2);
  e.SetMapFormat(YAML::Block);
  e << node;
  return std::string(e.c_str()) + "\n";
}

}  // namespace surge::config
