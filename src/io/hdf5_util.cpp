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

bool has_attr(hid_t obj, const std::string& name) {
  return H5Aexists(obj, name.c_str()) > 0;
}

namespace {

// The open attribute, its type class and its number of elements.
struct OpenAttr {
  Hid attr, type, space;
  H5T_class_t type_class = H5T_NO_CLASS;
  std::size_t count = 0;
};

OpenAttr open_attr(hid_t obj, const std::string& name, const std::string& file) {
  OpenAttr a;
  if (!has_attr(obj, name)) throw RuntimeError("HDF5: no attribute '" + name + "' in " + file);
  a.attr = check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "open attribute '" + name + "'", file);
  a.type = check(H5Aget_type(a.attr.get()), "get the type of attribute '" + name + "'", file);
  a.space = check(H5Aget_space(a.attr.get()), "get the space of attribute '" + name + "'", file);
  a.type_class = H5Tget_class(a.type.get());
  const hssize_t n = H5Sget_simple_extent_npoints(a.space.get());
  if (n < 0) fail("count the values of attribute '" + name + "'", file);
  a.count = static_cast<std::size_t>(n);
  return a;
}

[[noreturn]] void wrong_class(const std::string& name, const std::string& expected,
                              const std::string& file) {
  throw RuntimeError("HDF5: attribute '" + name + "' in " + file + " is not " + expected);
}

}  // namespace

std::vector<std::string> read_attr_strings(hid_t obj, const std::string& name,
                                           const std::string& file) {
  OpenAttr a = open_attr(obj, name, file);
  if (a.type_class != H5T_STRING) wrong_class(name, "a string", file);
  std::vector<std::string> out;
  if (H5Tis_variable_str(a.type.get()) > 0) {
    Hid mem = check(H5Tcopy(H5T_C_S1), "copy a string type", file);
    check(H5Tset_size(mem.get(), H5T_VARIABLE), "size a string type", file);
    // HDF5 converts no string between character sets: read in the attribute's own.
    check(H5Tset_cset(mem.get(), H5Tget_cset(a.type.get())), "set a character set", file);
    std::vector<char*> raw(a.count, nullptr);
    if (a.count > 0)
      check(H5Aread(a.attr.get(), mem.get(), raw.data()), "read attribute '" + name + "'", file);
    for (char* c : raw) out.emplace_back(c ? c : "");
    if (a.count > 0)
      H5Dvlen_reclaim(mem.get(), a.space.get(), H5P_DEFAULT, raw.data());
  } else {
    const std::size_t size = H5Tget_size(a.type.get());
    std::vector<char> raw(a.count * size + 1, '\0');
    if (a.count > 0)
      check(H5Aread(a.attr.get(), a.type.get(), raw.data()), "read attribute '" + name + "'",
            file);
    for (std::size_t i = 0; i < a.count; ++i) {
      const char* c = raw.data() + i * size;
      std::size_t len = 0;
      while (len < size && c[len] != '\0') ++len;
      out.emplace_back(c, len);
    }
  }
  return out;
}

std::string read_attr_string(hid_t obj, const std::string& name, const std::string& file) {
  const std::vector<std::string> v = read_attr_strings(obj, name, file);
  if (v.size() != 1) wrong_class(name, "one string", file);
  return v[0];
}

std::vector<long long> read_attr_integers(hid_t obj, const std::string& name,
                                          const std::string& file) {
  OpenAttr a = open_attr(obj, name, file);
  if (a.type_class != H5T_INTEGER) wrong_class(name, "an integer", file);
  std::vector<long long> out(a.count);
  if (a.count > 0)
    check(H5Aread(a.attr.get(), H5T_NATIVE_LLONG, out.data()), "read attribute '" + name + "'",
          file);
  return out;
}

std::vector<double> read_attr_doubles(hid_t obj, const std::string& name, const std::string& file) {
  OpenAttr a = open_attr(obj, name, file);
  if (a.type_class != H5T_FLOAT && a.type_class != H5T_INTEGER)
    wrong_class(name, "a number", file);
  std::vector<double> out(a.count);
  if (a.count > 0)
    check(H5Aread(a.attr.get(), H5T_NATIVE_DOUBLE, out.data()), "read attribute '" + name + "'",
          file);
  return out;
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
