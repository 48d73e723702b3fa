#include "io/hdf5_util.hpp"

#include "core/error.hpp"

namespace surge::h5 {

bool Hid::reset() noexcept {
  if (id_ < 0) return true;
  herr_t status = -1;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      status = H5Fclose(id_);
      break;
    case H5I_GROUP:
      status = H5Gclose(id_);
      break;
    case H5I_DATASET:
      status = H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      status = H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      status = H5Tclose(id_);
      break;
    case H5I_ATTR:
      status = H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      status = H5Pclose(id_);
      break;
    default:
      status = H5Idec_ref(id_) < 0 ? -1 : 0;
      break;
  }
  id_ = H5I_INVALID_HID;
  return status >= 0;
}

Quiet::Quiet() {
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Quiet::~Quiet() {
  H5Eset_auto2(H5E_DEFAULT, func_, data_);
}

namespace {

struct Innermost {
  bool found = false;
  std::string desc;
  hid_t minor = H5I_INVALID_HID;
};

herr_t take_innermost(unsigned, const H5E_error2_t* err, void* client) {
  auto* out = static_cast<Innermost*>(client);
  if (!out->found) {
    out->found = true;
    out->desc = err->desc ? err->desc : "";
    out->minor = err->min_num;
  }
  return 0;
}

}  // namespace

std::string last_error() {
  // Walk a copy: other API calls (H5Eget_msg) would clear the live stack mid-walk.
  hid_t stack = H5Eget_current_stack();
  if (stack < 0) return "";
  Innermost inner;
  H5Ewalk2(stack, H5E_WALK_UPWARD, take_innermost, &inner);
  H5Eclose_stack(stack);
  if (!inner.found) return "";
  std::string text = inner.desc;
  char minor[256] = {0};
  if (H5Eget_msg(inner.minor, nullptr, minor, sizeof minor) > 0) {
    text += text.empty() ? minor : std::string(" (") + minor + ")";
  }
  return text;
}

void fail(const std::string& operation, const std::string& file) {
  std::string detail = last_error();
  throw RuntimeError("HDF5: cannot " + operation + " in " + file +
                     (detail.empty() ? "" : ": " + detail));
}

Hid check(hid_t id, const std::string& operation, const std::string& file) {
  if (id < 0) fail(operation, file);
  return Hid(id);
}

void check(herr_t status, const std::string& operation, const std::string& file) {
  if (status < 0) fail(operation, file);
}

namespace {

Hid string_type(const std::string& file) {
  Hid type = check(H5Tcopy(H5T_C_S1), "copy the string type", file);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "make a variable-length string type", file);
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set the UTF-8 character set", file);
  return type;
}

Hid scalar_space(const std::string& file) {
  return check(H5Screate(H5S_SCALAR), "create a scalar dataspace", file);
}

Hid vector_space(std::size_t n, const std::string& file) {
  hsize_t dims[1] = {static_cast<hsize_t>(n)};
  return check(H5Screate_simple(1, dims, nullptr), "create a dataspace", file);
}

void put(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, hid_t space,
         const void* data, const std::string& file) {
  Hid attr = check(H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                   "create attribute '" + name + "'", file);
  // An empty array has nothing to write (and HDF5 refuses the null buffer of an empty vector).
  if (H5Sget_simple_extent_npoints(space) == 0) return;
  check(H5Awrite(attr.get(), mem_type, data), "write attribute '" + name + "'", file);
}

}  // namespace

void write_attr(hid_t obj, const std::string& name, const std::string& value,
                const std::string& file) {
  Hid type = string_type(file);
  Hid space = scalar_space(file);
  const char* text = value.c_str();
  put(obj, name, type.get(), type.get(), space.get(), &text, file);
}

void write_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values,
                const std::string& file) {
  Hid type = string_type(file);
  Hid space = vector_space(values.size(), file);
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const auto& v : values) texts.push_back(v.c_str());
  put(obj, name, type.get(), type.get(), space.get(), texts.data(), file);
}

void write_attr(hid_t obj, const std::string& name, int value, const std::string& file) {
  Hid space = scalar_space(file);
  put(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, space.get(), &value, file);
}

void write_attr(hid_t obj, const std::string& name, const std::vector<int>& values,
                const std::string& file) {
  Hid space = vector_space(values.size(), file);
  put(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, space.get(), values.data(), file);
}

void write_attr(hid_t obj, const std::string& name, std::uint64_t value, const std::string& file) {
  Hid space = scalar_space(file);
  put(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space.get(), &value, file);
}

void write_attr(hid_t obj, const std::string& name, double value, const std::string& file) {
  Hid space = scalar_space(file);
  put(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), &value, file);
}

void write_attr(hid_t obj, const std::string& name, const std::vector<double>& values,
                const std::string& file) {
  Hid space = vector_space(values.size(), file);
  put(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), values.data(), file);
}

void rewrite_attr(hid_t obj, const std::string& name, int value, const std::string& file) {
  Hid attr = check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "open attribute '" + name + "'", file);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT, &value), "write attribute '" + name + "'", file);
}

std::vector<double> read_doubles(hid_t dataset, const std::string& what, const std::string& file) {
  Hid space = check(H5Dget_space(dataset), "get the dataspace of " + what, file);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) fail("count the values of " + what, file);
  std::vector<double> values(static_cast<std::size_t>(n));
  if (n > 0) {
    check(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "read " + what, file);
  }
  return values;
}

}  // namespace surge::h5
