"""
The cross-checks of a configuration.

They are all reported together, each with the path of the value at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from convroute._blank import is_blank
from convroute._frozen import language_tag
from convroute._text import find_emoji, fold, name_key, title_key, without_ignorable
from convroute._whatsapp_limits import MAX_MENU_OPTIONS, MAX_PHONE_NUMBER_ID, is_phone_number_id
from convroute.config._structuring import Gaps
from convroute.errors import ConfigError, PhoneNumberError
from convroute.funnel import (
    PURCHASE,
    AdSource,
    Funnel,
    Stage,
    Trigger,
    custom_data_problems,
)
from convroute.menus import (
    FALLBACK_NUMBER,
    LEAD_FIELDS,
    BusinessNumber,
    FirstResponse,
    Product,
    Texts,
    fallback_chain,
    find_template_problems,
    translation_path,
)
from convroute.model import normalize_country_code, normalize_phone
from convroute.routing import RoutingCheck


if TYPE_CHECKING:
    from convroute.config._config import Config


def check_config(config: Config) -> None:
    """
    Check that every part of *config* fits together.

    `load_config` does this already; call it on a `Config` built by hand.

    Args:
        config: The setup to check.

    Raises:
        ConfigError: With one line per problem found, each with its path.
    """
    problems = find_problems(config)
    if problems:
        raise ConfigError(problems)


def find_problems(config: Config) -> list[str]:
    """
    List every problem of *config*, each as ``message @ $.path``.

    Args:
        config: The setup to check.

    Returns:
        The problems, in the order of the file; empty when there are none.
    """
    return find_problems_around(config, Gaps())


def find_problems_around(config: Config, gaps: Gaps) -> list[str]:
    """
    List every problem of what could be built of a file, around its *gaps*.

    Args:
        config: The setup built from the values that could be read.
        gaps: What was left out, so that it is neither reported again nor
            taken for missing.

    Returns:
        The problems, each with its path in the file.
    """
    checker = _Checker(config, gaps)
    checker.check()
    return checker.problems


class _Checker:
    def __init__(self, config: Config, gaps: Gaps) -> None:
        self.config = config
        self.gaps = gaps
        self.problems: list[str] = []
        self.user_ids = {user.id for user in config.users} | gaps.names("users")
        self.schedule_names = {s.name for s in config.schedules} | gaps.names("schedules")
        self.group_names = {group.name for group in config.chat_groups} | gaps.names("chat_groups")
        self.rule_names = {rule.name for rule in config.routing_rules} | gaps.names("routing_rules")
        self.types = {kind.name: kind for kind in config.opportunity_types}
        self.type_names = set(self.types) | gaps.names("opportunity_types")
        # One phrase, as it is matched, names one source on a number across
        # all funnels: a message holding it enters every funnel it triggers.
        self.sources: dict[tuple[str, str], tuple[str, str]] = {}
        # Likewise one ad id names one source across all funnels: an ad
        # mapping holds on every business number.
        self.ad_sources: dict[str, tuple[str, str]] = {}
        self.routing = RoutingCheck(
            self.report,
            user_ids=self.user_ids,
            group_names=self.group_names,
            schedule_names=self.schedule_names,
        )

    def report(self, message: str, path: str) -> None:
        self.problems.append(f"{message} @ {path}")

    def check(self) -> None:
        config = self.config
        if config.conversation_timeout.total_seconds() <= 0:
            self.report("must be longer than zero", "$.conversation_timeout")
        if config.menu_timeout.total_seconds() <= 0:
            self.report("must be longer than zero", "$.menu_timeout")
        if config.max_reprompts < 0:
            self.report("must be 0 or more", "$.max_reprompts")
        self.routing.reference(
            config.lead_level_rule, self.rule_names, "routing rule", "$.lead_level_rule"
        )
        if config.default_country_code is not None:
            self.country_code(config.default_country_code, "$.default_country_code")
        if config.meta is not None:
            self.digits(
                config.meta.whatsapp_business_account_id, "$.meta.whatsapp_business_account_id"
            )
            if config.meta.dataset_id is not None:
                self.digits(config.meta.dataset_id, "$.meta.dataset_id")
        self.check_lead_fields()
        self.check_texts(config.texts, "$.texts")
        self.check_schedules()
        self.check_users()
        self.check_groups()
        self.check_rules()
        self.check_types()
        numbers = list(self.gaps.entries("numbers", config.numbers))
        self.routing.unique(((i, n.number) for i, n in numbers), "$.numbers", "number", "number")
        self.routing.unique(
            ((i, n.phone_number_id) for i, n in numbers if n.phone_number_id is not None),
            "$.numbers",
            "phone_number_id",
            "phone_number_id",
        )
        for i, number in numbers:
            self.check_number(number, f"$.numbers[{i}]")
            if number.phone_number_id:
                self.phone_number_id(number.phone_number_id, f"$.numbers[{i}].phone_number_id")
        funnels = list(self.gaps.entries("funnels", config.funnels))
        self.routing.unique(
            ((i, f.name) for i, f in funnels), "$.funnels", "name", "funnel name", key=name_key
        )
        for i, funnel in funnels:
            self.check_funnel(funnel, f"$.funnels[{i}]")

    # -- helpers ---------------------------------------------------------

    def phone_number_id(self, value: str, path: str) -> None:
        if not is_phone_number_id(value):
            self.report(f"expected 1 to {MAX_PHONE_NUMBER_ID} digits, not {value!r}", path)

    def digits(self, value: str, path: str) -> None:
        if not (value.isascii() and value.isdecimal()):
            self.report(f"expected digits only, not {value!r}", path)

    def phone(self, value: str, path: str) -> None:
        try:
            normalized = normalize_phone(value)
        except PhoneNumberError as error:
            self.report(str(error), path)
            return
        if normalized != value:
            self.report(f"write the number as digits only: {normalized!r}", path)

    def country_code(self, value: str, path: str) -> None:
        try:
            normalized = normalize_country_code(value)
        except PhoneNumberError:
            self.report(f"expected a country calling code such as '44' or '1', not {value!r}", path)
            return
        if normalized != value:
            self.report(f"write the country code as digits only: {normalized!r}", path)

    def languages(self, tags: Iterable[str], path: str) -> None:
        """
        Report tags of the translations at *path* that are no language, or repeat one.
        """
        first: dict[str, str] = {}
        for tag in tags:
            at = f"{path}.{translation_path(tag)}"
            try:
                language_tag(tag)
            except ValueError as error:
                self.report(str(error), at)
                continue
            earlier = first.setdefault(tag.lower(), tag)
            if earlier != tag:
                self.report(f"language {tag!r} repeats {earlier!r}: tags ignore case", at)

    # -- sections --------------------------------------------------------

    def check_lead_fields(self) -> None:
        fields = self.config.lead_fields
        self.routing.unique(enumerate(fields), "$.lead_fields", "", "lead field", key=name_key)
        for i, field in enumerate(fields):
            at = f"$.lead_fields[{i}]"
            if is_blank(field):
                continue
            if field in LEAD_FIELDS:
                self.report(f"{field!r} is a built-in lead field", at)
            elif not field.isidentifier():
                self.report(
                    f"{field!r} is not a field name: use letters, digits and '_', "
                    "not starting with a digit",
                    at,
                )

    def check_texts(self, texts: Texts, path: str) -> None:
        self.routing.blank(texts.reprompt_hint, f"{path}.reprompt_hint", "the re-prompt hint")
        self.fallback_option(texts.fallback_option, f"{path}.fallback_option")
        self.languages(texts.translations, path)
        for tag, translation in texts.translations.items():
            at = f"{path}.{translation_path(tag)}"
            self.routing.blank(
                translation.reprompt_hint, f"{at}.reprompt_hint", "the re-prompt hint"
            )
            if translation.fallback_option is not None:
                self.fallback_option(translation.fallback_option, f"{at}.fallback_option")

    def fallback_option(self, text: str, path: str) -> None:
        count = text.count(FALLBACK_NUMBER)
        if count != 1:
            self.report(
                f"must hold {FALLBACK_NUMBER} exactly once (the option's number), "
                f"and it holds it {count} times",
                path,
            )

    def check_schedules(self) -> None:
        schedules = list(self.gaps.entries("schedules", self.config.schedules))
        self.routing.unique(
            ((i, schedule.name) for i, schedule in schedules),
            "$.schedules",
            "name",
            "schedule name",
            key=name_key,
        )
        for i, schedule in schedules:
            # Its users would be skipped as off_hours for ever: hours left
            # out by mistake, never a way to stop them (that is active = false).
            if not any(schedule.hours.values()):
                self.report(
                    f"schedule {schedule.name!r} never opens: give it hours, e.g. "
                    "mon = [\"09:00-18:00\"] (to stop a user's assignments, set the user's "
                    "active = false)",
                    f"$.schedules[{i}].hours",
                )

    def check_users(self) -> None:
        self.routing.users(self.gaps.entries("users", self.config.users))

    def check_groups(self) -> None:
        self.routing.groups(self.gaps.entries("chat_groups", self.config.chat_groups))

    def check_rules(self) -> None:
        self.routing.rules(self.gaps.entries("routing_rules", self.config.routing_rules))

    def check_types(self) -> None:
        kinds = list(self.gaps.entries("opportunity_types", self.config.opportunity_types))
        self.routing.unique(
            ((i, kind.name) for i, kind in kinds),
            "$.opportunity_types",
            "name",
            "type name",
            key=name_key,
        )
        for i, kind in kinds:
            path = f"$.opportunity_types[{i}]"
            self.routing.unique(enumerate(kind.stages), f"{path}.stages", "", "stage", key=name_key)
            for name, choices in kind.fields.items():
                at = f"{path}.fields[{name!r}]"
                self.routing.blank(name, at, "a field name")
                if not choices:
                    self.report("a dropdown field needs at least one choice", at)
                self.routing.unique(enumerate(choices), at, "", "choice")

    def check_number(self, number: BusinessNumber, path: str) -> None:
        self.phone(number.number, f"{path}.number")
        labels = [product.label for product in number.products]
        # Labels are told apart as the menu and the lead's typed reply tell them.
        self.routing.unique(
            enumerate(labels), f"{path}.products", "label", "product label", key=title_key
        )
        for j, product in enumerate(number.products):
            self.check_product(product, f"{path}.products[{j}]")
            self.languages(product.translations, f"{path}.products[{j}]")
            for tag, translation in product.translations.items():
                self.routing.blank(
                    translation.label,
                    f"{path}.products[{j}].{translation_path(tag)}.label",
                    "the label",
                )
        self.routing.reference(
            number.default_opportunity_type,
            self.type_names,
            "opportunity type",
            f"{path}.default_opportunity_type",
        )
        self.routing.reference(
            number.create_new_rule, self.rule_names, "routing rule", f"{path}.create_new_rule"
        )
        self.routing.reference(
            number.other_queries_rule, self.rule_names, "routing rule", f"{path}.other_queries_rule"
        )
        first = number.first_response
        if first is None:
            if number.create_new_rule is None:
                self.report("required when there is no first_response", f"{path}.create_new_rule")
            if number.creates_new_opportunity and number.default_opportunity_type is None:
                self.report(
                    "required when creates_new_opportunity is on and there is no first_response",
                    f"{path}.default_opportunity_type",
                )
            if number.second_response is not None:
                self.report(
                    "a second_response follows a first_response, and there is none",
                    f"{path}.second_response",
                )
        else:
            self.check_first_response(number, first, labels, path)
        second = number.second_response
        if second is not None:
            at = f"{path}.second_response"
            self.routing.blank(second.message, f"{at}.message", "the message")
            self.routing.blank(second.list_button, f"{at}.list_button", "the list button")
            self.routing.blank(second.option_label, f"{at}.option_label", "the option label")
            self.routing.blank(
                second.new_opportunity_label, f"{at}.new_opportunity_label", "the label"
            )
            self.languages(second.translations, at)
            for tag, texts in second.translations.items():
                where = f"{at}.{translation_path(tag)}"
                self.routing.blank(texts.message, f"{where}.message", "the message")
                self.routing.blank(texts.list_button, f"{where}.list_button", "the list button")
                self.routing.blank(texts.option_label, f"{where}.option_label", "the option label")
                self.routing.blank(
                    texts.new_opportunity_label, f"{where}.new_opportunity_label", "the label"
                )
        self.routing.blank(number.away_message, f"{path}.away_message", "the away message")
        self.routing.blank(
            number.assigned_message, f"{path}.assigned_message", "the assigned message"
        )
        self.check_number_translations(number, path)
        found = find_template_problems(number, self.types, lead_fields=self.config.lead_fields)
        for at, message in found:
            self.report(message, f"{path}.{at}")

    def check_number_translations(self, number: BusinessNumber, path: str) -> None:
        self.languages(number.translations, path)
        for tag, messages in number.translations.items():
            where = f"{path}.{translation_path(tag)}"
            for name, text, default in (
                ("away_message", messages.away_message, number.away_message),
                ("assigned_message", messages.assigned_message, number.assigned_message),
            ):
                what = f"the {name.replace('_', ' ')}"
                self.routing.blank(text, f"{where}.{name}", what)
                if text is not None and default is None:
                    self.report(
                        f"translates {what}, and the number has none: give {name} too",
                        f"{where}.{name}",
                    )

    def check_product(self, product: Product, path: str) -> None:
        self.routing.reference(product.rule, self.rule_names, "routing rule", f"{path}.rule")
        kind = self.types.get(product.opportunity_type)
        if kind is None:
            if product.opportunity_type in self.type_names:
                return  # a type left out for a problem of its own
            self.report(
                f"unknown opportunity type {product.opportunity_type!r}",
                f"{path}.opportunity_type",
            )
            return
        if product.field is None:
            if product.values:
                self.report("values narrow a 'field', and none is given", f"{path}.values")
            return
        choices = kind.fields.get(product.field)
        if choices is None:
            self.report(
                f"opportunity type {kind.name!r} has no field {product.field!r}", f"{path}.field"
            )
            return
        if not product.values:
            self.report("a 'field' needs at least one of its values", f"{path}.values")
        self.routing.unique(enumerate(product.values), f"{path}.values", "", "value")
        for k, value in enumerate(product.values):
            if value not in choices:
                self.report(
                    f"{value!r} is not a choice of field {product.field!r}", f"{path}.values[{k}]"
                )

    def check_first_response(
        self, number: BusinessNumber, first: FirstResponse, labels: list[str], path: str
    ) -> None:
        at = f"{path}.first_response"
        self.routing.blank(first.message, f"{at}.message", "the message")
        self.routing.blank(first.list_button, f"{at}.list_button", "the list button")
        if not number.products:
            self.report("a first_response needs at least one product", f"{path}.products")
        options = len(number.products) + first.other_queries
        if options > MAX_MENU_OPTIONS:
            extra = " and Other queries" if first.other_queries else ""
            self.report(
                f"{len(number.products)} products{extra} make {options} options; "
                f"a WhatsApp menu holds at most {MAX_MENU_OPTIONS}",
                f"{path}.products",
            )
        if first.other_queries:
            label = first.other_queries_label
            self.routing.blank(label, f"{at}.other_queries_label", "the label")
            if title_key(label) in {title_key(product) for product in labels}:
                self.report(f"{label!r} is also a product label", f"{at}.other_queries_label")
            if number.other_queries_rule is None:
                self.report("required when other_queries is on", f"{path}.other_queries_rule")
        self.check_first_translations(number, first, at)

    def check_first_translations(
        self, number: BusinessNumber, first: FirstResponse, at: str
    ) -> None:
        self.languages(first.translations, at)
        for tag, translation in first.translations.items():
            where = f"{at}.{translation_path(tag)}"
            self.routing.blank(translation.message, f"{where}.message", "the message")
            self.routing.blank(translation.list_button, f"{where}.list_button", "the list button")
            label = translation.other_queries_label
            self.routing.blank(label, f"{where}.other_queries_label", "the label")
            if first.other_queries and label is not None:
                translated = {title_key(text) for text in _labels_in(number, tag)}
                if title_key(label) in translated:
                    self.report(
                        f"{label!r} is also a product label in {tag!r}",
                        f"{where}.other_queries_label",
                    )
        tags: dict[str, None] = {}
        for product in number.products:
            tags.update(dict.fromkeys(product.translations))
        products = f"{at.rpartition('.')[0]}.products"
        for tag in tags:
            seen: dict[str, int] = {}
            for j, label in enumerate(_labels_in(number, tag)):
                earlier = seen.setdefault(title_key(label), j)
                if earlier != j and tag in number.products[j].translations:
                    self.report(
                        f"duplicate product label {label!r} in {tag!r}, "
                        f"first at {products}[{earlier}]",
                        f"{products}[{j}].{translation_path(tag)}.label",
                    )

    def check_funnel(self, funnel: Funnel, path: str) -> None:
        if not funnel.stages:
            self.report("a funnel needs at least one stage", f"{path}.stages")
        self.routing.unique(
            enumerate(stage.name for stage in funnel.stages),
            f"{path}.stages",
            "name",
            "stage name",
            key=name_key,
        )
        if funnel.untracked_leads:
            self.routing.blank(funnel.untracked_source, f"{path}.untracked_source", "the source")
        triggers: dict[tuple[str, str], str] = {}
        follow_ups: dict[str, str] = {}
        for j, stage in enumerate(funnel.stages):
            at = f"{path}.stages[{j}]"
            self.check_stage_events(stage, at)
            if j == 0:
                if stage.follow_ups:
                    self.report(
                        "the entry stage is reached by triggers, not follow-ups", f"{at}.follow_ups"
                    )
                for k, trigger in enumerate(stage.triggers):
                    self.check_trigger(trigger, f"{at}.triggers[{k}]", triggers)
                self.check_ads(stage, at)
            else:
                self.check_later_stage(stage, at)
            for k, phrase in enumerate(stage.follow_ups):
                self.check_follow_up(phrase, f"{at}.follow_ups[{k}]", follow_ups)

    def check_stage_events(self, stage: Stage, path: str) -> None:
        if stage.meta_event is None:
            for key in ("meta_custom_data", "meta_value_field"):
                if getattr(stage, key) is not None:
                    self.report(
                        f"{key} needs a meta_event on the stage to carry it", f"{path}.{key}"
                    )
            return
        self.routing.blank(stage.meta_event, f"{path}.meta_event", "the event name")
        if self.config.meta is None and "meta" not in self.gaps.lost_keys:
            self.report(
                "a meta_event needs the [meta] section's whatsapp_business_account_id",
                f"{path}.meta_event",
            )
        self.routing.blank(stage.meta_value_field, f"{path}.meta_value_field", "the field name")
        values = stage.meta_custom_data
        for message, where in () if values is None else custom_data_problems(values):
            self.report(message, f"{path}.meta_custom_data{where}")
        self.check_stage_value(stage, path)

    def check_stage_value(self, stage: Stage, path: str) -> None:
        values = stage.meta_custom_data
        currency = None if values is None else values.currency
        has_value = stage.meta_value_field is not None or (
            values is not None and values.value is not None
        )
        if stage.meta_event == PURCHASE:
            # Meta refuses a Purchase without both: every one would be lost.
            if currency is None:
                self.report(
                    f"stage {stage.name!r} sends {PURCHASE}, which Meta accepts only with a "
                    "currency: set meta_custom_data.currency",
                    f"{path}.meta_custom_data",
                )
            if not has_value:
                self.report(
                    f"stage {stage.name!r} sends {PURCHASE}, which Meta accepts only with a "
                    "value: set meta_custom_data.value or meta_value_field",
                    f"{path}.meta_custom_data",
                )
        elif has_value and currency is None:
            self.report(
                "a value needs its currency: set meta_custom_data.currency",
                f"{path}.meta_custom_data",
            )

    def check_trigger(self, trigger: Trigger, path: str, seen: dict[tuple[str, str], str]) -> None:
        """
        Check a trigger; *seen* holds the earlier triggers of its funnel.
        """
        self.phone(trigger.number, f"{path}.number")
        self.routing.blank(trigger.source, f"{path}.source", "the source")
        if is_blank(trigger.phrase):
            self.report("a trigger phrase must not be blank", f"{path}.phrase")
            return
        emoji = find_emoji(trigger.phrase)
        if emoji is not None:
            self.report(
                f"a trigger phrase must be plain text, and it has the emoji {emoji!r}",
                f"{path}.phrase",
            )
        key = (trigger.number, fold(trigger.phrase))
        in_funnel = seen.setdefault(key, path)
        source, earlier = self.sources.setdefault(key, (trigger.source, path))
        if source != trigger.source:
            self.report(
                f"phrase {trigger.phrase!r} on {trigger.number} already names "
                f"source {source!r} at {earlier}",
                f"{path}.phrase",
            )
        elif in_funnel != path:
            # In another funnel, the same source is no conflict: the message
            # enters both funnels alike.
            self.report(f"repeats the trigger at {in_funnel}", f"{path}.phrase")

    def check_later_stage(self, stage: Stage, path: str) -> None:
        """
        Report what only the entry stage may have, on a later stage.
        """
        if stage.triggers:
            self.report("only the entry stage (the first) has triggers", f"{path}.triggers")
        if stage.ads_source is not None:
            self.report("only the entry stage (the first) has an ads_source", f"{path}.ads_source")
        if stage.ad_sources:
            self.report("only the entry stage (the first) has ad_sources", f"{path}.ad_sources")

    def check_ads(self, stage: Stage, path: str) -> None:
        """
        Check the entry stage's ad sources.
        """
        self.routing.blank(stage.ads_source, f"{path}.ads_source", "the source")
        seen: dict[str, str] = {}
        for k, ad in enumerate(stage.ad_sources):
            self.check_ad_source(ad, f"{path}.ad_sources[{k}]", seen)

    def check_ad_source(self, ad: AdSource, path: str, seen: dict[str, str]) -> None:
        """
        Check an ad's source; *seen* holds the earlier ad ids of its stage.
        """
        self.routing.blank(ad.source, f"{path}.source", "the source")
        if is_blank(ad.source_id):
            self.report("an ad's source_id must not be blank", f"{path}.source_id")
            return
        written = "".join(without_ignorable(ad.source_id).split())
        if written != ad.source_id:
            # The webhook's referral.source_id is compared as it comes: a
            # pasted space would keep the ad from ever naming its source.
            self.report(
                "an ad's source_id holds spaces or invisible characters, which the webhook's "
                f"never has: write {written!r}",
                f"{path}.source_id",
            )
            return
        in_stage = seen.setdefault(ad.source_id, path)
        source, earlier = self.ad_sources.setdefault(ad.source_id, (ad.source, path))
        if source != ad.source:
            self.report(
                f"ad {ad.source_id!r} already names source {source!r} at {earlier}",
                f"{path}.source_id",
            )
        elif in_stage != path:
            # In another funnel, the same source is no conflict: the ad's
            # leads enter both funnels alike.
            self.report(f"repeats the ad at {in_stage}", f"{path}.source_id")

    def check_follow_up(self, phrase: str, path: str, seen: dict[str, str]) -> None:
        if is_blank(phrase):
            self.report("a follow-up phrase must not be blank", path)
            return
        earlier = seen.setdefault(fold(phrase), path)
        if earlier != path:
            self.report(f"repeats the follow-up phrase at {earlier}", path)


def _labels_in(number: BusinessNumber, tag: str) -> list[str]:
    # The products' labels a lead reading *tag* sees (each falls back alone).
    labels = []
    for product in number.products:
        keyed = {key.lower(): value for key, value in product.translations.items()}
        chosen = next((keyed[key] for key in fallback_chain(tag) if key in keyed), None)
        labels.append(product.label if chosen is None else chosen.label)
    return labels
