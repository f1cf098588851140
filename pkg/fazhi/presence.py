"""Presence: does a unit (a paragraph, a section, a whole document) substantively deal with a theme?

In: any text (one unit), and the versioned presence rules ``fazhi/data/presence.toml`` (cues counted in
context, per theme; see the file's header) or a ``PresenceRules`` read from another file.
Out: ``unit_scores(text)`` - one row per theme with the rule ``score`` and the boolean ``present``;
``cue_hits(text)`` - every cue occurrence with its sentence, whether it counted and why not (for
inspection and per-cue precision); ``presence_frame(texts)`` - the decision for many units at once.
How: the text is NFKC-normalised and cut into sentences (at 。!?; and line breaks). Per theme, all cue
terms are matched leftmost-longest by one regular expression. An occurrence counts when its sentence
holds a ``near`` word of its cue (if the cue has any) and no ``unless`` word of its cue nor an
``exclude_sentences`` word of its theme; an occurrence next to 、 (an item of an enumeration) counts
``list_weight`` times the cue weight. The score is the sum of counted weights; present = score >=
threshold. Themes without rules use the dictionary measure of ``fazhi.themes`` (weighted hits >=
``MIN_WEIGHT``), decided by ``fazhi.themes.score_themes``.

The rules encode the codebook (``docs/codebook.md``): e.g. a generic digital word (数据, 平台,
信息化) counts for digital government only in a sentence about administration and not in one about
industry or the economy; 矛盾 / 化解 count for dispute resolution only next to 群众, 纠纷, 信访... and not
next to 经济, 债务, 金融.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .paths import PACKAGE_DATA

RULES_FILE = PACKAGE_DATA / "presence.toml"

_SENTENCE_END = re.compile(r"[。!?;\n]")


class RulesError(ValueError):
    """The presence rules file is malformed (missing field, duplicate term, bad weight...)."""


def normalise(text: str) -> str:
    """NFKC (full-width ＋, digits and punctuation become ASCII; 、 and 。 stay)."""
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Cue:
    """A group of terms that count the same way, in the same context."""

    name: str
    gloss: str
    weight: float
    terms: tuple[str, ...]
    near: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    list_weight: float | None = None  # None: the file's list_weight


@dataclass(frozen=True)
class ThemeRules:
    """The cues of one theme and the score it needs to be present."""

    theme: str
    threshold: float
    cues: tuple[Cue, ...]
    exclude_sentences: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class PresenceRules:
    """All theme rules with the file's version and content hash."""

    themes: tuple[ThemeRules, ...]
    version: str
    hash: str
    list_weight: float

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.theme for t in self.themes)

    def __getitem__(self, theme: str) -> ThemeRules:
        for t in self.themes:
            if t.theme == theme:
                return t
        raise KeyError(theme)

    def with_thresholds(self, thresholds: dict[str, float]) -> PresenceRules:
        """The same rules with some thresholds replaced (for threshold selection in cross-validation)."""
        themes = tuple(
            ThemeRules(
                t.theme, float(thresholds.get(t.theme, t.threshold)), t.cues, t.exclude_sentences, t.note
            )
            for t in self.themes
        )
        return PresenceRules(themes, self.version, self.hash, self.list_weight)

    def frame(self) -> pl.DataFrame:
        """One row per (theme, cue, term): the rules as a table, for inspection and the site."""
        rows = [
            {
                "theme": t.theme,
                "cue": c.name,
                "term": term,
                "weight": c.weight,
                "near": " ".join(c.near),
                "unless": " ".join(c.unless),
                "threshold": t.threshold,
            }
            for t in self.themes
            for c in t.cues
            for term in c.terms
        ]
        return pl.DataFrame(rows, schema=_RULE_SCHEMA)


_RULE_SCHEMA = {
    "theme": pl.String,
    "cue": pl.String,
    "term": pl.String,
    "weight": pl.Float64,
    "near": pl.String,
    "unless": pl.String,
    "threshold": pl.Float64,
}


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{where}: expected a list of non-empty strings")
    return tuple(normalise(v) for v in value)


def load_rules(path: Path | None = None) -> PresenceRules:
    """Read and check a presence rules file (the package's ``data/presence.toml`` by default).

    Raises
    ------
    RulesError
        On invalid TOML, a missing id, a bad weight or threshold, an empty cue or a term given twice
        within one theme.
    """
    path = Path(path) if path is not None else RULES_FILE
    raw = path.read_bytes()
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path.name}: not valid TOML ({exc})") from exc
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RulesError(f"{path.name}: missing string field 'version'")
    list_weight = doc.get("list_weight", 0.5)
    if (
        not isinstance(list_weight, (int, float))
        or isinstance(list_weight, bool)
        or not 0 <= list_weight <= 1
    ):
        raise RulesError(f"{path.name}: list_weight must be a number in [0, 1]")
    themes: list[ThemeRules] = []
    for i, entry in enumerate(doc.get("theme", [])):
        tid = entry.get("id")
        if not isinstance(tid, str) or not tid.strip():
            raise RulesError(f"{path.name}: theme #{i + 1} has no id")
        if tid in {t.theme for t in themes}:
            raise RulesError(f"{path.name}: theme {tid!r} given twice")
        threshold = entry.get("threshold", 1.0)
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or threshold <= 0:
            raise RulesError(f"{path.name}: {tid}: threshold must be a positive number")
        cues: list[Cue] = []
        seen: dict[str, str] = {}
        for j, c in enumerate(entry.get("cue", [])):
            where = f"{path.name}: {tid}: cue #{j + 1}"
            name = c.get("name")
            if not isinstance(name, str) or not name.strip():
                raise RulesError(f"{where}: no name")
            weight = c.get("weight", 1.0)
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 10:
                raise RulesError(f"{where}: weight must be in (0, 10]")
            terms = _strings(c.get("terms"), where)
            if not terms:
                raise RulesError(f"{where}: no terms")
            for term in terms:
                if term in seen:
                    raise RulesError(f"{where}: {term!r} is already a term of cue {seen[term]!r}")
                seen[term] = name
            lw = c.get("list_weight")
            if lw is not None and (
                not isinstance(lw, (int, float)) or isinstance(lw, bool) or not 0 <= lw <= 1
            ):
                raise RulesError(f"{where}: list_weight must be a number in [0, 1]")
            cues.append(
                Cue(
                    name,
                    str(c.get("gloss", "")),
                    float(weight),
                    terms,
                    _strings(c.get("near"), where),
                    _strings(c.get("unless"), where),
                    None if lw is None else float(lw),
                )
            )
        if not cues:
            raise RulesError(f"{path.name}: {tid}: no [[theme.cue]] entries")
        themes.append(
            ThemeRules(
                tid,
                float(threshold),
                tuple(cues),
                _strings(entry.get("exclude_sentences"), tid),
                str(entry.get("note", "")),
            )
        )
    if not themes:
        raise RulesError(f"{path.name}: no [[theme]] entries")
    return PresenceRules(tuple(themes), version, hashlib.sha256(raw).hexdigest(), float(list_weight))


_DEFAULT: tuple[tuple[int, int], PresenceRules] | None = None


def default_rules() -> PresenceRules:
    """The package's presence rules, cached until the file changes on disk."""
    global _DEFAULT
    st = RULES_FILE.stat()
    key = (st.st_mtime_ns, st.st_size)
    if _DEFAULT is None or _DEFAULT[0] != key:
        _DEFAULT = (key, load_rules())
    return _DEFAULT[1]


_PATTERNS: dict[tuple[str, str], tuple[re.Pattern[str], dict[str, Cue]]] = {}


def _pattern(rules: PresenceRules, theme: ThemeRules) -> tuple[re.Pattern[str], dict[str, Cue]]:
    key = (rules.hash + repr(theme.threshold), theme.theme)
    if key not in _PATTERNS:
        by_term = {term: cue for cue in theme.cues for term in cue.terms}
        alternatives = sorted(by_term, key=lambda t: (-len(t), t))
        _PATTERNS[key] = (re.compile("|".join(re.escape(t) for t in alternatives)), by_term)
    return _PATTERNS[key]


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


_HIT_SCHEMA = {
    "theme": pl.String,
    "cue": pl.String,
    "term": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "sentence": pl.Int64,
    "list_item": pl.Boolean,
    "counted": pl.Boolean,
    "reason": pl.String,
    "weight": pl.Float64,
}


def _hits(text: str, rules: PresenceRules, themes: Iterable[str] | None = None) -> list[dict[str, object]]:
    text = normalise(text)
    spans = _sentences(text)
    out: list[dict[str, object]] = []
    wanted = set(themes) if themes is not None else None
    for theme in rules.themes:
        if wanted is not None and theme.theme not in wanted:
            continue
        pattern, by_term = _pattern(rules, theme)
        k = 0
        for m in pattern.finditer(text):
            while k < len(spans) - 1 and m.start() >= spans[k][1]:
                k += 1
            sentence = text[spans[k][0] : spans[k][1]] if spans else text
            cue = by_term[m.group()]
            before = text[m.start() - 1] if m.start() > 0 else ""
            after = text[m.end()] if m.end() < len(text) else ""
            list_item = before == "、" or after == "、"
            reason = ""
            if any(w in sentence for w in theme.exclude_sentences):
                reason = "excluded sentence"
            elif cue.near and not any(w in sentence for w in cue.near):
                reason = "no context word"
            elif any(w in sentence for w in cue.unless):
                reason = "exclusion word"
            lw = rules.list_weight if cue.list_weight is None else cue.list_weight
            weight = 0.0 if reason else cue.weight * (lw if list_item else 1.0)
            out.append(
                {
                    "theme": theme.theme,
                    "cue": cue.name,
                    "term": m.group(),
                    "start": m.start(),
                    "end": m.end(),
                    "sentence": k,
                    "list_item": list_item,
                    "counted": not reason,
                    "reason": reason or ("list item" if list_item else ""),
                    "weight": weight,
                }
            )
    return out


def cue_hits(text: str, *, rules: PresenceRules | None = None) -> pl.DataFrame:
    """Every cue occurrence in one text: theme, cue, term, offsets (in the NFKC text), sentence index,
    whether it is a list item, whether it counted, the reason it did not (or ``list item``), its weight."""
    return pl.DataFrame(_hits(text, rules or default_rules()), schema=_HIT_SCHEMA)


def scores(text: str, *, rules: PresenceRules | None = None) -> dict[str, float]:
    """The rule score of each theme with rules, for one text."""
    rules = rules or default_rules()
    out = dict.fromkeys(rules.ids, 0.0)
    for h in _hits(text, rules):
        out[str(h["theme"])] += float(h["weight"])  # type: ignore[arg-type]
    return out


def unit_scores(text: str, *, rules: PresenceRules | None = None) -> pl.DataFrame:
    """One row per theme with rules: ``theme``, ``score`` and ``present`` (score >= threshold)."""
    rules = rules or default_rules()
    s = scores(text, rules=rules)
    return pl.DataFrame(
        {
            "theme": list(rules.ids),
            "score": [s[t] for t in rules.ids],
            "present": [s[t] >= rules[t].threshold for t in rules.ids],
        },
        schema={"theme": pl.String, "score": pl.Float64, "present": pl.Boolean},
    )


def presence_frame(
    texts: Sequence[str], *, ids: Sequence[str] | None = None, rules: PresenceRules | None = None
) -> pl.DataFrame:
    """The decision for many units: one row per unit with ``unit_id``, and ``<theme>_score`` and
    ``<theme>`` (0/1) for each theme with rules."""
    rules = rules or default_rules()
    ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
    rows = []
    for uid, text in zip(ids, texts, strict=True):
        s = scores(text, rules=rules)
        row: dict[str, object] = {"unit_id": uid}
        for t in rules.ids:
            row[f"{t}_score"] = s[t]
            row[t] = int(s[t] >= rules[t].threshold)
        rows.append(row)
    schema: dict[str, pl.DataType] = {"unit_id": pl.String}
    for t in rules.ids:
        schema[f"{t}_score"] = pl.Float64
        schema[t] = pl.Int64
    return pl.DataFrame(rows, schema=schema)
