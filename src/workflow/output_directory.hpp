#pragma once
// An output directory that appears whole: written as DIR.partial and renamed at the end, never
// replacing an existing DIR unless asked to (and then only once the new one is complete).
// `surge run` and `surge evaluate` use these.
#include <yaml-cpp/yaml.h>

#include <string>

namespace surge {

// What keeps `dir` from being written (it exists and `overwrite` is false, it is not a
// directory, its parent does not exist), or "". `key` names where the path came from in the
// message (e.g. "--output"). Not collective: rank 0 checks, before any work.
std::string check_output_directory(const std::string& key, const std::string& dir, bool overwrite);

// A fresh `partial` directory (an old one is removed; with `keep` it stays as it is, e.g. to
// resume from the checkpoint inside it) holding config.yaml, the resolved configuration;
// returns what went wrong, or "". Not collective.
std::string prepare_partial_directory(const std::string& key, const std::string& partial,
                                      const YAML::Node& config, bool keep = false);

// `partial` becomes `dir`; a `dir` being replaced is removed only after that. Not collective.
// Throws std::filesystem::filesystem_error.
void publish_directory(const std::string& partial, const std::string& dir);

}  // namespace surge
