"""The administrator configures each unit's channels here, as other configuration (the
credit table, evaluation questions) is done: Django's admin, scoped to the units the
administrator manages, every change audited, secrets never shown back."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organisation.access import departments_managed_by
from organisation.admin import AdministratorOnlyMixin

from .forms import ChannelConfigForm
from .models import ChannelConfig, ChannelMode
from .services import channel_config_save


@admin.register(ChannelConfig)
class ChannelConfigAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    form = ChannelConfigForm
    list_display = [
        "department",
        "channel",
        "mode",
        "enabled",
        "token_shown",
        "secret_shown",
        "updated_at",
    ]
    list_filter = ["channel", "mode", "enabled"]
    search_fields = ["department__name", "department__code"]
    autocomplete_fields = ["department"]
    fieldsets = [
        (None, {"fields": ["department", "channel", "mode", "enabled"]}),
        (_("Group robot / SMS account"), {"fields": ["token", "secret"]}),
        (
            _("WeCom / DingTalk application (work messages)"),
            {"fields": ["app_id", "agent_id", "app_secret"]},
        ),
        (
            _("SMS (Tencent Cloud)"),
            {"fields": ["sms_app_id", "sms_sign_name", "sms_template_id", "sms_region"]},
        ),
    ]

    @admin.display(description=_("Key / token"))
    def token_shown(self, obj):
        return obj.token_hint or "—"

    @admin.display(description=_("Secret"))
    def secret_shown(self, obj):
        return obj.secret_hint or "—"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_managed_by(request.user))
            .select_related("department")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = departments_managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # An application keeps its secret where a robot keeps its signing secret.
        secret = form.cleaned_data.get("secret") or None
        if obj.mode == ChannelMode.APP:
            secret = form.cleaned_data.get("app_secret") or None
        if change and secret is None and form.initial.get("mode") != obj.mode:
            secret = ""  # the other mode's secret means nothing here
        channel_config_save(
            config=obj,
            acting_user=request.user,
            token=form.cleaned_data.get("token") or None,
            secret=secret,
            request=request,
        )
