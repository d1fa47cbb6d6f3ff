"""The exam engine's pages: `learner` (open exams, taking one, results, practice, the
mistake book), `manage` (sessions, results, grading, settings and exports for
coordinators and managers) and `bank` (the question bank). Routes: `exams.urls`."""
