"""fazhi: what Chinese governments say about building rule-of-law government (法治政府建设).

Data flows one way: raw files → documents → sections → tokens → scores/topics → charts.
"""

__version__ = "0.1.0"
