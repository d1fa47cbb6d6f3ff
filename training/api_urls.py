"""REST routes of the training app, mounted under /api/."""

from django.urls import path

from . import api, api_classes, api_reading

urlpatterns = [
    path("training/home/", api.LearnerHomeApi.as_view(), name="training-api-home"),
    path(
        "training/lessons/<int:pk>/heartbeat/",
        api.LessonHeartbeatApi.as_view(),
        name="training-api-heartbeat",
    ),
    path(
        "training/lessons/<int:pk>/reading/",
        api_reading.LessonReadingHeartbeatApi.as_view(),
        name="training-api-reading",
    ),
    path(
        "training/tracks/<int:pk>/matrix/",
        api.CompletionMatrixApi.as_view(),
        name="training-api-matrix",
    ),
    path("training/classes/", api_classes.ClassListApi.as_view(), name="training-api-classes"),
    path(
        "training/classes/mine/", api_classes.MyClassesApi.as_view(), name="training-api-my-classes"
    ),
    path(
        "training/classes/<uuid:public_id>/",
        api_classes.ClassDetailApi.as_view(),
        name="training-api-class",
    ),
    path(
        "training/classes/<uuid:public_id>/code/",
        api_classes.ClassCodeApi.as_view(),
        name="training-api-class-code",
    ),
    path(
        "training/classes/<uuid:public_id>/close/",
        api_classes.ClassCloseApi.as_view(),
        name="training-api-class-close",
    ),
    path(
        "training/classes/<uuid:public_id>/excuse/",
        api_classes.ClassExcuseApi.as_view(),
        name="training-api-class-excuse",
    ),
    path(
        "training/classes/<uuid:public_id>/evaluation/",
        api_classes.ClassEvaluationApi.as_view(),
        name="training-api-class-evaluation",
    ),
    path(
        "training/classes/<uuid:public_id>/checkin/",
        api_classes.ClassCheckInApi.as_view(),
        name="training-api-class-checkin",
    ),
    path(
        "training/classes/<uuid:public_id>/checkout/",
        api_classes.ClassCheckOutApi.as_view(),
        name="training-api-class-checkout",
    ),
    path(
        "training/classes/<uuid:public_id>/rating/",
        api_classes.ClassRatingApi.as_view(),
        name="training-api-class-rating",
    ),
    path(
        "training/modules/<int:pk>/rating/",
        api_classes.ModuleRatingApi.as_view(),
        name="training-api-module-rating",
    ),
    path(
        "training/evaluations/",
        api_classes.EvaluationReportApi.as_view(),
        name="training-api-evaluations",
    ),
]
