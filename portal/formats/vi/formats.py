"""Vietnamese date formats as Vietnamese people write them: 02/09/2026 is the 2nd of September.

Django's own "vi" formats show short dates as 02-09-2026 (while our templates print d/m/Y) and
define no input formats, so a date typed into admin (the holiday calendar, for instance) fell
back to the American default and "02/09/2026" was read as the 9th of February. Only what differs
from Django's module is defined here (FORMAT_MODULE_PATH looks here first, then in Django's).
"""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
# The first one is also how admin's date widget shows a date (and its calendar writes one).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
