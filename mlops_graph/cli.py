"""The command line: parse options, call the library, turn ``MlopsGraphError`` into a message.

Exit status (:func:`_exit_status`): 0 success; 1 problems found with ``--strict`` (or violations for
``validate``), or a push that failed; 2 bad usage, settings or input that stops the command;
130 interrupted.

Each command is a function ``cmd_NAME(args) -> int`` and a sub-parser made in :func:`make_parser`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from mlops_graph import __version__
from mlops_graph.config import DATE_ORDERS, DEFAULT_HOST, DEFAULT_PORT, QUERY_FORMATS, Settings, load_settings
from mlops_graph.errors import ConfigError, MlopsGraphError, OutputError, printable

if TYPE_CHECKING:
    from mlops_graph.store.push import PushReport

T = TypeVar("T")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PASSWORD_VARIABLE = "MLOPS_GRAPH_PASSWORD"
PROGRESS_THRESHOLD = 200


def _progress(items: Iterable[T], total: int) -> Iterable[T]:
    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    bar: Iterable[T] = tqdm(items, total=total, unit="note", desc="reading", leave=False, file=sys.stderr)
    return bar


def _settings(args: argparse.Namespace) -> Settings:
    if args.config and not Path(args.config).is_file():
        raise ConfigError(f"{args.config}: no such configuration file")
    config = Path(args.config) if args.config else Path("pyproject.toml")
    settings = load_settings(config if config.is_file() else None)
    vocab = tuple(Path(v) for v in (args.vocabulary or ()))
    return settings.with_overrides(
        base_iri=args.base_iri,
        date_order=args.date_order,
        vocabularies=settings.vocabularies + vocab if vocab else None,
    )


def cmd_build(args: argparse.Namespace) -> int:
    from mlops_graph.workers import collector_paused

    with collector_paused():  # from the imports to the output written: all of it lives until the end
        return _build(args)


def _build(args: argparse.Namespace) -> int:
    from mlops_graph.export.atomic import check_writable, write_output
    from mlops_graph.pipeline import build

    settings = _settings(args)
    if args.no_html:
        settings = settings.with_overrides(html=False)
    if args.suggest:
        settings = settings.with_overrides(suggest=True)
    notes_dir, out_dir = Path(args.notes_dir), Path(args.output)
    check_writable(out_dir)
    result = build(notes_dir, settings, exclude=(out_dir,), progress=_progress)
    for problem in result.problems:
        where = "" if problem.path == str(notes_dir) else f"{notes_dir.as_posix().rstrip('/')}/"
        _err(f"{where}{problem}")
    if args.strict and result.problems:
        _err(f"{len(result.problems)} problems; --strict: {out_dir} left unchanged")
        return EXIT_PROBLEMS
    write_output(out_dir, result.files)
    if not args.quiet and sys.stdout is not None:  # the output is written: a closed stdout loses only the summary
        _out(f"{out_dir.as_posix()}: {result.summary.line()}\n")
    return EXIT_OK


def _out(text: str | bytes) -> None:
    """Write ``text`` (or UTF-8 ``bytes``) to standard output and flush it; an output that is closed or
    cannot take it is an error with a message. A character the output's encoding lacks is escaped."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed")
    try:
        buffer = getattr(stream, "buffer", None)  # none when stdout is redirected to a text stream
        if isinstance(text, bytes) and buffer is not None:
            stream.flush()
            buffer.write(text)
        else:
            stream.write(text.decode("utf-8") if isinstance(text, bytes) else text)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from exc


def _err(text: str) -> None:
    """A message on standard error, its non-printable characters escaped (a terminal never runs them)."""
    if sys.stderr is not None:
        print("\n".join(map(printable, text.split("\n"))), file=sys.stderr)


def _password(user: str | None, endpoint: str) -> str | None:
    """The password for ``user``: from the environment, else asked for on the terminal."""
    if not user:
        return None
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        from mlops_graph.store.http import check_endpoint

        check_endpoint(endpoint, "endpoint")  # before the prompt shows it
        if sys.stdin is None or not sys.stdin.isatty():
            raise MlopsGraphError(f"--user given: set {PASSWORD_VARIABLE} or run in a terminal to be asked")
        try:
            import getpass  # here: only a push that asks for a password needs it

            password = getpass.getpass(f"password for {printable(user)} at {printable(endpoint)}: ")
        except EOFError:
            raise MlopsGraphError("no password given") from None
    return password


def cmd_query(args: argparse.Namespace) -> int:
    from mlops_graph.query.named import resolve_query
    from mlops_graph.store.embedded import format_result, open_store, run_query

    query = resolve_query(args.query)
    params = dict(_pair(p) for p in args.param or ())
    for name, value in zip(query.parameters, args.args, strict=False):
        params.setdefault(name, value)
    if len(args.args) > len(query.parameters):
        raise MlopsGraphError(f"query {query.name!r} takes {len(query.parameters)} argument(s)")
    if args.endpoint:
        from mlops_graph.store import remote

        result = remote.run_query(args.endpoint, query, params, user=args.user,
                                  password=_password(args.user, args.endpoint), auth=args.auth)
    else:
        store = open_store(Path(args.graph), persist=not args.no_store)
        result = run_query(store, query, params, fmt="json" if args.format == "table" else args.format)
    text = format_result(result, args.format, width=args.width, base_iri=_settings(args).base_iri)
    _out(text if args.format == "table" else text.encode("utf-8"))  # the W3C result formats are UTF-8
    return EXIT_OK


def _pair(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise MlopsGraphError(f"--param takes NAME=VALUE, not {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value


def cmd_queries(args: argparse.Namespace) -> int:
    from mlops_graph.query.named import named_queries

    for query in named_queries().values():
        params = " ".join(p.upper() for p in query.parameters)
        _out(f"{(query.name + ' ' + params).strip():<18} {query.description}\n")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from mlops_graph.validate import validate_output

    violations = validate_output(Path(args.output))
    lines = [str(violation) for violation in violations]
    lines.append(f"{len(violations)} violation(s)" if violations else "conforms to ontology/shapes.ttl")
    _out("".join(line + "\n" for line in lines))
    return EXIT_PROBLEMS if violations else EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from mlops_graph.store.graphs import graphs_for_push
    from mlops_graph.store.push import push_graphs

    settings = _settings(args)
    password = _password(args.user, args.endpoint)
    graphs, manifest = graphs_for_push(Path(args.output), settings.base_iri)
    report = push_graphs(
        graphs, args.endpoint, manifest_graph=manifest, user=args.user, password=password,
        auth=args.auth, dry_run=args.dry_run, progress=_err if args.verbose else None,
    )
    verb = "would push" if report.dry_run else "pushed"
    _out(f"{verb} {len(report.pushed)} graphs, {'would delete' if report.dry_run else 'deleted'} "
         f"{len(report.deleted)} to {printable(args.endpoint)}\n")
    return EXIT_OK


def _changed(done: PushReport, when: str, *, under_way: bool = False) -> None:
    """Name the graphs a push that stopped had replaced or deleted (and, with ``under_way``, the one
    whose request was cut short)."""
    if not done.pushed and not done.deleted:
        _err("no graph was replaced or deleted")
    else:
        _err(f"changed before {when} (push again to finish):")
        for iri in done.pushed:
            _err(f"  replaced <{iri}>")
        for iri in done.deleted:
            _err(f"  deleted <{iri}>")
    if under_way and done.failed is not None:
        _err(f"  under way, may or may not have changed: <{done.failed}>")


def cmd_docs(args: argparse.Namespace) -> int:
    from mlops_graph.export.ontology_docs import write_ontology_docs

    destination = Path(args.output)
    write_ontology_docs(destination)
    _out(f"{destination.as_posix()}: ontology documentation written\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from mlops_graph.serve import serve

    serve(Path(args.output), args.bind, args.port, say=lambda line: _out(line + "\n"))
    return EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    from mlops_graph.watch import watch

    watch(Path(args.notes_dir), Path(args.output), _settings(args), say=lambda line: _out(line + "\n"), warn=_err,
          serve_at=(args.bind, args.port) if args.serve else None)
    return EXIT_OK


def _port(text: str) -> int:
    if not text.isdecimal() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1 to 65535): {text!r}")
    return int(text)


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--bind", default=DEFAULT_HOST, metavar="ADDRESS",
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only); read-only on any")


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-iri", help="base IRI of the instance data (default from pyproject.toml)")
    parser.add_argument("--date-order", choices=DATE_ORDERS, help="how to read 03-04-2022 (default DMY)")
    parser.add_argument("--vocabulary", action="append", metavar="FILE", help="an extra SKOS vocabulary (Turtle)")
    parser.add_argument("--config", metavar="PYPROJECT", help="pyproject.toml with [tool.mlops-graph]")


def _width(text: str) -> int:
    try:
        width = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if width < 2:
        raise argparse.ArgumentTypeError(f"must be 2 or more, not {width}")
    return width


def make_parser() -> argparse.ArgumentParser:
    from mlops_graph.query import query_names

    parser = argparse.ArgumentParser(prog="mlops-graph", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"mlops-graph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="notes → output/ (Turtle, TriG, per-note Turtle, HTML)")
    p.add_argument("notes_dir", nargs="?", default="notes")
    p.add_argument("-o", "--output", default="output")
    p.add_argument("--strict", action="store_true", help="any problem fails the build (exit 1); output untouched")
    p.add_argument("--no-html", action="store_true", help="skip graph.html")
    p.add_argument("--suggest", action="store_true", help="also write suggested-concepts.csv")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    _add_settings_options(p)
    p.set_defaults(func=cmd_build)

    names = ", ".join(query_names())
    p = sub.add_parser("query", help=f"run a named query ({names}), an .rq file or inline SPARQL")
    p.add_argument("query")
    p.add_argument("args", nargs="*", help="values of the query's parameters, in order")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="bind a parameter by name")
    p.add_argument("--graph", default="output/graph.trig", help="graph file (default output/graph.trig)")
    p.add_argument("--format", choices=QUERY_FORMATS, default="table")
    p.add_argument("--width", type=_width, default=60, help="cell width of the table format (2 or more)")
    p.add_argument("--no-store", action="store_true", help="load into memory; keep no store on disk")
    p.add_argument("--endpoint", help="query a SPARQL endpoint instead of the embedded store")
    p.add_argument("--user", help=f"user name at --endpoint; the password comes from ${PASSWORD_VARIABLE}")
    p.add_argument("--auth", choices=("digest", "basic"), default="digest")
    _add_settings_options(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("queries", help="list the named queries")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("validate", help="check output/ against the SHACL shapes")
    p.add_argument("output", nargs="?", default="output")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("push", help="replace each note's graph on a SPARQL Graph Store endpoint")
    p.add_argument("--endpoint", required=True, help="Graph Store HTTP Protocol URL")
    p.add_argument("--user", help=f"user name; the password comes from ${PASSWORD_VARIABLE} or a prompt")
    p.add_argument("--auth", choices=("digest", "basic"), default="digest")
    p.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("-o", "--output", default="output")
    _add_settings_options(p)
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("docs", help="the ontology as an HTML page (needs pyLODE: the docs extra)")
    p.add_argument("-o", "--output", default="output/ontology.html", help="default output/ontology.html")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("serve", help="a read-only SPARQL endpoint over output/ (the Oxigraph server)")
    p.add_argument("output", nargs="?", default="output")
    _add_endpoint_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("watch", help="build, then build again whenever a note changes")
    p.add_argument("notes_dir", nargs="?", default="notes")
    p.add_argument("-o", "--output", default="output")
    p.add_argument("--serve", action="store_true", help="also serve the latest build as a SPARQL endpoint")
    _add_endpoint_options(p)
    _add_settings_options(p)
    p.set_defaults(func=cmd_watch)
    return parser


def _exit_status() -> tuple[tuple[type[BaseException], int], ...]:
    """Exception → exit status, the first that matches; every error raised on purpose is an
    ``MlopsGraphError``."""
    from mlops_graph.store.push import PushError, PushInterrupted

    return ((PushInterrupted, EXIT_INTERRUPTED), (PushError, EXIT_PROBLEMS), (MlopsGraphError, EXIT_USAGE),
            (KeyboardInterrupt, EXIT_INTERRUPTED), (BrokenPipeError, EXIT_OK))


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):  # a title the terminal's encoding lacks is escaped, not fatal
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        code: int = args.func(args)
        return code
    except (MlopsGraphError, KeyboardInterrupt, BrokenPipeError) as exc:
        status = next(code for kind, code in _exit_status() if isinstance(exc, kind))
        if isinstance(exc, MlopsGraphError) and status != EXIT_INTERRUPTED:
            _err(f"mlops-graph: error: {exc}")
        elif status == EXIT_INTERRUPTED:
            _err("mlops-graph: interrupted")
        report = getattr(exc, "report", None)
        if report is not None:  # a push that stopped half-way: name the graphs it changed
            _changed(report, "the interruption" if status == EXIT_INTERRUPTED else "the failure",
                     under_way=status == EXIT_INTERRUPTED)
        return status


def run() -> NoReturn:
    """The ``mlops-graph`` command: :func:`main`, then the process ends without freeing its objects one
    by one (as mypy's command does), which takes longer than writing a garden's output. Everything a
    command writes is written and closed by then; the standard streams are flushed here."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):  # closed or full: the command has said so
                stream.flush()
    os._exit(code)
