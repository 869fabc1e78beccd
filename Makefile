# The two commands of the README. Python >= 3.11 with pip; `make test` wants
# Debian's kamailio, sip-tester, sipsak and postgresql for the integration
# tests (.ci/run installs them; without them those tests skip locally).
PYTHON ?= python3

.PHONY: run test

run:  ## set up, then validate -> plan -> apply -> plan on the embedded pbx.sqlite
	$(PYTHON) -m pip install -q -e .
	extctl validate
	extctl plan
	extctl apply --yes
	extctl plan --detailed-exitcode

test:  ## set up, then the project's own pre-commit hooks and the whole test suite
	$(PYTHON) -m pip install -q -e '.[dev]'
	pre-commit run --all-files --show-diff-on-failure
	$(PYTHON) -m pytest
