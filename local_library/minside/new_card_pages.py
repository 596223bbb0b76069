"""The pages of "get a library card" (self-registration with a national eID), and their words in nb and en.

Plain server-rendered HTML like the rest of Min side: labelled inputs, the refusal in a summary at the top
(``role="alert"``) and next to its field, no JavaScript. The national ID is never on a page: the signed-in
person's comes from the eID sign-in; a child's is typed by the guardian into a box never filled in again.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from local_library.policy import LibraryPolicy

from .pages import BASE, PageContext, layout
from .texts import TEXTS, Language, text

NEW_CARD = f"{BASE}/new-card"

NEW_CARD_TEXTS: dict[str, dict[Language, str]] = {
    "new_card_title": {"nb": "Få lånekort", "en": "Get a library card"},
    "new_card_intro": {
        "nb": "Logg inn med ID-porten (MinID, BankID, Buypass eller Commfides), godta bibliotekets regler og velg "
        "en PIN-kode. Du får et nasjonalt lånekort med en gang, som virker i alle norske folkebibliotek.",
        "en": "Sign in with ID-porten (MinID, BankID, Buypass or Commfides), accept the library's rules and choose "
        "a PIN. You get a national library card at once, valid at every Norwegian public library.",
    },
    "new_card_self": {"nb": "Logg inn med ID-porten", "en": "Sign in with ID-porten"},
    "new_card_child_intro": {
        "nb": "Barn under {age} år trenger underskrift fra en foresatt. Som foresatt logger du inn med din egen "
        "elektroniske ID og registrerer barnet.",
        "en": "Children under {age} need a guardian's signature. As a guardian you sign in with your own eID and "
        "register the child.",
    },
    "new_card_child": {"nb": "Registrer barnet mitt (for foresatte)", "en": "Register my child (for guardians)"},
    "new_card_not_offered": {
        "nb": "Dette biblioteket tilbyr ikke registrering med ID-porten. Kom innom biblioteket, så hjelper vi deg.",
        "en": "This library does not offer registration with ID-porten. Visit the library and we will help you.",
    },
    "new_card_form_heading": {"nb": "Dine opplysninger", "en": "Your details"},
    "new_card_form_heading_child": {"nb": "Barnets opplysninger", "en": "The child's details"},
    "new_card_signed_in": {
        "nb": "Du er logget inn med ID-porten. Fødselsnummeret ditt sendes til det nasjonale lånekortregisteret "
        "og lagres ikke hos biblioteket.",
        "en": "You are signed in with ID-porten. Your national ID goes to the national library card registry and "
        "is not kept at the library.",
    },
    "new_card_signed_in_child": {
        "nb": "Du er logget inn med ID-porten som foresatt. Barnets fødselsnummer sendes til det nasjonale "
        "lånekortregisteret og lagres ikke hos biblioteket; ditt navn og din kontaktinformasjon lagres hos "
        "biblioteket til barnet fyller {age} år.",
        "en": "You are signed in with ID-porten as a guardian. The child's national ID goes to the national "
        "library card registry and is not kept at the library; your name and contact details are kept at the "
        "library until the child turns {age}.",
    },
    "field_child_national_id": {"nb": "Barnets fødselsnummer (11 siffer)", "en": "The child's national ID (11 digits)"},
    "field_child_name": {"nb": "Barnets navn", "en": "The child's name"},
    "field_name": {"nb": "Navn", "en": "Name"},
    "field_guardian_name": {"nb": "Ditt navn (foresatt)", "en": "Your name (guardian)"},
    "field_guardian_contact": {
        "nb": "Din kontaktinformasjon (telefon, e-post eller adresse)",
        "en": "Your contact details (phone, e-mail or address)",
    },
    "field_email": {"nb": "E-post", "en": "E-mail"},
    "field_phone": {"nb": "Mobilnummer", "en": "Mobile number"},
    "field_address_line": {"nb": "Gateadresse", "en": "Street address"},
    "field_postal_code": {"nb": "Postnummer", "en": "Postal code"},
    "field_city": {"nb": "Poststed", "en": "City"},
    "field_preferred_contact": {"nb": "Varsler sendes som", "en": "Send notices by"},
    "contact_email": {"nb": "e-post", "en": "e-mail"},
    "contact_sms": {"nb": "SMS", "en": "text message"},
    "contact_letter": {"nb": "brev", "en": "letter"},
    "field_pin": {"nb": "Velg PIN-kode (4 siffer)", "en": "Choose a PIN (4 digits)"},
    "field_pin_hint": {
        "nb": "Ikke rekkefølger eller gjentakelser som 1234, 1111 eller 1212.",
        "en": "No sequences or repetitions such as 1234, 1111 or 1212.",
    },
    "field_pin_again": {"nb": "Gjenta PIN-koden", "en": "Repeat the PIN"},
    "field_card_kind": {"nb": "Type lånekort", "en": "Kind of card"},
    "card_kind_national": {
        "nb": "Nasjonalt lånekort (gjelder i alle folkebibliotek; navn og kontaktopplysninger lagres i det "
        "nasjonale registeret)",
        "en": "National library card (valid at every public library; name and contact details are kept in the "
        "national registry)",
    },
    "card_kind_local": {
        "nb": "Lokalt lånekort (bare hos dette biblioteket; ingenting lagres i det nasjonale registeret)",
        "en": "Local card (this library only; nothing is kept in the national registry)",
    },
    "rules_heading": {"nb": "Bibliotekets regler", "en": "The library's rules"},
    "rules_summary": {
        "nb": "Lån varer i opptil {days} dager og kan fornyes. Du får purring når lån er forfalt, og må erstatte "
        "det du ikke leverer tilbake. Foresatte er ansvarlige for lån til barn under {liable} år.",
        "en": "Loans last up to {days} days and can be renewed. You are reminded when a loan is overdue, and replace "
        "what you do not return. Guardians are responsible for the loans of children under {liable}.",
    },
    "field_accept_rules": {"nb": "Jeg godtar bibliotekets regler", "en": "I accept the library's rules"},
    "new_card_submit": {"nb": "Få lånekort", "en": "Get my card"},
    "new_card_done": {"nb": "Lånekortet er klart", "en": "Your library card is ready"},
    "new_card_number": {
        "nb": "Lånekortnummeret er {card}. Logg inn på Min side med det og PIN-koden du valgte. Hadde du allerede "
        "et nasjonalt lånekort, er det nå knyttet til dette biblioteket, og PIN-koden er den du valgte nå.",
        "en": "The card number is {card}. Log in to My page with it and the PIN you chose. If you already had a "
        "national library card, it is now linked to this library, and its PIN is the one you chose just now.",
    },
    "new_card_queued": {
        "nb": "Registreringen er mottatt, men det nasjonale registeret svarer ikke akkurat nå. Lånekortet blir "
        "laget så snart det svarer; spør i skranken om kortnummeret.",
        "en": "Your registration is received, but the national registry is not answering just now. The card is "
        "made as soon as it answers; ask at the desk for the card number.",
    },
    "new_card_needs_staff": {
        "nb": "Registreringen kunne ikke fullføres på nett. Kom innom biblioteket, så hjelper vi deg.",
        "en": "The registration could not be completed online. Visit the library and we will help you.",
    },
    "new_card_again": {"nb": "Start på nytt", "en": "Start again"},
    "new_card_to_login": {"nb": "Til innloggingen", "en": "To the login page"},
    "code_session_gone": {
        "nb": "Innloggingen med ID-porten er utløpt eller mangler. Start på nytt.",
        "en": "The ID-porten sign-in has expired or is missing. Please start again.",
    },
    "new_card_check_fields": {"nb": "Sjekk feltene som er merket.", "en": "Check the fields marked."},
    "field_invalid": {"nb": "Sjekk dette feltet.", "en": "Check this field."},
    "code_form_expired": {
        "nb": "Skjemaet er utløpt. Start på nytt.",
        "en": "The form has expired. Please start again.",
    },
    "code_eid_state_mismatch": {
        "nb": "Svaret fra ID-porten hører til en annen innlogging. Start på nytt.",
        "en": "The answer from ID-porten belongs to another sign-in. Please start again.",
    },
    "code_eid_sign_in_failed": {
        "nb": "Innloggingen med ID-porten ble ikke fullført. Start på nytt.",
        "en": "The sign-in with ID-porten did not complete. Please start again.",
    },
    "code_eid_token_invalid": {
        "nb": "Innloggingen med ID-porten kunne ikke bekreftes. Start på nytt.",
        "en": "The sign-in with ID-porten could not be verified. Please start again.",
    },
    "code_eid_level_too_low": {
        "nb": "Innloggingen må ha sikkerhetsnivå betydelig eller høyt (MinID, BankID, Buypass eller Commfides).",
        "en": "The sign-in must be at level substantial or high (MinID, BankID, Buypass or Commfides).",
    },
    "code_eid_unavailable": {
        "nb": "ID-porten svarer ikke akkurat nå. Prøv igjen om litt.",
        "en": "ID-porten is not answering just now. Please try again shortly.",
    },
    "code_pins_differ": {"nb": "PIN-kodene er ikke like.", "en": "The two PINs differ."},
    "code_pin_format": {"nb": "PIN-koden må være 4 siffer.", "en": "The PIN must be 4 digits."},
    "code_pin_too_simple": {
        "nb": "PIN-koden er for enkel å gjette. Velg en annen.",
        "en": "The PIN is too easy to guess. Choose another.",
    },
    "code_guardian_required": {
        "nb": "Du er under {age} år og trenger underskrift fra en foresatt. Be en foresatt registrere deg.",
        "en": "You are under {age} and need a guardian's signature. Ask a guardian to register you.",
    },
    "code_guardian_not_adult": {
        "nb": "En foresatt som registrerer et barn må være over 18 år.",
        "en": "A guardian registering a child must be 18 or older.",
    },
    "code_guardian_not_needed": {
        "nb": "Barnet er {age} år eller eldre og kan registrere seg selv med egen elektronisk ID.",
        "en": "The child is {age} or older and can register with their own eID.",
    },
    "code_national_id_is_guardians": {
        "nb": "Dette er ditt eget fødselsnummer, ikke barnets.",
        "en": "This is your own national ID, not the child's.",
    },
    "code_national_id_format": {"nb": "Fødselsnummeret har 11 siffer.", "en": "The national ID has 11 digits."},
    "code_national_id_checksum": {"nb": "Fødselsnummeret er ikke gyldig.", "en": "The national ID is not valid."},
    "code_national_id_date": {"nb": "Fødselsnummeret er ikke gyldig.", "en": "The national ID is not valid."},
    "code_national_id_synthetic_not_allowed": {
        "nb": "Fødselsnummeret er ikke gyldig.",
        "en": "The national ID is not valid.",
    },
    "code_contact_method_unreachable": {
        "nb": "Fyll inn det du vil få varsler på (e-post, mobilnummer eller adresse).",
        "en": "Fill in where you want notices (e-mail, mobile number or address).",
    },
    "code_control_character": {
        "nb": "Skjemaet inneholdt tegn som ikke kan brukes. Prøv igjen.",
        "en": "The form held characters that cannot be used. Please try again.",
    },
    "code_form_encoding": {
        "nb": "Skjemaet inneholdt tegn som ikke kan brukes. Prøv igjen.",
        "en": "The form held characters that cannot be used. Please try again.",
    },
    "code_address_in_norway_required": {
        "nb": "Dette biblioteket gir lånekort til alle med fast adresse i Norge. Skriv inn adressen din.",
        "en": "This library issues cards to everyone with a fixed address in Norway. Please enter your address.",
    },
    "code_birth_date_and_gender_required": {
        "nb": "Fødselsnummeret ditt viser ikke fødselsdatoen (nye numre fra 2032). "
        "Kom innom biblioteket, så hjelper vi deg.",
        "en": "Your national ID does not show your birth date (numbers issued from 2032). "
        "Visit the library and we will help you.",
    },
    "code_unknown": {
        "nb": "Registreringen ble avvist ({code}). Kom innom biblioteket, så hjelper vi deg.",
        "en": "The registration was refused ({code}). Visit the library and we will help you.",
    },
}
TEXTS.update(NEW_CARD_TEXTS)

# The form field a refusal is about.
CODE_FIELDS: Mapping[str, str] = {
    "pins_differ": "pin_again",
    "pin_format": "pin",
    "pin_too_simple": "pin",
    "guardian_required": "guardian_name",
    "guardian_not_needed": "child_national_id",
    "national_id_is_guardians": "child_national_id",
    "national_id_format": "child_national_id",
    "national_id_checksum": "child_national_id",
    "national_id_date": "child_national_id",
    "national_id_synthetic_not_allowed": "child_national_id",
    "contact_method_unreachable": "preferred_contact",
    "address_in_norway_required": "address_line",
}


def refusal_words(code: str, language: Language, policy: LibraryPolicy) -> str:
    key = f"code_{code}"
    if key not in NEW_CARD_TEXTS:
        return text("code_unknown", language, code=code)
    return text(key, language, age=policy.cards.guardian_signature_under, code=code)


def intro_page(ctx: PageContext, *, offered: bool, message: str | None = None) -> str:
    t = ctx.t
    if not offered:
        body = f"<h1>{t('new_card_title')}</h1><p>{t('new_card_not_offered')}</p>"
        return layout(ctx, text("new_card_title", ctx.language), body, logged_in=False)
    alert = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    age = ctx.policy.cards.guardian_signature_under
    body = f"""<h1>{t("new_card_title")}</h1>
{alert}<p>{t("new_card_intro")}</p>
<p><a href="{NEW_CARD}/start?lang={ctx.language}">{t("new_card_self")}</a></p>
<p>{t("new_card_child_intro", age=age)}</p>
<p><a href="{NEW_CARD}/start?for=child&amp;lang={ctx.language}">{t("new_card_child")}</a></p>
<p><a href="{BASE}?lang={ctx.language}">{t("new_card_to_login")}</a></p>"""
    return layout(ctx, text("new_card_title", ctx.language), body, logged_in=False)


def _input(
    ctx: PageContext, name: str, errors: Mapping[str, str], values: Mapping[str, str], attributes: str = "",
    *, label_key: str | None = None, hint_key: str | None = None, keep: bool = True,
) -> str:  # fmt: skip
    error = errors.get(name)
    described = " ".join(
        part for part in (f"{name}_hint" if hint_key else "", f"{name}_error" if error else "") if part
    )
    aria = (f' aria-describedby="{described}"' if described else "") + (' aria-invalid="true"' if error else "")
    value = f' value="{escape(values.get(name, ""))}"' if keep else ""
    hint = f'<p id="{name}_hint">{ctx.t(hint_key)}</p>' if hint_key else ""
    problem = f'<p id="{name}_error" class="message">{escape(error)}</p>' if error else ""
    return (
        f'<label for="{name}">{ctx.t(label_key or f"field_{name}")}</label>'
        f'<input id="{name}" name="{name}"{value} {attributes}{aria}>{hint}{problem}'
    )


def form_page(
    ctx: PageContext, *, for_child: bool, values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None, message: str | None = None,
) -> str:  # fmt: skip
    t, shown, problems = ctx.t, values or {}, errors or {}
    policy = ctx.policy
    liable = policy.cards.guardian_liable_under

    def field(name: str, attributes: str = "", *, label_key: str | None = None, hint_key: str | None = None,
              keep: bool = True) -> str:  # fmt: skip
        return _input(ctx, name, problems, shown, attributes, label_key=label_key, hint_key=hint_key, keep=keep)

    summary = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    if for_child:
        who = f"""<p>{t("new_card_signed_in_child", age=liable)}</p>
{field("guardian_name", 'required maxlength="200" autocomplete="name"')}
{field("guardian_contact", 'required maxlength="500"')}
<h2>{t("new_card_form_heading_child")}</h2>
{field("child_national_id", 'required inputmode="numeric" maxlength="11" autocomplete="off"', keep=False)}
{field("name", 'required maxlength="200"', label_key="field_child_name")}"""
    else:
        who = f"""<p>{t("new_card_signed_in")}</p>
{field("name", 'required maxlength="200" autocomplete="name"')}"""
    chosen = shown.get("preferred_contact", "email")
    channels = "".join(
        f'<option value="{channel}"{" selected" if channel == chosen else ""}>{t(f"contact_{channel}")}</option>'
        for channel in ("email", "sms", "letter")
    )
    kind = shown.get("card_kind", "national")
    kinds = "".join(
        f'<label><input type="radio" name="card_kind" value="{option}"{" checked" if option == kind else ""}> '
        f"{t(f'card_kind_{option}')}</label>"
        for option in ("national", "local")
    )
    contact_error = problems.get("preferred_contact")
    contact_problem = f'<p class="message">{escape(contact_error)}</p>' if contact_error else ""
    rules_error = problems.get("accept_rules")
    rules_problem = f'<p id="accept_rules_error" class="message">{escape(rules_error)}</p>' if rules_error else ""
    days = max(material.loan_days for material in policy.materials.values())
    body = f"""<h1>{t("new_card_title")}</h1>
{summary}<form method="post" action="{NEW_CARD}/form">{ctx.hidden_fields()}
<h2>{t("new_card_form_heading")}</h2>
{who}
{field("email", 'type="email" maxlength="254" autocomplete="email"')}
{field("phone", 'type="tel" maxlength="20" autocomplete="tel"')}
{field("address_line", 'maxlength="100" autocomplete="street-address"')}
{field("postal_code", 'maxlength="10" autocomplete="postal-code"')}
{field("city", 'maxlength="100" autocomplete="address-level2"')}
<label for="preferred_contact">{t("field_preferred_contact")}</label>
<select id="preferred_contact" name="preferred_contact">{channels}</select>{contact_problem}
<fieldset><legend>{t("field_card_kind")}</legend>{kinds}</fieldset>
{
        field(
            "pin",
            'type="password" inputmode="numeric" maxlength="4" autocomplete="new-password" required',
            hint_key="field_pin_hint",
            keep=False,
        )
    }
{
        field(
            "pin_again",
            'type="password" inputmode="numeric" maxlength="4" autocomplete="new-password" required',
            keep=False,
        )
    }
<h2>{t("rules_heading")}</h2>
<p>{t("rules_summary", days=days, liable=liable)}</p>
<label><input type="checkbox" name="accept_rules" value="yes" required{
        ' aria-invalid="true" aria-describedby="accept_rules_error"' if rules_error else ""
    }> {t("field_accept_rules")}</label>{rules_problem}
<p><button type="submit">{t("new_card_submit")}</button></p>
</form>"""
    return layout(ctx, text("new_card_title", ctx.language), body, logged_in=False)


def done_page(ctx: PageContext, *, card_number: str | None, state: str) -> str:
    t = ctx.t
    if state == "done" and card_number is not None:
        words, heading = t("new_card_number", card=card_number), t("new_card_done")
    elif state == "queued":
        words, heading = t("new_card_queued"), t("new_card_title")
    else:
        words, heading = t("new_card_needs_staff"), t("new_card_title")
    body = f"""<h1>{heading}</h1>
<p class="notice" role="status">{words}</p>
<p><a href="{BASE}?lang={ctx.language}">{t("new_card_to_login")}</a></p>"""
    return layout(ctx, text("new_card_title", ctx.language), body, logged_in=False)


def refusal_page(ctx: PageContext, message: str) -> str:
    body = f"""<h1>{ctx.t("new_card_title")}</h1>
<p class="message" role="alert">{escape(message)}</p>
<p><a href="{NEW_CARD}?lang={ctx.language}">{ctx.t("new_card_again")}</a></p>"""
    return layout(ctx, text("new_card_title", ctx.language), body, logged_in=False)
