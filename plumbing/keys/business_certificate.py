"""The registry's business certificate ("virksomhetssertifikat"): the RSA key and certificate that sign its
OAuth2 JWT-bearer grants to the population register's token endpoint (Maskinporten).

Maskinporten accepts only RS256/384/512 grants carrying the certificate chain (``x5c``), so this key is RSA,
unlike the private CA's ECDSA keys. In production the certificate comes from a qualified issuer (Buypass,
Commfides) and is copied into the keys folder; ``natreg keys init`` makes a self-signed stand-in naming the
organisation number, which the demo's stand-in population register trusts.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from plumbing.keys.files import write_new_file
from plumbing.keys.layout import KeyLayout

# A made-up organisation number (nine digits) for the self-signed stand-in; a real one comes with the
# qualified certificate.
STAND_IN_ORGANISATION_NUMBER = "999888777"
BUSINESS_CERTIFICATE_VALIDITY = dt.timedelta(days=3 * 365)
RSA_KEY_BITS = 2048  # what Maskinporten asks for at least; quick enough for every test key folder


def create_business_certificate(layout: KeyLayout, organisation_number: str = STAND_IN_ORGANISATION_NUMBER) -> bool:
    """Make the key and a self-signed certificate if they are missing; True when made."""
    if layout.registry_business_certificate.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "natreg registry"),
            # Norwegian business certificates carry the organisation number as the subject's serial number.
            x509.NameAttribute(NameOID.SERIAL_NUMBER, organisation_number),
            x509.NameAttribute(NameOID.COMMON_NAME, "natreg registry business certificate"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + BUSINESS_CERTIFICATE_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_new_file(layout.registry_business_key, key_pem)
    write_new_file(layout.registry_business_certificate, certificate.public_bytes(serialization.Encoding.PEM))
    return True
