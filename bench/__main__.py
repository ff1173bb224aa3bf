"""`make bench` (`smm bench [--only ID]`): run the benchmarks of docs/contract.md (PERF-1..PERF-6).

Each benchmark is a module with `WHAT`, `TARGET` and `run() -> dict` (figures, target, units,
met, notes), imported only when it runs. Results are merged into `bench/results.json` by
id, so running one benchmark keeps the others' last figures, and `bench/results.md` is
rendered from the merged file.

Environment knobs: DATABASE_URL + REDIS_URL (use these services instead of embedded ones),
BENCH_DURATION / BENCH_WARMUP (seconds per load run), BENCH_LOADGEN=python (skip wrk).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import common

#: id -> module; add PERF-1..4 and PERF-6 here as they land.
BENCHMARKS: dict[str, str] = {
    "PERF-1": "bench.perf1_ingest",
    "PERF-2": "bench.perf2_kpis",
    "PERF-3": "bench.perf3_attribution",
    "PERF-4": "bench.perf4_mentions",
    "PERF-5": "bench.perf5_api",
    "PERF-6": "bench.perf6_segments",
    "PERF-WH": "bench.perf_webhooks",
    "PERF-SCALE": "bench.perf_scale",
    "PERF-CITUS": "bench.perf_citus",
}
RESULTS_JSON = common.BENCH_DIR / "results.json"
RESULTS_MD = common.BENCH_DIR / "results.md"


def run_one(bench_id: str) -> dict[str, Any]:
    """Run one benchmark; a failure becomes a `failed` record, not a lost run."""
    record: dict[str, Any] = {"id": bench_id, "what": bench_id}
    machine = common.machine()  # before the run: the load average says what else was running
    started = time.monotonic()
    print(f"== {bench_id}", flush=True)
    try:
        module = importlib.import_module(BENCHMARKS[bench_id])
        record.update(what=getattr(module, "WHAT", bench_id), target=getattr(module, "TARGET", ""))
        run: Callable[[], dict[str, Any]] = module.run
        record.update(run())
        record["status"] = "ok"
    except Exception as exc:
        traceback.print_exc()
        record.update(status="failed", met=False, error=f"{type(exc).__name__}: {exc}")
    record.update(
        timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
        wall_time_s=round(time.monotonic() - started, 1),
        machine={**machine, "load_average_1m_after": round(os.getloadavg()[0], 2)},
    )
    return record


def load_results(path: Path = RESULTS_JSON) -> dict[str, Any]:
    with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
        results = json.loads(path.read_text())
        if isinstance(results, dict):
            return results
    return {}


def _order(bench_id: str) -> tuple[str, int]:
    match = re.fullmatch(r"(\D*)(\d+)", bench_id)
    return (match.group(1), int(match.group(2))) if match else (bench_id, 0)


def _figures(record: dict[str, Any]) -> str:
    if record.get("status") == "failed":
        # The first and last lines say what failed; the whole error stays in results.json.
        lines = [line.strip() for line in str(record.get("error", "?")).splitlines()]
        lines = [line for line in lines if line]
        raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception)\b", line)]
        last = (raised or lines or ["?"])[-1]
        gist = " ... ".join(dict.fromkeys([lines[0] if lines else "?", last]))
        return f"failed: {gist[:300]}"
    if "summary" in record:
        return str(record["summary"])
    units = record.get("units", {})
    return "; ".join(
        f"{name} {value} {units.get(name, '')}".strip()
        for name, value in record.get("figures", {}).items()
    )


def _met(record: dict[str, Any]) -> str:
    if record.get("status") == "failed":
        return "**failed**"
    return {True: "yes", False: "**no**", None: "n/a (reported)"}.get(record.get("met"), "?")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks (docs/contract.md, PERF-1..PERF-6)",
        "",
        "Written by `make bench` from `bench/results.json`; each row is that benchmark's last run.",
        "",
        "| id | what | figures | target | met? |",
        "|---|---|---|---|---|",
    ]
    ordered = sorted(results.values(), key=lambda record: _order(str(record.get("id", ""))))
    for record in ordered:
        cells = (
            str(record.get("id", "")),
            str(record.get("what", "")),
            _figures(record),
            str(record.get("target", "")),
            _met(record),
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    for record in ordered:
        machine = record.get("machine", {})
        lines += [
            "",
            f"## {record.get('id')}",
            "",
            f"- run: {record.get('timestamp')} on {machine.get('nproc')} CPU(s) "
            f"({machine.get('cpu_model') or 'unknown CPU'}), 1-min load average before the "
            f"run {machine.get('load_average_1m')}, after {machine.get('load_average_1m_after')}",
        ]
        if "load_generator" in record:
            lines.append(f"- load generator: {record['load_generator']}")
        units = record.get("units", {})
        lines += [
            f"- {name}: {value} {units.get(name, '')}".rstrip()
            for name, value in record.get("figures", {}).items()
        ]
        lines += [f"- {note}" for note in record.get("notes", [])]
    return "\n".join(lines) + "\n"


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops its child processes."""
    raise SystemExit(128 + signum)


def main(only: str | None = None) -> None:
    selected = list(BENCHMARKS)
    if only is not None:
        wanted = {bench_id.upper(): bench_id for bench_id in BENCHMARKS}.get(only.upper())
        if wanted is None:
            raise SystemExit(f"unknown benchmark {only!r}; known: {', '.join(BENCHMARKS)}")
        selected = [wanted]
    signal.signal(signal.SIGTERM, _stop_on_sigterm)

    results = load_results()
    failed = []
    for bench_id in selected:
        record = run_one(bench_id)
        results[bench_id] = record
        if record["status"] != "ok":
            failed.append(bench_id)
        # Written after each benchmark: a later crash keeps the earlier figures.
        RESULTS_JSON.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        RESULTS_MD.write_text(render_markdown(results))
    print(
        f"results: {RESULTS_JSON.relative_to(common.ROOT)}, {RESULTS_MD.relative_to(common.ROOT)}"
    )
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
