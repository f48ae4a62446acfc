"""
Checked by mypy, never run: a bot's keywords and router are typed from plain values.

Each ``type: ignore`` below must be needed: mypy's strict mode reports an
unused one, so a value that lost its type fails the type check.
"""

import enum

from convroute.funnel import KeywordHit, KeywordMatcher
from convroute.model import User
from convroute.routing import ChatGroup, ChatGroupTarget, Decision, Router, RoutingRule


class Intent(enum.Enum):
    PRICE = "price"
    AGENT = "agent"


intents = KeywordMatcher.from_mapping({"price": Intent.PRICE, "human": Intent.AGENT})
hit: KeywordHit[Intent] | None = intents.find("Price?")
if hit is not None:
    intent: Intent = hit.value
    start, end = hit.span
    wrong: str = hit.value  # type: ignore[assignment]
    hit.value = Intent.AGENT  # type: ignore[misc]

counts: KeywordMatcher[int] = KeywordMatcher.from_mapping({"one": 1})
not_ints: KeywordMatcher[int] = KeywordMatcher.from_mapping({"one": "1"})  # type: ignore[dict-item]

router = Router([User(id="u-1", name="Asha")], {"Sales": ChatGroup(name="Sales", members=("u-1",))})
decision: Decision = router.route(RoutingRule(name="r", targets=(ChatGroupTarget(group="Sales"),)))
problems: list[str] = router.check([])
router.route("r")  # type: ignore[arg-type]
