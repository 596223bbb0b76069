"""Every reason a renewal can be refused for is worded on each surface a patron or librarian reads it on."""

from __future__ import annotations

from typing import get_args

import pytest

from local_library.desk.circulation import KNOWN_REFUSALS
from local_library.minside.texts import TEXTS as MINSIDE_TEXTS
from local_library.minside.views import RENEWAL_REFUSALS
from local_library.policy import RenewalRefusal
from local_library.sip2.server import _REFUSAL_TEXTS as SIP2_TEXTS


@pytest.mark.parametrize("reason", get_args(RenewalRefusal))
def test_each_renewal_refusal_has_words_on_min_side_the_desk_and_self_service_machines(reason: str) -> None:
    assert reason in RENEWAL_REFUSALS
    assert set(MINSIDE_TEXTS[reason]) == {"nb", "en"}
    assert reason in KNOWN_REFUSALS
    assert reason in SIP2_TEXTS
