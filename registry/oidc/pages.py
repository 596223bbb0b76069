"""Server-rendered pages of the library-service login: log in, consent, a request that cannot be trusted; and the
insight page's list of services the patron used. Plain HTML, no JavaScript; every value escaped here.

The pages look like the insight site's (its stylesheet and footer); the language switch keeps the service's
request in the address, so switching language does not lose the login.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import urlencode

from plumbing.web.language import Language, other_language
from plumbing.web.pages import (
    LoginField,
    alert,
    hidden_form_fields,
    html_document,
    inline_style,
    language_link,
    login_body,
)
from registry.insight.pages import STYLE
from registry.insight.texts import text as insight_text
from registry.oidc.claims import CLAIMS
from registry.oidc.texts import text


def _layout(language: Language, title: str, body: str, *, controller: str, switch_href: str) -> str:
    other = other_language(language)
    header = f"<p>{language_link(switch_href, other, insight_text('language', language))}</p>"
    footer = f"<footer><p>{escape(insight_text('controller', language))}: {escape(controller)}</p></footer>\n"
    return html_document(
        language, [title, insight_text("site_title", language)], style=inline_style(STYLE), header=header, main=body,
        footer=footer,
    )  # fmt: skip


def _switch_href(path: str, parameters: Mapping[str, str], language: Language) -> str:
    return f"{path}?{urlencode({**parameters, 'lang': other_language(language)})}"


def _carried(parameters: Mapping[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in parameters.items()
    )


def login_page(
    language: Language, csrf: str, *, service: str, parameters: Mapping[str, str], controller: str,
    message: str | None,
) -> str:  # fmt: skip
    """Card number and PIN for the service; the request's parameters ride along in hidden fields."""
    title = text("login_title", language, service=service)
    body = login_body(
        heading=title, messages=alert(message), intro=text("login_intro", language, service=service),
        action="/oidc/login", csrf=csrf, language=language, carried=_carried(parameters),
        fields=[
            LoginField("card_number", insight_text("card_number", language),
                       'inputmode="numeric" autocomplete="username" required maxlength="10"'),
            LoginField("pin", insight_text("pin", language),
                       'type="password" inputmode="numeric" autocomplete="current-password" required maxlength="4"'),
        ],
        button=insight_text("log_in", language),
        more_buttons=f' <button type="submit" name="cancel" value="1" formnovalidate>{escape(text("cancel", language))}'
        "</button>",
    )  # fmt: skip
    switch = _switch_href("/oidc/authorize", parameters, language)
    return _layout(language, title, body, controller=controller, switch_href=switch)


def consent_page(
    language: Language, csrf: str, *, service: str, claims: Sequence[str], handle: str,
    parameters: Mapping[str, str], controller: str,
) -> str:  # fmt: skip
    items = [text("consent_pseudonym", language), *(CLAIMS[name].consent_text[language] for name in claims)]
    listed = "".join(f"<li>{escape(item)}</li>" for item in items)
    title = text("consent_title", language, service=service)
    body = f"""<h1>{escape(title)}</h1>
<p>{escape(text("consent_intro", language, service=service))}</p>
<ul>{listed}</ul>
<p>{escape(text("consent_never", language))}</p>
<form method="post" action="/oidc/consent">{hidden_form_fields(csrf, language)}{_carried(parameters)}
<input type="hidden" name="handle" value="{escape(handle)}">
<button type="submit" name="decision" value="allow">{escape(text("allow", language))}</button>
<button type="submit" name="decision" value="deny">{escape(text("deny", language))}</button>
</form>"""
    # The switch would lose the handle (a new login is the way to change language here): it leads to the start.
    switch = _switch_href("/oidc/authorize", parameters, language)
    return _layout(language, title, body, controller=controller, switch_href=switch)


def refused_page(language: Language, message_key: str, *, parameters: Mapping[str, str], controller: str) -> str:
    """A request that cannot be answered at its redirect URI: the patron is told, and sent nowhere."""
    title = text("request_refused_title", language)
    body = f"<h1>{escape(title)}</h1>\n{alert(text(message_key, language))}"
    switch = _switch_href("/oidc/authorize", parameters, language)
    return _layout(language, title, body, controller=controller, switch_href=switch)
