# Seeds IAM identities into a moto server for the linked-secret tests: run by
# `Moto::enable_auth` (servers.rs) with the test venv's python while moto's auth is still off,
# because IAM and STS speak AWS's query protocol, which boto3 already does and the harness need not.
#
# Usage: python moto_iam.py ENDPOINT [CA_PEM]   (CA_PEM: the test CA, for a moto started with TLS)
# Prints one JSON object: {"reader": {...}, "nobody": {...}, "session": {...}}.
import json
import sys

import boto3

endpoint = sys.argv[1]
verify = sys.argv[2] if len(sys.argv) > 2 else True


def client(service):
    # Any credentials do while auth is off; the region only matters for the signature scope.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="seed",
        aws_secret_access_key="seed",
        verify=verify,
    )


POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:CreateSecret",
                    "secretsmanager:PutSecretValue",
                ],
                "Resource": "*",
            }
        ],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)

iam = client("iam")


def user(name, policy):
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="coffer-test", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


reader = user("reader", POLICY)
nobody = user("nobody", None)
role = iam.create_role(RoleName="coffer", AssumeRolePolicyDocument=TRUST)["Role"]
iam.put_role_policy(RoleName="coffer", PolicyName="coffer-test", PolicyDocument=POLICY)
creds = client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="coffer-test")["Credentials"]
session = {
    "access_key_id": creds["AccessKeyId"],
    "secret_access_key": creds["SecretAccessKey"],
    "session_token": creds["SessionToken"],
}
print(json.dumps({"reader": reader, "nobody": nobody, "session": session}))
