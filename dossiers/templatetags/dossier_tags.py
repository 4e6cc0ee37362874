from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def bound_field(form, name: str):
    """``form|bound_field:"slot-3"``: a form's field by a name known only at run time."""
    return form[name]


@register.simple_tag
def template_url(document) -> str:
    """The catalogue's download of a required document's form template, or "" when there is none."""
    if document is None or not document.template:
        return ""
    return reverse("procedures:template", args=[document.procedure.code, document.pk])
