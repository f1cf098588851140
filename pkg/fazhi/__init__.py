"""fazhi: what Chinese governments say about building rule-of-law government (法治政府建设).

Data flows one way: raw files → documents → sections → tokens → scores/topics → charts.
The public functions are re-exported here; each lives in the module of its stage and is imported on
first use, so ``import fazhi`` stays cheap (no jieba dictionary, no scikit-learn) until a stage is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module of its stage
_EXPORTS = {
    "Corpus": "corpus",
    "read_corpus": "corpus",
    "segment_text": "segment",
    "Tokenizer": "tokenizer",
    "tokenize": "tokenizer",
    "score_themes": "themes",
    "run_topics": "topics",
    "TopicSettings": "topics",
    "read_table": "tables",
    "build": "pipeline",
    "align_passages": "reuse",
    "ReuseSettings": "reuse",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fazhi' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = ["__version__", *_EXPORTS]  # noqa: PLE0604 (_EXPORTS is a dict of names)
