"""``neo4j-admin`` for the test server's data folder, from the jars of tests/neo4j_server.py.

The server of the tests is the embedded database of Maven Central's jars, not a tarball:
there is no ``bin/neo4j-admin``. The jars hold the admin tool all the same
(``org.neo4j.cli.AdminTool`` in ``neo4j-command-line``, the importer in
``neo4j-import-tool``); ``admin_script`` writes a small executable that runs it on a
``Neo4jServer``'s data folder (``NEO4J_HOME`` = the folder the server starts its database
in, ``NEO4J_CONF`` = the folder of its ``neo4j.conf``), the way ``bin/neo4j-admin`` of a
tarball runs on its own installation. The server must be stopped while it imports.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.neo4j_server import Neo4jServer, _conf, ensure_installed

__all__ = ["admin_script"]


def admin_script(server: Neo4jServer, path: Path | None = None) -> Path:
    """An executable ``neo4j-admin`` working on ``server``'s data folder (made if missing)."""
    home = ensure_installed()
    neo4j_home = server.data_dir / "home"
    neo4j_home.mkdir(parents=True, exist_ok=True)
    conf = server.data_dir / "neo4j.conf"
    if not conf.exists():  # the server writes it on start; the importer reads it before
        settings = _conf(server.port, server.heap_mb) | server.settings
        conf.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    script = path or server.data_dir / "neo4j-admin"
    classpath = (home / "classpath.txt").read_text()
    script.write_text(
        "#!/bin/sh\n"
        f"export NEO4J_HOME={shlex.quote(str(neo4j_home))}\n"
        f"export NEO4J_CONF={shlex.quote(str(server.data_dir))}\n"
        f"exec java -Xmx1g -XX:+UseParallelGC -cp {shlex.quote(classpath)} "
        'org.neo4j.cli.AdminTool "$@"\n'
    )
    script.chmod(0o755)
    return script
