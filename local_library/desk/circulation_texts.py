"""The circulation page's words (nb/en), added to the desk's table (``texts.add_texts``)."""

from __future__ import annotations

from .texts import Words

CIRCULATION_TEXTS: dict[str, Words] = {
    "circulation_heading": {"nb": "Utlån og innlevering", "en": "Check out and return"},
    "mode": {"nb": "Modus", "en": "Mode"},
    "mode_out": {"nb": "Utlån", "en": "Check out"},
    "mode_in": {"nb": "Innlevering", "en": "Return"},
    "mode_out_key": {"nb": "Utlån (Alt+U)", "en": "Check out (Alt+U)"},
    "mode_in_key": {"nb": "Innlevering (Alt+I)", "en": "Return (Alt+I)"},
    "mode_now": {"nb": "Modus nå: {mode}", "en": "Current mode: {mode}"},
    "scan_label_start": {"nb": "Skann lånekort eller strekkode", "en": "Scan a library card or an item barcode"},
    "scan_label_item": {
        "nb": "Skann strekkoden på materialet (eller et annet lånekort)",
        "en": "Scan the item's barcode (or another library card)",
    },
    "scan_hint": {
        "nb": "Skanneren trykker Enter selv. Bytt modus med Alt+U (utlån) og Alt+I (innlevering).",
        "en": "The scanner presses Enter itself. Switch mode with Alt+U (check out) and Alt+I (return).",
    },
    "scan_button": {"nb": "OK", "en": "OK"},
    "patron_pin": {"nb": "Lånerens PIN-kode", "en": "The patron's PIN"},
    "patron_pin_hint": {
        "nb": "Biblioteket krever PIN-kode ved hvert utlån: låneren taster den inn.",
        "en": "This library asks for the PIN at every loan: the patron types it in.",
    },
    "clear_patron": {"nb": "Ferdig med låneren", "en": "Done with this patron"},
    # The patron panel.
    "patron_heading": {"nb": "Låner: {name}", "en": "Patron: {name}"},
    "kind_national": {"nb": "Nasjonalt lånekort", "en": "National library card"},
    "kind_local": {"nb": "Lokalt lånekort", "en": "Local library card"},
    "born": {"nb": "Født", "en": "Born"},
    "age": {"nb": "{age} år", "en": "{age} years"},
    "warnings": {"nb": "Varsler", "en": "Warnings"},
    "warn_blocked_reminders": {
        "nb": "Kortet er sperret etter purringer. Det åpnes når det purrede materialet er levert.",
        "en": "The card is blocked after reminders. It opens once the reminded items are returned.",
    },
    "warn_blocked_staff": {"nb": "Kortet er sperret av biblioteket.", "en": "The card is blocked by the library."},
    "warn_guardian_needed": {
        "nb": "Låneren er under {age} år og har ingen foresatt registrert: foresatt må signere.",
        "en": "The patron is under {age} and has no guardian on record: a guardian must sign.",
    },
    "warn_guardian_liable": {
        "nb": "Låneren er under {age} år: foresatt ({guardian}) er erstatningspliktig.",
        "en": "The patron is under {age}: the guardian ({guardian}) is liable.",
    },
    "warn_no_pin": {
        "nb": "Låneren har ingen PIN-kode, og biblioteket krever PIN ved utlån. Sett en på lånersiden.",
        "en": "The patron has no PIN and this library asks for one at every loan. Set one on the patron page.",
    },
    "warn_card_replaced": {
        "nb": "Dette kortet er meldt tapt og erstattet. Ikke lån ut på det: be om det nye kortet.",
        "en": "This card was reported lost and replaced. Do not lend on it: ask for the new card.",
    },
    "warn_card_upgraded": {
        "nb": "Dette kortet er oppgradert til et nasjonalt lånekort. Ikke lån ut på det: be om det nasjonale kortet.",
        "en": "This card was upgraded to a national card. Do not lend on it: ask for the national card.",
    },
    "warn_card_erased": {
        "nb": "Kortets nasjonale oppføring er slettet. Ikke lån ut på det.",
        "en": "This card's national record was erased. Do not lend on it.",
    },
    "warn_card_opted_out": {
        "nb": "Låneren har byttet dette kortet mot et lokalt lånekort. Ikke lån ut på det: be om det lokale kortet.",
        "en": "The patron exchanged this card for a local card. Do not lend on it: ask for the local card.",
    },
    "warn_card_unlinked": {
        "nb": "Kortet er ikke lenger knyttet til biblioteket. Ikke lån ut på det.",
        "en": "This card is no longer associated with the library. Do not lend on it.",
    },
    "warn_registry_unavailable": {
        "nb": "Det nasjonale registeret kan ikke bekrefte kortet akkurat nå.",
        "en": "The national registry cannot confirm this card right now.",
    },
    "warn_registry_refused": {
        "nb": "Det nasjonale registeret bekrefter ikke dette kortet.",
        "en": "The national registry does not confirm this card.",
    },
    "warn_ready": {
        "nb": "{count} reservasjon(er) ligger klar til henting.",
        "en": "{count} reservation(s) ready for pickup.",
    },
    "no_warnings": {"nb": "Ingen varsler.", "en": "No warnings."},
    "loans": {"nb": "Lån", "en": "Loans"},
    "no_loans": {"nb": "Ingen lån.", "en": "No loans."},
    "title": {"nb": "Tittel", "en": "Title"},
    "barcode": {"nb": "Strekkode", "en": "Barcode"},
    "material": {"nb": "Type", "en": "Type"},
    "due_on": {"nb": "Frist", "en": "Due"},
    "renewals": {"nb": "Fornyet", "en": "Renewed"},
    "reminders": {"nb": "Purringer", "en": "Reminders"},
    "action": {"nb": "Handling", "en": "Action"},
    "overdue": {"nb": "for sent", "en": "overdue"},
    "claimed": {"nb": "erstatningskrav", "en": "replacement claimed"},
    "renew_title": {"nb": "Forny «{title}»", "en": "Renew “{title}”"},
    "reservations": {"nb": "Reservasjoner", "en": "Reservations"},
    "no_reservations": {"nb": "Ingen reservasjoner.", "en": "No reservations."},
    "status": {"nb": "Status", "en": "Status"},
    "reference": {"nb": "Hentenummer", "en": "Pickup number"},
    "pickup_deadline": {"nb": "Hentefrist", "en": "Pick up by"},
    "reservation_waiting": {"nb": "I kø", "en": "Waiting"},
    "reservation_ready": {"nb": "Klar til henting", "en": "Ready for pickup"},
    "cancel_title": {"nb": "Avbestill «{title}»", "en": "Cancel “{title}”"},
    "reserve_heading": {"nb": "Reserver", "en": "Reserve"},
    "reserve_label": {"nb": "Strekkode på materialet som skal reserveres", "en": "Barcode of the item to reserve"},
    "reserve_button": {"nb": "Reserver", "en": "Reserve"},
    "fees": {"nb": "Gebyrer", "en": "Fees"},
    "no_fees": {"nb": "Ingen gebyrer.", "en": "No fees."},
    "fee_kind": {"nb": "Gebyr", "en": "Fee"},
    "charged_on": {"nb": "Dato", "en": "Charged"},
    "amount": {"nb": "Beløp", "en": "Amount"},
    "fee_reminder": {"nb": "Purregebyr (purring {number})", "en": "Reminder fee (reminder {number})"},
    "fee_replacement": {"nb": "Erstatning", "en": "Replacement"},
    "fee_new_card": {"nb": "Nytt lånekort", "en": "New library card"},
    "fee_open": {"nb": "Ubetalt", "en": "Unpaid"},
    "fee_paid": {"nb": "Betalt", "en": "Paid"},
    "fee_waived": {"nb": "Frafalt", "en": "Waived"},
    "fee_refunded": {"nb": "Refundert", "en": "Refunded"},
    "fees_open_total": {"nb": "Ubetalt i alt: {amount}", "en": "Unpaid in total: {amount}"},
    "mark_paid": {"nb": "Betalt", "en": "Paid"},
    "waive": {"nb": "Frafall", "en": "Waive"},
    # Outcomes.
    "done_checked_out": {"nb": "Lånt ut: «{title}», frist {due}.", "en": "Checked out: “{title}”, due {due}."},
    "done_returned": {"nb": "Levert inn: «{title}».", "en": "Returned: “{title}”."},
    "done_returned_held": {
        "nb": "Levert inn: «{title}». Legg den på hentehyllen: reservert, hentenummer {reference}.",
        "en": "Returned: “{title}”. Put it on the pickup shelf: reserved, pickup number {reference}.",
    },
    "done_returned_held_no_reference": {
        "nb": "Levert inn: «{title}». Legg den på hentehyllen: den er reservert.",
        "en": "Returned: “{title}”. Put it on the pickup shelf: it is reserved.",
    },
    "done_refunded": {
        "nb": "Erstatningskravet for materialet er refundert.",
        "en": "The replacement charge for the item is refunded.",
    },
    "done_renewed": {"nb": "Fornyet: «{title}», ny frist {due}.", "en": "Renewed: “{title}”, now due {due}."},
    "done_reserved": {"nb": "Reservert: «{title}».", "en": "Reserved: “{title}”."},
    "done_cancelled": {"nb": "Reservasjonen er avbestilt.", "en": "The reservation is cancelled."},
    "done_fee_paid": {"nb": "Gebyret er registrert som betalt.", "en": "The fee is marked paid."},
    "done_fee_waived": {"nb": "Gebyret er frafalt.", "en": "The fee is waived."},
    "refused": {"nb": "Ikke gjort: {reason}", "en": "Not done: {reason}"},
    "refused_item": {"nb": "«{title}»: {reason}", "en": "“{title}”: {reason}"},
    "why_card_blocked": {"nb": "kortet er sperret for utlån.", "en": "the card is blocked for loans."},
    "why_loan_limit_reached": {
        "nb": "låneren har nådd grensen for antall lån.",
        "en": "the patron has reached the loan limit.",
    },
    "why_item_on_loan": {
        "nb": "materialet er allerede utlånt. Lever det inn først.",
        "en": "the item is already on loan. Return it first.",
    },
    "why_held_for_another": {
        "nb": "materialet er holdt av til en annen låners reservasjon.",
        "en": "the item is held for another patron's reservation.",
    },
    "why_item_not_on_loan": {"nb": "materialet er ikke utlånt.", "en": "the item is not on loan."},
    "why_item_not_found": {
        "nb": "ingen materiale eller lånekort her har denne koden.",
        "en": "no item or card here has this code.",
    },
    "why_patron_not_found": {
        "nb": "ingen låner her har dette kortet. Et nasjonalt kort fra et annet bibliotek kobles på lånersiden.",
        "en": "no patron here holds this card. A national card from another library is linked on the Patrons page.",
    },
    "why_card_replaced": {
        "nb": "kortet er meldt tapt og erstattet. Be om det nye kortet.",
        "en": "the card was reported lost and replaced. Ask for the new card.",
    },
    "why_card_upgraded": {
        "nb": "kortet er oppgradert til et nasjonalt lånekort. Be om det nasjonale kortet.",
        "en": "the card was upgraded to a national card. Ask for the national card.",
    },
    "why_card_erased": {
        "nb": "kortets nasjonale oppføring er slettet.",
        "en": "the card's national record was erased.",
    },
    "why_card_opted_out": {
        "nb": "kortet er byttet mot et lokalt lånekort. Be om det lokale kortet.",
        "en": "the card was exchanged for a local card. Ask for the local card.",
    },
    "why_card_unlinked": {
        "nb": "kortet er ikke lenger knyttet til biblioteket.",
        "en": "the card is no longer associated with the library.",
    },
    "why_scan_card_first": {"nb": "skann lånekortet først.", "en": "scan the library card first."},
    "why_pin_required": {
        "nb": "biblioteket krever lånerens PIN-kode ved utlån.",
        "en": "this library asks for the patron's PIN at every loan.",
    },
    "why_pin_invalid": {"nb": "feil PIN-kode.", "en": "wrong PIN."},
    "why_pin_locked": {
        "nb": "kortet er sperret etter for mange feil PIN-koder. Sett en ny PIN-kode på lånersiden.",
        "en": "the card is locked after too many wrong PINs. Set a new PIN on the patron page.",
    },
    "why_pin_attempts_throttled": {
        "nb": "for mange feil PIN-koder. Vent litt og prøv igjen.",
        "en": "too many wrong PINs. Wait a little and try again.",
    },
    "why_pin_not_set": {
        "nb": "låneren har ingen PIN-kode. Sett en på lånersiden.",
        "en": "the patron has no PIN. Set one on the patron page.",
    },
    "why_registry_unavailable": {
        "nb": "det nasjonale registeret kan ikke nås, så det nasjonale kortet kan ikke sjekkes nå.",
        "en": "the national registry cannot be reached, so the national card cannot be checked now.",
    },
    "why_renewal_limit_reached": {
        "nb": "lånet er fornyet så mange ganger som biblioteket tillater.",
        "en": "the loan has been renewed as often as the library allows.",
    },
    "why_reserved_by_another": {"nb": "en annen låner har reservert det.", "en": "another patron has reserved it."},
    "why_someone_waiting": {"nb": "noen venter på det.", "en": "someone is waiting for it."},
    "why_renewal_changes_nothing": {
        "nb": "en fornyelse i dag ville gitt samme frist.",
        "en": "renewing today would give the same due date.",
    },
    "why_not_renewable": {
        "nb": "denne typen materiale kan ikke fornyes.",
        "en": "this kind of item cannot be renewed.",
    },
    "why_loan_claimed": {"nb": "det er sendt erstatningskrav for lånet.", "en": "a replacement has been claimed."},
    "why_loan_not_found": {"nb": "lånet finnes ikke (lenger).", "en": "the loan no longer exists."},
    "why_already_borrowed": {"nb": "låneren har det allerede til lån.", "en": "the patron already has it on loan."},
    "why_already_reserved": {"nb": "låneren har det allerede reservert.", "en": "the patron has already reserved it."},
    "why_not_reservable": {
        "nb": "denne typen materiale kan ikke reserveres.",
        "en": "this kind of item cannot be reserved.",
    },
    "why_reservation_closed": {
        "nb": "reservasjonen er allerede avsluttet.",
        "en": "the reservation is already closed.",
    },
    "why_reservation_not_found": {"nb": "reservasjonen finnes ikke.", "en": "there is no such reservation."},
    "why_fee_not_found": {"nb": "gebyret finnes ikke eller er ikke åpent.", "en": "no such open fee."},
    "why_other": {"nb": "det gikk ikke. Prøv igjen.", "en": "it did not work. Please try again."},
}
