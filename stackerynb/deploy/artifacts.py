"""The artifacts bucket the kit keeps per environment: code packages, large templates, records.

One private, encrypted S3 bucket per account, region and environment, created on first deploy:
``stackerynb-<account>-<region>-<env>``. Layout::

    code/<sha256>.zip                        function packages, by content (shared by stacks)
    templates/<stack>/<deployment>.json      templates too large to send inline (> 51,200 bytes)
    deployments/<stack>/<deployment>.json    one record per deployment (see history.py)
"""
from __future__ import annotations

import hashlib
import json

from stackerynb.deploy.target import Cloud, aws_error


ASK_ABOVE = 256 * 1024  # bytes: larger packages are looked up (HEAD) before they are sent


def bucket_name(cloud: Cloud) -> str:
    """The environment's artifacts bucket name (S3 rules: at most 63 lower case characters)."""
    name = f"stackerynb-{cloud.account or 'local'}-{cloud.region}-{cloud.environment.name}".lower()
    if len(name) > 63:
        name = name[:54] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return name


class Artifacts:
    """The artifacts bucket of one connected environment."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.bucket = bucket_name(cloud)
        self.s3 = cloud.client("s3")
        self._ready = False
        self._there: bool | None = None  # what ``look_up`` found
        self.created = False  # made by this deploy: empty, so nothing in it needs looking up

    def exists(self) -> bool:
        """True when the bucket is there (without creating it)."""
        from botocore.exceptions import ClientError
        try:
            self.s3.head_bucket(Bucket=self.bucket)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise aws_error(exc, f"checking the artifacts bucket {self.bucket}") from None

    def look_up(self) -> bool:
        """Whether the bucket exists, asked now (read only) and remembered, so that ``ensure``
        later asks no more: a deploy looks it up while it packages and compiles, and creates it
        only once the design has compiled."""
        self._there = self.exists()
        return self._there

    def ensure(self) -> "Artifacts":
        """Create the bucket (private, encrypted) unless it exists; returns self."""
        if self._ready or (self._there if self._there is not None else self.exists()):
            self._ready = True
            return self
        from botocore.exceptions import ClientError
        try:
            options = {} if self.cloud.region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": self.cloud.region}}
            self.s3.create_bucket(Bucket=self.bucket, **options)
            self.s3.put_public_access_block(Bucket=self.bucket, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True,
                "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
            self.s3.put_bucket_encryption(Bucket=self.bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
            self.s3.put_bucket_tagging(Bucket=self.bucket, Tagging={"TagSet": [
                {"Key": "stackerynb:purpose", "Value": "deployment artifacts"},
                {"Key": "stackerynb:environment", "Value": self.cloud.environment.name}]})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in ("BucketAlreadyOwnedByYou",):
                raise aws_error(exc, f"creating the artifacts bucket {self.bucket}") from None
        else:
            self.created = True
        self._ready = True
        return self

    def has(self, key: str) -> bool:
        """True when ``key`` is stored."""
        from botocore.exceptions import ClientError
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise aws_error(exc, f"checking s3://{self.bucket}/{key}") from None

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        """Store ``data`` at ``key``; returns the stored object's ETag."""
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            answer = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, f"uploading s3://{self.bucket}/{key}") from None
        return answer.get("ETag", "")

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Store ``data`` unless ``key`` exists (keys are content hashes); True when uploaded.

        Data up to ASK_ABOVE bytes is sent without asking first: one request either way, and
        sending the same bytes again to a content-hashed key changes nothing."""
        if not self.created and len(data) > ASK_ABOVE and self.has(key):
            return False
        self.put(key, data)
        return True

    def get(self, key: str) -> bytes | None:
        """The object at ``key``, or None."""
        from botocore.exceptions import ClientError
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return None
            raise aws_error(exc, f"reading s3://{self.bucket}/{key}") from None

    def put_json(self, key: str, value) -> str:
        return self.put(key, json.dumps(value, indent=1, default=str).encode("utf-8"), "application/json")

    def get_json(self, key: str):
        data = self.get(key)
        return None if data is None else json.loads(data)

    def keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix`` (an absent bucket has none)."""
        return list(self.listing(prefix))

    def listing(self, prefix: str) -> dict[str, str]:
        """Key -> ETag of the objects under ``prefix`` (an absent bucket has none)."""
        from botocore.exceptions import ClientError
        out: dict[str, str] = {}
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                out.update((item["Key"], item.get("ETag", "")) for item in page.get("Contents", []))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return {}
            raise aws_error(exc, f"listing s3://{self.bucket}/{prefix}") from None
        return out

    def url(self, key: str) -> str:
        """The https URL CloudFormation reads a TemplateURL from."""
        if self.cloud.is_local:
            return f"https://{self.bucket}.s3.amazonaws.com/{key}"  # the emulator resolves it itself
        return f"https://{self.bucket}.s3.{self.cloud.region}.amazonaws.com/{key}"
