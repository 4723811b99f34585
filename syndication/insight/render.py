"""The impact report as a static page in French and English, and its headline figures.

The page is one HTML file per language with everything inside it: the CSS in a ``<style>``
element, the charts as inline SVG drawn by pygal (https://www.pygal.org/en/stable/, maintained by
Kozea; chosen because it draws SVG on the server with no browser runtime, so the page needs no
JavaScript) with its script turned off (``js=[]``, ``disable_xml_declaration``) and its CSS
inlined. Each chart is an ``<svg role="img">`` named by a ``<title>`` and described by a
``<desc>`` (its figures in words), and the same figures are in a table beside it. The page makes
no request to any other origin: no font, image, script or style sheet is linked.

Templates are Jinja2 (https://jinja.palletsprojects.com/en/stable/api/), which Pelican brings,
with autoescaping on: readers' names and words reach the page as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pygal.style import Style

from syndication.insight.fans import Fan
from syndication.insight.people import PEOPLE_FILE_REASON
from syndication.insight.report import (
    AGE_BUCKETS,
    BRAND,
    COUNTED_KINDS,
    Activity,
    Answers,
    Heard,
    Report,
)
from syndication.listen.store import FEED
from syndication.networks.registry import label

TEMPLATES = Path(__file__).with_name("templates")
LANGUAGES = ("fr", "en")
PAGE_NAMES = {"fr": "index.html", "en": "en.html"}
# Colours with at least 3:1 against white (WCAG 1.4.11, non-text contrast), one per kind.
KIND_COLOURS = ("#1f5fa8", "#a8431f", "#5c6b00", "#7a3a9a", "#1d6b5a")
CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#595959",
    opacity="1",
    opacity_hover="1",
    colors=KIND_COLOURS,
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=16,
)

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Rapport d'impact",
        "period": "Période du {start} au {end} (exclu), {zone}. Produit le {generated}.",
        "other_lang": "English",
        "other_hreflang": "en",
        "headline": "En bref",
        "activity": "Activité par réseau",
        "activity_counts": (
            "Copies de nos billets publiées dans la période, et réponses, citations, mentions, "
            "partages et « j'aime » de lecteurs publiés dans la période. Nos propres comptes et "
            "ce que le fichier de modération masque ne comptent pas. Les totaux qu'un réseau "
            "donne sans liste de personnes n'ont pas de date et ne sont pas comptés."
        ),
        "network": "Réseau",
        "post": "Billet",
        "copies": "Copies",
        "reply": "Réponses",
        "quote": "Citations",
        "mention": "Mentions",
        "repost": "Partages",
        "like": "J'aime",
        "total": "Total",
        "all_networks": "Tous les réseaux",
        "posts": "Billets les plus engageants",
        "posts_counts": (
            "Les {shown} billets qui ont reçu le plus de réactions de lecteurs dans la période, "
            "sur {active} billets actifs (une copie publiée ou une réaction)."
        ),
        "timeline": "Engagement dans le temps",
        "timeline_counts": "Réactions de lecteurs par {unit}, selon le fuseau {zone}.",
        "day": "jour",
        "week": "semaine (à partir du lundi)",
        "month": "mois",
        "timeline_desc": "Réactions de lecteurs par {unit} : {figures}.",
        "answers": "Nos réponses",
        "answers_counts": (
            "Commentaires (réponses, citations, mentions) publiés dans la période, combien un "
            "compte de l'entreprise a déjà répondu, et le délai avant la première réponse compté "
            "en heures ouvrables ({hours}) : médiane et 90ᵉ centile."
        ),
        "comments": "Commentaires",
        "answered": "Répondus",
        "rate": "Taux de réponse",
        "median": "Délai médian",
        "p90": "90ᵉ centile",
        "overall": "Ensemble",
        "waiting": "Commentaires en attente",
        "waiting_counts": (
            "Commentaires de la période auxquels personne n'a encore répondu, selon le temps "
            "écoulé (heures réelles) au moment du rapport."
        ),
        "waiting_desc": "Commentaires en attente selon leur âge : {figures}.",
        "age": "Attente",
        "under_1d": "moins de 24 h",
        "1d_3d": "1 à 3 jours",
        "3d_7d": "3 à 7 jours",
        "over_7d": "plus de 7 jours",
        "negative": "Commentaires négatifs",
        "negative_counts": (
            "Commentaires de la période contenant un mot de la liste des plaintes de la boîte "
            "de réception, et combien ont reçu une réponse. Rien n'est masqué pour être négatif."
        ),
        "negative_line": "{answered} sur {total} ont reçu une réponse.",
        "employees": "Réponses de l'équipe",
        "employees_counts": (
            "Réponses de l'entreprise publiées dans la période, selon la personne qui les a "
            "signées."
        ),
        "who": "Personne",
        "brand": "Compte de l'entreprise (non signé)",
        "fans": "Nos plus grands admirateurs",
        "fans_counts": (
            "Personnes classées selon leurs réactions publiques de la période : une réponse ou "
            "une citation compte plus qu'un « j'aime », et une réaction récente plus qu'une "
            "ancienne. Nos comptes, nos employés et les personnes qui l'ont demandé n'y sont pas."
        ),
        "rank": "Rang",
        "name": "Nom",
        "networks": "Réseaux",
        "score": "Score",
        "linked_by": "un seul compte, lié par {reasons}",
        "people_file": "le fichier des personnes",
        "last_seen": "Dernière fois",
        "latest_words": "Derniers mots",
        "listening": "Mentions ailleurs et part de voix",
        "listening_counts": (
            "Mentions de l'entreprise entendues hors de nos fils, et sa part de voix face aux "
            "concurrents."
        ),
        "listening_empty": (
            "Pas encore disponible : l'écoute (invoke listen) n'a rien enregistré. Cette section "
            "se remplira quand elle le fera."
        ),
        "none": "Rien dans cette période.",
        "about_us": "Mentions de l'entreprise",
        "about_competitors": "Mentions des concurrents",
        "about_industry": "Mentions du secteur",
        "share_of_voice": "Part de voix (nous / nous et concurrents)",
        "competitor": "Concurrent (terme reconnu)",
        "source": "D'où viennent les mentions de l'entreprise",
        "feed": "Fils de nouvelles (RSS, Atom)",
        "mentions": "Mentions",
        "chart_network_desc": "Réactions de lecteurs par réseau : {figures}.",
        "h_readers": "réactions de lecteurs",
        "h_copies": "copies publiées",
        "h_rate": "des commentaires ont reçu une réponse",
        "h_median": "délai médian (heures ouvrables)",
        "h_waiting": "commentaires en attente",
    },
    "en": {
        "title": "Impact report",
        "period": "Period from {start} to {end} (excluded), {zone}. Generated on {generated}.",
        "other_lang": "Français",
        "other_hreflang": "fr",
        "headline": "At a glance",
        "activity": "Activity per network",
        "activity_counts": (
            "Copies of our posts published in the period, and readers' replies, quotes, "
            "mentions, reposts and likes published in the period. Our own accounts and what the "
            "moderation file hides are not counted. Totals a network gives without a list of "
            "people carry no date and are not counted."
        ),
        "network": "Network",
        "post": "Post",
        "copies": "Copies",
        "reply": "Replies",
        "quote": "Quotes",
        "mention": "Mentions",
        "repost": "Reposts",
        "like": "Likes",
        "total": "Total",
        "all_networks": "All networks",
        "posts": "Most engaging posts",
        "posts_counts": (
            "The {shown} posts readers reacted to most in the period, of {active} active posts "
            "(a copy published or a reaction)."
        ),
        "timeline": "Engagement over time",
        "timeline_counts": "Readers' reactions per {unit}, in the {zone} timezone.",
        "day": "day",
        "week": "week (from Monday)",
        "month": "month",
        "timeline_desc": "Readers' reactions per {unit}: {figures}.",
        "answers": "Our answers",
        "answers_counts": (
            "Comments (replies, quotes, mentions) published in the period, how many a company "
            "account has answered by now, and the time to the first answer counted in business "
            "hours ({hours}): median and 90th percentile."
        ),
        "comments": "Comments",
        "answered": "Answered",
        "rate": "Response rate",
        "median": "Median time",
        "p90": "90th percentile",
        "overall": "Overall",
        "waiting": "Comments still waiting",
        "waiting_counts": (
            "Comments of the period nobody has answered yet, by how long they have waited "
            "(real hours) when the report was made."
        ),
        "waiting_desc": "Comments still waiting by age: {figures}.",
        "age": "Waiting",
        "under_1d": "under 24 h",
        "1d_3d": "1 to 3 days",
        "3d_7d": "3 to 7 days",
        "over_7d": "over 7 days",
        "negative": "Negative comments",
        "negative_counts": (
            "Comments of the period with a word of the inbox's complaint list, and how many "
            "were answered. Nothing is hidden for being negative."
        ),
        "negative_line": "{answered} of {total} were answered.",
        "employees": "The team's answers",
        "employees_counts": "The company's answers published in the period, by who signed them.",
        "who": "Person",
        "brand": "Company account (unsigned)",
        "fans": "Our biggest fans",
        "fans_counts": (
            "People ranked by their public reactions in the period: a reply or a quote counts "
            "more than a like, and a recent reaction more than an old one. Our accounts, our "
            "employees and people who asked are left out."
        ),
        "rank": "Rank",
        "name": "Name",
        "networks": "Networks",
        "score": "Score",
        "linked_by": "one person, linked by {reasons}",
        "people_file": "the people file",
        "last_seen": "Last seen",
        "latest_words": "Latest words",
        "listening": "Mentions elsewhere and share of voice",
        "listening_counts": (
            "Mentions of the company heard outside our threads, and its share of voice against "
            "competitors."
        ),
        "listening_empty": (
            "Not available yet: listening (invoke listen) has recorded nothing. This section "
            "fills in once it does."
        ),
        "none": "Nothing in this period.",
        "about_us": "Mentions of the company",
        "about_competitors": "Mentions of competitors",
        "about_industry": "Mentions of the industry",
        "share_of_voice": "Share of voice (us / us and competitors)",
        "competitor": "Competitor (term matched)",
        "source": "Where mentions of the company came from",
        "feed": "News feeds (RSS, Atom)",
        "mentions": "Mentions",
        "chart_network_desc": "Readers' reactions per network: {figures}.",
        "h_readers": "readers' reactions",
        "h_copies": "copies published",
        "h_rate": "of comments answered",
        "h_median": "median time to answer (business hours)",
        "h_waiting": "comments waiting",
    },
}


def number(value: int | float, lang: str) -> str:
    """``1 234`` in French (narrow no-break space), ``1,234`` in English."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def percent(value: float | None, lang: str) -> str:
    """``87,5 %`` / ``87.5%``; a dash when there is nothing to divide."""
    if value is None:
        return "—"
    shown = number(round(value * 100, 1), lang)
    return f"{shown}\u00a0%" if lang == "fr" else f"{shown}%"


def duration(span: timedelta | None) -> str:
    """``3 h 20 min``, ``45 min``; a dash when nothing was answered."""
    if span is None:
        return "—"
    minutes = round(span.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}\u00a0h\u00a0{rest:02d}\u00a0min" if hours else f"{rest}\u00a0min"


def integer_ticks(top: int, most: int = 8) -> list[int]:
    """At most ``most`` + 1 whole-number ticks from 0 to at least ``top``."""
    step = max(1, -(-top // most))
    return list(range(0, max(top, 1) + step, step))


def _accessible(title: str, description: str, chart_id: str) -> Callable[[Any], Any]:
    """A pygal XML filter: the SVG becomes an image named by a title and described."""

    def name(root: Any) -> Any:
        # pygal writes its configuration as a <script> even with js=[], and comments linking
        # its site: neither belongs in a page that runs no script.
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "script" or not isinstance(child.tag, str):
                    parent.remove(child)
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        described = root.makeelement("desc", {"id": f"{chart_id}-desc"})
        described.text = description
        titled = root.makeelement("title", {"id": f"{chart_id}-title"})
        titled.text = title
        root.insert(0, described)
        root.insert(0, titled)
        return root

    return name


def chart(
    kind: Callable[..., Any],
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Iterable[tuple[str, Sequence[int]]],
) -> Markup:
    """One chart as inline SVG: no script, no XML declaration, no link to anything.

    Every series is stacked or side by side on the same x labels; the axis goes to their
    largest sum (exact for stacked bars, generous for side by side ones).
    """
    rows = [(name, list(values)) for name, values in series]
    heights = [values for _, values in rows] or [[0] * len(x_labels)]
    drawn = kind(
        style=CHART_STYLE,
        js=[],  # pygal's tooltips are a script from a CDN: off
        disable_xml_declaration=True,
        title=title,
        width=820,
        height=360,
        legend_at_bottom=True,
        truncate_legend=-1,
        truncate_label=-1,
        x_label_rotation=45 if len(x_labels) > 12 else 0,
        show_minor_x_labels=len(x_labels) <= 16,
        x_labels_major_every=max(1, len(x_labels) // 8),
        print_values=False,
        include_x_axis=True,
        margin=16,
    )
    drawn.add_xml_filter(_accessible(title, description, chart_id))
    # Whole numbers on the axis: these are counts, and pygal would draw 0.2 steps for small ones.
    drawn.y_labels = integer_ticks(
        max((sum(column) for column in zip(*heights, strict=True)), default=0)
    )
    drawn.x_labels = list(x_labels)
    for name, values in rows:
        drawn.add(name, list(values))
    return Markup(drawn.render(is_unicode=True))


def _figures(pairs: Iterable[tuple[str, int]], lang: str) -> str:
    return "; ".join(f"{name} {number(count, lang)}" for name, count in pairs)


def _row(name: str, activity: Activity, lang: str) -> tuple[str, str, list[str], str]:
    """A table row: its name, copies, each kind's count and the total, formatted."""
    counts = [number(activity.counts[kind], lang) for kind in COUNTED_KINDS]
    return name, number(activity.copies, lang), counts, number(activity.total, lang)


def context(report: Report, lang: str) -> dict[str, Any]:
    """What the template shows, in ``lang``: every figure already formatted."""
    t = STRINGS[lang]
    unit = t[report.timeline_unit]
    zone = report.hours.zone.key
    kinds = [(kind, t[kind]) for kind in COUNTED_KINDS]
    days = [day.isoformat() for day, _ in report.timeline]
    per_kind = [(t[k], [counts[k] for _, counts in report.timeline]) for k in COUNTED_KINDS]
    sums = (sum(counts.values()) for _, counts in report.timeline)
    timeline_desc = t["timeline_desc"].format(
        unit=unit, figures=_figures(zip(days, sums, strict=True), lang)
    )
    network_names = [label(name) for name in report.networks]
    total = report.total
    overall = report.answers.get("overall", Answers(0, 0, None, None))
    charts = {
        "timeline": chart(
            pygal.StackedBar, f"timeline-{lang}", t["timeline"], timeline_desc, days, per_kind
        ),
        "networks": chart(
            pygal.StackedBar,
            f"networks-{lang}",
            t["activity"],
            t["chart_network_desc"].format(
                figures=_figures(
                    zip(network_names, (a.total for a in report.networks.values()), strict=True),
                    lang,
                )
            ),
            network_names,
            [(t[k], [a.counts[k] for a in report.networks.values()]) for k in COUNTED_KINDS],
        )
        if report.networks
        else None,
        "waiting": chart(
            pygal.Bar,
            f"waiting-{lang}",
            t["waiting"],
            t["waiting_desc"].format(
                figures=_figures(((t[b], report.waiting[b]) for _, b in AGE_BUCKETS), lang)
            ),
            [t[b] for _, b in AGE_BUCKETS],
            [(t["comments"], [report.waiting[b] for _, b in AGE_BUCKETS])],
        ),
    }
    return {
        "lang": lang,
        "t": t,
        "other": {"lang": t["other_hreflang"], "href": PAGE_NAMES[t["other_hreflang"]]},
        "period": t["period"].format(
            start=report.hours.local_date(report.period.start).isoformat(),
            end=report.hours.local_date(report.period.end).isoformat(),
            zone=zone,
            generated=report.generated_at.astimezone(report.hours.zone).strftime("%Y-%m-%d %H:%M"),
        ),
        "headline": [
            (number(total.total, lang), t["h_readers"]),
            (number(total.copies, lang), t["h_copies"]),
            (percent(overall.rate, lang), t["h_rate"]),
            (duration(overall.median), t["h_median"]),
            (number(sum(report.waiting.values()), lang), t["h_waiting"]),
        ],
        "kinds": kinds,
        "networks": [_row(label(name), a, lang) for name, a in report.networks.items()],
        "total": _row(t["all_networks"], total, lang),
        "posts": [_row(key, activity, lang) for key, activity in report.posts],
        "posts_counts": t["posts_counts"].format(
            shown=len(report.posts), active=report.posts_active
        ),
        "unit": unit,
        "timeline_counts": t["timeline_counts"].format(unit=unit, zone=zone),
        "timeline": [
            (day, [number(counts[k], lang) for k, _ in kinds])
            for day, (_, counts) in zip(days, report.timeline, strict=True)
        ],
        "answers_counts": t["answers_counts"].format(hours=report.hours.describe()),
        "answers": [
            (
                t["overall"] if bucket == "overall" else label(bucket),
                number(a.comments, lang),
                number(a.answered, lang),
                percent(a.rate, lang),
                duration(a.median),
                duration(a.p90),
            )
            for bucket, a in report.answers.items()
        ],
        "waiting": [(t[b], number(report.waiting[b], lang)) for _, b in AGE_BUCKETS],
        "negative_line": t["negative_line"].format(
            answered=number(report.negative_answered, lang), total=number(report.negative, lang)
        ),
        "employees": [
            (
                t["brand"] if who == BRAND else who,
                ", ".join(label(n) for n in networks),
                number(sum(networks.values()), lang),
            )
            for who, networks in report.employees.items()
        ],
        "fans": [
            (
                rank,
                fan.name,
                _fan_networks(fan, t),
                number(round(fan.score, 1), lang),
                fan.last_seen.astimezone(report.hours.zone).date().isoformat()
                if fan.last_seen
                else "—",
                fan.latest_words,
            )
            for rank, fan in enumerate(report.fans, start=1)
        ],
        "listening": _listening(report.listening, lang),
        "charts": charts,
    }


def _fan_networks(fan: Fan, t: dict[str, Any]) -> str:
    """A fan's networks, and why their accounts are one person when they are several (a site
    their profiles link publicly, or the people file)."""
    networks = ", ".join(label(n) for n in fan.networks)
    if not fan.linked_by:
        return networks
    reasons = ", ".join(t["people_file"] if r == PEOPLE_FILE_REASON else r for r in fan.linked_by)
    return f"{networks} ({t['linked_by'].format(reasons=reasons)})"


def _listening(heard: Heard | None, lang: str) -> dict[str, Any] | None:
    """The listening section's rows, or None while listening has recorded nothing."""
    if heard is None:
        return None
    t = STRINGS[lang]
    return {
        "about": [(t[f"about_{kind}"], number(count, lang)) for kind, count in heard.about.items()],
        "share": percent(heard.share_of_voice, lang),
        "competitors": [(term, number(count, lang)) for term, count in heard.competitors.items()],
        "sources": [
            (t["feed"] if source == FEED else label(source), number(count, lang))
            for source, count in heard.sources.items()
        ],
    }


def environment() -> Environment:
    """Jinja2 with the report's templates, autoescaping every variable."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def summary(report: Report) -> str:
    """The headline figures as Markdown for the job summary: numbers only, no reader's words."""
    total = report.total
    overall = report.answers.get("overall", Answers(0, 0, None, None))
    lines = [f"## Rapport d'impact / Impact report — {report.period.slug}", ""]
    lines += ["| | fr | en |", "|---|---|---|"]
    for lang_key, value in (
        ("h_readers", number(total.total, "en")),
        ("h_copies", number(total.copies, "en")),
        ("h_rate", percent(overall.rate, "en")),
        ("h_median", duration(overall.median).replace("\u00a0", " ")),
        ("p90", duration(overall.p90).replace("\u00a0", " ")),
        ("h_waiting", number(sum(report.waiting.values()), "en")),
    ):
        lines.append(f"| {value} | {STRINGS['fr'][lang_key]} | {STRINGS['en'][lang_key]} |")
    lines.append(
        f"| {report.negative_answered}/{report.negative} | {STRINGS['fr']['negative']} "
        f"{STRINGS['fr']['answered'].lower()} | {STRINGS['en']['negative']} "
        f"{STRINGS['en']['answered'].lower()} |"
    )
    return "\n".join(lines) + "\n"


def write(report: Report, folder: Path) -> list[Path]:
    """Write the French and English pages, the job summary and the figures under ``folder``.

    ``folder/<period>/index.html`` (French), ``en.html`` (English), ``summary.md``.
    """
    target = folder / report.period.slug
    target.mkdir(parents=True, exist_ok=True)
    template = environment().get_template("report.html")
    written = []
    for lang in LANGUAGES:
        path = target / PAGE_NAMES[lang]
        path.write_text(template.render(**context(report, lang)), encoding="utf-8")
        written.append(path)
    path = target / "summary.md"
    path.write_text(summary(report), encoding="utf-8")
    written.append(path)
    return written
