from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def working_days(days: int) -> str:
    """ "5 ngày làm việc", with the plural the language needs."""
    return ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days}
