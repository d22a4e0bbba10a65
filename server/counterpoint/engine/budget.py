"""What a cross-check may spend: dollars under the request's and the session's caps, and retries.

A call is refused before it is sent when its worst case could pass a cap, or when a cap is set
and the model's price is unknown (its cost could not be bounded). Money is counted when a call
returns, so a run that is cancelled or replaced afterwards still shows in the session's total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from counterpoint.model.calls import ProviderError
from counterpoint.model.vocabulary import FailureKind


@dataclass
class Budget:
    """Dollars under one cap; `cap` None means uncapped, but the spending is still counted."""

    cap: float | None
    scope: str  # how the user names this cap: "per-request" / "per-session (maxCostPerSession)"
    spent: float = 0.0
    reserved: float = 0.0  # worst cases of calls in flight
    calls: int = 0  # calls that were charged (cancelled ones included)
    unpriced: set[str] = field(default_factory=set)  # models sent whose cost is not counted

    def committed(self) -> float:
        return self.spent + self.reserved


@dataclass
class Reservation:
    worst: float
    budgets: tuple[Budget, ...]
    settled: bool = False


@dataclass
class Spending:
    """The budgets one request's calls are checked against and charged to."""

    budgets: tuple[Budget, ...]
    unpriced: set[str] = field(default_factory=set)

    def reserve(self, model: str, worst: float | None) -> Reservation:
        """Set a call's worst case aside in every budget, or raise a "budget" ProviderError."""
        capped = [budget for budget in self.budgets if budget.cap is not None]
        if worst is None:
            self.unpriced.add(model)
            if capped:
                cap = capped[0]
                raise ProviderError(
                    FailureKind.BUDGET,
                    f"not sent: the price of {model} is unknown, so the {cap.scope} cost cap of "
                    f"${cap.cap:g} could not be kept. Give its price as counterpoint.prices "
                    f'(or COUNTERPOINT_PRICES): {{"{model}": [input, output]}} in $ per million '
                    "tokens",
                )
            for budget in self.budgets:
                budget.unpriced.add(model)  # sent, and its cost is not in `spent`
            return Reservation(0.0, self.budgets)
        for budget in capped:
            assert budget.cap is not None
            if budget.committed() + worst > budget.cap:
                raise ProviderError(
                    FailureKind.BUDGET,
                    f"not sent: it could cost up to ${worst:.4f} and ${budget.committed():.4f} "
                    f"of the ${budget.cap:.4f} {budget.scope} cap is already committed",
                )
        for budget in self.budgets:
            budget.reserved += worst
        return Reservation(worst, self.budgets)

    def settle(self, reservation: Reservation, cost: float) -> None:
        """Release the worst case and charge what the call cost (an estimate when its reply
        never came back)."""
        if reservation.settled:
            return
        reservation.settled = True
        for budget in reservation.budgets:
            budget.reserved -= reservation.worst
            budget.spent += cost
            budget.calls += 1


@dataclass
class RetryBudget:
    """Retries shared by every call of one request: each call may repeat at most `per_call`
    times, and all of them together at most `total`."""

    per_call: int
    total: int
    taken: int = 0
    held: int = 0  # granted to calls in flight, not yet known to be used

    def grant(self) -> int:
        allowed = max(0, min(self.per_call, self.total - self.taken - self.held))
        self.held += allowed
        return allowed

    def used(self, granted: int, retries: int) -> None:
        self.held -= granted
        self.taken += min(retries, granted)
