"""English dates with the month as a word: "Mar 4, 1992". Django's own English short date is
03/04/1992, which a Vietnamese reader takes for the 3rd of April (the portal's pages show short
dates; Vietnamese ones are 04/03/1992, see ../vi/formats.py)."""

SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, H:i"
