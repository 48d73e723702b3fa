#!/usr/bin/python3
"""Plots of a `surge run` output directory, written as PNG into DIR/plots/.

    scripts/plot_run.py DIR

  loss.png        training loss against optimizer steps
  validation.png  held-out one-step relative L2 error and rollout nRMSE against steps, with the
                  persistence baseline (predict no change)
  prediction.png  the first held-out simulation: initial state, truth and surrogate at the end
                  of the validation rollout (1D: curves; 2D: images)

Uses Debian's python3-matplotlib only (no numpy needed).
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(message):
    print(f"plot_run: error: {message}", file=sys.stderr)
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


def column(rows, name):
    xs, ys = [], []
    for r in rows:
        x, y = number(r["step"]), number(r.get(name, ""))
        if x is not None and y is not None:
            xs.append(x)
            ys.append(y)
    return xs, ys


def save_against_steps(fig, ax, ylabel, out):
    """Labels a log-scale plot against optimizer steps, writes it to `out` and closes it."""
    ax.set_xlabel("optimizer step")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_loss(rows, out):
    xs, ys = column(rows, "train_loss")
    if not xs:
        return False
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(xs, ys, label="training loss (mean since previous row)")
    save_against_steps(fig, ax, "loss (normalised units)", out)
    return True


def plot_validation(rows, out):
    series = [
        ("val_one_step", "one-step relative L2", "C0", "-"),
        ("val_one_step_persistence", "one-step, persistence", "C0", ":"),
        ("val_rollout", "rollout nRMSE", "C1", "-"),
        ("val_rollout_persistence", "rollout, persistence", "C1", ":"),
    ]
    fig, ax = plt.subplots(figsize=(6, 4))
    drawn = False
    for name, label, color, style in series:
        xs, ys = column(rows, name)
        if xs:
            ax.semilogy(xs, ys, style, color=color, marker="o", markersize=3, label=label)
            drawn = True
    if not drawn:
        plt.close(fig)
        return False
    save_against_steps(fig, ax, "error on held-out simulations", out)
    return True


def plot_prediction(path, out):
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
        fig, axes = plt.subplots(len(fields), 1, figsize=(7, 3.2 * len(fields)), squeeze=False)
        for ax, name in zip(axes[:, 0], fields):
            ax.plot(x, [float(r[name + "_initial"]) for r in rows], color="0.6", label="initial")
            ax.plot(x, [float(r[name + "_truth"]) for r in rows], "k", label="solver")
            ax.plot(x, [float(r[name + "_surrogate"]) for r in rows], "C3--", label="surrogate")
            ax.set_xlabel("x")
            ax.set_ylabel(name)
            ax.grid(True, alpha=0.3)
            ax.legend()
        fig.suptitle(title, fontsize=8)
    else:
        xs = sorted({float(r["x"]) for r in rows})
        ys = sorted({float(r["y"]) for r in rows})
        nx, ny = len(xs), len(ys)
        fig, axes = plt.subplots(len(fields), 3, figsize=(10, 3.2 * len(fields)), squeeze=False)
        for row, name in zip(axes, fields):
            for ax, kind in zip(row, ("initial", "truth", "surrogate")):
                values = [float(r[f"{name}_{kind}"]) for r in rows]
                image = [values[j * nx:(j + 1) * nx] for j in range(ny)]
                im = ax.imshow(image, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]))
                ax.set_title(f"{name} {kind}", fontsize=9)
                fig.colorbar(im, ax=ax)
        fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return True


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    run = sys.argv[1]
    metrics = os.path.join(run, "metrics.csv")
    if not os.path.isfile(metrics):
        fail(f"{metrics}: no such file (is {run} the output.directory of a surge run?)")
    plots = os.path.join(run, "plots")
    os.makedirs(plots, exist_ok=True)
    rows = read_csv(metrics)
    made = []
    if plot_loss(rows, os.path.join(plots, "loss.png")):
        made.append("loss.png")
    if plot_validation(rows, os.path.join(plots, "validation.png")):
        made.append("validation.png")
    example = os.path.join(run, "validation_example.csv")
    if os.path.isfile(example) and plot_prediction(example, os.path.join(plots, "prediction.png")):
        made.append("prediction.png")
    print(f"plot_run: wrote {', '.join(made) if made else 'nothing'} in {plots}")


if __name__ == "__main__":
    main()
