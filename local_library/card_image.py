"""The library card as images a scanner reads from a phone's screen: a 1-D barcode and a QR code, as inline SVG.

The barcode is drawn by ``python-barcode`` (Code 128 by default; Code 39 where the library's scanners need it,
``[cards] barcode`` in its policy) and the QR code by ``segno`` (ISO/IEC 18004). Both are inline SVG, so the
page loads nothing more and runs no script; python-barcode writes each bar's colour as an inline ``style``
attribute, which the pages' content security policy (``style-src 'self'``) would drop, turning the white
background black, so its SVG is written with presentation attributes (``fill``) instead, which no policy
governs. Sizes are in modules through the ``viewBox``; the page's stylesheet sets how large they show.

Sizes: the quiet zone is 10 modules either side (Code 128's minimum) and 4 around the QR code (its standard),
bars are as tall as a third of the symbol's width, and the QR code uses error correction level M.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import segno
from barcode import Code39, Code128
from barcode.writer import SVGWriter

from local_library.policy import CardSymbology

__all__ = ["barcode_svg", "qr_svg"]

_QUIET_ZONE_MODULES = 10
_MM = re.compile(r"^(-?[0-9.]+)mm$")


class _AttributeSvgWriter(SVGWriter):  # type: ignore[misc]  # python-barcode ships no type hints
    """python-barcode's SVG writer with colours as ``fill`` attributes and sizes as a unitless ``viewBox``."""

    def _finish(self) -> str:
        root = self._root
        width, height = (_unitless(root.getAttribute(name)) for name in ("width", "height"))
        for name in ("width", "height", "version"):
            root.removeAttribute(name)
        root.setAttribute("viewBox", f"0 0 {width} {height}")
        root.setAttribute("shape-rendering", "crispEdges")  # sharp bars, never anti-aliased grey
        for rect in root.getElementsByTagName("rect"):
            style = rect.getAttribute("style")
            rect.removeAttribute("style")
            rect.setAttribute("fill", style.removeprefix("fill:").rstrip(";"))
            for name in ("x", "y", "width", "height"):
                value = rect.getAttribute(name)
                if value.endswith("mm"):
                    rect.setAttribute(name, _unitless(value))
        for group in root.getElementsByTagName("g"):
            group.removeAttribute("id")  # two symbols on one page must not share an id
        for comment in [node for node in root.childNodes if node.nodeType == node.COMMENT_NODE]:
            root.removeChild(comment)
        return str(root.toxml())


def _unitless(value: str) -> str:
    match = _MM.match(value)
    if match is None:
        raise ValueError(f"unexpected SVG size {value!r}")
    return f"{float(match.group(1)):g}"


def barcode_svg(card_number: str, symbology: CardSymbology, *, label: str) -> str:
    """The card number as a 1-D barcode (inline SVG, ``role="img"`` with ``label`` as its accessible name)."""
    writer = _AttributeSvgWriter()
    writer.with_doctype = False
    symbol: Any = (
        Code128(card_number, writer=writer)
        if symbology == "code128"
        else Code39(
            card_number,
            writer=writer,
            add_checksum=False,  # a check character would be read as part of the number
        )
    )
    modules = len(symbol.build()[0])
    options = {
        "module_width": 1,
        "module_height": max(round((modules + 2 * _QUIET_ZONE_MODULES) / 3), 15),
        "quiet_zone": _QUIET_ZONE_MODULES,
        "margin_top": 0,
        "margin_bottom": 0,
        "write_text": False,  # the number is written under it as text on the page, readable and selectable
        "background": "#fff",
        "foreground": "#000",
    }
    svg: str = symbol.render(options)
    return svg.replace("<svg ", f'<svg class="card-barcode" role="img" aria-label="{escape(label)}" ', 1)


def qr_svg(card_number: str, *, label: str) -> str:
    """The card number as a QR code (inline SVG, its accessible name ``label``)."""
    code = segno.make(card_number, error="m", micro=False)
    svg: str = code.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="card-qr", lineclass=None
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" shape-rendering="crispEdges" ', 1)
