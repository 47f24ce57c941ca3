"""`--as-of DATE`: a moment given as YYYY-MM-DD[THH:MM[:SS]][zone] -> epoch seconds."""

from __future__ import annotations

import datetime

from gitml.errors import BadInputError


def parse_moment(text: str) -> int:
    """Seconds since the epoch. A date alone means the end of that day; a time without a zone
    is this machine's local time; `Z` or `+HH:MM` name a zone."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or not text[:4].isdigit():
        raise BadInputError(
            f"invalid date '{text}': use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], optionally with"
            " Z or +HH:MM"
        )
    if len(text) == 10:  # a day: all of it
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return int(moment.timestamp())
