# Entry points: `make jar`, `make demo`, `make test`, `make tpcds` and `make bench` (not part of
# `make test`: too long for CI).
#
# Build outputs that are slow to make live outside the clone so they survive fresh checkouts:
# the Cargo target dir and the Python environment under $(THERMITE_CACHE); Maven uses ~/.m2.

THERMITE_CACHE ?= $(HOME)/.cache/thermite
export CARGO_TARGET_DIR ?= $(THERMITE_CACHE)/cargo-target
VENV ?= $(THERMITE_CACHE)/venv
PYTHON := $(VENV)/bin/python
PYSPARK_VERSION := 3.5.9
TPCHGEN_VERSION := 4.0.0
TPCGEN_VERSION := 4.0.0
# The S3-compatible server the S3 tests start on loopback.
MOTO_VERSION := 5.2.5
# Named after the versions it installed, so changing one reinstalls.
PYENV_STAMP := $(VENV)/.installed-pyspark$(PYSPARK_VERSION)-tpchgen$(TPCHGEN_VERSION)-tpcgen$(TPCGEN_VERSION)-moto$(MOTO_VERSION)
# Spark's own test jar: its SQL golden files and TPC-DS query texts.
SPARK_TESTS_JAR := $(THERMITE_CACHE)/spark-tests/spark-sql_2.12-$(PYSPARK_VERSION)-tests.jar
MVN := mvn -B -ntp

PLATFORM := $(shell uname -s | tr A-Z a-z)-$(shell uname -m | sed 's/arm64/aarch64/')
NATIVE_LIB := $(CARGO_TARGET_DIR)/release/libthermite.so
NATIVE_RESOURCE_DIR := spark/target/native-resources/dev/thermite/native/$(PLATFORM)

# Spark in tests stays on loopback.
export SPARK_LOCAL_IP := 127.0.0.1

.PHONY: jar native demo test test-native test-jvm test-pyspark pyenv bench bench-s3 bench-delta bench-iceberg tpcds spark-tests spark-tests-jar s3-jars delta-jars iceberg-jars clean

native:
	cargo build --release -p thermite-jni
	mkdir -p $(NATIVE_RESOURCE_DIR)
	cp $(NATIVE_LIB) $(NATIVE_RESOURCE_DIR)/

jar: native
	$(MVN) package -DskipTests
	@ls spark/target/thermite-*.jar

pyenv: $(PYENV_STAMP)

$(PYENV_STAMP):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q pyspark==$(PYSPARK_VERSION) tpchgen-cli==$(TPCHGEN_VERSION) \
	  tpcgen-cli==$(TPCGEN_VERSION) 'moto[server]==$(MOTO_VERSION)'
	touch $@

spark-tests-jar: $(SPARK_TESTS_JAR)

# What Spark 3.5 reads s3a:// with (hadoop-aws at PySpark's Hadoop version), for the S3 tests.
S3_JARS := $(THERMITE_CACHE)/s3-jars
HADOOP_AWS_VERSION := 3.3.4
AWS_SDK_VERSION := 1.12.262
S3_JARS_STAMP := $(S3_JARS)/.hadoop-aws$(HADOOP_AWS_VERSION)-sdk$(AWS_SDK_VERSION)

s3-jars: $(S3_JARS_STAMP)

$(S3_JARS_STAMP):
	rm -rf $(S3_JARS)
	$(MVN) -N dependency:copy -Dartifact=org.apache.hadoop:hadoop-aws:$(HADOOP_AWS_VERSION) -DoutputDirectory=$(S3_JARS)
	$(MVN) -N dependency:copy -Dartifact=com.amazonaws:aws-java-sdk-bundle:$(AWS_SDK_VERSION) -DoutputDirectory=$(S3_JARS)
	touch $@

# Delta Lake for Spark 3.5, for the Delta tests.
DELTA_JARS := $(THERMITE_CACHE)/delta-jars
DELTA_VERSION := 3.3.2
DELTA_JARS_STAMP := $(DELTA_JARS)/.delta$(DELTA_VERSION)

delta-jars: $(DELTA_JARS_STAMP)

$(DELTA_JARS_STAMP):
	rm -rf $(DELTA_JARS)
	$(MVN) -N dependency:copy -Dartifact=io.delta:delta-spark_2.12:$(DELTA_VERSION) -DoutputDirectory=$(DELTA_JARS)
	$(MVN) -N dependency:copy -Dartifact=io.delta:delta-storage:$(DELTA_VERSION) -DoutputDirectory=$(DELTA_JARS)
	touch $@

# Apache Iceberg's Spark 3.5 runtime, for the Iceberg tests.
ICEBERG_JARS := $(THERMITE_CACHE)/iceberg-jars
ICEBERG_VERSION := 1.10.1
ICEBERG_JARS_STAMP := $(ICEBERG_JARS)/.iceberg$(ICEBERG_VERSION)

iceberg-jars: $(ICEBERG_JARS_STAMP)

$(ICEBERG_JARS_STAMP):
	rm -rf $(ICEBERG_JARS)
	$(MVN) -N dependency:copy -Dartifact=org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:$(ICEBERG_VERSION) \
	  -DoutputDirectory=$(ICEBERG_JARS)
	touch $@

$(SPARK_TESTS_JAR):
	$(MVN) -N dependency:copy -Dartifact=org.apache.spark:spark-sql_2.12:$(PYSPARK_VERSION):jar:tests \
	  -DoutputDirectory=$(dir $(SPARK_TESTS_JAR))

demo: jar pyenv
	$(PYTHON) tests/pyspark/demo.py

# Rust unit tests, then the Spark differential suites (Surefire, which also packages the jar),
# then PySpark tests against the packaged jar: stock Spark, local-cluster executors, leak check,
# TPC-H at SF0.1 and TPC-DS at SF0.1 (data generated once under $(THERMITE_CACHE)).
test: native pyenv test-native test-jvm test-pyspark

test-native:
	cargo test --release --workspace

test-jvm: native
	$(MVN) package

test-pyspark: pyenv $(SPARK_TESTS_JAR) $(S3_JARS_STAMP) $(DELTA_JARS_STAMP) $(ICEBERG_JARS_STAMP)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_S3_JARS=$(S3_JARS) THERMITE_DELTA_JARS=$(DELTA_JARS) \
	  THERMITE_ICEBERG_JARS=$(ICEBERG_JARS) $(PYTHON) tests/pyspark/run_all.py

# TPC-DS at SF1 (too long for `make test`): the 103 queries with Thermite off and on, equal answers,
# none more than 1.2x slower than Spark; the per-query table goes to tests/tpcds/results-sf1.md.
tpcds: jar pyenv $(SPARK_TESTS_JAR)
	THERMITE_CACHE=$(THERMITE_CACHE) TPCDS_SCALE=1 TPCDS_MAX_RATIO=1.2 \
	  TPCDS_RESULTS=tests/tpcds/results-sf1.md $(PYTHON) tests/tpcds/tpcds_test.py

# TPC-H on vanilla Spark, Spark + Thermite and Spark + Comet, each in a fresh JVM; results under
# $(BENCH_RESULTS). SCALE (TPC-H scale factor), ITERATIONS and BENCH_RESULTS override; see
# benchmarks/README.md.
SCALE ?= 1
ITERATIONS ?= 3
BENCH_RESULTS ?= benchmarks/results
COMET_VERSION := 0.12.0
COMET_JAR := $(THERMITE_CACHE)/bench-jars/comet-spark-spark3.5_2.12-$(COMET_VERSION).jar
MATPLOTLIB_VERSION := 3.11.2
BENCH_STAMP := $(VENV)/.installed-bench-matplotlib$(MATPLOTLIB_VERSION)

bench: jar pyenv $(BENCH_STAMP) $(COMET_JAR) $(S3_JARS_STAMP) $(DELTA_JARS_STAMP) $(ICEBERG_JARS_STAMP)
	THERMITE_CACHE=$(THERMITE_CACHE) $(PYTHON) benchmarks/tpch_bench.py --scale $(SCALE) \
	  --iterations $(ITERATIONS) --comet-jar $(COMET_JAR) --results $(BENCH_RESULTS)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_S3_JARS=$(S3_JARS) $(PYTHON) benchmarks/s3_bench.py \
	  --scale $(SCALE) --iterations $(ITERATIONS) --results $(BENCH_RESULTS)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_DELTA_JARS=$(DELTA_JARS) $(PYTHON) benchmarks/table_format_bench.py \
	  --format delta --scale $(SCALE) --iterations $(ITERATIONS) --results $(BENCH_RESULTS)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_ICEBERG_JARS=$(ICEBERG_JARS) $(PYTHON) benchmarks/table_format_bench.py \
	  --format iceberg --scale $(SCALE) --iterations $(ITERATIONS) --results $(BENCH_RESULTS)

# Only the S3 half of `make bench`: TPC-H from local disk and from S3, Spark and Thermite.
bench-s3: jar pyenv $(S3_JARS_STAMP)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_S3_JARS=$(S3_JARS) $(PYTHON) benchmarks/s3_bench.py \
	  --scale $(SCALE) --iterations $(ITERATIONS) --results $(BENCH_RESULTS)

# Only the Delta part of `make bench`: TPC-H over Delta tables with deletion vectors.
bench-delta: jar pyenv $(DELTA_JARS_STAMP)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_DELTA_JARS=$(DELTA_JARS) $(PYTHON) benchmarks/table_format_bench.py \
	  --format delta --scale $(SCALE) --iterations $(ITERATIONS) --results $(BENCH_RESULTS)

# Only the Iceberg part of `make bench`: TPC-H over Iceberg tables with merge-on-read deletes.
bench-iceberg: jar pyenv $(ICEBERG_JARS_STAMP)
	THERMITE_CACHE=$(THERMITE_CACHE) THERMITE_ICEBERG_JARS=$(ICEBERG_JARS) $(PYTHON) benchmarks/table_format_bench.py \
	  --format iceberg --scale $(SCALE) --iterations $(ITERATIONS) --results $(BENCH_RESULTS)

$(BENCH_STAMP): $(PYENV_STAMP)
	$(VENV)/bin/pip install -q matplotlib==$(MATPLOTLIB_VERSION)
	touch $@

$(COMET_JAR):
	$(MVN) -N dependency:copy -Dartifact=org.apache.datafusion:comet-spark-spark3.5_2.12:$(COMET_VERSION) \
	  -DoutputDirectory=$(dir $(COMET_JAR))

# Spark's SQL golden-file suite (SQLQueryTestSuite's inputs and expected outputs, from Spark's
# spark-sql test jar, fetched once into $(SPARK_TESTS_DIR)) run with Thermite on; writes
# tests/spark-sql/results.md (SPARK_TESTS_REPORT). SPARK_TESTS_FILTER, a regex on file names, runs
# some files only.
SPARK_TESTS_DIR := $(dir $(SPARK_TESTS_JAR))
SPARK_TESTS_DATA := $(SPARK_TESTS_DIR)spark-sql-$(PYSPARK_VERSION)
SPARK_TESTS_FILTER ?=
SPARK_TESTS_REPORT ?= $(CURDIR)/tests/spark-sql/results.md

spark-tests: native $(SPARK_TESTS_DATA)/.extracted
	$(MVN) -pl spark test-compile surefire:test -Dtest=SparkSqlGoldenRun \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dthermite.sparkTests.dir=$(SPARK_TESTS_DATA) \
	  -Dthermite.sparkTests.report=$(SPARK_TESTS_REPORT) \
	  -Dthermite.sparkTests.filter='$(SPARK_TESTS_FILTER)'

$(SPARK_TESTS_DATA)/.extracted: $(SPARK_TESTS_JAR)
	rm -rf $(SPARK_TESTS_DATA)
	mkdir -p $(SPARK_TESTS_DATA)
	cd $(SPARK_TESTS_DATA) && unzip -q $(SPARK_TESTS_JAR) 'sql-tests/*' 'test-data/*'
	touch $@


clean:
	$(MVN) clean
	cargo clean
