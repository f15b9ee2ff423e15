"""What a study leaves behind: every run's final metrics (CSV, JSON), mean ± std per config over seeds (a markdown
report), a bar chart per metric with every seed as a dot, and the study's own figures."""

from __future__ import annotations

import csv
import datetime
import json
import math
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..artifacts.plots import pyplot, save_figure
from .spec import RunRecord

if TYPE_CHECKING:
    from .runner import StudyResult


def configs_in_order(records: list[RunRecord]) -> list[str]:
    return list(dict.fromkeys(r.run.config for r in records))


def metric_values(records: list[RunRecord], config: str, metric: str) -> list[float]:
    """The metric over the config's finished seeds (failed runs and runs that lack the metric left out)."""
    return [r.metrics[metric] for r in records
            if r.run.config == config and r.status != "failed" and metric in r.metrics]


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1); the std of one value is 0. Any inf/NaN makes both inf/NaN."""
    if not values:
        return math.nan, math.nan
    if not all(math.isfinite(v) for v in values):
        return statistics.fmean(values), math.nan
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(records: list[RunRecord], metrics: list[str]) -> dict[str, dict[str, Any]]:
    """{config: {"runs": n, "failed": k, metric: {"mean", "std", "n"}}} over seeds."""
    out: dict[str, dict[str, Any]] = {}
    for config in configs_in_order(records):
        rs = [r for r in records if r.run.config == config]
        row: dict[str, Any] = {"runs": len(rs), "failed": sum(r.status == "failed" for r in rs)}
        for metric in metrics:
            values = metric_values(records, config, metric)
            m, s = mean_std(values)
            row[metric] = {"mean": m, "std": s, "n": len(values)}
        out[config] = row
    return out


def format_mean_std(m: float, s: float, n: int) -> str:
    if n == 0:
        return "–"
    if n == 1 or s == 0:
        return f"{m:.4g}"
    return f"{m:.4g} ± {s:.2g}"


def markdown_table(summary: dict[str, dict[str, Any]], metrics: list[str]) -> str:
    lines = ["| config | runs | " + " | ".join(metrics) + " |", "|---|---|" + "---|" * len(metrics)]
    for config, row in summary.items():
        runs = f"{row['runs']}" + (f" ({row['failed']} failed)" if row["failed"] else "")
        cells = [format_mean_std(row[m]["mean"], row[m]["std"], row[m]["n"]) for m in metrics]
        lines.append(f"| {config} | {runs} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def all_metric_names(records: list[RunRecord], first: list[str]) -> list[str]:
    """The study's metrics first, then every other metric any run reported, sorted."""
    rest = sorted({k for r in records for k in r.metrics} - set(first))
    return [*first, *rest]


def write_csv(records: list[RunRecord], metrics: list[str], path: Path) -> Path:
    tags = list(dict.fromkeys(k for r in records for k in r.run.tags))
    columns = ["config", "seed", "status", "seconds", *tags, *metrics, "error"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for r in records:
            writer.writerow([r.run.config, r.run.seed, r.status, f"{r.seconds:.3f}",
                             *(r.run.tags.get(t, "") for t in tags),
                             *(repr(r.metrics[m]) if m in r.metrics else "" for m in metrics), r.error or ""])
    return path


def plot_metrics(records: list[RunRecord], metrics: list[str], path: Path, title: str = "") -> Path:
    """One panel per metric: a bar per config at the mean over seeds, ± one std, each seed a dot."""
    plt = pyplot()
    configs = configs_in_order(records)
    cols = min(len(metrics), 3)
    rows = math.ceil(len(metrics) / cols)
    width = max(4.0, 0.42 * len(configs) + 1.6)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 3.6 * rows), dpi=100, squeeze=False)
    colours = plt.get_cmap("tab10").colors
    for ax, metric in zip(axes.flat, metrics):
        for j, config in enumerate(configs):
            values = [v for v in metric_values(records, config, metric) if math.isfinite(v)]
            if not values:
                continue
            m, s = mean_std(values)
            ax.bar(j, m, yerr=s if len(values) > 1 else None, color=colours[j % len(colours)], alpha=0.55,
                   capsize=3, width=0.7)
            offsets = [0.0] if len(values) == 1 else [0.25 * (k / (len(values) - 1) - 0.5) for k in range(len(values))]
            ax.scatter([j + o for o in offsets], values, s=12, color="black", zorder=3)
        ax.set_xticks(range(len(configs)))
        long = max(len(c) for c in configs) > 6 or len(configs) > 4
        ax.set_xticklabels(configs, rotation=40 if long else 0, ha="right" if long else "center", fontsize=8)
        ax.set_title(metric, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, path)


def write_report(result: StudyResult, command: str = "") -> tuple[dict[str, Path], str, str]:
    """results.csv, results.json, metrics.png, the study's figures and report.md under result.out.
    Returns (paths, the mean ± std table, the study's extra markdown)."""
    study, records, out = result.study, result.records, result.out
    out.mkdir(parents=True, exist_ok=True)
    columns = all_metric_names(records, study.metrics)
    summary = summarise(records, study.metrics)
    paths: dict[str, Path] = {"csv": write_csv(records, columns, out / "results.csv")}
    reported = [m for m in study.metrics if any(m in r.metrics for r in records)]
    figures: list[Path] = []
    if reported and any(r.status != "failed" for r in records):
        figures.append(plot_metrics(records, reported, out / "metrics.png",
                                    title=f"{study.name}: mean ± std over seeds (dots: seeds)"))
    extra = ""
    if study.figures is not None:
        own, extra = study.figures(records, out)
        figures += own
    table = markdown_table(summary, reported or study.metrics)

    runs_json = [{"config": r.run.config, "seed": r.run.seed, "status": r.status, "seconds": r.seconds,
                  "tags": r.run.tags, "params": r.run.params, "metrics": r.metrics, "error": r.error,
                  "dir": str(r.dir.relative_to(out) if r.dir.is_relative_to(out) else r.dir)} for r in records]
    paths["json"] = out / "results.json"
    paths["json"].write_text(json.dumps({"study": study.name, "summary": study.summary, "command": command,
                                         "ganforge_version": __version__, "metrics": study.metrics,
                                         "by_config": summary, "runs": runs_json}, indent=2) + "\n")
    counts = {s: sum(r.status == s for r in records) for s in ("ran", "skipped", "failed")}
    seeds = sorted({r.run.seed for r in records})
    lines = [f"# Study `{study.name}`", "", study.summary, ""]
    if study.claim:
        lines += [f"**Claim.** {study.claim}", ""]
    made = f"Made with `{command}`" if command else "Made"
    lines += [f"{made} on {datetime.date.today().isoformat()}, ganforge {__version__}: {len(records)} runs "
              f"({counts['ran']} ran now, {counts['skipped']} finished before, {counts['failed']} failed), "
              f"seeds {', '.join(map(str, seeds))}. Every run's numbers: `results.csv`, `results.json`; "
              f"its files: `runs/<config>/seed<k>/`.", ""]
    if study.notes:
        lines += [study.notes, ""]
    lines += ["## Mean ± std over seeds", "", table, ""]
    if figures:
        lines += ["## Figures", ""] + [f"![{p.stem}]({p.relative_to(out) if p.is_relative_to(out) else p})"
                                       for p in figures] + [""]
    if extra:
        lines += [extra, ""]
    failed = [r for r in records if r.status == "failed"]
    if failed:
        lines += ["## Failed runs", ""] + [f"- {r.run.config} seed {r.run.seed}: {r.error}" for r in failed] + [""]
    paths["markdown"] = out / "report.md"
    paths["markdown"].write_text("\n".join(lines))
    for p in figures:
        paths[p.stem] = p
    return paths, table, extra
