"""allauth ships no Vietnamese catalogue. The messages it shows on our pages are listed here so
``makemessages`` keeps them in our ``locale/`` where they are translated."""

from django.utils.translation import gettext_noop as _

ALLAUTH_MESSAGES = [
    _("The email address and/or password you specified are not correct."),
    _("Too many failed login attempts. Try again later."),
    _("You must type the same password each time."),
    _("Please type your current password."),
    _("Incorrect password."),
    _("The password reset token was invalid."),
    _("A user is already registered with this email address."),
    _("This account is currently inactive."),
    _("Remember Me"),
    _("Email"),
    _("Password"),
    _("Current Password"),
    _("New Password"),
    _("New Password (again)"),
    _("Password (again)"),
    _("Email address"),
    _("Forgot your password?"),
    _("Password must be a minimum of {0} characters."),
    _("Username"),
    _("Email (optional)"),
    _("Email (again)"),
    _("Email address is already taken."),
    _("You must type the same email each time."),
]
