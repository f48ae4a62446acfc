"""
The opportunity board: funnel transitions carry opportunities forward.

A transition to a funnel stage moves each of the lead's opportunities to the
board stage of exactly the same name, when its type has that stage and it
lies later than the opportunity's current stage.  Never backwards, never to
a stage the type lacks.
"""

from __future__ import annotations

import types

from collections.abc import Iterable, Mapping

import attrs

from convroute.funnel._records import Transition
from convroute.model import Opportunity, OpportunityType


@attrs.frozen
class OpportunityMove:
    """
    One opportunity to move on its board.

    Attributes:
        opportunity: The opportunity's id.
        from_stage: Its stage before; ``None`` when it had none.
        to_stage: Its new stage.
    """

    opportunity: str
    from_stage: str | None
    to_stage: str


def _positions(
    values: Mapping[str, Mapping[str, int]],
) -> Mapping[str, Mapping[str, int]]:
    return types.MappingProxyType(
        {name: types.MappingProxyType(dict(stages)) for name, stages in values.items()}
    )


@attrs.frozen
class OpportunityBoard:
    """
    The boards of every opportunity type, compiled once per config.

    Attributes:
        positions: For each type's name, each of its stages' places in order.
    """

    positions: Mapping[str, Mapping[str, int]] = attrs.field(converter=_positions, hash=False)

    @classmethod
    def from_types(cls, kinds: Iterable[OpportunityType]) -> OpportunityBoard:
        """
        Compile the boards of opportunity types (`Config.opportunity_types`).

        Args:
            kinds: The opportunity types.

        Returns:
            The board.
        """
        return cls(
            positions={
                kind.name: {stage: i for i, stage in enumerate(kind.stages)} for kind in kinds
            }
        )


def move_opportunities(
    board: OpportunityBoard, transition: Transition, opportunities: Iterable[Opportunity]
) -> tuple[OpportunityMove, ...]:
    """
    Say which of the lead's opportunities a funnel transition moves.

    An opportunity moves to the stage named like the transition's
    ``to_stage`` when its type has it and it is later than its current
    stage.  One with no stage yet moves to it; one whose stage its type
    does not list stays, as nobody can tell whether that is backwards.  A
    closed opportunity (won, lost) never moves: its deal is over.

    Args:
        board: The compiled boards.
        transition: The funnel transition.
        opportunities: The lead's opportunities.

    Returns:
        The moves, in the order of *opportunities*; the opportunities
        themselves are left as they are.
    """
    target = transition.to_stage
    moves = []
    for opportunity in opportunities:
        stages = board.positions.get(opportunity.type)
        if stages is None or target not in stages or not opportunity.is_open:
            continue
        current = opportunity.stage
        if current is not None and stages.get(current, len(stages)) >= stages[target]:
            continue
        moves.append(
            OpportunityMove(opportunity=opportunity.id, from_stage=current, to_stage=target)
        )
    return tuple(moves)
