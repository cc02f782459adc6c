"""A taper recipe in words, in the reader's language.

The stored recipe keeps its language-neutral syntax (``-0.5mg/14d until 1mg; -0.25mg/7d``,
docs/recipes.md); this reads a parsed recipe out for people: "−0.5 mg every 14 days until
1 mg, then −0.25 mg every 7 days until stopped", or in French "−0,5 mg tous les 14 jours
jusqu'à 1 mg, puis −0,25 mg tous les 7 jours jusqu'à l'arrêt". An interval reads as it was
written (2w: every 2 weeks; 14d: every 14 days). The sentences are in the gettext catalogs
(models.i18n), so adding a language adds no code here.
"""

from __future__ import annotations

from models.clinical.recipes import Phase, Recipe
from models.i18n import Translator, format_mg, format_number, format_percent_value, translator
from models.i18n.formats import MINUS


def recipe_in_words(recipe: Recipe, language: str) -> str:
    """Every phase of ``recipe`` in ``language``, joined in order ("…, then …")."""
    return recipe_said(recipe, translator(language))


def recipe_said(recipe: Recipe, t: Translator) -> str:
    """:func:`recipe_in_words` by a given translator (a page's: the reader's language, or a
    test's pseudo-translation)."""
    words = [_phase(phase, t) for phase in recipe.phases]
    sentence = words[0]
    for following in words[1:]:
        # TRANSLATORS: two phases of a taper recipe, in order: "A, then B".
        sentence = t.gettext("{first}, then {next}", first=sentence, next=following)
    return sentence


def _phase(phase: Phase, t: Translator) -> str:
    """One phase. A phase with neither ``until`` nor ``once`` runs to 0: "until stopped"."""
    cut = MINUS + _cut(phase, t.code)
    if phase.once:
        # TRANSLATORS: one cut, kept one interval: "−25% once, held for 7 days".
        return t.gettext("{cut} once, {held}", cut=cut, held=_held(phase, t))
    every = _every(phase, t)
    if phase.until_ug:
        dose = format_mg(phase.until_ug, t.code)
        # TRANSLATORS: "−0.25 mg every 7 days until 1 mg" (the dose it ends at).
        return t.gettext("{cut} {every} until {dose}", cut=cut, every=every, dose=dose)
    # TRANSLATORS: the phase that runs to 0: "−10% every 2 weeks until stopped".
    return t.gettext("{cut} {every} until stopped", cut=cut, every=every)


def _cut(phase: Phase, code: str) -> str:
    if phase.cut_percent is not None:
        return format_percent_value(phase.cut_percent, code)
    if phase.cut_ug is None:
        raise ValueError("a phase cuts mg or a percentage")  # parse_recipe makes one of them
    return format_mg(phase.cut_ug, code)


def _count(phase: Phase, t: Translator) -> tuple[int, str]:
    """The phase's interval as written (in weeks or days), and as the reader writes it."""
    n = phase.interval_days // 7 if phase.in_weeks else phase.interval_days
    return n, format_number(n, t.code)


def _every(phase: Phase, t: Translator) -> str:
    n, shown = _count(phase, t)
    if phase.in_weeks:
        return t.ngettext("every week", "every {n} weeks", n, n=shown)
    return t.ngettext("every day", "every {n} days", n, n=shown)


def _held(phase: Phase, t: Translator) -> str:
    n, shown = _count(phase, t)
    if phase.in_weeks:
        return t.ngettext("held for a week", "held for {n} weeks", n, n=shown)
    return t.ngettext("held for a day", "held for {n} days", n, n=shown)
