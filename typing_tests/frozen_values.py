"""
Checked by mypy, never run: the public values are frozen and typed.

Each ``type: ignore`` below must be needed: mypy's strict mode reports an
unused one, so a value that became mutable fails the type check.
"""

from convroute import Lead, User, normalize_phone
from convroute.config import Config, load_config
from convroute.routing import (
    Availability,
    ChatGroup,
    ChatGroupTarget,
    Decision,
    RoutingContext,
    RoutingRule,
    SkipReason,
    resolve,
)


config: Config = load_config("account.toml")
config.max_reprompts = 3  # type: ignore[misc]

user = User(id="u-1", name="Asha")
user.admin = True  # type: ignore[misc]

lead = Lead(phone=normalize_phone("+91 98000 00001"), name="Ravi")
lead.owner = "u-1"  # type: ignore[misc]

rule = RoutingRule(name="desk", targets=[ChatGroupTarget(group="team")])
context = RoutingContext(
    availability=Availability(users={user.id: user}),
    groups={"team": ChatGroup(name="team", members=["u-1"])},
    lead=lead,
)
decision: Decision = resolve(rule, context)
assignee: str | None = decision.assignee
reasons: list[SkipReason | None] = [step.reason for step in decision.trace]
decision.assignee = "u-2"  # type: ignore[misc]
