"""Tables for reading (fazhi.display): formatted, rounded, complete cells, cut only with a note and a link."""

from __future__ import annotations

import datetime as dt
import html
import re

import polars as pl
from fazhi.display import table
from hypothesis import given, settings
from hypothesis import strategies as st

RAW_DUMP = re.compile(r"shape: \(|[┌╞└]|class=\"dataframe\"|<td>(?:str|i64|i32|f64|bool|date)</td>")


def test_numbers_are_rounded_and_nothing_is_a_raw_dump():
    df = pl.DataFrame(
        {
            "n": [1234567, None],
            "share": [0.123456789, None],
            "term": ["一网通办", None],
            "present": [True, False],
            "terms": [["a", "b"], []],
            "day": [dt.date(2024, 1, 2), None],
        }
    )
    out = table(df).html
    assert "1,234,567" in out and "0.123" in out and "0.1234" not in out
    assert "一网通办" in out and "a, b" in out and "2024-01-02" in out and ">yes<" in out
    assert "—" in out  # missing values
    assert not RAW_DUMP.search(out)
    assert "white-space: nowrap" in out  # short Chinese text never wraps mid-word


def test_a_long_table_is_cut_with_a_note_and_a_link_to_the_full_download():
    df = pl.DataFrame({"i": list(range(50))})
    t = table(df, max_rows=10, download="theme_hits")
    assert (t.rows, t.shown) == (50, 10)
    assert "The first 10 of 50 rows" in t.html and 'href="../downloads/theme_hits.csv"' in t.html
    assert 'href="data.html"' in table(df, max_rows=10, data_page="data.html").html
    assert "The first 40 of 50 rows" in table(df).html  # the default limit, MAX_ROWS = 40
    assert "The first" not in table(df.head(40)).html
    assert table(df, max_rows=50).shown == 50


def test_the_html_is_deterministic():
    df = pl.DataFrame({"a": [1.5, 2.25], "b": ["x", "y"]})
    assert table(df).html == table(df.clone()).html


@settings(deadline=None, max_examples=40)
@given(st.lists(st.text(min_size=1, max_size=40).filter(lambda s: s.strip()), min_size=1, max_size=8))
def test_every_string_is_shown_whole(cells):
    out = html.unescape(table(pl.DataFrame({"text": cells})).html)
    for c in cells:
        assert c in out
    assert "…" not in out or any("…" in c for c in cells)
