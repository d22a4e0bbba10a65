from billing import prorate


def test_the_whole_period_costs_the_whole_amount():
    assert prorate(3000, 30, 30) == 3000


def test_rounds_to_the_nearest_cent():
    assert prorate(1000, 2, 3) == 667  # 666.67


def test_half_a_cent_rounds_up():
    assert prorate(25, 1, 2) == 13  # 12.5
