"""Notification channels: what each unit has configured, what each person chose, and
the delivery log (one row per notice and outside channel).

The in-app inbox stays with the app that shows it (`training.Notification`, the
certificates' expiry `Notice`); this app carries a notice further, by e-mail, SMS, WeCom
or DingTalk, and records every try."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisation.crypto import decrypt_id_number
from organisation.models import Department


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")


class ChannelMode(models.TextChoices):
    """How a unit's WeCom or DingTalk channel reaches a person: the group robot posts into
    the unit's group mentioning them; the application sends a work message to them alone
    (企业微信应用消息 / 钉钉工作通知)."""

    ROBOT = "robot", _("Group robot")
    APP = "app", _("Application (work message to the person)")


# Channels that may be configured as an application instead of a group robot.
APP_CHANNELS = ("wecom", "dingtalk")

# Channels a unit must configure before anybody in it can choose them; e-mail is the
# site's own SMTP server (settings), open to everyone with an address.
CONFIGURED_CHANNELS = (Channel.SMS, Channel.WECOM, Channel.DINGTALK)


class ChannelConfig(models.Model):
    """One outside channel of one unit, inherited by the units below it (the nearest
    unit at or above a person that has a row for the channel decides). A row with
    `enabled` off closes the channel for its subtree.

    Secrets (the robot's key or access token and signing secret, the SMS account's
    SecretId and SecretKey, the WeCom / DingTalk application's secret) are encrypted
    with the key that protects ID numbers and are shown only by their last characters.

    WeCom and DingTalk send through the group robot or, with `mode` "app", through the
    unit's application: corp ID / AppKey and agent ID here, the application's secret
    encrypted."""

    department = models.ForeignKey(
        Department, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=[(c.value, c.label) for c in CONFIGURED_CHANNELS],
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    mode = models.CharField(
        _("sent through"),
        max_length=8,
        choices=ChannelMode.choices,
        default=ChannelMode.ROBOT,
        help_text=_("WeCom and DingTalk only: the group robot or the unit's application."),
    )
    # WeCom / DingTalk application: the corp ID (WeCom) or AppKey (DingTalk), the agent
    # ID; the application's secret is `secret_encrypted`.
    app_id = models.CharField(_("corp ID / AppKey"), max_length=64, blank=True)
    agent_id = models.CharField(_("agent ID (AgentId)"), max_length=32, blank=True)
    # SMS (Tencent Cloud): the application, the approved signature and template.
    sms_app_id = models.CharField(_("SMS application ID (SdkAppId)"), max_length=32, blank=True)
    sms_sign_name = models.CharField(_("SMS signature"), max_length=32, blank=True)
    sms_template_id = models.CharField(_("SMS template ID"), max_length=32, blank=True)
    sms_region = models.CharField(
        _("SMS region"), max_length=32, blank=True, default="ap-guangzhou"
    )
    # WeCom robot key / DingTalk access token / SMS SecretId.
    token_encrypted = models.TextField(blank=True, editable=False)
    token_hint = models.CharField(max_length=8, blank=True, editable=False)
    # DingTalk signing secret / SMS SecretKey / the application's secret.
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_hint = models.CharField(max_length=8, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("unit channel")
        verbose_name_plural = _("unit channels")
        ordering = ["department__path", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["department", "channel"], name="channel_config_once")
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.get_channel_display()}"

    def token(self) -> str:
        return decrypt_id_number(self.token_encrypted) if self.token_encrypted else ""

    def secret(self) -> str:
        return decrypt_id_number(self.secret_encrypted) if self.secret_encrypted else ""


class ChannelPreference(models.Model):
    """The outside channel a person chose (empty: in-app only). Without a row, e-mail
    when the person has an address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.channel or '-'}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class DeliveryReason(models.TextChoices):
    """What a try came to, as people read it (the provider's own answer is kept beside
    it for support)."""

    SENT = "sent", _("Delivered to the provider")
    RATE_LIMITED = "rate_limited", _("The provider is limiting the sending rate")
    UNAVAILABLE = "unavailable", _("The provider is temporarily unavailable")
    NETWORK = "network", _("The provider could not be reached")
    REFUSED = "refused", _("Refused by the provider (key, signature, template or app settings)")
    UNKNOWN_USER = "unknown_user", _("No account with this mobile number in the unit's app")
    NO_MOBILE = "no_mobile", _("No mobile number on file")
    NO_EMAIL = "no_email", _("No e-mail address on file")
    CHANNEL_CLOSED = "channel_closed", _("The unit no longer offers this channel")
    TEMPORARY = "temporary", _("Temporary failure")
    INTERRUPTED = "interrupted", _("Sending was interrupted; not sent again in case it arrived")


class Delivery(models.Model):
    """One notice carried by one outside channel to one person, with every try.

    (user, key, channel) is unique: a notice is never sent twice by a channel, whatever
    reruns or concurrent workers do (a try is claimed by a conditional UPDATE)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The person's unit when the notice was sent: the log's scope.
    department = models.ForeignKey(
        Department,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    key = models.CharField(max_length=120)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    recipient_masked = models.CharField(_("recipient"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    answer = models.CharField(_("provider's answer"), max_length=500, blank=True)
    reason = models.CharField(
        _("result"), max_length=20, choices=DeliveryReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "channel"], name="delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                condition=Q(status__in=["queued", "retrying"]),
                name="delivery_due",
            ),
            models.Index(fields=["department", "-created_at"], name="delivery_by_unit"),
            models.Index(
                fields=["updated_at"],
                condition=Q(status="sending"),
                name="delivery_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.key} · {self.channel}"

    # The dispatch's own answers (no provider was asked): the reason says it all.
    OWN_REASONS = ("no_mobile", "no_email", "channel_closed")

    @property
    def provider_answer(self) -> str:
        """What the provider itself answered, for support; empty when no provider was
        asked (the reason, in the reader's language, says why)."""
        return "" if self.reason in self.OWN_REASONS else self.answer
