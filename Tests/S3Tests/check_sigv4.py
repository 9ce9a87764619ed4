#!/usr/bin/env python3
"""Golden Signature V4 values from botocore for the Swift S3 client's tests.

    python Tests/S3Tests/check_sigv4.py            # verify Golden/sigv4.json against botocore
    python Tests/S3Tests/check_sigv4.py --write    # regenerate it

Three kinds of case, all at fixed times and offline (botocore's client is stopped before it
sends anything):

- "request": a real botocore S3 client call (GetObject with ranges, PutObject, HeadObject,
  ListObjectsV2 with prefix/delimiter/continuation token, multipart calls, DeleteObjects) on
  keys with spaces, Unicode, `~`, `+`, `%`, `//` and dot segments, with and without a session
  token, on AWS (virtual-host and path style) and custom endpoints. The request as botocore
  signed it is recorded: method, URL, headers, payload hash, canonical request, string to sign
  and Authorization. The Swift test signs the same request with our signer and checks that our
  addressing gives the same host and path for the bucket and key.
- "canonical": botocore's S3SigV4Auth on hand-made requests with query parameters that need
  sorting and encoding (Unicode, `/`, `=`, repeated names, empty values) and header values with
  runs of white space.
- "presign": `generate_presigned_url('get_object')`, which the Swift test compares with
  `S3Client.presignedGetURL`.

Needs botocore (pip install botocore).
"""

import argparse
import datetime
import hashlib
import json
import os
import sys
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Golden", "sigv4.json")

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token/with=odd+chars"
TIMES = {
    "2013": datetime.datetime(2013, 5, 24, 0, 0, 0),
    "2026": datetime.datetime(2026, 2, 28, 23, 59, 58),
}
KEYS = [
    "photos/2024/cat.jpg",
    "dir with spaces/ünïcödé~tilde+plus=eq&amp?.txt",
    "a//b/./c/../d",
    "~user/100%/x y",
    "zarr/c/0/0",
]
# (name, region, endpoint, addressing style, bucket)
CLIENTS = [
    # botocore presigns auto-addressed URLs on the global host; "virtual" keeps the regional one.
    ("aws-virtual", "eu-central-1", None, "virtual", "examplebucket"),
    ("aws-us-east-1", "us-east-1", None, "auto", "examplebucket"),
    ("aws-dotted-path", "us-west-2", None, "auto", "my.dotted.bucket"),
    ("aws-forced-path", "ap-southeast-2", None, "path", "examplebucket"),
    ("custom-path", "us-east-1", "http://127.0.0.1:9000", "path", "immetaio-test"),
    ("custom-virtual", "auto", "https://storage.example.com:8443", "virtual", "data"),
]


def client_case(kind, name, client, key, token, moment):
    """The fields every case made through a botocore client has."""
    client_name, region, endpoint, style, bucket = client
    return {
        "name": f"{client_name}{' token' if token else ''}: {name}", "kind": kind, "client": client_name,
        "region": region, "endpoint": endpoint, "addressing": style, "bucket": bucket, "key": key,
        "sessionToken": token, "time": epoch(moment),
    }


def epoch(moment):
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())


def make_client(region, endpoint, style, token):
    session = botocore.session.get_session()
    config = Config(
        s3={"addressing_style": style, "us_east_1_regional_endpoint": "regional"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 1},
        signature_version="s3v4",  # presigned URLs would otherwise use Signature V2 in some regions
    )
    return session.create_client(
        "s3", region_name=region, endpoint_url=endpoint, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
        aws_session_token=token, config=config)


class Capture:
    """Records each request as botocore signed it and answers it without a network."""

    def __init__(self, client):
        self.requests = []
        client.meta.events.register("before-sign.s3", self.strip_sdk_headers)
        client.meta.events.register("before-send.s3", self.record)

    @staticmethod
    def strip_sdk_headers(request, **_):
        # Random per call (an invocation ID) or about retries: not part of what we compare.
        for name in ("amz-sdk-invocation-id", "amz-sdk-request"):
            if name in request.headers:
                del request.headers[name]

    def record(self, request, **_):
        self.requests.append(request)
        body = b"<?xml version='1.0'?><Result/>"
        raw = mock.Mock()
        raw.stream = lambda **__: iter([body])
        return AWSResponse(request.url, 200, {"Content-Length": str(len(body))}, raw)


def body_bytes(request):
    body = request.body
    if body is None:
        return b""
    if hasattr(body, "read"):
        position = body.tell()
        data = body.read()
        body.seek(position)
        return data
    return body if isinstance(body, bytes) else body.encode()


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def signed_headers(request):
    """The headers botocore signed (it adds some, such as Content-Length, only after signing)."""
    authorization = text(request.headers["Authorization"])
    names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    return [[name, text(value)] for name, value in request.headers.items() if name.lower() in names]


def signer_strings(request, region, credentials, timestamp):
    """Recomputes the canonical request and string to sign exactly as botocore signed `request`."""
    auth = botocore.auth.S3SigV4Auth(credentials, "s3", region)
    headers = dict(signed_headers(request))
    clone = AWSRequest(method=request.method, url=request.url, headers=headers, data=body_bytes(request))
    clone.context["timestamp"] = timestamp
    canonical = auth.canonical_request(clone)
    return canonical, auth.string_to_sign(clone, canonical)


def request_cases():
    cases = []
    for client_spec in CLIENTS:
        _, region, endpoint, style, bucket = client_spec
        for token in (None, TOKEN):
            time_name = "2026" if token else "2013"
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=TIMES[time_name]):
                client = make_client(region, endpoint, style, token)
                capture = Capture(client)
                operations = []
                for index, key in enumerate(KEYS):
                    operations.append(("GetObject", key, lambda k=key: client.get_object(Bucket=bucket, Key=k)))
                    if index % 2 == 0:
                        operations.append(("GetObject range", key, lambda k=key: client.get_object(
                            Bucket=bucket, Key=k, Range="bytes=0-65535")))
                    else:
                        operations.append(("GetObject suffix", key, lambda k=key: client.get_object(
                            Bucket=bucket, Key=k, Range="bytes=-16")))
                    operations.append(("PutObject", key, lambda k=key, i=index: client.put_object(
                        Bucket=bucket, Key=k, Body=bytes(range(256)) * (i + 1))))
                    operations.append(("HeadObject", key, lambda k=key: client.head_object(Bucket=bucket, Key=k)))
                    operations.append(("DeleteObject", key, lambda k=key: client.delete_object(Bucket=bucket, Key=k)))
                key = KEYS[1]
                operations += [
                    ("ListObjectsV2", None, lambda: client.list_objects_v2(Bucket=bucket)),
                    ("ListObjectsV2 delimiter", None, lambda: client.list_objects_v2(
                        Bucket=bucket, Prefix="zarr/group one/", Delimiter="/", EncodingType="url")),
                    ("ListObjectsV2 token", None, lambda: client.list_objects_v2(
                        Bucket=bucket, Prefix="ü/", ContinuationToken="1/abc+def==", MaxKeys=1000,
                        EncodingType="url")),
                    ("CreateMultipartUpload", key, lambda: client.create_multipart_upload(Bucket=bucket, Key=key)),
                    ("UploadPart", key, lambda: client.upload_part(
                        Bucket=bucket, Key=key, UploadId="2~upload/id+=", PartNumber=7, Body=b"x" * 1000)),
                    ("CompleteMultipartUpload", key, lambda: client.complete_multipart_upload(
                        Bucket=bucket, Key=key, UploadId="2~upload/id+=",
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"a1"'}, {"PartNumber": 2, "ETag": '"b2"'}]})),
                    ("AbortMultipartUpload", key, lambda: client.abort_multipart_upload(
                        Bucket=bucket, Key=key, UploadId="2~upload/id+=")),
                    ("DeleteObjects", None, lambda: client.delete_objects(
                        Bucket=bucket, Delete={"Objects": [{"Key": k} for k in KEYS], "Quiet": True})),
                ]
                for operation, key, call in operations:
                    try:
                        call()
                    except Exception:
                        pass  # the fake answer does not parse for every operation; the request is what counts
                    request = capture.requests[-1]
                    timestamp = text(request.headers["X-Amz-Date"])
                    credentials = Credentials(KEY_ID, SECRET, token)
                    canonical, string_to_sign = signer_strings(request, region, credentials, timestamp)
                    headers = signed_headers(request)
                    parts = urlsplit(request.url)
                    case = client_case("request", f"{operation} {key!r}", client_spec, key, token, TIMES[time_name])
                    cases.append(case | {
                        "method": request.method,
                        "url": request.url,
                        "host": parts.netloc,
                        "path": parts.path,
                        "query": [[name, value] for name, value in parse_qsl(parts.query, keep_blank_values=True)],
                        "headers": headers,
                        "bodySHA256": hashlib.sha256(body_bytes(request)).hexdigest(),
                        "canonicalRequest": canonical,
                        "stringToSign": string_to_sign,
                        "authorization": text(dict(request.headers.items())["Authorization"]),
                    })
    return cases


def canonical_cases():
    specs = [
        ("query sorting and encoding", "GET", "/bucket/", [
            ["prefix", "ü/a b"], ["delimiter", "/"], ["list-type", "2"], ["a", "z"], ["A", "y"], ["b", ""],
            ["continuation-token", "1/x+y=="], ["b", "a"], ["~t", "%"]],
         [["Host", "127.0.0.1:9000"], ["X-Custom", "  many   spaces\tand tab  "]], b""),
        ("bare sub-resources", "POST", "/bucket/key", [["uploads", ""], ["x-id", "CreateMultipartUpload"]],
         [["Host", "bucket.s3.eu-west-1.amazonaws.com"], ["Content-Type", "application/xml"]], b"<x/>"),
        ("range and unicode path", "GET", "/b/%C3%BC%20%2B/~x", [],
         [["Host", "s3.us-east-1.amazonaws.com"], ["Range", "bytes=-16"]], b""),
        ("empty path", "GET", "/", [["list-type", "2"]], [["Host", "b.s3.amazonaws.com"]], b""),
    ]
    cases = []
    for token in (None, TOKEN):
        for name, method, path, query, headers, body in specs:
            credentials = Credentials(KEY_ID, SECRET, token)
            auth = botocore.auth.S3SigV4Auth(credentials, "s3", "eu-west-1")
            host = dict(headers)["Host"]
            request = AWSRequest(method=method, url=f"http://{host}{path}", headers=dict(headers), data=body)
            request.params = [tuple(pair) for pair in query]
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=TIMES["2013"]):
                auth.add_auth(request)
            authorization = request.headers["Authorization"]
            del request.headers["Authorization"]  # what was signed did not include it
            canonical = auth.canonical_request(request)
            cases.append({
                "name": f"{name}{' token' if token else ''}",
                "kind": "canonical",
                "region": "eu-west-1",
                "sessionToken": token,
                "time": epoch(TIMES["2013"]),
                "method": method,
                "path": path,
                "query": query,
                "headers": headers,
                "bodySHA256": hashlib.sha256(body).hexdigest(),
                "canonicalRequest": canonical,
                "stringToSign": auth.string_to_sign(request, canonical),
                "authorization": authorization,
            })
    return cases


def presign_cases():
    cases = []
    for client_spec in CLIENTS:
        _, region, endpoint, style, bucket = client_spec
        for token in (None, TOKEN):
            for key, expires in ((KEYS[0], 3600), (KEYS[1], 604800), (KEYS[3], 60)):
                with mock.patch.object(botocore.auth, "get_current_datetime", return_value=TIMES["2026"]):
                    client = make_client(region, endpoint, style, token)
                    url = client.generate_presigned_url(
                        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
                case = client_case("presign", f"presign {key!r} {expires}s", client_spec, key, token, TIMES["2026"])
                cases.append(case | {
                    "expires": expires,
                    "url": url,
                })
    return cases


def generate():
    return {
        "generator": f"Tests/S3Tests/check_sigv4.py with botocore {botocore.__version__}",
        "accessKeyID": KEY_ID,
        "secretAccessKey": SECRET,
        "cases": request_cases() + canonical_cases() + presign_cases(),
    }


def comparable(document):
    """The golden file without what legitimately differs between botocore versions."""
    copy = dict(document)
    copy.pop("generator", None)
    return json.dumps(copy, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="regenerate Golden/sigv4.json")
    args = parser.parse_args()
    document = generate()
    if args.write:
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"wrote {len(document['cases'])} cases to {GOLDEN}")
        return
    with open(GOLDEN, encoding="utf-8") as f:
        stored = json.load(f)
    if comparable(stored) != comparable(document):
        old = {case["name"]: case for case in stored["cases"]}
        for case in document["cases"]:
            if old.get(case["name"]) != case:
                print(f"differs: {case['name']}")
        print(f"FAIL: {GOLDEN} does not match botocore {botocore.__version__} (rerun with --write to regenerate)")
        sys.exit(1)
    print(f"{len(document['cases'])} passed, 0 failed: {GOLDEN} matches botocore {botocore.__version__}")


if __name__ == "__main__":
    main()
