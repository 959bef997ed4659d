"""The analyses on a demo store: medians over repeats, and the pairing solver against
networkx's network simplex on the same assignment problems.

    python -m bench.bench_analyses [--repeats 5] PATH    # prints the figures as JSON

Every call asks at the demo's reference date (2019-06-30) with an unrestricted scope,
except ``gaps`` by district (the district with the most organizations). ``chain`` is the
median over 200 grassroots organizations, one call each.

``python -m bench`` asks them as ``orggraph serve`` would: with the open store frozen out
of the cyclic collector's reach (``freeze_long_lived``) before the warm-up, so that what the
warm-up keeps (the wide reads at a date) is frozen with it. Unfrozen, the first timed call
in a fresh process paid the process's first full collection, a walk of the whole index:
about 0.7 s of CPU at ×10 on the pairing (measured with ``gc.callbacks``), which a server
never pays. The rows are what a served request costs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from bench.bench_pairing import network_simplex_total
from bench.common import Figure, Timing, each_timed, fmt, log, measure

__all__ = [
    "AS_OF",
    "Budget",
    "analysis_figures",
    "largest_district",
    "pairing_figures",
    "sample_orgs",
    "smallest_district",
]

AS_OF = date(2019, 6, 30)
SINCE = date(2014, 12, 31)


@dataclass(frozen=True, kw_only=True, slots=True)
class Budget:
    """How hard to try: repeats of each analysis, and the seconds one figure may take."""

    repeats: int = 5
    seconds: float = 20.0
    chains: int = 200
    warmup: int = 1
    #: Judge against the targets (the targets are the city's: a larger scale is compared
    #: with the city instead; the chain's target holds at any scale).
    targets: bool = True


def sample_orgs(store: Any, as_of: date, count: int) -> list[str]:
    """``count`` grassroots organizations spread evenly over the sorted ids (deterministic)."""
    from orggraph.model import Level, NodeKind

    ids = sorted(
        n.id
        for n in store.nodes(NodeKind.ORGANIZATION, as_of)
        if n.get("level") == Level.GRASSROOTS
    )
    if len(ids) <= count:
        return ids
    step = len(ids) / count
    return [ids[int(i * step)] for i in range(count)]


def _districts(store: Any, as_of: date) -> list[tuple[int, str, str]]:
    from orggraph.model import Level, NodeKind

    districts = [
        n for n in store.nodes(NodeKind.ORGANIZATION, as_of) if n.get("level") == Level.COUNTY
    ]
    return sorted((len(store.subtree(d.id, as_of)), d.id, d.name) for d in districts)


def largest_district(store: Any, as_of: date) -> tuple[str, str, int]:
    """The district or county with the most organizations: (id, name, organizations)."""
    size, did, name = _districts(store, as_of)[-1]
    return did, name, size


def smallest_district(store: Any, as_of: date) -> tuple[str, str, int]:
    """The district or county with the fewest organizations: (id, name, organizations)."""
    size, did, name = _districts(store, as_of)[0]
    return did, name, size


def analysis_figures(store: Any, scale: int, budget: Budget) -> list[Figure]:
    """One figure per analysis on ``store`` (the demo at ``scale``)."""
    from orggraph.analysis.chain import responsibility_chain
    from orggraph.analysis.changes import changes_between
    from orggraph.analysis.coverage import coverage_rates
    from orggraph.analysis.gaps import coverage_gaps
    from orggraph.analysis.report import seed_report
    from orggraph.analysis.weak import weak_branches
    from orggraph.store.scope import Scope

    everything = Scope()
    did, dname, dsize = largest_district(store, AS_OF)
    district = Scope(roots=frozenset({did}))
    figures: list[Figure] = []

    ids = sample_orgs(store, AS_OF, budget.chains)
    for oid in ids[:10]:  # warm: imports, first-call caches
        responsibility_chain(store, oid, AS_OF, everything)
    chains = each_timed(lambda oid: responsibility_chain(store, oid, AS_OF, everything), ids)
    figures.append(
        _ms(
            "analysis.chain",
            "责任链 responsibility chain (one organization)",
            chains,
            scale,
            "< 1 ms",
            1.0,
            f"median over {chains.n} grassroots organizations; {chains.note()}",
        )
    )
    cases: list[tuple[str, str, Callable[[], Any], str | None, float | None, str]] = [
        (
            "analysis.gaps_district",
            f"覆盖缺口（区县）coverage gaps, one district ({dname}, {dsize:,} organizations)",
            lambda: coverage_gaps(store, AS_OF, district),
            "< 200 ms",
            200.0,
            "",
        ),
        (
            "analysis.gaps_city",
            "覆盖缺口（全市）coverage gaps, the whole city",
            lambda: coverage_gaps(store, AS_OF, everything),
            "< 1 s",
            1000.0,
            "",
        ),
        (
            "analysis.coverage_district",
            "覆盖率（按区县）coverage rates by district",
            lambda: coverage_rates(store, AS_OF, everything, "district"),
            "< 100 ms",
            100.0,
            "",
        ),
        (
            "analysis.coverage_sector",
            "覆盖率（按领域）coverage rates by sector",
            lambda: coverage_rates(store, AS_OF, everything, "sector"),
            "< 100 ms",
            100.0,
            "",
        ),
        (
            "analysis.coverage_district_first",
            "覆盖率（按区县，写入后首次）coverage rates by district, the first call after a write",
            lambda: _first(lambda: coverage_rates(store, AS_OF, everything, "district")),
            "< 100 ms",
            100.0,
            "; what the analyses keep for the store's state forgotten before each call",
        ),
        (
            "analysis.weak",
            "软弱涣散（全市）weak branches, the whole city",
            lambda: weak_branches(store, AS_OF, everything),
            None,
            None,
            "",
        ),
        (
            "analysis.weak_first",
            "软弱涣散（全市，写入后首次）weak branches, the first call after a write",
            lambda: _first(lambda: weak_branches(store, AS_OF, everything)),
            None,
            None,
            "; what the analyses keep for the store's state forgotten before each call",
        ),
        (
            "analysis.report",
            "工作报告数据 the seed report's figures",
            lambda: seed_report(store, AS_OF, everything),
            None,
            None,
            "",
        ),
        (
            "analysis.changes",
            "变化（2014-12-31 → 2019-06-30）changes between two dates",
            lambda: changes_between(store, SINCE, AS_OF, everything),
            None,
            None,
            "",
        ),
    ]
    for fid, label, call, target, limit, extra in cases:
        log(f"×{scale} {fid}")
        try:
            timing, result = measure(
                call, repeats=budget.repeats, budget_s=budget.seconds, warmup=budget.warmup
            )
        except Exception as exc:  # a broken analysis is a row with its error, not a crash
            figures.append(Figure.failed(fid, label, "ms", repr(exc), scale=scale, target=target))
            continue
        size = f"{len(result):,} rows; " if isinstance(result, list) else ""
        if not budget.targets:
            target, limit = None, None
        figures.append(
            _ms(fid, label, timing, scale, target, limit, f"{size}{timing.note()}{extra}")
        )
    return figures


def _first(call: Callable[[], Any]) -> Any:
    """``call`` as the first after a write: what the analyses keep for the store's state
    (``orggraph.analysis.kept``) forgotten first, so that it is worked out again."""
    from orggraph.analysis.kept import KeptByState

    KeptByState.clear_all()
    return call()


def _ms(
    fid: str,
    label: str,
    timing: Timing,
    scale: int,
    target: str | None,
    limit: float | None,
    note: str,
) -> Figure:
    return Figure(
        id=fid,
        label=label,
        value=timing.wall_ms,
        unit="ms",
        scale=scale,
        target=target,
        op="<" if limit is not None else None,
        threshold=limit,
        note=note,
    )


def pairing_figures(store: Any, scale: int, budget: Budget, simplex: bool = True) -> list[Figure]:
    """Pairing suggestions for the whole city, and the solver against network simplex."""
    from orggraph.analysis.assignment import assignment_cost, integer_costs, solve_assignment
    from orggraph.analysis.pairing import pairing_problems, pairing_suggestions
    from orggraph.store.scope import Scope

    everything = Scope()
    log(f"×{scale} pairing")
    timing, plan = measure(
        lambda: pairing_suggestions(store, AS_OF, everything),
        repeats=budget.repeats,
        budget_s=budget.seconds,
        warmup=budget.warmup,
    )
    first, _ = measure(
        lambda: _first(lambda: pairing_suggestions(store, AS_OF, everything)),
        repeats=budget.repeats,
        budget_s=budget.seconds,
    )
    problems = pairing_problems(store, AS_OF, everything)
    rows = sum(len(p.rows) for p in problems)
    pairs = sum(len(p.pairs) for p in problems)
    lsa = Timing(wall=[0.0], cpu=[0.0])
    simplex_timing = Timing(wall=[0.0], cpu=[0.0])
    same = True
    if simplex:
        log(f"×{scale} pairing: network simplex on {len(problems)} problems")
        for problem in problems:
            t1, chosen = measure(partial(solve_assignment, problem), repeats=3)
            t2, total = measure(partial(network_simplex_total, problem), repeats=1)
            lsa.wall[0] += t1.wall_s
            lsa.cpu[0] += t1.cpu_s
            simplex_timing.wall[0] += t2.wall_s
            simplex_timing.cpu[0] += t2.cpu_s
            if assignment_cost(integer_costs(problem), len(problem.rows), chosen) != total:
                same = False
    figures = [
        Figure(
            id="analysis.pairing",
            label="结对建议（全市）pairing suggestions, the whole city (end to end)",
            value=timing.wall_ms,
            unit="ms",
            scale=scale,
            comparison="网络单纯形求解同一问题 network simplex, solving alone" if simplex else None,
            comparison_value=simplex_timing.wall_ms if simplex else None,
            ratio_note="end to end ÷ network simplex's solve",
            target="< 1 s" if budget.targets else None,
            op="<" if budget.targets else None,
            threshold=1000.0 if budget.targets else None,
            note=(
                f"{len(plan.suggestions):,} suggestions, {len(plan.unmatched):,} unmatched; "
                f"includes finding the weak branches (analysis.weak); {timing.note()}"
            ),
        ),
        Figure(
            id="analysis.pairing_first",
            label="结对建议（全市，写入后首次）pairing suggestions, the first call after a write",
            value=first.wall_ms,
            unit="ms",
            scale=scale,
            target="< 1 s" if budget.targets else None,
            op="<" if budget.targets else None,
            threshold=1000.0 if budget.targets else None,
            note=(
                "the weak branches judged again, as after a write (what the analyses keep "
                f"for the store's state forgotten before each call); {first.note()}"
            ),
        ),
    ]
    if simplex:
        figures.append(
            Figure(
                id="analysis.pairing_solver",
                label="指派求解 the assignment solver (linear_sum_assignment)",
                value=lsa.wall_ms,
                unit="ms",
                scale=scale,
                comparison="networkx.network_simplex",
                comparison_value=simplex_timing.wall_ms,
                ratio_note="linear_sum_assignment ÷ network simplex",
                note=(
                    f"{len(problems)} problems, {rows:,} rows, {pairs:,} allowed pairs; "
                    f"same total cost: {'yes' if same else 'NO'}; CPU "
                    f"{fmt(lsa.cpu_ms, 'ms')} vs {fmt(simplex_timing.cpu_ms, 'ms')}"
                ),
                error=None if same else "the two solvers reached different total costs",
            )
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1, help="the demo scale of the store")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    from orggraph.store.embedded import EmbeddedStore

    budget = Budget(repeats=args.repeats)
    store = EmbeddedStore(args.path)
    try:
        figures = analysis_figures(store, args.scale, budget)
        figures += pairing_figures(store, args.scale, budget)
    finally:
        store.close()
    print(json.dumps([f.as_dict() for f in figures], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
