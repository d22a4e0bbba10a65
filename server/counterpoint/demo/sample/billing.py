"""Invoice arithmetic for a small subscription service. Amounts are integer cents."""


def prorate(amount_cents: int, days_used: int, days_in_period: int) -> int:
    """The share of `amount_cents` owed for `days_used` of `days_in_period` days, to the
    nearest cent; half a cent rounds up.

    >>> prorate(3000, 10, 30)
    1000
    """
    return amount_cents * days_used // days_in_period


def format_cents(amount_cents: int) -> str:
    """1234 as "$12.34"."""
    sign = "-" if amount_cents < 0 else ""
    dollars, cents = divmod(abs(amount_cents), 100)
    return f"{sign}${dollars:,}.{cents:02d}"
