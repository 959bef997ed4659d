"""orggraph's benchmark suite: ``python -m bench`` (see bench/README.md).

Each module measures one area and can also run on its own: ``bench_stores`` (imports,
opening, memory), ``bench_analyses`` (the analyses, the pairing solver vs network simplex),
``bench_http`` (GraphQL vs a hand-written endpoint under load), ``bench_backends``
(embedded store vs Neo4j), ``bench_exports``, ``bench_web``; ``run`` puts them together.
"""
