"""What every benchmark module shares: figures with their comparison and target, timing,
the machine and its load, the cache of demo stores, and child processes that answer JSON.

A ``Figure`` is one row of the suite's table: a value, the comparison measured in the same
run beside it, their ratio, and the target it meets or misses. Timings are medians over
repeats, wall-clock and CPU both: the machine is shared, and the CPU time of a
single-threaded call is what other people's work inflates least.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "CACHE_DIR",
    "REPO",
    "CachedStore",
    "Figure",
    "LoadSampler",
    "Timing",
    "cached_demo",
    "code_version",
    "fmt",
    "log",
    "machine_info",
    "measure",
    "run_json",
]

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / "bench" / ".cache"

#: The files whose content decides what a demo store holds (and so the cache key).
_STORE_CODE = (
    "orggraph/demo/*.py",
    "orggraph/data/*.json",
    "orggraph/model/*.py",
    "orggraph/store/base.py",
    "orggraph/store/embedded.py",
)


def log(message: str) -> None:
    """Progress on stderr (stdout carries the table and the JSON of child processes)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- figures ------------------------------------------------------------------------------
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(kw_only=True, slots=True)
class Figure:
    """One row: a measured value beside its comparison, and its target if it has one.

    ``op``/``threshold`` check the value (or, with ``target_on="ratio"``, the ratio),
    and ``ratio_limit``, when set, the ratio as well (a value target with a growth limit
    beside it); ``meets`` is ``None`` when there is no target or no value.
    """

    id: str
    label: str
    value: float | None
    unit: str
    scale: int | None = None
    comparison: str | None = None
    comparison_value: float | None = None
    ratio: float | None = None
    ratio_note: str | None = None
    target: str | None = None
    op: str | None = None
    threshold: float | None = None
    target_on: str = "value"
    ratio_limit: float | None = None
    meets: bool | None = None
    note: str = ""
    error: str | None = None

    def __post_init__(self) -> None:
        if self.ratio is None and self.value is not None and self.comparison_value:
            self.ratio = self.value / self.comparison_value
        if self.op is not None and self.threshold is not None:
            checked = self.ratio if self.target_on == "ratio" else self.value
            if checked is not None:
                self.meets = _OPS[self.op](checked, self.threshold)
            if self.meets and self.ratio_limit is not None:
                self.meets = self.ratio is not None and self.ratio <= self.ratio_limit

    @classmethod
    def failed(cls, id: str, label: str, unit: str, error: str, **kw: Any) -> Figure:
        """A row whose measurement failed: no value, the error kept."""
        return cls(id=id, label=label, value=None, unit=unit, error=error, **kw)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fmt(value: float | None, unit: str = "") -> str:
    """A value with as many digits as its size deserves, and its unit."""
    if value is None:
        return "—"
    size = abs(value)
    if size >= 10_000:
        text = f"{value:,.0f}"
    elif size >= 100:
        text = f"{value:.0f}"
    elif size >= 10:
        text = f"{value:.1f}"
    elif size >= 1:
        text = f"{value:.2f}"
    elif size >= 0.01:
        text = f"{value:.3f}"
    else:
        text = f"{value:.4f}"
    return f"{text} {unit}".strip()


# -- timing -------------------------------------------------------------------------------
@dataclass(kw_only=True, slots=True)
class Timing:
    """Wall-clock and CPU seconds of each repeat."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.wall)

    @property
    def wall_ms(self) -> float:
        return statistics.median(self.wall) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000

    @property
    def wall_s(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_s(self) -> float:
        return statistics.median(self.cpu)

    def note(self) -> str:
        """``"CPU 1.2 ms, median of 5"``: what goes beside a wall-clock median."""
        unit, cpu = ("ms", self.cpu_ms) if self.cpu_ms < 10_000 else ("s", self.cpu_s)
        return f"CPU {fmt(cpu, unit)}, median of {self.n}"


def measure(
    fn: Callable[[], T], *, repeats: int, budget_s: float | None = None, warmup: int = 0
) -> tuple[Timing, T]:
    """Run ``fn`` ``warmup`` times untimed, then up to ``repeats`` times timed.

    With ``budget_s``, stops repeating once that much wall-clock time has gone (at least
    one timed run always happens), so that a slow figure cannot eat the suite's time.
    """
    for _ in range(warmup):
        fn()
    timing = Timing()
    started = time.perf_counter()
    result: Any = None
    for _ in range(max(repeats, 1)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)
        if budget_s is not None and time.perf_counter() - started > budget_s:
            break
    return timing, result


def each_timed(fn: Callable[[T], Any], items: list[T]) -> Timing:
    """One timed call of ``fn`` per item: the median is over items (say, 200 chains)."""
    timing = Timing()
    for item in items:
        wall, cpu = time.perf_counter(), time.process_time()
        fn(item)
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)
    return timing


# -- the machine ----------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, Python: what the README quotes beside the table."""
    return {
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


class LoadSampler:
    """The 1-minute load average, sampled every few seconds while the suite runs."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.samples: list[float] = []
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self._every):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self) -> dict[str, float | int | None]:
        if not self.samples:
            return {"min": None, "median": None, "max": None, "samples": 0}
        return {
            "min": round(min(self.samples), 2),
            "median": round(statistics.median(self.samples), 2),
            "max": round(max(self.samples), 2),
            "samples": len(self.samples),
        }


# -- child processes ---------------------------------------------------------------------
def child_env() -> dict[str, str]:
    """The environment of a child process: this one's, with the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def run_json(module: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run ``python -m <module> <args>`` and parse the JSON object on its last stdout line."""
    cmd = [sys.executable, "-m", module, *args]
    proc = subprocess.run(
        cmd, cwd=REPO, env=child_env(), capture_output=True, text=True, timeout=timeout
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{tail}")
    value = json.loads(lines[-1])
    if not isinstance(value, dict):
        raise RuntimeError(f"{' '.join(cmd)} did not answer a JSON object: {lines[-1][:200]}")
    return value


# -- the cache of demo stores ------------------------------------------------------------
def _code_files() -> Iterator[Path]:
    for pattern in _STORE_CODE:
        yield from sorted(REPO.glob(pattern))


def code_version() -> str:
    """A digest of the code that decides what a demo store holds: the cache key's third part."""
    sha = hashlib.sha256()
    for path in _code_files():
        sha.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()[:12]


@dataclass(frozen=True, kw_only=True, slots=True)
class CachedStore:
    """A demo store kept under bench/.cache, with how its build went."""

    path: Path
    seed: int
    scale: int
    build: dict[str, Any]
    built_now: bool


def _remove_store(path: Path) -> None:
    # The index's snapshot beside it too (``orggraph.store.snapshot``): 310 MB at ×10.
    for suffix in ("", "-wal", "-shm", ".json", ".columns"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def cached_demo(seed: int, scale: int) -> CachedStore:
    """The demo store for ``seed`` and ``scale``, built (in a child process) when missing.

    Keyed by seed, scale and ``code_version()``: a change to the generator, the model or
    the embedded store builds afresh; older stores of the same seed and scale are removed.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    ignore = CACHE_DIR / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# built by bench/common.py: never commit\n*\n")
    version = code_version()
    path = CACHE_DIR / f"demo-s{seed}-x{scale}-{version}.db"
    meta = Path(str(path) + ".json")
    if path.exists() and meta.exists():
        return CachedStore(
            path=path, seed=seed, scale=scale, build=json.loads(meta.read_text()), built_now=False
        )
    for old in CACHE_DIR.glob(f"demo-s{seed}-x{scale}-*.db*"):
        if old.name.endswith((".db", ".db.columns")):  # a snapshot whose store went too
            _remove_store(Path(str(old).removesuffix(".columns")))
    log(f"building the demo store (seed {seed}, ×{scale}) into {path.name}")
    build = run_json(
        "bench.bench_stores", "build", "--seed", str(seed), "--scale", str(scale), str(path)
    )
    build["built_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    meta.write_text(json.dumps(build, ensure_ascii=False, indent=2))
    return CachedStore(path=path, seed=seed, scale=scale, build=build, built_now=True)
