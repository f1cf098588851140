"""The settings of ``fazhi build``: one frozen, validated ``BuildSettings`` made of one section per stage.

In: a nested mapping (from Python, or a TOML file given to ``fazhi build --settings``), e.g.
``{"themes": {"n_boot": 500}, "topics": {"k_grid": [4, 8]}}``. Out: a ``BuildSettings`` whose sections are
frozen dataclasses with every default filled in; ``to_dict()`` (recorded in ``build.json``) and
``stamped()`` / ``settings_hash`` (hashed into every table's stamp, so two builds that differ in any setting
that can change a result carry different stamps).

How: each stage reads its own section, ``ctx.settings.<stage>``, and nothing else:

========== ================================= ================================================================
section    class                             what it changes
========== ================================= ================================================================
corpus     ``CorpusSettings``                reading: the text column of collection files
tokenizer  ``TokenizerSettings``             the tokeniser (engine, dictionary, stopwords, filters)
vocabulary ``VocabularySettings``            keyness
themes     ``ThemeSettings``                 bootstrap replicates and seed, the smallest group compared
topics     ``fazhi.topics.TopicSettings``    the topic models (grid, pruning, selection, ...)
reuse      ``fazhi.reuse.ReuseSettings``     text reuse (alignment, LSH, formulae)
========== ================================= ================================================================

plus ``label``, a free name of the run (stamped, changes no table's rows). ``from_mapping`` refuses what it
does not know: an unknown section or key (a typo) raises ``SettingsError`` naming the valid keys, and a value
of the wrong type raises too (lists become tuples, integers given for a float become floats, so that equal
settings always hash equally). The one setting that cannot change a result, ``tokenizer.cache`` (where the
verified token cache lives), is recorded in ``build.json`` but left out of the stamp.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, TypeVar, Union, get_type_hints

from .reuse import ReuseSettings
from .themes.scores import N_BOOT, SEED
from .topics import TopicSettings

#: Field metadata of a setting that changes no result: recorded in ``build.json``, not hashed into stamps.
UNSTAMPED = {"stamped": False}


class SettingsError(ValueError):
    """Build settings that are unknown (a typo) or of the wrong type."""


@dataclass(frozen=True)
class CorpusSettings:
    """Reading the corpus folder (``fazhi.corpus``)."""

    #: the text column of collection files (JSON Lines, JSON, CSV/TSV, parquet); None = detected
    text_column: str | None = None


@dataclass(frozen=True)
class TokenizerSettings:
    """The tokeniser (``fazhi.tokenizer.Tokenizer``; the defaults are its defaults)."""

    engine: str = "rjieba"  #: rjieba (the Rust port) or jieba (the reference)
    hmm: bool = True  #: let the engine's HMM join unknown words
    #: "shipped" = the package's domain dictionary, "none" = the engine's stock dictionary only, else a path
    userdict: str = "shipped"
    stopwords: tuple[str, ...] = ("general", "genre")  #: shipped lists by name, or paths
    extra_stopwords: tuple[str, ...] = ()
    drop_punctuation: bool = True
    drop_numbers: bool = True
    min_chars: int = 2  #: drop shorter tokens
    protect: tuple[str, ...] = ()  #: extra terms always kept as one token
    #: the verified disk cache of cut texts: True (``$FAZHI_CACHE``), False (none) or a folder; no result
    #: depends on it, so it is not stamped
    cache: bool | str = field(default=True, metadata=UNSTAMPED)
    #: characters of text per shard of documents the stage tokenises at once (``tokenizer.build_stage``):
    #: bounds its working memory; no result depends on it, so it is not stamped
    shard_chars: int = field(default=1_000_000, metadata=UNSTAMPED)

    def __post_init__(self) -> None:
        if self.shard_chars < 1:
            raise SettingsError(f"tokenizer.shard_chars must be at least 1, not {self.shard_chars}")
        if self.engine not in ("rjieba", "jieba"):
            raise SettingsError(f"tokenizer.engine must be rjieba or jieba, not {self.engine!r}")
        if self.min_chars < 1:
            raise SettingsError(f"tokenizer.min_chars must be at least 1, not {self.min_chars}")

    def options(self) -> dict[str, Any]:
        """Keyword arguments of ``fazhi.tokenizer.get_tokenizer`` (all but ``cache`` and ``shard_chars``)."""
        from .tokenizer import USERDICT

        unused = ("cache", "shard_chars")
        opts = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in unused}
        opts["userdict"] = {"shipped": USERDICT, "none": None}.get(self.userdict, self.userdict)
        return opts


@dataclass(frozen=True)
class VocabularySettings:
    """Keyness, boilerplate and slogans (``fazhi.vocabulary``)."""

    keyness_include_boilerplate: bool = False  #: count boilerplate sentences in keyness too


@dataclass(frozen=True)
class ThemeSettings:
    """The themes stage (``fazhi.themes``)."""

    n_boot: int = N_BOOT  #: bootstrap replicates of every interval
    seed: int = SEED  #: seed of the bootstrap
    compare_min_docs: int = 5  #: a group of documents is compared only with at least this many documents

    def __post_init__(self) -> None:
        if self.n_boot < 1:
            raise SettingsError(f"themes.n_boot must be at least 1, not {self.n_boot}")
        if self.compare_min_docs < 1:
            raise SettingsError(f"themes.compare_min_docs must be at least 1, not {self.compare_min_docs}")


#: The sections of ``BuildSettings``, named after the stages that read them.
SECTIONS: dict[str, type] = {
    "corpus": CorpusSettings,
    "tokenizer": TokenizerSettings,
    "vocabulary": VocabularySettings,
    "themes": ThemeSettings,
    "topics": TopicSettings,
    "reuse": ReuseSettings,
}


@dataclass(frozen=True)
class BuildSettings:
    """Every setting of ``fazhi build`` that can change a result, one frozen section per stage.

    Build one with ``BuildSettings.from_mapping({...})`` (validated) or ``BuildSettings()`` (the defaults).
    """

    label: str = ""  #: a free name of the run, stamped into the tables (changes no row)
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    tokenizer: TokenizerSettings = field(default_factory=TokenizerSettings)
    vocabulary: VocabularySettings = field(default_factory=VocabularySettings)
    themes: ThemeSettings = field(default_factory=ThemeSettings)
    topics: TopicSettings = field(default_factory=TopicSettings)
    reuse: ReuseSettings = field(default_factory=ReuseSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.label, str):
            raise SettingsError(f"label must be a string, not {type(self.label).__name__}")
        for name, cls in SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise SettingsError(f"settings section {name!r} must be a {cls.__name__}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> BuildSettings:
        """The defaults overridden by a nested mapping ``{section: {key: value}}`` (and ``label``).

        A section may also be given as its dataclass. Raises ``SettingsError`` on an unknown section or key
        (naming the valid ones) and on a value of the wrong type; ``ValueError`` from a section's own checks.
        """
        if values is None:
            return cls()
        if not isinstance(values, Mapping):
            raise SettingsError(f"build settings must be a mapping of sections, not {type(values).__name__}")
        unknown = sorted(set(values) - {"label", *SECTIONS})
        if unknown:
            raise SettingsError(
                f"unknown build settings section(s) {unknown}; valid: {['label', *SECTIONS]}"
                " (keys go inside their section, e.g. {'themes': {'n_boot': 500}})"
            )
        kwargs: dict[str, Any] = {}
        if "label" in values:
            kwargs["label"] = values["label"]
        for name, section in SECTIONS.items():
            if name in values:
                kwargs[name] = _section(section, values[name], name)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Every setting as plain JSON values (tuples as lists), by section: what ``build.json`` records."""
        return {"label": self.label, **{name: _plain(getattr(self, name)) for name in SECTIONS}}

    def stamped(self) -> dict[str, Any]:
        """``to_dict()`` without the settings that change no result (``tokenizer.cache``): what is stamped."""
        out = self.to_dict()
        for name in SECTIONS:
            for f in fields(getattr(self, name)):
                if not f.metadata.get("stamped", True):
                    out[name].pop(f.name)
        return out

    @property
    def settings_hash(self) -> str:
        """SHA-256 of ``stamped()`` as canonical JSON (the ``settings_hash`` of every table's stamp)."""
        return hashlib.sha256(stamp_json(self.stamped()).encode()).hexdigest()

    def with_section(self, name: str, **changes: Any) -> BuildSettings:
        """A copy with some keys of one section changed (validated like ``from_mapping``)."""
        if name not in SECTIONS:
            raise SettingsError(f"unknown build settings section {name!r}; valid: {list(SECTIONS)}")
        merged = {**_plain(getattr(self, name)), **changes}
        return replace(self, **{name: _section(SECTIONS[name], merged, name)})


def stamp_json(settings: Mapping[str, Any]) -> str:
    """The canonical JSON of stamped settings (sorted keys): what ``settings_hash`` hashes."""
    return json.dumps(dict(settings), sort_keys=True, ensure_ascii=False, default=str)


def coerce(settings: BuildSettings | Mapping[str, Any] | None) -> BuildSettings:
    """``settings`` as a ``BuildSettings``: itself, a nested mapping validated, or the defaults for None."""
    if isinstance(settings, BuildSettings):
        return settings
    return BuildSettings.from_mapping(settings)


S = TypeVar("S")


def _section(cls: type[S], values: Any, name: str) -> S:
    """One section from a mapping (or an instance of its class): unknown keys and wrong types raise."""
    if isinstance(values, cls):
        return values
    if not isinstance(values, Mapping):
        kind = type(values).__name__
        raise SettingsError(f"settings section {name!r} must be a mapping of keys, not {kind}")
    valid = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(valid))
    if unknown:
        raise SettingsError(f"unknown {name} setting(s) {unknown}; valid keys of {name!r}: {valid}")
    hints = get_type_hints(cls)
    fixed = {k: _typed(v, hints[k], f"{name}.{k}") for k, v in values.items()}
    from_mapping = getattr(cls, "from_mapping", None)  # TopicSettings and ReuseSettings validate themselves
    try:
        return from_mapping(fixed) if from_mapping is not None else cls(**fixed)
    except TypeError as e:
        raise SettingsError(f"settings section {name!r}: {e}") from None


def _typed(value: Any, hint: Any, where: str) -> Any:
    """``value`` checked against the type ``hint`` (lists to tuples, ints to floats); raises on a mismatch."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        for arm in typing.get_args(hint):
            try:
                return _typed(value, arm, where)
            except SettingsError:
                continue
        raise SettingsError(f"{where} must be {_name(hint)}, not {value!r}")
    if hint is type(None):
        if value is None:
            return None
    elif origin is tuple:
        if isinstance(value, (list, tuple)):
            (arm, *_rest) = typing.get_args(hint) or (Any,)
            return tuple(_typed(v, arm, where) for v in value)
    elif hint is Any:
        return value
    elif hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    else:
        return value  # a type this checker does not know: the section's own checks decide
    raise SettingsError(f"{where} must be {_name(hint)}, not {value!r}")


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _plain(section: Any) -> dict[str, Any]:
    """A section's fields as JSON values (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(section).items()}


__all__ = [
    "SECTIONS",
    "BuildSettings",
    "CorpusSettings",
    "SettingsError",
    "ThemeSettings",
    "TokenizerSettings",
    "VocabularySettings",
    "coerce",
    "stamp_json",
]
