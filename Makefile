# The two commands: `make run` and `make check` (README.md).
# Both install what is missing first: Debian packages, then a venv made with
# Debian's python3 (python3-sanlock is a Debian package).

PYTHON3   ?= /usr/bin/python3
VENV      ?= .venv
VPY       := $(VENV)/bin/python
LAB_ROOT  ?= /var/tmp/ovirt-ha-lab
LAB_HOSTS ?= 3
# storage through faultfs where FUSE exists (`ovirt-ha-lab storage ...` then works);
# LAB_FLAGS= for plain storage, or e.g. LAB_FLAGS="--faultfs --domain block"
LAB_FLAGS ?= $(if $(wildcard /dev/fuse),--faultfs,)
# fuse3 libfuse3-3: the lab's storage fault injection (faultfs); mount: losetup (block domains)
DEBS      := sanlock python3-sanlock python3-defusedxml python3-venv iputils-ping dnsutils \
             netcat-openbsd fuse3 libfuse3-3 mount

# Only `make deb`, `make rpm` and `make package-check` need these.
PKG_DEBS  := debhelper dh-python python3-all python3-setuptools python3-packaging lintian rpm
DIST      ?= dist
# On Debian the build dependencies are Debian packages, which rpm cannot see.
ON_DEBIAN := $(wildcard /usr/bin/dpkg-query)
RPMBUILD_FLAGS ?= $(if $(ON_DEBIAN),--nodeps)

.PHONY: venv deps package-deps run check faults bench lint clean deb rpm package-check

# $(call install-debs,PACKAGES): apt-get install those not installed yet.
define install-debs
	@missing=""; for p in $(1); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install-debs,$(DEBS))

package-deps:
	$(call install-debs,$(PKG_DEBS))

$(VENV)/.installed: setup.py | deps
	$(PYTHON3) -m venv --system-site-packages $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test,lab]'
	touch $@

venv: deps $(VENV)/.installed

run: venv
	$(VENV)/bin/ovirt-ha-lab run --root $(LAB_ROOT) --hosts $(LAB_HOSTS) $(LAB_FLAGS)

# Two pytest workers, a test file each at a time (pytest-xdist): the lab tests
# mostly wait on sanlock's and the agents' clocks, so two halve the time.
CHECK_JOBS ?= 2
check: venv
	$(VPY) -m pytest -q tests --ignore=tests/faults --ignore=tests/package \
		-n $(CHECK_JOBS) --dist loadfile

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

# Packages for a host (README "Install on a host"), built from a copy of
# the tracked and untracked-but-not-ignored files under build/.
SRC_FILES = git ls-files -z --cached --others --exclude-standard | \
	    xargs -0 sh -c 'for f; do [ -e "$$f" ] || [ -L "$$f" ] && printf "%s\0" "$$f"; done' sh

deb: package-deps
	rm -rf build/deb && mkdir -p build/deb/src $(DIST)
	$(SRC_FILES) | tar --null -T - -cf - | tar -xf - -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	cp build/deb/*.deb $(DIST)/
	lintian -I --fail-on error build/deb/*.changes

rpm: $(if $(ON_DEBIAN),package-deps)
	rm -rf build/rpm && mkdir -p build/rpm/SOURCES $(DIST)
	$(SRC_FILES) | tar --null -T - --transform 's,^,ovirt-hosted-engine-ha-2.5.2/,' \
	    -czf build/rpm/SOURCES/ovirt-hosted-engine-ha-2.5.2.tar.gz
	rpmbuild -bb $(RPMBUILD_FLAGS) --define "_topdir $(CURDIR)/build/rpm" ovirt-hosted-engine-ha.spec
	cp build/rpm/RPMS/noarch/*.rpm $(DIST)/
	rpm -qlvp --nosignature build/rpm/RPMS/noarch/*.rpm

# Builds the .deb, installs it in scratch roots (never on this machine) and
# runs the installed broker; tests/package.
package-check: venv package-deps
	$(VPY) -m pytest -q tests/package

clean:
	rm -rf $(VENV) build $(DIST) *.egg-info
