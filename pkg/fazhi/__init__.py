"""fazhi: what Chinese governments say about building rule-of-law government (法治政府建设).

Data flows one way: raw files → documents → sections → tokens → scores/topics → charts.
The public functions are re-exported here; each lives in the module of its stage.
"""

__version__ = "0.1.0"

from .corpus import Corpus, read_corpus  # noqa: E402

__all__ = ["Corpus", "__version__", "read_corpus"]
