"""End-to-end `kg build` at growing sizes: time, abstracts/s and peak RSS per stage and in total.

    python -m benchmarks.build_bench [--sizes 1000,10000,100000] [--workers 2] [--fast | --fast-too]
                                     [--data /tmp/kg-bench] [--json out.json]

For each size a corpus is generated once by `benchmarks.generate` (and reused while it exists:
``<data>/corpus-<N>-s<seed>.jsonl``), then `kg.build.build` runs on it in a child process of its
own (so memory is its own), into a fresh output folder (no cache to reuse). Pipelines: the default
one (rules + trained tagger; skipped with a note when kg/models/tagger is absent), with `--fast` the
rules-only one instead, with `--fast-too` both. `--workers` applies to the default pipeline;
`--fast-workers` (default 1) to the fast one, because cheap pipelines get slower with processes.

Reported per run, for each stage of `BuildResult.timings` (read, extract, link, graph, write) and in
total (the `build()` call): seconds, abstracts/s, and peak RSS of the build process during the stage
(sampled every 50 ms from /proc). "workers RSS" is the largest extraction worker's peak
(`getrusage(RUSAGE_CHILDREN)`), "sum RSS" the build process's peak plus each worker at that peak:
an upper bound of what the build held at once. Then the ratios: the time of each size against the
previous one, and default against fast. The 1-minute load average before and after each run is
printed too: on a shared machine other processes slow a run down.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("read", "extract", "link", "graph", "write")
DEFAULT_DATA = Path("/tmp/kg-bench")


def corpus(size: int, data: Path, seed: int) -> Path:
    """The generated corpus of `size` abstracts, written once and reused."""
    path = data / f"corpus-{size}-s{seed}.jsonl"
    if not path.exists():
        from benchmarks.generate import write_corpus

        data.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_corpus(size, path, seed=seed)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def _rss_bytes() -> int:
    """This process's resident set now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _Sampler(threading.Thread):
    """Samples this process's RSS every `interval` seconds: (perf_counter time, bytes)."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.perf_counter(), _rss_bytes()))
            self.stopped.wait(self.interval)

    def peak(self, start: float, end: float) -> int:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside, default=0)


def child(corpus_path: Path, outdir: Path, *, fast: bool, workers: int) -> dict[str, Any]:
    """One build, in this (child) process: timings, counts and RSS, as a JSON-able dict."""
    from kg.build import BuildOptions, build

    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    result = build([corpus_path], outdir, BuildOptions(pipeline="fast" if fast else "default", workers=workers))
    total = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    # the stages run one after the other; an unmeasured moment between extract and link (the
    # manifest hash) is counted in link's window for RSS only
    clock = started
    stages: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        seconds = result.timings.get(stage, 0.0)
        end = clock + seconds if stage != "link" else clock + seconds + _gap(result.timings, total)
        stages[stage] = {"seconds": seconds, "rss": sampler.peak(clock, end)}
        clock = end
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"papers": result.papers, "total": total, "stages": stages, "rss": self_peak,
            "workers_rss": workers_peak if workers > 1 else 0, "stats": result.stats}


def _gap(timings: dict[str, float], total: float) -> float:
    return max(0.0, total - sum(timings.get(s, 0.0) for s in STAGES))


def run(size: int, corpus_path: Path, outdir: Path, *, fast: bool, workers: int) -> dict[str, Any]:
    """Runs `child` in a fresh Python process and returns its report with the wall time around it."""
    import shutil

    if outdir.exists():
        shutil.rmtree(outdir)
    command = [sys.executable, "-m", "benchmarks.build_bench", "--child", str(corpus_path), str(outdir),
               "--workers", str(workers)] + (["--fast"] if fast else [])
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build of {corpus_path} failed:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report.update(size=size, pipeline="fast" if fast else "default", workers=workers, wall=wall,
                  load=(load_before, os.getloadavg()[0]))
    return report


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def table(reports: list[dict[str, Any]]) -> str:
    """The per-stage table (markdown) of every run."""
    lines = ["| size | pipeline | workers | stage | seconds | abstracts/s | peak RSS |",
             "|---:|---|---:|---|---:|---:|---:|"]
    for r in reports:
        head = f"| {r['size']:,} | {r['pipeline']} | {r['workers']} |"
        for stage in STAGES:
            s = r["stages"][stage]
            rate = r["papers"] / s["seconds"] if s["seconds"] > 0 else float("inf")
            lines.append(f"{head} {stage} | {s['seconds']:.1f} | {rate:,.0f} | {_mb(s['rss'])} |")
        rss = _mb(r["rss"])
        if r["workers_rss"]:
            rss += (f" (workers {_mb(r['workers_rss'])} each; sum ≤ "
                    f"{_mb(r['rss'] + r['workers'] * r['workers_rss'])})")
        lines.append(f"{head} **total** | **{r['total']:.1f}** | **{r['papers'] / r['total']:,.0f}** | {rss} |")
    return "\n".join(lines)


def ratios(reports: list[dict[str, Any]]) -> list[str]:
    """Growth of time with size (per pipeline) and default against fast (per size)."""
    out: list[str] = []
    by = {(r["pipeline"], r["size"]): r for r in reports}
    for pipeline in ("default", "fast"):
        sizes = sorted(size for p, size in by if p == pipeline)
        for small, big in itertools.pairwise(sizes):
            factor = by[(pipeline, big)]["total"] / by[(pipeline, small)]["total"]
            out.append(f"{pipeline}: {big:,} / {small:,} time = {factor:.2f} (size × {big / small:g})")
    for size in sorted({s for _, s in by}):
        if ("default", size) in by and ("fast", size) in by:
            factor = by[("default", size)]["total"] / by[("fast", size)]["total"]
            out.append(f"{size:,}: default / fast time = {factor:.2f}")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="Comma-separated corpus sizes (default 1000,10000).")
    parser.add_argument("--workers", type=int, default=2, help="Extraction processes of the default pipeline.")
    parser.add_argument("--fast-workers", type=int, default=1, help="Extraction processes of the fast pipeline.")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--fast", action="store_true", help="Only the rules-only pipeline.")
    which.add_argument("--fast-too", action="store_true", help="The default pipeline and the fast one.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Folder of corpora and build outputs.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the generated corpora.")
    parser.add_argument("--json", type=Path, default=None, help="Also write every report to this JSON file.")
    parser.add_argument("--child", nargs=2, type=Path, metavar=("CORPUS", "OUTDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child[0], args.child[1], fast=args.fast, workers=args.workers)))
        return 0

    from kg.extract.tagger import shipped_model

    pipelines = ["fast"] if args.fast else ["default", "fast"] if args.fast_too else ["default"]
    if "default" in pipelines and not (shipped_model() / "meta.json").exists():
        print(f"note: no trained tagger at {shipped_model()}: the default pipeline is skipped, fast only",
              file=sys.stderr)
        pipelines = ["fast"]
    reports: list[dict[str, Any]] = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        path = corpus(size, args.data, args.seed)
        for pipeline in pipelines:
            fast = pipeline == "fast"
            workers = args.fast_workers if fast else args.workers
            report = run(size, path, args.data / f"out-{size}-{pipeline}", fast=fast, workers=workers)
            reports.append(report)
            print(f"{size:,} {pipeline} workers={workers}: {report['total']:.1f} s, "
                  f"{report['papers'] / report['total']:,.0f} abstracts/s, peak RSS {_mb(report['rss'])}; "
                  f"load average {report['load'][0]:.1f} before, {report['load'][1]:.1f} after "
                  f"({os.cpu_count()} cores)",
                  file=sys.stderr, flush=True)
    print(table(reports))
    print()
    for line in ratios(reports):
        print(line)
    if args.json is not None:
        args.json.write_text(json.dumps(reports, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
