#include "io/xdmf.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace surge::xdmf {

namespace fs = std::filesystem;

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(std::numeric_limits<double>::max_digits10);
  s << v;
  return s.str();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

std::string simulation_name(int id) {
  char name[32];
  std::snprintf(name, sizeof name, "%06d", id);
  return name;
}

// The mesh as XDMF sees it, slowest direction first. A 1D grid becomes one row of nx cells
// (ParaView has no 1D structured mesh), with the row as thick as a cell is wide.
struct Mesh {
  std::string topology;
  std::string geometry;
  std::vector<std::string> points, origin, spacing;
};

Mesh mesh_of(const Grid& g) {
  Mesh m;
  if (g.dim == 1) {
    m.topology = "2DCoRectMesh";
    m.geometry = "ORIGIN_DXDY";
    m.points = {"2", std::to_string(g.cells[0] + 1)};
    m.origin = {"0", number(g.lower[0])};
    m.spacing = {number(g.spacing(0)), number(g.spacing(0))};
    return m;
  }
  m.topology = g.dim == 2 ? "2DCoRectMesh" : "3DCoRectMesh";
  m.geometry = g.dim == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ";
  for (int d = g.dim - 1; d >= 0; --d) {
    m.points.push_back(std::to_string(g.cells[d] + 1));
    m.origin.push_back(number(g.lower[d]));
    m.spacing.push_back(number(g.spacing(d)));
  }
  return m;
}

}  // namespace

std::string sidecar_path(const std::string& h5_path) {
  fs::path p(h5_path);
  if (p.extension() == ".h5") return p.replace_extension(".xmf").string();
  return h5_path + ".xmf";
}

void write_sidecar(const std::string& xmf_path, const std::string& h5_path, const Grid& grid,
                   const std::vector<std::string>& fields, std::size_t n_snapshots,
                   const std::vector<Series>& simulations) {
  const Mesh mesh = mesh_of(grid);
  // Spatial extents of a dataset, slowest first, as stored (no padding for 1D).
  std::vector<std::string> cells;
  for (int d = grid.dim - 1; d >= 0; --d) cells.push_back(std::to_string(grid.cells[d]));
  const std::size_t rank = cells.size() + 1;
  std::vector<std::string> start_tail(cells.size(), "0"), ones(rank, "1");
  const std::string slab_dims = "1 " + join(cells);
  const std::string whole_dims = std::to_string(n_snapshots) + " " + join(cells);
  const std::string h5_name = escape(fs::path(h5_path).filename().string());
  const std::string n_dim = std::to_string(mesh.points.size());

  std::ostringstream x;
  x << "<?xml version=\"1.0\" ?>\n"
    << "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
    << "  <Domain>\n";
  for (const auto& sim : simulations) {
    const std::string name = simulation_name(sim.id);
    x << "    <Grid Name=\"simulation_" << name
      << "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
    for (std::size_t k = 0; k < sim.times.size() && k < n_snapshots; ++k) {
      if (!std::isfinite(sim.times[k])) continue;
      x << "      <Grid Name=\"simulation_" << name << "_" << k << "\" GridType=\"Uniform\">\n"
        << "        <Time Value=\"" << number(sim.times[k]) << "\"/>\n"
        << "        <Topology TopologyType=\"" << mesh.topology << "\" Dimensions=\""
        << join(mesh.points) << "\"/>\n"
        << "        <Geometry GeometryType=\"" << mesh.geometry << "\">\n"
        << "          <DataItem Dimensions=\"" << n_dim
        << "\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">" << join(mesh.origin)
        << "</DataItem>\n"
        << "          <DataItem Dimensions=\"" << n_dim
        << "\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">" << join(mesh.spacing)
        << "</DataItem>\n"
        << "        </Geometry>\n";
      for (const auto& field : fields) {
        x << "        <Attribute Name=\"" << escape(field)
          << "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
          << "          <DataItem ItemType=\"HyperSlab\" Type=\"HyperSlab\" Dimensions=\""
          << slab_dims << "\">\n"
          << "            <DataItem Dimensions=\"3 " << rank
          << "\" NumberType=\"Int\" Format=\"XML\">" << k << " " << join(start_tail) << " "
          << join(ones) << " " << slab_dims << "</DataItem>\n"
          << "            <DataItem Dimensions=\"" << whole_dims
          << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5_name
          << ":/simulations/" << name << "/" << escape(field) << "</DataItem>\n"
          << "          </DataItem>\n"
          << "        </Attribute>\n";
      }
      x << "      </Grid>\n";
    }
    x << "    </Grid>\n";
  }
  x << "  </Domain>\n"
    << "</Xdmf>\n";

  const std::string tmp = xmf_path + ".partial";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << x.str();
    out.close();
    if (!out) throw RuntimeError("cannot write the XDMF sidecar " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, xmf_path, ec);
  if (ec) {
    throw RuntimeError("cannot rename " + tmp + " to " + xmf_path + ": " + ec.message());
  }
}

}  // namespace surge::xdmf
