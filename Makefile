.PHONY: run test check lint format messages
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
messages:
	.venv/bin/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
	.venv/bin/python manage.py makemessages -d djangojs -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
	.venv/bin/python manage.py compilemessages --ignore=.venv
check: lint test
