from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from assessment import access, audit


class Command(BaseCommand):
    help = (
        "Print USERNAME's API token, creating it if needed; --revoke deletes it (every client "
        "using it gets 401 from then on). The token reads what the user may read on the pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="delete the user's token")

    @transaction.atomic
    def handle(self, *args: Any, username: str, revoke: bool, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        membership = access.membership_of(user)
        country = membership.country if membership and membership.is_country_member else None
        if revoke:
            deleted, _ = Token.objects.filter(user=user).delete()
            if deleted:
                audit.record(
                    actor=None, action="api_token.revoked", country=country, subject=username
                )
                self.stdout.write(f"Revoked the API token of {username}.")
            else:
                self.stdout.write(f"{username} had no API token.")
            return
        if not user.is_active:
            raise CommandError(f"{username} is inactive: a token would be refused.")
        if membership is None:
            raise CommandError(f"{username} has no membership: the API would show them nothing.")
        token, created = Token.objects.get_or_create(user=user)
        if created:
            audit.record(actor=None, action="api_token.issued", country=country, subject=username)
        self.stdout.write(token.key)
