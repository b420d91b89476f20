"""Runs each PySpark test in its own process (one SparkContext per JVM) and sums up."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = ["smoke_test.py", "no_native_test.py", "cluster_test.py", "faults_test.py", "leak_check.py",
         os.path.join("..", "tpch", "tpch_test.py"), "s3_test.py", "delta_test.py",
         "iceberg_test.py",
         os.path.join("..", "tpcds", "tpcds_test.py")]

passed, failed = 0, 0
for test in TESTS:
    start = time.time()
    result = subprocess.run([sys.executable, os.path.join(HERE, test)], cwd=HERE)
    status = "passed" if result.returncode == 0 else "FAILED"
    print(f"--- {test}: {status} in {time.time() - start:.0f} s", flush=True)
    passed += result.returncode == 0
    failed += result.returncode != 0
print(f"pyspark: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
