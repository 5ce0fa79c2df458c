# The two commands: `make run` and `make check` (README.md).
# Both install what is missing first: Debian packages, then a venv made with
# Debian's python3 (python3-sanlock is a Debian package).

PYTHON3   ?= /usr/bin/python3
VENV      ?= .venv
VPY       := $(VENV)/bin/python
LAB_ROOT  ?= /var/tmp/ovirt-ha-lab
LAB_HOSTS ?= 3
DEBS      := sanlock python3-sanlock python3-defusedxml python3-venv iputils-ping dnsutils netcat-openbsd

.PHONY: venv deps run check faults bench lint clean

deps:
	@missing=""; for p in $(DEBS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

$(VENV)/.installed: setup.py | deps
	$(PYTHON3) -m venv --system-site-packages $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test]'
	touch $@

venv: deps $(VENV)/.installed

run: venv
	$(VENV)/bin/ovirt-ha-lab run --root $(LAB_ROOT) --hosts $(LAB_HOSTS)

check: venv
	$(VPY) -m pytest -q tests --ignore=tests/faults

# The fault matrix (spec/reliability.md §4): every row injected for real;
# the table of what was observed goes to $(FAULTS_REPORT).
FAULTS_REPORT ?= reports/faults.md
faults: venv
	$(VPY) -m pytest -q tests/faults --faults-report=$(FAULTS_REPORT)
# faketime: the fault suite moves the daemons' wall clock with libfaketime (F17)
DEBS      += faketime

bench: venv
	$(VPY) benchmarks/run.py

lint: venv
	$(VPY) -m ruff check ovirt_hosted_engine_ha tests benchmarks
	$(VPY) -m mypy ovirt_hosted_engine_ha

clean:
	rm -rf $(VENV) build *.egg-info
