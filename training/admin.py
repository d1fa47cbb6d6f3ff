"""Administrators build programmes, tracks, weekly modules and lessons here (courses are
city-wide content). Lesson text is sanitised and uploads are checked by content."""

from django import forms
from django.contrib import admin

from audit.services import audit_record
from organisation.access import departments_visible_to
from organisation.admin import AdministratorOnlyMixin

from .content import sanitise_html, validate_pdf, validate_video
from .models import (
    EvaluationQuestion,
    Lesson,
    LessonAttachment,
    Programme,
    Track,
    TrainingClass,
    WeeklyModule,
)


class TrackInline(admin.StackedInline):
    model = Track
    extra = 0
    filter_horizontal = ["departments"]


@admin.register(Programme)
class ProgrammeAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "year", "department", "annual_hours_target", "is_active"]
    list_filter = ["year", "is_active"]
    raw_id_fields = ["department"]
    inlines = [TrackInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_visible_to(request.user))
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(action="training.programme_saved", actor=request.user, target=obj)


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = ["module", "order", "title", "body_html", "video", "video_url", "video_seconds"]

    def clean_body_html(self):
        return sanitise_html(self.cleaned_data.get("body_html", ""))

    def clean_video(self):
        video = self.cleaned_data.get("video")
        if video and hasattr(video, "content_type"):
            validate_video(video)
        return video


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = LessonAttachment
        fields = ["lesson", "title", "file"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and hasattr(file, "content_type"):
            validate_pdf(file)
        return file


class AttachmentInline(admin.TabularInline):
    model = LessonAttachment
    form = AttachmentForm
    extra = 0


class LessonInline(admin.StackedInline):
    model = Lesson
    form = LessonForm
    extra = 0


@admin.register(WeeklyModule)
class WeeklyModuleAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "track", "week", "starts_on", "due_on", "published_at"]
    list_filter = ["track__programme"]
    list_select_related = ["track__programme"]
    inlines = [LessonInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(track__programme__department__in=departments_visible_to(request.user))
        )


@admin.register(Lesson)
class LessonAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    form = LessonForm
    list_display = ["title", "module", "order", "video_seconds"]
    list_select_related = ["module"]
    inlines = [AttachmentInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(module__track__programme__department__in=departments_visible_to(request.user))
        )


@admin.register(EvaluationQuestion)
class EvaluationQuestionAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    """The satisfaction questionnaire's 1-5 ratings (the comment is always asked). A
    question that has answers is retired (unticked), not deleted."""

    list_display = ["text", "aspect", "order", "is_active"]
    list_editable = ["order", "is_active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(action="training.evaluation_question_saved", actor=request.user, target=obj)


@admin.register(TrainingClass)
class TrainingClassAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    """Classes are scheduled and run on the coordinators' pages; here they are only read."""

    list_display = ["title", "department", "starts_at", "venue", "closed_at"]
    list_select_related = ["department"]
    search_fields = ["title", "venue"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_visible_to(request.user))
        )
