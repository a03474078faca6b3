from datetime import UTC, datetime, timedelta

from app.discovery.ranking import PRIOR_MEAN, availability, bayesian_rating, mean_rating, recommended_score

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_one_five_star_review_does_not_beat_eighty_reviews_at_4_8():
    assert bayesian_rating(1, 5) < bayesian_rating(80, int(80 * 4.8))


def test_without_reviews_a_provider_sits_at_the_prior():
    assert bayesian_rating(0, 0) == PRIOR_MEAN
    assert mean_rating(0, 0) is None
    assert mean_rating(3, 13) == 4.3


def test_many_reviews_outweigh_the_prior():
    assert abs(bayesian_rating(1000, 1000 * 3) - 3) < 0.02


def test_availability_favours_providers_free_soon():
    assert availability(NOW + timedelta(hours=3), NOW) == 1.0
    assert availability(NOW + timedelta(days=3), NOW) == 0.5
    assert availability(NOW + timedelta(days=9), NOW) == 0.0
    assert availability(None, NOW) == 0.0


def test_recommended_blends_rating_confidence_and_availability():
    well_rated_busy = recommended_score(60, 60 * 5, NOW + timedelta(days=10), NOW)
    well_rated_free = recommended_score(60, 60 * 5, NOW + timedelta(hours=2), NOW)
    newcomer_free = recommended_score(0, 0, NOW + timedelta(hours=2), NOW)
    assert well_rated_free > newcomer_free > well_rated_busy
