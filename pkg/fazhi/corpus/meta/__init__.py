"""Metadata inference, one module per kind of evidence (imported through :mod:`fazhi.corpus.metadata`).

In: a clean body, header facts, a title hint, collection columns. Out: :func:`infer_metadata`.
How: ``vocab`` and ``gazetteer`` read the data files; ``dates``, ``organ``, ``title``, ``subject``,
``selfref`` and ``issuer`` each find one kind of evidence; ``infer`` combines them. Dependencies run one
way, in that order.
"""

from .infer import FIELDS, Inferred, infer_metadata

__all__ = ["FIELDS", "Inferred", "infer_metadata"]
