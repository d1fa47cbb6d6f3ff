"""The question bank and exam sessions in the Django admin, for administrators."""

from functools import partial

from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from audit.services import audit_record
from organisation.access import departments_visible_to, is_administrator, record_denied

from .audience import forget_start_facts
from .models import BankSettings, BlueprintRule, ExamSession, KnowledgePoint, Question


class AdministratorOnly:
    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, *args):
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            action=f"exam.{obj._meta.model_name}_{'changed' if change else 'created'}",
            actor=request.user,
            target=obj,
            request=request,
            data={"fields": sorted(form.changed_data)},
        )


@admin.register(KnowledgePoint)
class KnowledgePointAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]


@admin.register(Question)
class QuestionAdmin(AdministratorOnly, admin.ModelAdmin):
    """Read only here. Questions are written on the question-bank pages (or imported),
    where every edit makes a version with its diff, new questions wait for review and a
    corrected key re-scores the attempts (`exams.services.question_update`,
    `question_correct_key`); an edit saved here would bypass all three. The change
    page links to the question's bank page ("view on site")."""

    list_display = ["stem", "type", "knowledge_point", "difficulty", "status", "version"]
    list_filter = ["type", "status", "difficulty", "knowledge_point"]
    search_fields = ["stem"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return reverse("exams_bank:edit", args=[obj.public_id])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":  # a hand-made POST: refused, and the refusal audited
            record_denied(request.user, "exams.question", object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(BankSettings)
class BankSettingsAdmin(AdministratorOnly, admin.ModelAdmin):
    """The city's question-bank rules: whether new questions need a review."""

    list_display = ["__str__", "review_required"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not BankSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class BlueprintRuleInline(admin.TabularInline):
    model = BlueprintRule
    extra = 1


@admin.register(ExamSession)
class ExamSessionAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["title", "kind", "department", "opens_at", "closes_at", "published"]
    list_filter = ["kind", "published"]
    search_fields = ["title"]
    raw_id_fields = ["department", "created_by"]
    filter_horizontal = ["audience_departments"]
    exclude = ["audience_staff", "papers_prepared_at"]
    inlines = [BlueprintRuleInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_visible_to(request.user))
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Starts read the session's settings and audience from the cache.
        transaction.on_commit(partial(forget_start_facts, form.instance.public_id))
