"""The words of Min side's card page (``card_page``), in Norwegian bokmål and English."""

from __future__ import annotations

from plumbing.web.language import Language

CARD_TEXTS: dict[str, dict[Language, str]] = {
    "card_page": {"nb": "Lånekortet mitt", "en": "My library card"},
    "card_page_link": {
        "nb": "Vis lånekortet mitt (strekkode og QR-kode)",
        "en": "Show my library card (barcode and QR code)",
    },
    "card_intro": {
        "nb": "Vis strekkoden på utlånsautomaten eller i skranken i stedet for kortet. Skru gjerne opp lysstyrken.",
        "en": "Show the barcode at the self-service machine or the desk instead of your card. Turning up the "
        "screen's brightness helps.",
    },
    "card_holder": {"nb": "Lånekort for {name}", "en": "Library card of {name}"},
    "card_barcode_label": {"nb": "Strekkode for lånekortnummer {number}", "en": "Barcode of card number {number}"},
    "card_qr_heading": {"nb": "QR-kode", "en": "QR code"},
    "card_qr_intro": {
        "nb": "Noen automater og dører leser QR-koden i stedet.",
        "en": "Some machines and doors read the QR code instead.",
    },
    "card_qr_label": {"nb": "QR-kode for lånekortnummer {number}", "en": "QR code of card number {number}"},
    "card_number_label": {"nb": "Lånekortnummer", "en": "Card number"},
    "card_missing": {
        "nb": "Du har ikke noe lånekortnummer her ennå. Spør i skranken.",
        "en": "You have no card number here yet. Please ask at the desk.",
    },
    "card_page_blocked": {
        "nb": "Kortet er sperret for nye lån. Ta kontakt med biblioteket.",
        "en": "Your card is blocked for new loans. Please contact the library.",
    },
    "back_to_overview": {"nb": "Tilbake til oversikten", "en": "Back to the overview"},
}


def card_text(key: str, language: Language, **values: object) -> str:
    return CARD_TEXTS[key][language].format(**values)
