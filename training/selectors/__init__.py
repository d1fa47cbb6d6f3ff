"""Reads of the training cycle. Every department-scoped read takes a staff queryset
that the caller built through organisation.access (or the learner's own record)."""

from .coordinators import (
    Cell,
    CompletionMatrix,
    GuidanceGroup,
    MatrixRow,
    OverdueRow,
    completion_matrix,
    guidance_groups,
    guidance_plans_visible,
    monthly_exams_visible,
    overdue_page,
    overdue_rows,
    weak_points_by_unit,
)
from .learner import (
    LearnerHome,
    ModuleStatus,
    NextStep,
    StepKind,
    hours_for,
    hours_target_for,
    learner_home,
    learner_modules,
    learner_next_step,
    module_lessons,
)
from .managers import AnnualRecord, UnitRate, annual_records, unit_rates

__all__ = [
    "AnnualRecord",
    "Cell",
    "CompletionMatrix",
    "GuidanceGroup",
    "LearnerHome",
    "MatrixRow",
    "ModuleStatus",
    "NextStep",
    "OverdueRow",
    "StepKind",
    "UnitRate",
    "annual_records",
    "completion_matrix",
    "guidance_groups",
    "guidance_plans_visible",
    "hours_for",
    "hours_target_for",
    "learner_home",
    "learner_modules",
    "learner_next_step",
    "module_lessons",
    "monthly_exams_visible",
    "overdue_page",
    "overdue_rows",
    "unit_rates",
    "weak_points_by_unit",
]
