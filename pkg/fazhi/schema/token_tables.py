"""Tables of the tokenizer stage (``fazhi.tokenizer``): tokens and the tokenizer's settings.

In: ``base.table``. Out: ``TOKENS`` and ``TOKEN_SETTINGS``, registered in ``TABLES``.
How: one ``table(...)`` declaration each.
"""

from __future__ import annotations

import polars as pl

from .base import table

TOKENS = table(
    "tokens",
    "one non-whitespace token of a document, in text order",
    ("doc_id", pl.String, "the document"),
    (
        "section_id",
        pl.Int32,
        "the section holding the token (sections.section_id); null without segmentation",
    ),
    (
        "sentence_id",
        pl.Int32,
        "the sentence holding the token (sentences.sentence_id); null between sentences",
    ),
    ("token_id", pl.Int32, "0.. in text order within the document"),
    ("token", pl.String, "the token as it appears in the text"),
    ("start", pl.Int64, "offset of its first character in documents.text"),
    ("end", pl.Int64, "offset after its last character (text[start:end] == token)"),
    (
        "pos",
        pl.String,
        "part of speech: dictionary tag (jieba's dict.txt or the user dictionary), else m/eng/x",
    ),
    ("keep", pl.Boolean, "survives the default filters (stopwords, punctuation, numbers, single characters)"),
)

TOKEN_SETTINGS = table(
    "token_settings",
    "one setting of the tokeniser that made the tokens table",
    (
        "key",
        pl.String,
        "engine, engine_version, hmm, filters, userdict_hash, stopwords_hash, settings_hash ...",
    ),
    ("value", pl.String, "its value (JSON for lists)"),
)
