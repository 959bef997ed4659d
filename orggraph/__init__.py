"""orggraph: a graph-based tracker of party organizational structure and responsibility.

The layers import downward only::

    cli/  api/  web/  exports/     adapters (no business rules)
                 analysis/         the questions (business rules live here once)
                 store/            GraphStore: embedded SQLite+networkx, Neo4j
                 model/            node and link kinds, dates, ids, validation
"""

__version__ = "0.1.0"
