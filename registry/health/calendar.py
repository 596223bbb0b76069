"""Dates that can stop the registry: the CRL's next update and every certificate's expiry.

OpenSSL refuses every library once the CRL has expired, and a certificate past its date fails every
handshake; ``/health`` names both long before they arrive, and the registry re-signs the CRL itself when it
holds the CA key (a deployment that keeps the CA key elsewhere runs ``natreg keys refresh-crl`` from cron).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    CRL_REFRESH_BEFORE,
    LibraryEntry,
    certificate_files,
    crl_next_update,
    refresh_crl,
)

logger = logging.getLogger(__name__)

CRL_WARNING_BEFORE = dt.timedelta(days=2)
CERTIFICATE_WARNING_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class CalendarReport:
    crl_next_update: dt.datetime | None
    warnings: list[str]


def calendar_report(
    layout: KeyLayout,
    now: dt.datetime,
    *,
    crl_warning_before: dt.timedelta = CRL_WARNING_BEFORE,
    certificate_warning_before: dt.timedelta = CERTIFICATE_WARNING_BEFORE,
    libraries: Mapping[str, LibraryEntry] | None = None,
) -> CalendarReport:
    """The CRL's and certificates' dates; ``libraries``: the library directory (default: the key folder's list)."""
    warnings: list[str] = []
    try:
        next_update = crl_next_update(layout)
    except ValueError:
        next_update = None
        warnings.append("the CRL cannot be read")
    if next_update is None:
        warnings.append("there is no CRL")
    elif next_update - now < crl_warning_before:
        warnings.append(
            f"the CRL expires at {next_update:%Y-%m-%dT%H:%M}Z: run `natreg keys refresh-crl` "
            "(every library is refused after it)"
        )
    try:
        certificates = certificate_files(layout, libraries)
    except (ValueError, KeyError):
        certificates = []
        warnings.append("the certificates cannot be read")
    for certificate in certificates:
        if certificate.not_after - now < certificate_warning_before:
            warnings.append(
                f"the {certificate.what} certificate expires at {certificate.not_after:%Y-%m-%dT%H:%M}Z: "
                + ("renew the CA" if certificate.what == "CA" else "run `natreg keys renew`")
            )
    return CalendarReport(crl_next_update=next_update, warnings=warnings)


def crl_document(layout: KeyLayout) -> bytes:
    """The CRL in DER, as relying parties fetch it from the distribution point in each certificate."""
    crl = x509.load_pem_x509_crl(layout.crl.read_bytes())
    return crl.public_bytes(Encoding.DER)


async def keep_crl_fresh(
    layout: KeyLayout, interval_seconds: float, *, refresh_before: dt.timedelta = CRL_REFRESH_BEFORE
) -> None:
    """Re-sign the CRL whenever it runs out within ``refresh_before``; checked every ``interval_seconds``.

    The listeners pick up the new file for their next handshake. Without the CA key here, nothing is signed
    and ``/health`` warns as the date nears.
    """
    while True:
        if layout.ca_key.exists():
            try:
                next_update = await asyncio.to_thread(refresh_crl, layout.root, if_expiring_within=refresh_before)
            except Exception:
                logger.exception("re-signing the CRL failed; retrying later")
            else:
                if next_update is not None:
                    logger.info("re-signed the CRL; valid until %s", next_update.isoformat())
        await asyncio.sleep(interval_seconds)
