"""Addresses that come from the population register: who may change them, declared once for both services.

When the registry follows the population register, a patron's registered address is the first postal address
and libraries cannot overwrite it (the patron may keep a second, temporary one); when the register protects the
address (fortrolig, strengt fortrolig), the registry keeps no address at all and libraries cannot add one.
"""

from __future__ import annotations

from collections.abc import Sequence

from plumbing.errors import DomainError, ErrorKind
from registry_contract.models import AddressSource, PostalAddress

ADDRESS_FROM_POPULATION_REGISTER = "address_from_population_register"
ADDRESS_PROTECTED = "address_protected"


def refuse_changing_registered_address(
    source: AddressSource, current: Sequence[PostalAddress], wanted: Sequence[PostalAddress]
) -> None:
    """Refuse a library's new address list that would replace the registered address or reveal a protected one."""
    if source == "protected" and wanted:
        raise DomainError(
            ErrorKind.INVALID,
            ADDRESS_PROTECTED,
            "the population register protects this patron's address; no address can be stored",
        )
    if source == "population_register" and current and (not wanted or wanted[0] != current[0]):
        raise DomainError(
            ErrorKind.INVALID,
            ADDRESS_FROM_POPULATION_REGISTER,
            "the first address is the one registered in the population register and cannot be changed here; "
            "only the second (temporary) address can",
        )
