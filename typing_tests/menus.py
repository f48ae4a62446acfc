"""
Checked by mypy, never run: menus are frozen, typed values end to end.

Each ``type: ignore`` below must be needed: mypy's strict mode reports an
unused one, so a value that became mutable fails the type check.
"""

from collections.abc import Mapping
from typing import Any

from convroute import Lead, Opportunity, User, normalize_phone
from convroute.config import load_config
from convroute.menus import (
    FirstResponse,
    InvalidReason,
    InvalidReply,
    MatchedBy,
    Menu,
    MenuOption,
    NumberMatch,
    OptionKind,
    Product,
    ProductTranslation,
    ReplyOutcome,
    Selected,
    build_first_response,
    build_second_response,
    find_template_problems,
    interpret_reply,
    latest_match,
    matching_opportunities,
    merge_template,
    opportunity_matches,
    render_menu,
    simple_menu,
)


config = load_config("examples/account.toml")
number = config.numbers[0]
lead = Lead(phone=normalize_phone("+91 98000 00001"), name="Ravi Kumar")

first: Menu = build_first_response(number, lead)
first.body = "Changed"  # type: ignore[misc]
first.options[0].title = "Changed"  # type: ignore[misc]

opportunities: tuple[Opportunity, ...] = matching_opportunities(number.products[0], [])
belongs: bool = opportunity_matches(Opportunity(id="opp-1", type="Course"), number.products[0])
found: NumberMatch | None = latest_match(number, opportunities)
if found is not None:
    found.product = None  # type: ignore[misc]
owners = {"u-ben": User(id="u-ben", name="Ben Thomas")}
second = build_second_response(number, number.products[0], lead, opportunities, owners)
left_out: tuple[str, ...] = second.left_out

payload: dict[str, Any] = render_menu(second, lead.phone)

outcome: ReplyOutcome = interpret_reply(second, text="2")
if isinstance(outcome, Selected):
    option: MenuOption = outcome.option
    kind: OptionKind = option.kind
    by: MatchedBy = outcome.by
else:
    invalid: InvalidReply = outcome
    reason: InvalidReason = invalid.reason

greeting: str = merge_template("Hi {{lead.first_name|there}}", lead=lead)
problems: list[tuple[str, str]] = find_template_problems(number)
interpret_reply(second, text=2)  # type: ignore[arg-type]

# A bot's menu from plain values: labels, pairs, its own ids.
plans: Menu = simple_menu(
    "Which plan?",
    ["Basic", ("Pro", "Priority support"), ("Team", None)],
    ids=["plan-basic", "plan-pro", "plan-team"],
    header="Plans",
    display="list",
)
plans.layout = "buttons"  # type: ignore[misc]
simple_menu("Which plan?", ["Basic"], display="carousel")  # type: ignore[arg-type]
simple_menu("Which plan?", [3])  # type: ignore[list-item]
lead_typed = Lead(phone="+1 (555) 765-4321")
chosen: ReplyOutcome = interpret_reply(plans, text="option 2")
if isinstance(chosen, Selected):
    plan_id: str = chosen.option.id

# Translations are typed by their kind: a dict of the right kind is taken, another refused.
ai = Product(
    label="AI",
    opportunity_type="Course",
    rule="AI desk",
    translations={"pt": ProductTranslation(label="IA")},
)
ai_translations: Mapping[str, ProductTranslation] = ai.translations
FirstResponse(
    message="Which course?",
    translations={"pt": ProductTranslation(label="IA")},  # type: ignore[dict-item]
)
