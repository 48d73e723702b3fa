#pragma once
// Private helpers of src/io over the HDF5 C API: owning identifiers, error silencing and
// translation into surge errors, and the few attribute shapes the study format uses.
// Every function that fails throws surge::RuntimeError naming the file and the operation.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace surge::h5 {

// Owns one HDF5 identifier of any kind and closes it with the matching H5xclose.
class Hid {
 public:
  Hid() = default;
  explicit Hid(hid_t id) : id_(id) {}
  ~Hid() { reset(); }
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now; returns false if HDF5 reported an error (never throws).
  bool reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// While alive, HDF5 does not print its error stack: surge reports errors itself. Restores the
// previous handler (which the caller may rely on) when it goes away.
class Quiet {
 public:
  Quiet();
  ~Quiet();
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The most specific message of HDF5's current error stack ("" when empty).
std::string last_error();
// Throws RuntimeError "HDF5: cannot OPERATION in FILE: <HDF5 message>".
[[noreturn]] void fail(const std::string& operation, const std::string& file);
// Returns `id` as an owned handle, or fails with `operation` when it is negative.
Hid check(hid_t id, const std::string& operation, const std::string& file);
void check(herr_t status, const std::string& operation, const std::string& file);

// Attribute writers. In parallel HDF5 attribute creation and writes are collective: every
// rank calls them in the same order with the same values. Strings are variable-length UTF-8,
// so there is no size limit (the resolved configuration can be long) and empty strings work.
void write_attr(hid_t obj, const std::string& name, const std::string& value,
                const std::string& file);
void write_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values,
                const std::string& file);
void write_attr(hid_t obj, const std::string& name, int value, const std::string& file);
void write_attr(hid_t obj, const std::string& name, const std::vector<int>& values,
                const std::string& file);
void write_attr(hid_t obj, const std::string& name, std::uint64_t value, const std::string& file);
void write_attr(hid_t obj, const std::string& name, double value, const std::string& file);
void write_attr(hid_t obj, const std::string& name, const std::vector<double>& values,
                const std::string& file);
// Overwrites the value of an existing scalar integer attribute (collective, like a write).
void rewrite_attr(hid_t obj, const std::string& name, int value, const std::string& file);

// Attribute readers (any rank, serial). Each throws RuntimeError naming the attribute and the
// file when it is missing or of another class (a string where numbers are expected, ...);
// `has_attr` asks first. Strings may be variable- or fixed-length.
bool has_attr(hid_t obj, const std::string& name);
std::string read_attr_string(hid_t obj, const std::string& name, const std::string& file);
std::vector<std::string> read_attr_strings(hid_t obj, const std::string& name,
                                           const std::string& file);
std::vector<long long> read_attr_integers(hid_t obj, const std::string& name,
                                          const std::string& file);
std::vector<double> read_attr_doubles(hid_t obj, const std::string& name, const std::string& file);

// Reads a whole dataset of any shape as doubles.
std::vector<double> read_doubles(hid_t dataset, const std::string& what, const std::string& file);

}  // namespace surge::h5
