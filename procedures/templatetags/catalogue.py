from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def working_days(days: int) -> str:
    """ "5 ngày làm việc": a filter, because blocktranslate inside a 20-row loop was a third of the
    list page's rendering time."""
    return ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days}
