"""A real Neo4j 5.26 Community server for tests and benchmarks, without Docker.

The jars come from Maven Central (``org.neo4j:neo4j`` and ``org.neo4j:neo4j-bolt``), fetched
once with Maven into ``~/.cache/orggraph/neo4j-<version>/lib``; a tiny Java main class,
compiled with ``javac`` at first use and kept beside them, starts the embedded database
with the Bolt connector on ``127.0.0.1`` and a free port, auth disabled, a small heap and
page cache, in a temporary data folder. It stops when asked, when the test process dies
(its standard input closes), or on SIGTERM.

Run one by hand for development (Ctrl-C stops it)::

    python -m tests.neo4j_server --port 7687
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

__all__ = [
    "NEO4J_VERSION",
    "Neo4jServer",
    "Neo4jServerError",
    "ServerInfo",
    "ensure_installed",
    "existing_or_new_server",
]

#: The newest 5.26 LTS patch Maven Central served when this was written
#: (``mvn dependency:resolve`` on the range ``[5.26.0,5.27.0)``).
NEO4J_VERSION = "5.26.30"

CACHE_ROOT = Path(os.environ.get("ORGGRAPH_CACHE") or Path.home() / ".cache" / "orggraph")

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>orggraph</groupId>
  <artifactId>neo4j-test-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{v}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j-bolt</artifactId><version>{v}</version>
    </dependency>
  </dependencies>
</project>
"""

_MAIN_CLASS = "OrggraphNeo4j"
_JAVA = """import java.nio.file.Path;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/** Embedded Neo4j with Bolt: args = home folder, neo4j.conf. Stops when stdin closes. */
public final class OrggraphNeo4j {
    public static void main(String[] args) throws Exception {
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(Path.of(args[0]))
            .loadPropertiesFromFile(Path.of(args[1]))
            .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
        dbms.database("neo4j").executeTransactionally("RETURN 1");
        System.out.println("ORGGRAPH-NEO4J-READY");
        System.out.flush();
        while (System.in.read() != -1) {
            // the parent keeps stdin open while it wants the server
        }
        System.exit(0);
    }
}
"""

# Small memory: the machine has 2 cores and is shared. The page cache needs these opens.
_JVM_OPTIONS = (
    "-XX:CICompilerCount=2",
    "-Dfile.encoding=UTF-8",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Xlog:cds=off",
    "-Xlog:cds+dynamic=off",
)
# Tests: the C1 compiler only and the serial collector halve the CPU a start costs; a
# benchmark wants the full JIT instead, and a larger heap: copying the demo city (136,586
# node versions) spent 3 s of the server's CPU collecting garbage with 1 GB, 0.8 s with 3 GB.
_FAST_START = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
# Tests also keep each statement's plan: they empty the database and write a small graph
# again and again, and after each such write the counts differ enough from those a plan was
# made for that Cypher plans every statement again once 10 s have passed (its default).
# Under C1 a large statement takes 1-2 s to plan: the Neo4j half of the random-scope test
# spent 58 of its 125 s planning again (2026-12-07). A benchmark's server keeps the default.
_FAST_START_SETTINGS = {"dbms.cypher.min_replan_interval": "1h"}
_THROUGHPUT = ("-XX:+UseParallelGC", "-XX:ParallelGCThreads=2")
# A benchmark's server is a warm one: its page cache holds the city (181 MB of store after a
# copy of the demo). With the tests' 128 MB a chain read pages from the file system: 9.5 ms
# a chain in the bench against 2.4 ms with the store cached (2026-12-07).
_THROUGHPUT_SETTINGS = {"server.memory.pagecache.size": "512m"}


def _conf(port: int, heap_mb: int) -> dict[str, str]:
    """The server's settings; ``Neo4jServer(settings=…)`` adds to them or overrides them."""
    return {
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": f"127.0.0.1:{port}",
        "server.bolt.advertised_address": f"127.0.0.1:{port}",
        "dbms.security.auth_enabled": "false",
        "server.memory.pagecache.size": "128m",
        # One orggraph write is one transaction: let it use most of the heap.
        "db.memory.transaction.total.max": f"{heap_mb * 7 // 10}m",
        "db.tx_log.rotation.retention_policy": "2 files",
        "db.logs.query.enabled": "OFF",
        "dbms.usage_report.enabled": "false",
    }


if TYPE_CHECKING:
    from orggraph.store.neo4j import Neo4jStore


class Neo4jServerError(RuntimeError):
    """The test server could not be fetched, built or started; the message says why."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerInfo:
    """Where a server answers, and how to sign in (``password`` empty: auth disabled)."""

    uri: str
    user: str = "neo4j"
    password: str = ""
    database: str = "neo4j"

    def open_store(self) -> Neo4jStore:
        """A store on this server's database, signed in."""
        from orggraph.store.neo4j import Neo4jStore

        return Neo4jStore(self.uri, user=self.user, password=self.password, database=self.database)


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise Neo4jServerError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")


def ensure_installed(version: str = NEO4J_VERSION) -> Path:
    """The cache folder holding the jars (``lib/``), the launcher jar and a class archive.

    Fetches and compiles on first use, under a file lock so that two test processes
    starting at once do not both fetch. Then one training start records the classes
    Neo4j loads into a CDS archive (``neo4j.jsa``), which makes later starts faster.
    """
    home = CACHE_ROOT / f"neo4j-{version}"
    done = home / ".complete"
    if done.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return home
        for tool in ("mvn", "javac", "jar", "java"):
            if shutil.which(tool) is None:
                raise Neo4jServerError(
                    f"{tool!r} is not on PATH: the Neo4j test server needs Java 17 and Maven"
                )
        (home / "pom.xml").write_text(_POM.format(v=version))
        shutil.rmtree(home / "lib", ignore_errors=True)
        _run(
            [
                "mvn",
                "-B",
                "-q",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                "-DoutputDirectory=lib",
            ],
            home,
            f"fetching Neo4j {version} from Maven Central",
        )
        build = Path(tempfile.mkdtemp(prefix="orggraph-neo4j-build-"))
        try:
            (build / f"{_MAIN_CLASS}.java").write_text(_JAVA)
            _run(
                [
                    "javac",
                    "-nowarn",
                    "-cp",
                    str(home / "lib" / "*"),
                    "-d",
                    str(build / "classes"),
                    str(build / f"{_MAIN_CLASS}.java"),
                ],
                home,
                "compiling the Neo4j launcher",
            )
            _run(
                ["jar", "cf", str(home / "launcher.jar"), "-C", str(build / "classes"), "."],
                home,
                "packing the Neo4j launcher",
            )
        finally:
            shutil.rmtree(build, ignore_errors=True)
        # An explicit, sorted class path: the class archive must see the same one each time.
        jars = [home / "launcher.jar", *sorted((home / "lib").glob("*.jar"))]
        (home / "classpath.txt").write_text(os.pathsep.join(str(j) for j in jars))
        _train_class_archive(home)
        done.write_text(version + "\n")
    return home


def _train_class_archive(home: Path) -> None:
    """Start once with ``-XX:ArchiveClassesAtExit``, run typical queries, stop cleanly."""
    archive = home / "neo4j.jsa"
    archive.unlink(missing_ok=True)
    server = Neo4jServer(_home=home, _extra_jvm=(f"-XX:ArchiveClassesAtExit={archive}",))
    try:
        server.start()
        import neo4j

        with neo4j.GraphDatabase.driver(server.uri, auth=None) as driver:
            driver.execute_query(
                "CREATE CONSTRAINT t IF NOT EXISTS FOR (n:T) REQUIRE (n.id, n.d) IS UNIQUE"
            )
            driver.execute_query(
                "UNWIND range(1, 100) AS i MERGE (n:T {id: toString(i), d: date('2020-01-01')}) "
                "SET n.p = i MERGE (m:T {id: toString(i + 1), d: date('2020-01-01')}) "
                "MERGE (n)-[r:R {id: toString(i)}]->(m) SET r.v = i"
            )
            driver.execute_query(
                "MATCH p = (n:T {id: '1'})-[:R*1..]->(m) "
                "WHERE all(r IN relationships(p) WHERE r.v > 0) "
                "RETURN m.id ORDER BY length(p), [x IN nodes(p) | x.id] LIMIT 5"
            )
        server.stop()
    except Neo4jServerError:
        archive.unlink(missing_ok=True)  # only slower starts without it
    finally:
        server.cleanup()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Neo4jServer:
    """One embedded Neo4j process; ``start``, ``stop``, and ``start`` again on the same data."""

    def __init__(
        self,
        *,
        port: int | None = None,
        data_dir: Path | None = None,
        fast_start: bool = True,
        heap_mb: int | None = None,
        settings: dict[str, str] | None = None,
        _home: Path | None = None,
        _extra_jvm: tuple[str, ...] = (),
    ) -> None:
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="orggraph-neo4j-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._proc: subprocess.Popen[bytes] | None = None
        self._jit = _FAST_START if fast_start else _THROUGHPUT
        self.heap_mb = heap_mb or (1024 if fast_start else 3072)
        defaults = _FAST_START_SETTINGS if fast_start else _THROUGHPUT_SETTINGS
        self.settings = defaults | dict(settings or {})
        self._home = _home
        self._extra_jvm = _extra_jvm

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def info(self) -> ServerInfo:
        """How a client reaches it: the routing scheme, as a deployment would."""
        return ServerInfo(uri=f"neo4j://127.0.0.1:{self.port}")

    @property
    def pid(self) -> int | None:
        """The server process, while it runs."""
        return None if self._proc is None else self._proc.pid

    @property
    def log_path(self) -> Path:
        return self.data_dir / "launcher.log"

    def start(self, timeout: float = 180.0) -> None:
        """Start the server and wait until Bolt answers; ``Neo4jServerError`` if it does not."""
        if self._proc is not None and self._proc.poll() is None:
            return
        home = self._home or ensure_installed()
        conf = self.data_dir / "neo4j.conf"
        settings = _conf(self.port, self.heap_mb) | self.settings
        conf.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        archive = home / "neo4j.jsa"
        share = (f"-XX:SharedArchiveFile={archive}",) if archive.exists() else ()
        cmd = [
            "java",
            f"-Xms{min(self.heap_mb, 256)}m",
            f"-Xmx{self.heap_mb}m",
            *_JVM_OPTIONS,
            *self._jit,
            *(self._extra_jvm or share),
            "-cp",
            (home / "classpath.txt").read_text(),
            _MAIN_CLASS,
            str(self.data_dir / "home"),
            str(conf),
        ]
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while b"ORGGRAPH-NEO4J-READY" not in self._read_log(offset):
            code = self._proc.poll()
            if code is not None:
                self.kill()  # closes its standard input
                raise Neo4jServerError(
                    f"Neo4j exited with code {code} before it was ready; its log "
                    f"({self.log_path}) ends with:\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise Neo4jServerError(
                    f"Neo4j did not start within {timeout:.0f} s on port {self.port}; "
                    f"its log ends with:\n{self._log_tail()}"
                )
            time.sleep(0.1)
        self._wait_for_bolt(deadline)

    def _read_log(self, offset: int) -> bytes:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(offset)
                return fh.read()
        except FileNotFoundError:
            return b""

    def _log_tail(self) -> str:
        return self._read_log(0)[-4000:].decode("utf-8", "replace")

    def _wait_for_bolt(self, deadline: float) -> None:
        import neo4j

        while True:
            try:
                with neo4j.GraphDatabase.driver(self.uri, auth=None) as driver:
                    driver.verify_connectivity()
                return
            except neo4j.exceptions.DriverError as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise Neo4jServerError(f"Bolt on {self.uri} does not answer: {exc}") from exc
                time.sleep(0.2)

    def stop(self, timeout: float = 60.0) -> None:
        """Shut the database down cleanly (SIGTERM runs its shutdown hook); kill if stuck."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()

    def kill(self) -> None:
        """End the process at once: for a data folder about to be thrown away."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()

    def cleanup(self) -> None:
        """End the server, and remove the data folder if this object made it."""
        if self._own_dir:
            self.kill()
            shutil.rmtree(self.data_dir, ignore_errors=True)
        else:
            self.stop()

    def __enter__(self) -> Neo4jServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


@contextlib.contextmanager
def existing_or_new_server(environ: dict[str, str] | None = None) -> Iterator[ServerInfo]:
    """The server named by ``NEO4J_URI`` (with ``NEO4J_USER``/``NEO4J_PASSWORD``), else a new one.

    Its data is wiped by the tests: never point ``NEO4J_URI`` at a database you keep.
    """
    env = dict(os.environ if environ is None else environ)
    uri = env.get("NEO4J_URI")
    if uri:
        yield ServerInfo(
            uri=uri,
            user=env.get("NEO4J_USER", "neo4j"),
            password=env.get("NEO4J_PASSWORD", ""),
            database=env.get("NEO4J_DATABASE", "neo4j"),
        )
        return
    with Neo4jServer() as server:
        yield server.info


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a Neo4j 5.26 test server in the foreground")
    parser.add_argument("--port", type=int, default=None, help="Bolt port (default: a free one)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: a temp one)")
    args = parser.parse_args()
    started = time.monotonic()
    server = Neo4jServer(port=args.port, data_dir=args.data)
    server.start()
    print(f"Neo4j {NEO4J_VERSION} ready on {server.uri} in {time.monotonic() - started:.1f} s")
    print(f"data: {server.data_dir}; Ctrl-C stops it")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop() if args.data else server.cleanup()


if __name__ == "__main__":
    main()
