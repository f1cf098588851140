"""Where things live: the project root, the corpus, the processed tables and the caches.

In: nothing but the environment and the working directory. Out: ``pathlib.Path`` objects.

Every location can be overridden by an environment variable, so the site build can point the
notebooks at a staged copy of the tables and a researcher can keep caches outside the project:

``FAZHI_PROJECT``   the project root (the folder holding ``_quarto.yml`` and ``seeds/``)
``FAZHI_DATA``      the folder of processed tables (default ``<project>/data/processed``)
``FAZHI_CORPUS``    the corpus folder the tables are made from (default ``<project>/seeds``)
``FAZHI_CACHE``     the cache folder (default ``<project>/data/cache``)
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "data"
ASSETS = PACKAGE_DIR / "assets"


def project_root(start: Path | None = None) -> Path:
    """Find the project root: ``$FAZHI_PROJECT``, else the nearest folder upwards holding ``_quarto.yml``
    or fazhi's own ``pyproject.toml``.

    Parameters
    ----------
    start
        Where to start looking; the current working directory by default.

    Returns
    -------
    Path
        The project root. Falls back to ``start`` itself when no project is found, so that the
        package also works outside a checkout (tables then live under ``./data``).
    """
    env = os.environ.get("FAZHI_PROJECT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_quarto.yml").is_file() or _is_fazhi_project(folder / "pyproject.toml"):
            return folder
    return here


def _is_fazhi_project(pyproject: Path) -> bool:
    try:
        return 'name = "fazhi"' in pyproject.read_text(encoding="utf-8")
    except OSError:
        return False


def data_dir() -> Path:
    """The folder of processed tables (``$FAZHI_DATA`` or ``<project>/data/processed``)."""
    env = os.environ.get("FAZHI_DATA")
    return Path(env).resolve() if env else project_root() / "data" / "processed"


def corpus_dir() -> Path:
    """The corpus folder (``$FAZHI_CORPUS`` or ``<project>/seeds``)."""
    env = os.environ.get("FAZHI_CORPUS")
    return Path(env).resolve() if env else project_root() / "seeds"


def cache_dir() -> Path:
    """The cache folder (``$FAZHI_CACHE`` or ``<project>/data/cache``)."""
    env = os.environ.get("FAZHI_CACHE")
    return Path(env).resolve() if env else project_root() / "data" / "cache"
