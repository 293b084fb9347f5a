from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in hardening: the second factor (TOTP) and the sign-in lockout page."""

    name = "accounts"
    verbose_name = "Accounts"
