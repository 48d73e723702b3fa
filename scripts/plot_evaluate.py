#!/usr/bin/python3
"""Plots of a `surge evaluate` output directory, written as PNG into DIR/plots/.

    scripts/plot_evaluate.py DIR

  errors.png     per held-out simulation, against simulated time: the surrogate's relative L2
                 error at each step and its nRMSE accumulated since the start, beside the
                 persistence baseline (predict no change)
  integrals.png  the integral of each field over the domain, solver against surrogate (a
                 conserved quantity such as mass shows the surrogate's drift)
  fields.png     the first held-out simulation at the last step: solver, surrogate and their
                 difference (1D: curves; 2D: images)

Uses Debian's python3-matplotlib only.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Beyond this many simulations the plots get unreadable: the first ones are drawn.
MAX_SIMULATIONS = 8


def fail(message):
    print(f"plot_evaluate: error: {message}", file=sys.stderr)
    sys.exit(2)


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def read_csv(path):
    with open(path, newline="") as f:
        rows = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(rows))


def by_simulation(rows):
    sims = {}
    for r in rows:
        sims.setdefault(int(r["simulation"]), []).append(r)
    return [sims[k] for k in sorted(sims)][:MAX_SIMULATIONS]


def series(rows, name):
    xs, ys = [], []
    for r in rows:
        x, y = number(r["time"]), number(r.get(name, ""))
        if x is not None and y is not None:
            xs.append(x)
            ys.append(y)
    return xs, ys


def finish(fig, out):
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_errors(rows, out):
    sims = by_simulation(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    panels = [
        (axes[0], "rel_l2", "persistence_rel_l2", "relative L2 error at the step"),
        (axes[1], "nrmse", "persistence_nrmse", "nRMSE since the start of the rollout"),
    ]
    for ax, name, baseline, title in panels:
        for i, sim in enumerate(sims):
            color = f"C{i % 10}"
            label = f"simulation {sim[0]['simulation']}"
            xs, ys = series(sim, name)
            ax.semilogy(xs, ys, color=color, marker="o", markersize=2, label=label)
            xs, ys = series(sim, baseline)
            ax.semilogy(xs, ys, ":", color=color)
        ax.set_title(title + " (dotted: persistence)", fontsize=9)
        ax.set_xlabel("simulated time t")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    finish(fig, out)


def plot_integrals(rows, out):
    fields = [k[len("integral_"): -len("_truth")] for k in rows[0]
              if k.startswith("integral_") and k.endswith("_truth")]
    sims = by_simulation(rows)
    fig, axes = plt.subplots(len(fields), 1, figsize=(7, 3.2 * len(fields)), squeeze=False)
    for ax, field in zip(axes[:, 0], fields):
        for i, sim in enumerate(sims):
            color = f"C{i % 10}"
            xs, ys = series(sim, f"integral_{field}_truth")
            ax.plot(xs, ys, color=color, label=f"simulation {sim[0]['simulation']}, solver")
            xs, ys = series(sim, f"integral_{field}_surrogate")
            ax.plot(xs, ys, "--", color=color, label="surrogate")
        ax.set_xlabel("simulated time t")
        ax.set_ylabel(f"integral of {field}")
        ax.set_title(f"{field}: solver (solid) and surrogate (dashed)", fontsize=9)
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    finish(fig, out)


def plot_fields(path, out):
    with open(path) as f:
        comments = [line[1:].strip() for line in f if line.startswith("#")]
    rows = read_csv(path)
    if not rows:
        return False
    keys = list(rows[0].keys())
    fields = [k[: -len("_truth")] for k in keys if k.endswith("_truth")]
    coords = [k for k in ("x", "y", "z") if k in keys]
    title = "; ".join(comments)
    if len(coords) == 1:
        x = [float(r["x"]) for r in rows]
        fig, axes = plt.subplots(len(fields), 2, figsize=(11, 3.2 * len(fields)), squeeze=False)
        for row, name in zip(axes, fields):
            truth = [float(r[name + "_truth"]) for r in rows]
            surrogate = [float(r[name + "_surrogate"]) for r in rows]
            row[0].plot(x, truth, "k", label="solver")
            row[0].plot(x, surrogate, "C3--", label="surrogate")
            row[0].set_ylabel(name)
            row[0].legend()
            row[1].plot(x, [s - t for s, t in zip(surrogate, truth)], "C3")
            row[1].set_ylabel(f"{name}: surrogate - solver")
            for ax in row:
                ax.set_xlabel("x")
                ax.grid(True, alpha=0.3)
    else:
        xs = sorted({float(r["x"]) for r in rows})
        ys = sorted({float(r["y"]) for r in rows})
        nx, ny = len(xs), len(ys)
        if len(coords) > 2 or nx * ny != len(rows):
            print("plot_evaluate: fields.png: only 1D and 2D grids are drawn", file=sys.stderr)
            return False
        fig, axes = plt.subplots(len(fields), 3, figsize=(12, 3.4 * len(fields)), squeeze=False)
        for row, name in zip(axes, fields):
            truth = [float(r[name + "_truth"]) for r in rows]
            surrogate = [float(r[name + "_surrogate"]) for r in rows]
            images = [("solver", truth), ("surrogate", surrogate),
                      ("surrogate - solver", [s - t for s, t in zip(surrogate, truth)])]
            low, high = min(truth + surrogate), max(truth + surrogate)
            for k, (ax, (kind, values)) in enumerate(zip(row, images)):
                image = [values[j * nx:(j + 1) * nx] for j in range(ny)]
                limits = {} if k == 2 else {"vmin": low, "vmax": high}
                im = ax.imshow(image, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
                               cmap="RdBu_r" if k == 2 else "viridis", **limits)
                ax.set_title(f"{name}: {kind}", fontsize=9)
                fig.colorbar(im, ax=ax)
    fig.suptitle(title, fontsize=8)
    finish(fig, out)
    return True


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    directory = sys.argv[1]
    table = os.path.join(directory, "evaluation.csv")
    if not os.path.isfile(table):
        fail(f"{table}: no such file (is {directory} the output of surge evaluate?)")
    rows = read_csv(table)
    if not rows:
        fail(f"{table}: no rows (no simulation was evaluated)")
    plots = os.path.join(directory, "plots")
    os.makedirs(plots, exist_ok=True)
    plot_errors(rows, os.path.join(plots, "errors.png"))
    plot_integrals(rows, os.path.join(plots, "integrals.png"))
    made = ["errors.png", "integrals.png"]
    example = os.path.join(directory, "fields_last_step.csv")
    if os.path.isfile(example) and plot_fields(example, os.path.join(plots, "fields.png")):
        made.append("fields.png")
    print(f"plot_evaluate: wrote {', '.join(made)} in {plots}")


if __name__ == "__main__":
    main()
