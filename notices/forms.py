from django import forms
from django.utils.translation import gettext_lazy as _

from .models import APP_CHANNELS, Channel, ChannelConfig, ChannelMode, DeliveryStatus


class PreferenceForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Besides the notices in the app, send them to me by"),
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, available: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Channel.choices)
        self.fields["channel"].choices = [("", _("Nothing else (in the app only)"))] + [
            (c, labels[c]) for c in available
        ]


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *DeliveryStatus.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )


def _secret_field(label, help_text) -> forms.CharField:
    """A secret is typed, never shown back; left empty it keeps the stored one."""
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=help_text,
    )


class ChannelConfigForm(forms.ModelForm):
    """The administrator's form: secrets are written, never shown back (an empty field
    keeps the stored one)."""

    token = _secret_field(
        _("Key / access token / SecretId"),
        _(
            "WeCom: the robot's key; DingTalk: the robot's access_token; SMS: the "
            "SecretId. Leave empty to keep the stored one."
        ),
    )
    secret = _secret_field(
        _("Signing secret / SecretKey"),
        _(
            "DingTalk: the robot's signing secret (SEC…); SMS: the SecretKey. Leave "
            "empty to keep the stored one."
        ),
    )
    app_secret = _secret_field(
        _("Application secret"),
        _(
            "WeCom: the application's Secret; DingTalk: the app's AppSecret. Leave empty "
            "to keep the stored one."
        ),
    )

    class Meta:
        model = ChannelConfig
        fields = [
            "department",
            "channel",
            "enabled",
            "mode",
            "app_id",
            "agent_id",
            "sms_app_id",
            "sms_sign_name",
            "sms_template_id",
            "sms_region",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].required = False  # not given: the group robot, as before

    def clean_mode(self):
        return self.cleaned_data.get("mode") or ChannelMode.ROBOT

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if data.get("mode") == ChannelMode.APP:
            return self._clean_app(data, channel)
        has_token = bool(data.get("token") or (self.instance.pk and self.instance.token_hint))
        has_secret = bool(data.get("secret") or (self.instance.pk and self.instance.secret_hint))
        if data.get("enabled") and channel and not has_token:
            self.add_error("token", _("This channel needs its key or token."))
        if data.get("enabled") and channel == "sms":
            if not has_secret:
                self.add_error("secret", _("This channel needs its key or token."))
            for name in ("sms_app_id", "sms_sign_name", "sms_template_id"):
                if not data.get(name):
                    self.add_error(name, _("Required for SMS (approved in advance)."))
        return data

    def _clean_app(self, data, channel):
        """An application needs its IDs and secret; the robot's fields are not used."""
        if channel not in APP_CHANNELS:
            self.add_error("mode", _("Only WeCom and DingTalk can send through an application."))
            return data
        stored = bool(
            self.instance.pk and self.instance.mode == ChannelMode.APP and self.instance.secret_hint
        )
        if data.get("enabled"):
            for name in ("app_id", "agent_id"):
                if not data.get(name):
                    self.add_error(name, _("Required to send through the application."))
            if not (data.get("app_secret") or stored):
                self.add_error("app_secret", _("Required to send through the application."))
        return data
