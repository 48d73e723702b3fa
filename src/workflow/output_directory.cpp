#include "workflow/output_directory.hpp"

#include <filesystem>
#include <fstream>

#include "core/config.hpp"

namespace surge {

namespace fs = std::filesystem;

std::string check_output_directory(const std::string& key, const std::string& dir, bool overwrite) {
  std::error_code ec;
  if (dir.empty()) return key + ": empty path";
  if (fs::exists(dir, ec) && !overwrite)
    return key + ": '" + dir +
           "' already exists; pass --overwrite to replace it (it is replaced only once the new "
           "one is complete) or choose another directory";
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return key + ": '" + dir + "' exists and is not a directory";
  const fs::path parent = fs::absolute(dir, ec).parent_path();
  if (!fs::is_directory(parent, ec))
    return key + ": the directory '" + parent.string() + "' of '" + dir + "' does not exist";
  return {};
}

std::string prepare_partial_directory(const std::string& key, const std::string& partial,
                                      const YAML::Node& config, bool keep) {
  std::error_code ec;
  if (!keep) {
    fs::remove_all(partial, ec);
    if (!fs::create_directory(partial, ec))
      return key + ": cannot create '" + partial + "': " + ec.message();
  }
  std::ofstream out(fs::path(partial) / "config.yaml");
  out << "# resolved configuration (every default filled in)\n" << config::emit(config) << "\n";
  if (!out) return key + ": cannot write into '" + partial + "'";
  return {};
}

void publish_directory(const std::string& partial, const std::string& dir) {
  std::string replaced;
  if (fs::exists(dir)) {
    replaced = dir + ".replaced";
    fs::remove_all(replaced);
    fs::rename(dir, replaced);
  }
  fs::rename(partial, dir);
  if (!replaced.empty()) fs::remove_all(replaced);
}

}  // namespace surge
