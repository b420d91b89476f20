"""An S3-compatible server (moto's, from PyPI) on loopback, and the S3A settings a job reading it
uses: shared by the S3 tests and the S3 benchmark."""

import os
import socket
import subprocess
import sys
import time

ACCESS_KEY, SECRET_KEY = "thermite-test", "thermite-secret"


class S3Server:
    """moto's server on a free loopback port, started at construction; `stop()` ends it."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("the S3 server did not start")

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1")

    def upload(self, bucket, local_dir, prefix):
        """Every Parquet file under `local_dir`, as objects under `prefix`; returns how many."""
        client, count = self.client(), 0
        for root, _, files in os.walk(local_dir):
            for f in files:
                if f.endswith(".parquet"):
                    client.upload_file(os.path.join(root, f), bucket,
                                       prefix + "/" + os.path.relpath(os.path.join(root, f), local_dir))
                    count += 1
        return count

    def s3a_conf(self, connect_timeout_ms=5000, attempts=3):
        """What any job reading this server sets (none of it is Thermite's)."""
        return {
            "spark.hadoop.fs.s3a.endpoint": self.endpoint,
            "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
            "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            "spark.hadoop.fs.s3a.access.key": ACCESS_KEY,
            "spark.hadoop.fs.s3a.secret.key": SECRET_KEY,
            "spark.hadoop.fs.s3a.connection.establish.timeout": str(connect_timeout_ms),
            "spark.hadoop.fs.s3a.connection.timeout": str(connect_timeout_ms),
            "spark.hadoop.fs.s3a.attempts.maximum": str(attempts),
            "spark.hadoop.fs.s3a.retry.limit": str(attempts),
            "spark.hadoop.fs.s3a.retry.interval": "100ms",
        }

    def stop(self):
        self.process.kill()
        self.process.wait()
