# Entry points: `make jar`, `make demo`, `make test`.
#
# Build outputs that are slow to make live outside the clone so they survive fresh checkouts:
# the Cargo target dir and the Python environment under $(THERMITE_CACHE); Maven uses ~/.m2.

THERMITE_CACHE ?= $(HOME)/.cache/thermite
export CARGO_TARGET_DIR ?= $(THERMITE_CACHE)/cargo-target
VENV ?= $(THERMITE_CACHE)/venv
PYTHON := $(VENV)/bin/python
PYSPARK_VERSION := 3.5.9
MVN := mvn -B -ntp

PLATFORM := $(shell uname -s | tr A-Z a-z)-$(shell uname -m | sed 's/arm64/aarch64/')
NATIVE_LIB := $(CARGO_TARGET_DIR)/release/libthermite.so
NATIVE_RESOURCE_DIR := spark/target/native-resources/dev/thermite/native/$(PLATFORM)

# Spark in tests stays on loopback.
export SPARK_LOCAL_IP := 127.0.0.1

.PHONY: jar native demo test test-native test-jvm test-pyspark pyenv clean

native:
	cargo build --release -p thermite-jni
	mkdir -p $(NATIVE_RESOURCE_DIR)
	cp $(NATIVE_LIB) $(NATIVE_RESOURCE_DIR)/

jar: native
	$(MVN) package -DskipTests
	@ls spark/target/thermite-*.jar

pyenv: $(VENV)/.installed

$(VENV)/.installed:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q pyspark==$(PYSPARK_VERSION)
	touch $@

demo: jar pyenv
	$(PYTHON) tests/pyspark/demo.py

# Rust unit tests, then the Spark differential suites (Surefire, which also packages the jar),
# then PySpark tests against the packaged jar: stock Spark, local-cluster executors, leak check.
test: native pyenv test-native test-jvm test-pyspark

test-native:
	cargo test --release --workspace

test-jvm: native
	$(MVN) package

test-pyspark: pyenv
	$(PYTHON) tests/pyspark/run_all.py

clean:
	$(MVN) clean
	cargo clean
