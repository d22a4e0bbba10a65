from billing import format_cents


def test_dollars_and_cents():
    assert format_cents(123456) == "$1,234.56"


def test_a_refund_is_negative():
    assert format_cents(-5) == "-$0.05"
