"""The benchmark's outputs: a CSV of median times, a markdown table, a bar chart and a file with
the hardware and settings."""

import csv
import datetime
import json
import os
import platform
import statistics
import subprocess

CONFIGS = ["vanilla", "thermite", "comet"]


def _median(run):
    return statistics.median(run["times"]) if run["times"] and not run["error"] else None


def _seconds(value):
    return f"{value:.2f}" if value is not None else "error"


def _ratio(slower, faster):
    return f"{slower / faster:.2f}x" if slower and faster else "n/a"


def _native(run):
    if run["error"]:
        return "error"
    return "yes" if not run["in_spark"] else "no"


def _write_csv(path, medians, results):
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["query"] + [f"{c}_median_s" for c in CONFIGS] + ["thermite_fully_native", "comet_fully_native"])
        for query, times in medians.items():
            out.writerow([query] + [f"{times[c]:.4f}" if times[c] is not None else "" for c in CONFIGS]
                         + [_native(results["thermite"][query]), _native(results["comet"][query])])


def _totals(medians):
    """Sum of medians per configuration over the queries every configuration answered."""
    answered = [q for q, t in medians.items() if all(t[c] is not None for c in CONFIGS)]
    return {c: sum(medians[q][c] for q in answered) for c in CONFIGS}, len(answered)


def _write_markdown(path, title, medians, results, differences, settings):
    totals, answered = _totals(medians)
    lines = [
        f"# {title}",
        "",
        f"Median of {settings['iterations']} timed iteration(s) after a warm-up pass, in seconds "
        f"(query planning, execution and collecting the answer). Speed-up = other time / Thermite time. "
        f"Fully native: every operator of the executed plan ran in that engine (besides the final "
        f"row conversion).",
        "",
        "| query | vanilla Spark | Thermite | Comet | Thermite vs Spark | Thermite vs Comet | Thermite fully native | Comet fully native |",
        "| --- | ---: | ---: | ---: | ---: | ---: | :---: | :---: |",
    ]
    for query, t in medians.items():
        lines.append(f"| {query} | {_seconds(t['vanilla'])} | {_seconds(t['thermite'])} | {_seconds(t['comet'])} "
                     f"| {_ratio(t['vanilla'], t['thermite'])} | {_ratio(t['comet'], t['thermite'])} "
                     f"| {_native(results['thermite'][query])} | {_native(results['comet'][query])} |")
    lines.append(f"| **total ({answered} queries)** | **{totals['vanilla']:.2f}** | **{totals['thermite']:.2f}** "
                 f"| **{totals['comet']:.2f}** | **{_ratio(totals['vanilla'], totals['thermite'])}** "
                 f"| **{_ratio(totals['comet'], totals['thermite'])}** | | |")
    lines += ["", "## Answers", ""]
    if differences:
        lines += [f"- {query} on {name} differs from vanilla Spark: {difference}" for query, name, difference in differences]
    else:
        lines.append("All configurations returned the same answers as vanilla Spark (decimals exactly, doubles within "
                     "a relative 1e-9).")
    lines += ["", "## Operators left in Spark", "",
              "Per query not fully native: the Spark operators of its executed plan (whole-stage "
              "code generation and the final row conversion aside).", ""]
    for config in ("thermite", "comet"):
        left = [(q, [op for op in results[config][q]["in_spark"] if op != "WholeStageCodegen"])
                for q in medians if results[config][q]["in_spark"]]
        lines.append(f"- {config}:" + ("" if left else " none"))
        lines += [f"  - {q}: {', '.join(ops)}" for q, ops in left]
    errors = [(c, q, results[c][q]["error"]) for c in CONFIGS for q in medians if results[c][q]["error"]]
    if errors:
        lines += ["", "## Errors", ""] + [f"- {c} {q}: {e}" for c, q, e in errors]
    lines += ["", "Hardware and settings: see the `-environment.txt` file beside this one.", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def _write_chart(path, title, medians):
    totals, answered = _totals(medians)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    queries = list(medians)
    width = 0.27
    fig, ax = plt.subplots(figsize=(14, 5))
    for i, (config, label) in enumerate([("vanilla", "Spark"), ("thermite", "Spark + Thermite"),
                                         ("comet", "Spark + Comet")]):
        xs = [q + (i - 1) * width for q in range(len(queries))]
        ax.bar(xs, [medians[q][config] or 0 for q in queries], width, label=label)
    ax.set_xticks(range(len(queries)))
    ax.set_xticklabels([q.upper() for q in queries])
    ax.set_ylabel("median time (s)")
    ax.set_title(f"{title}\ntotal of {answered} queries: Spark {totals['vanilla']:.1f} s, "
                 f"Thermite {totals['thermite']:.1f} s, Comet {totals['comet']:.1f} s")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _command(args):
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=True)
        return (done.stdout.strip() or done.stderr.strip()).splitlines()[0]
    except (OSError, subprocess.CalledProcessError) as e:
        return f"({' '.join(args)} failed: {e})"


def _write_environment(path, settings):
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    cpu_model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                      if line.startswith("Model name")), "unknown")
    memory = next((line.split(":", 1)[1].strip() for line in open("/proc/meminfo")
                   if line.startswith("MemTotal")), "unknown")
    import pyspark
    lines = [
        f"date (UTC): {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
        f"nproc: {_command(['nproc'])}",
        f"cpu: {cpu_model}",
        f"memory: {memory}",
        f"os: {platform.platform()}",
        f"java: {_command(['java', '-version'])}",
        f"python: {platform.python_version()}, pyspark: {pyspark.__version__}",
        "settings:",
        json.dumps(settings, indent=2),
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write(results_dir, stem, results, differences, settings):
    os.makedirs(results_dir, exist_ok=True)
    queries = list(results["vanilla"])
    medians = {q: {c: _median(results[c][q]) for c in CONFIGS} for q in queries}
    title = f"TPC-H SF{settings['scale']}: Spark 3.5.9, Spark + Thermite, Spark + Comet 0.12.0 (local[2])"
    paths = [os.path.join(results_dir, stem + suffix) for suffix in (".csv", ".md", ".png", "-environment.txt")]
    _write_csv(paths[0], medians, results)
    _write_markdown(paths[1], title, medians, results, differences, settings)
    _write_chart(paths[2], title, medians)
    _write_environment(paths[3], settings)
    return paths
