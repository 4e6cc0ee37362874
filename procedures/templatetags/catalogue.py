import re

from django import template
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext

register = template.Library()
CODE = re.compile(r"\d\.\d{6}")


@register.filter
def working_days(days: int) -> str:
    """ "5 ngày làm việc": a filter, because blocktranslate inside a 20-row loop was a third of the
    list page's rendering time."""
    return ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days}


@register.simple_tag
def procedure_cards(procedures) -> str:
    """The results of the catalogue list (procedures with their agency and field), rendered in Python:
    through the template engine their dozen variables each took half the page's rendering time."""
    labels = [gettext("Procedure code"), gettext("Agency"), gettext("Field"), gettext("Service level")]
    labels.append(gettext("Processing time"))
    days: dict[int, str] = {}

    def duration(procedure) -> str:
        if procedure.processing_days not in days:
            days[procedure.processing_days] = working_days(procedure.processing_days)
        return days[procedure.processing_days]

    # One reverse() for the page: national codes (1.001234) need no quoting in a path.
    sample = "0.000000"
    pattern = reverse("procedures:detail", kwargs={"code": sample})

    def url(procedure) -> str:
        if CODE.fullmatch(procedure.code):
            return pattern.replace(sample, procedure.code)
        return procedure.get_absolute_url()

    return format_html_join(
        "",
        '<li class="procedure-card"><h3><a href="{}">{}</a></h3><dl class="procedure-meta">'
        "<div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div>"
        '<div><dt>{}</dt><dd><span class="level-badge level-{}">{}</span></dd></div>'
        "<div><dt>{}</dt><dd>{}</dd></div></dl></li>",
        (
            (
                url(procedure),
                procedure.name,
                labels[0],
                procedure.code,
                labels[1],
                procedure.agency.name,
                labels[2],
                procedure.field.name,
                labels[3],
                procedure.service_level,
                procedure.get_service_level_display(),
                labels[4],
                duration(procedure),
            )
            for procedure in procedures
        ),
    )
