"""The ``fazhi`` command line: ``fazhi build`` makes the tables, ``fazhi site`` makes the whole site.

In: command-line arguments. Out: tables in ``data/processed/`` (build) and a website in ``_site/`` (site),
a short summary on stdout, progress on stderr, and an exit status (non-zero only on real failure).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from . import __version__


def build_settings(path: Path | None, text_column: str | None) -> dict[str, Any]:
    """The nested settings of ``fazhi build``: a TOML file's sections, then ``--text-column`` over them.

    Raises
    ------
    SettingsError
        When the file cannot be read or is not TOML (unknown keys are found by ``BuildSettings``).
    """
    from .settings import SettingsError

    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise SettingsError(f"--settings {path}: {e}") from None
    if text_column:
        corpus = values.get("corpus", {})
        values["corpus"] = {**corpus, "text_column": text_column} if isinstance(corpus, dict) else corpus
    return values


def _build(args: argparse.Namespace) -> int:
    from .pipeline import BuildInputError, EmptyResultError, OutputError, build, summary
    from .settings import SettingsError

    try:
        settings = build_settings(args.settings, args.text_column)
        tables = build(
            args.corpus,
            args.out,
            settings=settings,
            progress=not args.quiet,
            jobs=args.jobs,
            incremental=args.incremental,
            scheduler=args.scheduler,
        )
    except (
        BuildInputError,
        OutputError,
        SettingsError,
        EmptyResultError,
        ConnectionError,
    ) as e:  # ConnectionError: no Dask scheduler
        print(f"fazhi build: error: {e}", file=sys.stderr)
        return 2
    print(summary(tables, args.corpus, args.out))
    return 0 if tables["documents"].height > 0 else 1


def _site(args: argparse.Namespace) -> int:
    from .pipeline import BuildInputError, EmptyResultError, OutputError
    from .site import build_site

    try:
        index = build_site(
            corpus=args.corpus,
            out=args.out,
            renderer=args.renderer,
            progress=not args.quiet,
            jobs=args.jobs,
        )
    except (BuildInputError, OutputError, EmptyResultError) as e:
        print(f"fazhi site: error: {e}", file=sys.stderr)
        return 2
    print(f"site written: {index}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fazhi`` command."""
    p = argparse.ArgumentParser(prog="fazhi", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"fazhi {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: seeds/)")
        sp.add_argument("--out", type=Path, default=None, help="table folder (default: data/processed/)")
        sp.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="processes working at once, this one included (default: all cores)",
        )
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    b = sub.add_parser("build", help="read the corpus and write every result table as parquet")
    common(b)
    b.add_argument(
        "--text-column",
        default=None,
        metavar="NAME",
        help="the text column of collection files (JSON Lines, JSON, CSV/TSV, parquet); detected by default",
    )
    b.add_argument(
        "--settings",
        type=Path,
        default=None,
        metavar="FILE",
        help="a TOML file of build settings, one table per stage ([themes] n_boot = 500); see fazhi.settings",
    )
    b.add_argument(
        "--incremental",
        action="store_true",
        help="reuse the segments and tokens of the previous build in --out for unchanged documents",
    )
    b.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help=(
            "a Dask scheduler (tcp://host:8786) whose workers do the per-batch work (default: "
            "$FAZHI_SCHEDULER, else local processes)"
        ),
    )
    b.set_defaults(func=_build)

    s = sub.add_parser("site", help="build the tables, execute every notebook fresh, render _site/")
    common(s)
    s.add_argument(
        "--renderer",
        choices=("auto", "quarto", "smalldocs"),
        default="auto",
        help="auto: Quarto when it is on the PATH, else smalldocs",
    )
    s.set_defaults(func=_site)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
