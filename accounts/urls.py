from allauth.account import views as allauth_views
from django.urls import include, path, re_path

from core.ratelimit import limit_posts, posted_email

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("session/keep-alive/", views.SessionKeepAliveView.as_view(), name="keep_alive"),
    path("address/communes/", views.communes, name="communes"),
]

# allauth's own pages under their own names, the ones that take a password or send an email
# counted by ``core.ratelimit`` (allauth's built-in limits are off: ACCOUNT_RATE_LIMITS = False).
reset_password = limit_posts(
    limit_posts(allauth_views.password_reset, group="reset_password_email", key=posted_email),
    group="reset_password_ip",
)
allauth_urlpatterns = [
    path("login/", limit_posts(allauth_views.login, group="login"), name="account_login"),
    path("signup/", limit_posts(views.SignupView.as_view(), group="signup"), name="account_signup"),
    path("password/reset/", reset_password, name="account_reset_password"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        limit_posts(allauth_views.password_reset_from_key, group="reset_password_from_key"),
        name="account_reset_password_from_key",
    ),
    path(
        "password/change/",
        limit_posts(allauth_views.password_change, group="change_password", key="user_or_ip"),
        name="account_change_password",
    ),
    path("email/", limit_posts(allauth_views.email, group="manage_email", key="user_or_ip"), name="account_email"),
    path("", include("allauth.urls")),
]
