"""Card HTML made safe for a page, with Anki's structure kept.

A shared deck is untrusted: scripts, event handlers, forms and frames go, and
so do styles that could cover the page (``position``, ``z-index``). What makes
a card look like itself stays: ``div``/``span``/tables/lists/ruby, images,
sounds, inline SVG, ``class`` and ``dir``, and the styles that matter (colours,
fonts, alignment, spacing, ``display``). Element ids get a ``card-`` prefix so
a card cannot clobber the page's own. Local media names in ``src`` go through
the page's :data:`~tokendeck.rendering.media.MediaUrl`; ``data:`` URLs are kept
only for images.
"""

from __future__ import annotations

from tokendeck.rendering.media import MediaUrl, is_local

_TEXT_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
    "figcaption", "figure", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "rb", "rp", "rt", "ruby", "s", "samp",
    "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr", "section", "article",
    "header", "footer", "aside", "main", "label",
}  # fmt: skip
_MEDIA_TAGS = {"img", "audio", "video", "source"}
_SVG_TAGS = {
    "svg", "g", "path", "circle", "ellipse", "line", "polyline", "polygon", "rect", "text",
    "tspan", "defs", "lineargradient", "radialgradient", "stop",
}  # fmt: skip
#: Inert without scripts (always type="button", never a form's submit): Anki's image
#: occlusion "Toggle Masks" button, which the page wires up itself.
_CONTROL_TAGS = {"button"}
TAGS = _TEXT_TAGS | _MEDIA_TAGS | _SVG_TAGS | _CONTROL_TAGS

#: Removed with their content (anything else unknown keeps its text).
DROPPED = {"script", "style", "template", "textarea", "select", "title", "iframe", "noscript"}

_SVG_ATTRIBUTES = {
    "xmlns", "viewbox", "viewBox", "width", "height", "fill", "stroke", "stroke-width",
    "stroke-linecap", "stroke-linejoin", "fill-rule", "clip-rule", "opacity", "d", "points",
    "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "transform",
    "preserveAspectRatio", "offset", "stop-color", "gradientUnits", "text-anchor",
}  # fmt: skip
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "style", "dir", "lang", "title", "id", "align", "valign", "width", "height"},
    "a": {"href"},
    "img": {"src", "alt", "loading"},
    "audio": {"src", "controls", "preload", "loop"},
    "video": {"src", "controls", "preload", "loop", "muted"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan", "bgcolor"},
    "th": {"colspan", "rowspan", "bgcolor", "scope"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor"},
    "col": {"span"},
    "colgroup": {"span"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "details": {"open"},
    **{tag: _SVG_ATTRIBUTES for tag in _SVG_TAGS},
}

#: Inline style properties kept: how a card looks, nothing that moves it over the page.
STYLES = {
    "color", "background-color", "font", "font-size", "font-weight", "font-style",
    "font-family", "font-variant", "text-align", "text-decoration", "text-transform",
    "text-indent", "vertical-align", "line-height", "letter-spacing", "word-spacing",
    "white-space", "direction", "unicode-bidi", "display", "visibility", "float", "clear",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-radius", "border-collapse", "border-spacing",
    "width", "height", "max-width", "max-height", "min-width", "min-height",
    "list-style", "list-style-type", "opacity", "box-shadow", "overflow-wrap", "word-break",
}  # fmt: skip

_URL_ATTRIBUTES = {"src", "href"}


def clean(html: str, media_url: MediaUrl) -> str:
    """``html`` sanitised for a page; local media names become ``media_url(name)``."""
    import nh3

    def filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        lowered = value.strip().lower()
        if lowered.startswith("data:"):
            return value if tag == "img" and lowered.startswith("data:image/") else None
        if attribute == "src" and is_local(value):
            return media_url(value)
        return value

    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROPPED,
        attributes=ATTRIBUTES,
        attribute_filter=filter_attribute,
        generic_attribute_prefixes={"data-"},
        url_schemes={"http", "https", "mailto", "data"},
        set_tag_attribute_values={"a": {"target": "_blank"}, "button": {"type": "button"}},
        filter_style_properties=STYLES,
        id_prefix="card-",
        link_rel="noopener noreferrer",
    )
