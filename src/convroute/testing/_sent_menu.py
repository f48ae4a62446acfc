"""
A menu as the lead saw it, and the option a person means by a title.
"""

from __future__ import annotations

import attrs

from convroute._text import title_key
from convroute.errors import ScenarioError
from convroute.menus import Display, Menu, MenuOption
from convroute.model import Phone


@attrs.frozen
class SentMenu:
    """
    A menu as a lead last saw it.

    Attributes:
        number: The business number that sent it.
        menu: The menu itself, with its options' ids and kinds.
        titles: The options' titles as shown (fitted, translated), in order.
        layout: ``buttons`` or ``list``.
    """

    number: Phone
    menu: Menu = attrs.field(repr=False)
    titles: tuple[str, ...] = attrs.field(init=False)
    layout: Display = attrs.field(init=False)

    @titles.default
    def _titles(self) -> tuple[str, ...]:
        return tuple([option.title for option in self.menu.options])

    @layout.default
    def _layout(self) -> Display:
        return self.menu.layout

    def option(self, title: str) -> MenuOption:
        """
        The option a person means by *title*.

        Titles are compared as the engine reads a typed reply (`title_key`):
        ignoring case, spacing, normal form, emoji variation selectors and
        zero-width characters.  An option answers to its title as shown, to its title in the default
        language (for a translated menu), to its product's full label, and
        to any text that starts like a title cut short with ``…`` (the
        title's text before it, a suffix such as `` (2)`` after it left
        aside), when only one option starts so.

        Raises:
            ScenarioError: When no option, or more than one, answers to
                *title*; the message lists the titles shown, or those it
                could be.
        """
        wanted = title_key(title)
        for option in self.menu.options:
            if wanted in _names(option):
                return option
        cut = [
            option
            for option in self.menu.options
            if (stem := _cut_stem(option.title)) and wanted.startswith(stem)
        ]
        if len(cut) == 1:
            return cut[0]
        if cut:
            could_be = ", ".join([repr(option.title) for option in cut])
            raise ScenarioError(
                f"{title!r} starts like more than one option of the last menu: {could_be}; "
                "write the title as shown or the full label"
            )
        shown = ", ".join([repr(shown) for shown in self.titles])
        raise ScenarioError(f"no option {title!r} in the last menu: its titles are {shown}")


def _cut_stem(title: str) -> str:
    # What is left of a title cut to fit: its text before the ellipsis, as
    # compared; a repeat's suffix ("… (2)") may follow the ellipsis.  Empty
    # for a title that was not cut, or of which nothing was kept.
    stem, ellipsis, after = title.rpartition("…")
    suffixed = after.startswith(" (") and after.endswith(")")
    return title_key(stem) if ellipsis and (not after or suffixed) else ""


def _names(option: MenuOption) -> set[str]:
    names = {title_key(option.title), *[title_key(alias) for alias in option.aliases]}
    if option.key and option.kind == "product":
        names.add(title_key(option.key))
    return names
