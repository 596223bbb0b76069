"""The languages our pages speak: Norwegian bokmål first (the default), English second."""

from __future__ import annotations

from typing import Literal

Language = Literal["nb", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "en")
