# Taperwatch. `make run` and `make test` work from a fresh clone: they make the virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TAPERWATCH_DATABASE_URL ?= sqlite:///taperwatch.db

.PHONY: run test lint typecheck pytest bench soak mutate clean install messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	TAPERWATCH_DEMO=1 $(BIN)/taperwatch db upgrade
	TAPERWATCH_DEMO=1 $(BIN)/taperwatch seed demo
	TAPERWATCH_DEMO=1 $(BIN)/taperwatch serve --host 127.0.0.1 --port 8050

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The clinical rules' pure tests first, with their coverage of models/clinical and a floor
# ([tool.coverage] in pyproject.toml); then every other test, not traced (coverage's tracer on
# Python 3.11 doubles the time of the database and browser tests).
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile -p no:cacheprovider --cov=models.clinical tests/clinical
	$(BIN)/pytest -n 2 --dist loadfile -p no:cacheprovider --ignore=tests/clinical

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench

soak: $(STAMP)
	$(BIN)/python -m bench.soak

# Mutation testing of models/clinical on tests/clinical (docs/mutation-testing.md); not in `test`.
mutate: $(STAMP)
	$(BIN)/python -m bench.mutate

# Translations (docs/i18n.md): extract every marked string into the template and merge it into
# each language's catalog (new strings empty, changed ones fuzzy: translate them, then clear
# the fuzzy mark). Catalogs are compiled in memory at run time; nothing to build. Offline.
LOCALE := models/i18n/locale
messages: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --output-file $(LOCALE)/messages.pot \
		--add-location file --sort-by-file --no-wrap --add-comments TRANSLATORS: \
		--project Taperwatch --version 0.1.0 --copyright-holder "Taperwatch contributors" .
	$(BIN)/pybabel update --input-file $(LOCALE)/messages.pot --output-dir $(LOCALE) \
		--domain messages --no-wrap --ignore-obsolete

clean:
	rm -rf mutants $(VENV) .mypy_cache .ruff_cache .pytest_cache taperwatch.db*
