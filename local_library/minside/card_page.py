"""Min side's "my library card" page: the card as a barcode and a QR code to show a lending machine or the desk.

Inline SVG (``local_library.card_image``) on a page under the same content security policy as every other
Min side page: no script, no inline style. The number is also written out, for a desk that types it.
"""

from __future__ import annotations

from html import escape

from local_library.card_image import barcode_svg, qr_svg
from local_library.patrons.models import Patron

from .card_texts import card_text
from .pages import BASE, PageContext, layout


def card_page(ctx: PageContext, patron: Patron) -> str:
    language = ctx.language

    def t(key: str, **values: object) -> str:
        return escape(card_text(key, language, **values))

    number = patron.card_number
    if number is None:
        images = f"<p>{t('card_missing')}</p>"
    else:
        symbology = ctx.policy.cards.barcode
        images = f"""<figure class="card">
{barcode_svg(number, symbology, label=card_text("card_barcode_label", language, number=number))}
<figcaption><span class="card-number-label">{t("card_number_label")}</span>
<span class="card-number">{escape(number)}</span></figcaption>
</figure>
<h2>{t("card_qr_heading")}</h2>
<p>{t("card_qr_intro")}</p>
<figure class="card">{qr_svg(number, label=card_text("card_qr_label", language, number=number))}</figure>"""
    blocked = f'<p class="message" role="alert">{t("card_page_blocked")}</p>' if patron.blocked else ""
    body = f"""<h1>{t("card_page")}</h1>
<p>{t("card_holder", name=patron.name)}, {escape(ctx.library_name)}</p>
{blocked}
<p>{t("card_intro")}</p>
{images}
<p><a href="{BASE}/me?lang={language}">{t("back_to_overview")}</a></p>"""
    return layout(ctx, card_text("card_page", language), body, logged_in=True)
