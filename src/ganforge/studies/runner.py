"""Run a study's grid: skip what is finished, run the rest (in parallel processes when asked), report.

Layout of a study folder:

    <out>/runs/<config>/seed<k>/spec.json     what the run is (config, seed, job, parameters); written first
    <out>/runs/<config>/seed<k>/result.json   its final metrics; written last, atomically: "finished"
    <out>/results.csv, results.json, report.md, metrics.png and the study's own figures

A run with a result.json and the same spec is finished and is not run again; a training run interrupted half way
continues from its last checkpoint (the engine's exact resume). A folder whose spec.json differs (the study file
changed) is an error rather than a silent mix of old and new settings.

Every run uses one torch thread, so `jobs` runs in parallel fill `jobs` cores and the numbers do not depend on
`jobs`: a run's result is a function of its spec alone.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .spec import Run, RunRecord, Study, check_runs


class StudyError(RuntimeError):
    """A study folder that cannot be continued as it is (another study's runs in it)."""


@dataclass
class StudyResult:
    study: Study
    out: Path
    records: list[RunRecord]          # in the study's grid order
    paths: dict[str, Path]            # what the report wrote: csv, json, markdown, figures
    table: str = ""                   # mean ± std per config (markdown)
    extra: str = ""                   # the study's own tables (markdown)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def run_study(study: Study, out: str | Path, jobs: int | None = None, command: str = "",
              log: Callable[[str], None] | None = None) -> StudyResult:
    """Run every unfinished run of `study` under `out` with `jobs` processes (None: one per core), then write the
    CSV, JSON, markdown report and figures. Progress: one line per finished run through `log` (default stderr)."""
    from .report import write_report

    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    out = Path(out)
    check_runs(study.runs)
    records: dict[int, RunRecord] = {}
    pending: list[tuple[int, Run, Path]] = []
    for i, run in enumerate(study.runs):
        run_dir = out / "runs" / run.name
        previous = _finished(run, run_dir)
        if previous is not None:
            records[i] = previous
        else:
            pending.append((i, run, run_dir))

    total, done = len(study.runs), 0
    for i in sorted(records):
        done += 1
        log(_progress_line(done, total, records[i], study.metrics))
    jobs = max(1, min(jobs or available_cores(), len(pending) or 1))
    if pending:
        log(f"study {study.name}: {len(pending)} of {total} runs to do, {jobs} at a time -> {out}")
    for i, record in _execute_all(pending, jobs):
        records[i] = record
        done += 1
        log(_progress_line(done, total, record, study.metrics))

    ordered = [records[i] for i in range(total)]
    result = StudyResult(study, out, ordered, {})
    result.paths, result.table, result.extra = write_report(result, command=command)
    return result


# ------------------------------------------------------------------------------------------------ one run

def _finished(run: Run, run_dir: Path) -> RunRecord | None:
    """The record of a finished run in `run_dir`, None when it still has to run; StudyError for a foreign run."""
    spec_path = run_dir / "spec.json"
    if not spec_path.is_file():
        return None
    stored, wanted = json.loads(spec_path.read_text()), _jsonable(run.spec())
    if stored != wanted:
        changed = sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))
        raise StudyError(f"{run_dir} holds a run made with other settings (differs in: {', '.join(changed)}); "
                         f"delete that folder to run it again, or give the study another --out")
    result_path = run_dir / "result.json"
    if not result_path.is_file():
        return None  # started, not finished: run it (a training run resumes from its checkpoint)
    result = json.loads(result_path.read_text())
    status = "failed" if result.get("status") == "failed" else "skipped"   # a diverged run stays failed
    return RunRecord(run, status, result["seconds"], result["metrics"], run_dir, result.get("error"))


def _execute(run: Run, run_dir: Path) -> tuple[str, float, dict[str, float], str | None]:
    """Run one job with one torch thread, its chatter in run_dir/log.txt; a diverged run is a result, not a crash."""
    import torch

    from ..training.engine import TrainingDiverged

    run_dir.mkdir(parents=True, exist_ok=True)
    _write_json(run_dir / "spec.json", run.spec())
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    status, error, metrics = "ran", None, {}
    try:
        with open(run_dir / "log.txt", "a") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                metrics = {k: float(v) for k, v in run.job(run.params, run.seed, run_dir).items()}
            except TrainingDiverged as err:
                status, error = "failed", str(err)
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - start
    _write_json(run_dir / "result.json", {"status": status, "seconds": seconds, "metrics": metrics, "error": error})
    return status, seconds, metrics, error


def _worker(task: tuple[int, Run, Path]) -> tuple[int, tuple[str, float, dict[str, float], str | None]]:
    i, run, run_dir = task
    return i, _execute(run, run_dir)


def _execute_all(pending: list[tuple[int, Run, Path]], jobs: int):
    """Yield (index, record) as runs finish: in this process for jobs=1, else in a pool of spawned processes."""
    def record(i: int, run: Run, run_dir: Path, outcome: tuple) -> tuple[int, RunRecord]:
        status, seconds, metrics, error = outcome
        return i, RunRecord(run, status, seconds, metrics, run_dir, error)

    if jobs == 1:
        for i, run, run_dir in pending:
            yield record(i, run, run_dir, _execute(run, run_dir))
        return
    # spawn, not fork: a forked child would inherit torch's thread pools and any open state of the parent.
    by_index = {i: (run, run_dir) for i, run, run_dir in pending}
    with mp.get_context("spawn").Pool(jobs) as pool:
        for i, outcome in pool.imap_unordered(_worker, pending):
            yield record(i, *by_index[i], outcome)


def _progress_line(done: int, total: int, record: RunRecord, metrics: list[str]) -> str:
    head = f"[{done:>{len(str(total))}}/{total}] {record.run.config} seed {record.run.seed}"
    if record.status == "failed":
        return f"{head}: FAILED ({record.error.splitlines()[0] if record.error else 'no message'})"
    keys = [k for k in metrics if k in record.metrics] or list(record.metrics)[:6]
    shown = ", ".join(f"{k} {record.metrics[k]:.4g}" for k in keys)
    when = "finished before, skipped" if record.status == "skipped" else f"{record.seconds:.1f} s"
    return f"{head}: {shown} ({when})"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _write_json(path: Path, value: Any) -> None:
    """Write-then-rename: a crash never leaves half a result.json that would pass for a finished run."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, allow_nan=True) + "\n")
    os.replace(tmp, path)
