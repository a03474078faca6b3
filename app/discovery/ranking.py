"""How results are ranked. The SQL in discovery.queries applies the same formula with these constants.

Recommended = 70 % rating confidence + 30 % availability:
- rating confidence is the Bayesian mean of the approved reviews, pulled towards PRIOR_MEAN as
  if every provider started with PRIOR_WEIGHT reviews of that mean, so a single five-star
  review does not outrank eighty reviews averaging 4.8; divided by 5;
- availability is 1 when the provider has a free slot within SOON, 0.5 within LATER, else 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta

PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5
RATING_SHARE = 0.7
AVAILABILITY_SHARE = 0.3
SOON = timedelta(hours=48)
LATER = timedelta(days=7)


def bayesian_rating(count: int, total: int) -> float:
    """The confidence-adjusted mean of ``count`` ratings that add up to ``total`` stars."""
    return (PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count)


def availability(next_free_at: datetime | None, now: datetime) -> float:
    if next_free_at is None:
        return 0.0
    wait = next_free_at - now
    if wait <= SOON:
        return 1.0
    return 0.5 if wait <= LATER else 0.0


def recommended_score(count: int, total: int, next_free_at: datetime | None, now: datetime) -> float:
    return RATING_SHARE * bayesian_rating(count, total) / 5 + AVAILABILITY_SHARE * availability(
        next_free_at, now
    )


def mean_rating(count: int, total: int) -> float | None:
    """The plain mean shown to people (one decimal), None without reviews."""
    return round(total / count, 1) if count else None
