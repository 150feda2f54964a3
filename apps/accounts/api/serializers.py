from rest_framework import serializers

from ..language import LANGUAGE_CODES, language_of
from ..models import User
from ..roles import ROLE_CAPABILITIES


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    invited = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "roles", "is_active", "invited"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(g.name for g in obj.groups.all())

    def get_invited(self, obj: User) -> bool:
        return not obj.has_usable_password()


class UserInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(required=False, default="", allow_blank=True)
    last_name = serializers.CharField(required=False, default="", allow_blank=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(ROLE_CAPABILITIES)), allow_empty=False
    )


class MeSerializer(serializers.ModelSerializer):
    """The signed-in person: `language` is their own choice ("" follows the organisation's
    default), `reads_in` the language they are answered in now."""

    roles = serializers.SerializerMethodField()
    reads_in = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "roles", "language", "reads_in"]
        read_only_fields = ["id", "email", "first_name", "last_name"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(g.name for g in obj.groups.all())

    def get_reads_in(self, obj: User) -> str:
        return language_of(obj)


class MeUpdateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=["", *LANGUAGE_CODES],
        allow_blank=True,
        help_text='One of en, de, fr, es; "" follows the organisation\'s default language.',
    )
