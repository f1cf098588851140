"""Charts: the shared altair theme and one module of chart builders per stage.

In: tidy polars tables from the stages. Out: ``altair.Chart`` objects, styled by the project theme
(CJK fonts with sensible fallbacks, so Chinese labels render), ready for a notebook cell to display.

``fazhi.charts.corpus``, ``fazhi.charts.segment``, ... hold the builders of each stage's notebook.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import altair as alt

from ..paths import ASSETS

# Fonts that carry Chinese glyphs, most specific first; the browser takes the first one it has.
CJK_FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

THEME_NAME = "fazhi"
COLUMN_WIDTH = 760  #: px: the text column of a page of the site, which every chart is built to fit


@alt.theme.register(THEME_NAME, enable=True)
def theme() -> alt.theme.ThemeConfig:
    """The project theme: CJK-capable fonts everywhere, readable sizes, no chart border."""
    return {
        "config": {
            "font": CJK_FONTS,
            "title": {"font": CJK_FONTS, "fontSize": 14, "anchor": "start"},
            "axis": {"labelFont": CJK_FONTS, "titleFont": CJK_FONTS, "labelFontSize": 11},
            # A gradient legend's default length is the plot's height, which Vega-Lite cannot compute
            # for faceted charts with step-sized, independent y scales ("datum is not defined").
            # Legends go below the plot, in columns, so that they never widen a chart beyond the text column.
            "legend": {
                "labelFont": CJK_FONTS,
                "titleFont": CJK_FONTS,
                "gradientLength": 160,
                "orient": "bottom",
                "direction": "horizontal",
                "columns": 3,
                "labelLimit": 160,
            },
            "header": {"labelFont": CJK_FONTS, "titleFont": CJK_FONTS, "labelLimit": 220},
            "mark": {"font": CJK_FONTS},
            "text": {"font": CJK_FONTS},
            "view": {"stroke": None},
        }
    }


# ---- offline rendering -------------------------------------------------------------------------------
# Never a CDN. When `fazhi site` executes a notebook it sets FAZHI_SITE_ROOT, and charts become HTML that
# loads Vega, Vega-Lite and Vega-Embed from the site itself (``vendor/vega/``), so the published site works
# from disk, from an archive or in an air-gapped reading room. In JupyterLab (no FAZHI_SITE_ROOT) the first
# chart of a kernel session carries the vendored scripts inline (830 kB, once) and every chart waits for
# them: charts draw offline, and the notebook stays valid nbformat (altair 6's own mimetype bundle,
# "application/vnd.vegalite.v6.json", is not; its HTML renderer loads Vega from jsDelivr).

SITE_ROOT_ENV = "FAZHI_SITE_ROOT"
VENDOR_DIR = "vendor/vega"
VEGA_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
RENDERER_NAME = "fazhi"
# Vega-Embed's menu offers the chart as SVG and PNG (drawn in the browser, no network); the source and
# editor links (the online Vega editor) are left out.
EMBED_OPTIONS = '{"actions":{"export":true,"source":false,"compiled":false,"editor":false},"renderer":"svg"}'
_chart_counter = itertools.count()


# Characters that must not appear raw in JSON inside a <script> element, with their JSON escapes: ``<``
# and ``>`` (``</script>`` ends the element, ``<!--`` followed by ``<script>`` makes the parser swallow the
# page up to a later ``</script>``), ``&`` (harmless in script data, escaped as every sanitiser does), and
# U+2028/U+2029 (line terminators in older JavaScript). The escaped JSON parses to the same values.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")


def script_json(value: object) -> str:
    """JSON of ``value`` that is safe to embed in an HTML ``<script>`` element, whatever its strings hold.

    Sorted keys and no spaces (deterministic bytes); non-ASCII text kept as is, except ``<``, ``>``,
    ``&``, U+2028 and U+2029, written as ``\\uXXXX`` escapes.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _SCRIPT_UNSAFE.sub(lambda m: _SCRIPT_ESCAPES[m.group()], text)


def chart_html(spec: dict, root: str, chart_id: str) -> str:
    """The HTML of one chart for a static page: a div, the vendored scripts (once a page), vegaEmbed.

    Parameters
    ----------
    spec
        The Vega-Lite specification (``chart.to_dict()``).
    root
        The relative path from the page to the site root, ending in ``/`` (``""`` or ``"../"``).
    chart_id
        The id of the chart's div; unique within the page.
    """
    # The UMD builds register as AMD modules when a page has RequireJS (Quarto adds it for widgets), so
    # `define` is hidden while they load, and the scripts are written once per page.
    tags = "".join(f'<script src="{root}{VENDOR_DIR}/{name}"><\\/script>' for name in VEGA_SCRIPTS)
    loader = (
        "if(!window.vegaEmbed){window.__fazhiDefine=window.define;window.define=undefined;"
        f"document.write('{tags}<script>window.define=window.__fazhiDefine<\\/script>');}}"
    )
    payload = script_json(spec)
    options = EMBED_OPTIONS
    return (
        # the charts are sized for the text column (COLUMN_WIDTH); one still wider is scaled down to fit it
        # (its SVG keeps its viewBox), never cut off or scrolled
        f'<div class="fazhi-chart" id="{chart_id}" style="max-width:100%"></div>\n'
        "<style>.fazhi-chart svg{max-width:100%;height:auto}</style>\n"
        f"<script>{loader}</script>\n"
        f'<script>vegaEmbed("#{chart_id}",{payload},{options}).catch(function(e){{console.error(e)}});</script>'
    )


_LAB_STATE = {"sent": False}  # whether this kernel has sent the inline Vega scripts to the notebook


def resend_vega() -> None:
    """Make the next chart carry the Vega scripts again (after its page was reloaded without them)."""
    _LAB_STATE["sent"] = False


def _inline_scripts() -> str:
    """The vendored Vega, Vega-Lite and Vega-Embed as one inline script, run only where not yet loaded."""
    folder = ASSETS / "vega"
    code = "\n".join((folder / name).read_text(encoding="utf-8") for name in VEGA_SCRIPTS)
    code = code.replace("</script", "<\\/script").replace("<!--", "<\\!--")
    return (
        "<script>if(!window.vegaEmbed){window.__fazhiDefine=window.define;window.define=undefined;\n"
        f"{code}\nwindow.define=window.__fazhiDefine;}}</script>\n"
    )


def lab_html(spec: dict, chart_id: str, *, scripts: bool) -> str:
    """The HTML of one chart for JupyterLab: no network; the Vega scripts inline when ``scripts``, and a
    wait (up to 30 s) for them otherwise, then a plain message if they never came."""
    payload = script_json(spec)
    options = EMBED_OPTIONS
    missing = script_json(
        "Vega is not loaded on this page: run fazhi.charts.resend_vega() and then this cell again."
    )
    draw = (
        f"(function(){{var id={script_json(chart_id)};function go(n){{if(window.vegaEmbed){{"
        f"vegaEmbed('#'+id,{payload},{options}).catch(function(e){{console.error(e)}});}}"
        "else if(n>0){setTimeout(function(){go(n-1)},100);}"
        f"else{{document.getElementById(id).textContent={missing};}}}}go(300);}})();"
    )
    return (
        _inline_scripts() if scripts else ""
    ) + f'<div class="fazhi-chart" id="{chart_id}" style="max-width:100%"></div>\n<script>{draw}</script>'


def _renderer(spec: dict, **metadata: object) -> dict[str, str] | tuple[dict, dict]:
    site_root = os.environ.get(SITE_ROOT_ENV)
    if not site_root:
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[
            :10
        ]
        scripts = not _LAB_STATE["sent"]
        _LAB_STATE["sent"] = True
        html = lab_html(spec, f"fazhi-chart-{digest}-{next(_chart_counter)}", scripts=scripts)
        return {"text/html": html, "text/plain": "<fazhi chart>"}
    rel = os.path.relpath(site_root, os.getcwd()).replace(os.sep, "/")
    root = "" if rel == "." else rel.rstrip("/") + "/"
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:10]
    chart_id = f"fazhi-chart-{digest}-{next(_chart_counter)}"
    return {"text/html": chart_html(spec, root, chart_id), "text/plain": "<fazhi chart>"}


alt.renderers.register(RENDERER_NAME, _renderer)
alt.renderers.enable(RENDERER_NAME)


def vendored_scripts() -> list[Path]:
    """The vendored Vega, Vega-Lite and Vega-Embed builds (and their licences) shipped in the package."""
    folder = ASSETS / "vega"
    return sorted(p for p in folder.iterdir() if p.is_file())


# ---- one look: a colour and a bilingual label per value of level, doc_type and theme ------------------
# Defined once, in data/display.toml, so that a level has the same colour and name in every chart.

from ..labels import DISPLAY as DISPLAY  # the data layer
from ..labels import VARIABLES as VARIABLES
from ..labels import label as label
from ..labels import labels

LEVEL_COLORS = {v: e["color"] for v, e in DISPLAY["level"].items()}
DOC_TYPE_COLORS = {v: e["color"] for v, e in DISPLAY["doc_type"].items()}
THEME_COLORS = {v: e["color"] for v, e in DISPLAY["theme"].items()}


def label_expr(variable: str) -> str:
    """A Vega expression that shows an axis or legend label (a raw value) as its bilingual label."""
    mapping = script_json(labels(variable))
    return f"{mapping}[datum.label] || datum.label"


def color(
    variable: str, field: str, values: list[str], *, title: str | None = None, legend: bool = True
) -> alt.Color:
    """The colour encoding of ``field`` (raw values of ``variable``): the variable's own colours, bilingual
    legend labels, values in ``values`` order (those present, in vocabulary order)."""
    colors = DISPLAY[variable]
    scale = alt.Scale(
        domain=list(values), range=[colors.get(v, {"color": "#7f7f7f"})["color"] for v in values]
    )
    return alt.Color(
        field,
        title=title,
        sort=list(values),
        scale=scale,
        legend=alt.Legend(labelExpr=label_expr(variable)) if legend else None,
    )


def axis_labels(variable: str) -> alt.Axis:
    """An axis whose labels (raw values of ``variable``) are shown bilingually."""
    return alt.Axis(labelExpr=label_expr(variable))


# ---- the chart boundary: categories reach altair as text ------------------------------------------------
# A table read back from parquet types level, doc_type, theme and measure as pl.Enum (fazhi.schema), which
# altair would encode as ordinal where a field's type is left to it; the builders see them as text.

_P = ParamSpec("_P")
_R = TypeVar("_R")


def text_frames(builder: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a chart builder: its polars frames arrive with ``pl.Enum`` columns as text
    (``fazhi.schema.as_text``), so a chart is the same whether its table was read from disk or built
    in memory."""
    import polars as pl

    from ..schema import as_text

    @functools.wraps(builder)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        texts = [as_text(a) if isinstance(a, pl.DataFrame) else a for a in args]
        named = {k: as_text(v) if isinstance(v, pl.DataFrame) else v for k, v in kwargs.items()}
        return builder(*texts, **named)  # type: ignore[arg-type]

    return wrapper
