"""The exam engine's REST endpoints, over the same access functions, selectors and
services as the pages: `learner` (taking an exam), `manage` (sessions, results,
analysis, grading) and `bank` (the question bank, read-only). Routes: `exams.api_urls`.
Errors go through `core.api.exception_handler`."""
