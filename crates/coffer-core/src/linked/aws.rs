//! AWS Secrets Manager: `GetSecretValue` over its JSON protocol, signed
//! with AWS's own SigV4 signer (`aws-sigv4`), with keys kept by Coffer or
//! read from a profile of the shared config files at each use.
//!
//! Errors are told apart by their code (`__type`, or `<Code>` in the XML
//! some front ends answer with), never by the HTTP status alone.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::aws_profile;
use super::http::{self, Answer};
use super::value::Fetched;
use super::{Fetch, LinkFailure, Location, ProviderConfig, ProviderCredentials, ProviderKind};
use crate::error::{Error, Result};

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const SERVICE: &str = "secretsmanager";

/// Checks a region name (`us-east-1`).
pub(crate) fn check_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::ProviderInvalid {
            reason: format!("{region:?} is not an AWS region name; write it as us-east-1"),
        })
    }
}

/// `https://secretsmanager.REGION.amazonaws.com` (`.com.cn` in China).
pub(crate) fn default_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{SERVICE}.{region}.{suffix}")
}

/// The region named in an ARN (`arn:aws:secretsmanager:REGION:…`).
pub(crate) fn region_of_arn(secret_id: &str) -> Option<&str> {
    let mut parts = secret_id.split(':');
    let (Some("arn"), Some(_), Some(SERVICE), Some(region)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (!region.is_empty()).then_some(region)
}

enum Keys {
    Static {
        access_key_id: String,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
    },
    Profile(String),
}

pub(crate) struct AwsClient {
    region: String,
    endpoint: Option<String>,
    agent: ureq::Agent,
    keys: Keys,
}

#[derive(Deserialize)]
struct SecretValue {
    #[serde(rename = "SecretString")]
    secret_string: Option<Zeroizing<String>>,
    #[serde(rename = "SecretBinary")]
    secret_binary: Option<serde::de::IgnoredAny>,
}

/// `CreateSecret` (with `Name`) or `PutSecretValue` (with `SecretId`).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Write<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_id: Option<&'a str>,
    secret_string: &'a str,
    client_request_token: &'a str,
}

#[derive(Deserialize)]
struct JsonError {
    #[serde(rename = "__type", alias = "code", alias = "Code")]
    kind: Option<String>,
    #[serde(alias = "Message")]
    message: Option<String>,
}

impl AwsClient {
    pub(crate) fn new(
        config: &ProviderConfig,
        credentials: ProviderCredentials,
    ) -> Result<AwsClient> {
        let ProviderKind::Aws {
            region,
            endpoint,
            profile,
            ca_pem,
        } = &config.kind
        else {
            unreachable!("an AWS client is made for an AWS provider")
        };
        let keys = match (profile, credentials) {
            (Some(p), _) => Keys::Profile(p.clone()),
            (
                None,
                ProviderCredentials::AwsKeys {
                    access_key_id,
                    secret_access_key,
                    session_token,
                },
            ) => Keys::Static {
                access_key_id,
                secret_access_key,
                session_token,
            },
            (None, _) => {
                return Err(Error::ProviderLoginRequired {
                    name: config.name.clone(),
                })
            }
        };
        Ok(AwsClient {
            region: region.clone(),
            endpoint: endpoint.as_deref().map(|e| http::base(e).to_owned()),
            agent: http::agent(endpoint.as_deref().unwrap_or("https://"), ca_pem.as_deref())?,
            keys,
        })
    }

    /// A profile must be there with static keys; keys given as they are cannot be checked here.
    pub(crate) fn login_check(&self) -> std::result::Result<(), Fetch> {
        match &self.keys {
            Keys::Profile(_) => self.credentials().map(drop),
            Keys::Static { .. } => Ok(()),
        }
    }

    fn credentials(&self) -> std::result::Result<Credentials, Fetch> {
        match &self.keys {
            Keys::Static {
                access_key_id,
                secret_access_key,
                session_token,
            } => Ok(Credentials::new(
                access_key_id.clone(),
                secret_access_key.expose_secret().to_owned(),
                session_token.as_ref().map(|t| t.expose_secret().to_owned()),
                None,
                "coffer",
            )),
            Keys::Profile(name) => {
                let (keys, _region) = aws_profile::load(name)
                    .map_err(|e| Fetch::new(LinkFailure::AuthRefused, e.to_string()))?;
                Ok(Credentials::new(
                    keys.access_key_id.clone(),
                    keys.secret_access_key.clone(),
                    keys.session_token.clone(),
                    None,
                    "coffer-profile",
                ))
            }
        }
    }

    /// One signed call of the Secrets Manager JSON API.
    fn call(
        &self,
        region: &str,
        operation: &str,
        body: &[u8],
    ) -> std::result::Result<Answer, Fetch> {
        let endpoint = self
            .endpoint
            .clone()
            .unwrap_or_else(|| default_endpoint(region));
        let url = format!("{endpoint}/");
        let target = format!("{SERVICE}.{operation}");
        let identity: Identity = self.credentials()?.into();
        let unsigned = |e: String| {
            Fetch::new(
                LinkFailure::AuthRefused,
                format!("the request could not be signed ({e})"),
            )
        };
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(SERVICE)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| unsigned(e.to_string()))?
            .into();
        let headers = [
            ("content-type", CONTENT_TYPE),
            ("x-amz-target", target.as_str()),
        ];
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| unsigned(e.to_string()))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| unsigned(e.to_string()))?
            .into_parts();
        let mut request = self
            .agent
            .post(&url)
            .set("Content-Type", CONTENT_TYPE)
            .set("X-Amz-Target", &target);
        for (name, value) in instructions.headers() {
            request = request.set(name, value);
        }
        match http::send(request.clone(), Some(body)) {
            // A kept-alive connection the server closed meanwhile: ureq
            // retries no POST, so once here.
            Err(f) if f.failure == LinkFailure::Unreachable => http::send(request, Some(body)),
            other => other,
        }
    }

    /// The secret string (or the fact that it is binary) at `location`.
    pub(crate) fn fetch(&mut self, location: &Location) -> std::result::Result<Fetched, Fetch> {
        let Location::Aws {
            secret_id,
            region,
            version_stage,
            version_id,
            ..
        } = location
        else {
            unreachable!("checked by the caller")
        };
        let region = region
            .as_deref()
            .or_else(|| region_of_arn(secret_id))
            .unwrap_or(&self.region)
            .to_owned();
        let mut request = serde_json::json!({ "SecretId": secret_id });
        if let Some(s) = version_stage {
            request["VersionStage"] = s.clone().into();
        }
        if let Some(v) = version_id {
            request["VersionId"] = v.clone().into();
        }
        let place = format!("{secret_id} in {region}");
        let answer = self.call(&region, "GetSecretValue", request.to_string().as_bytes())?;
        if answer.status == 200 {
            let value: SecretValue = serde_json::from_str(&answer.body).map_err(|_| {
                Fetch::new(
                    LinkFailure::Unavailable,
                    "the answer is not what Secrets Manager sends",
                )
            })?;
            return match (value.secret_string, value.secret_binary) {
                (Some(text), _) => Ok(Fetched::Text(SecretString::from(text.to_string()))),
                (None, Some(_)) => Ok(Fetched::Binary),
                (None, None) => Err(Fetch::new(
                    LinkFailure::VersionMissing,
                    format!("{place} has no value in that version"),
                )),
            };
        }
        let (code, message) = error_of(&answer);
        let failure = classify(&code, &message, answer.status);
        if failure == LinkFailure::PathMissing && (version_stage.is_some() || version_id.is_some())
        {
            // The secret may be there without that version.
            let plain = serde_json::json!({ "SecretId": secret_id }).to_string();
            if self
                .call(&region, "GetSecretValue", plain.as_bytes())
                .is_ok_and(|a| a.status == 200)
            {
                let which = version_id
                    .as_ref()
                    .map(|v| format!("version {v}"))
                    .or_else(|| version_stage.as_ref().map(|s| format!("version stage {s}")))
                    .unwrap_or_default();
                return Err(Fetch::new(
                    LinkFailure::VersionMissing,
                    format!("{place} has no {which}"),
                ));
            }
        }
        let detail = match failure {
            LinkFailure::PathMissing
                if message.contains("deleted") || message.contains("deletion") =>
            {
                format!("{place} is scheduled for deletion")
            }
            LinkFailure::PathMissing => format!("there is no secret {place}"),
            _ => format!("{code}: {message}"),
        };
        Err(Fetch::new(failure, detail))
    }
    /// Writes `value` to the secret at `location` (publishing a local
    /// secret): as its whole string, or as one key of its JSON object (the
    /// other keys kept); a secret not there yet is made.
    pub(crate) fn write(
        &mut self,
        location: &Location,
        value: &SecretString,
    ) -> std::result::Result<(), Fetch> {
        let Location::Aws {
            secret_id,
            region,
            json_key,
            ..
        } = location
        else {
            unreachable!("checked by the caller")
        };
        let current = Location::Aws {
            secret_id: secret_id.clone(),
            region: region.clone(),
            json_key: None,
            version_stage: None,
            version_id: None,
        };
        let region = region
            .as_deref()
            .or_else(|| region_of_arn(secret_id))
            .unwrap_or(&self.region)
            .to_owned();
        let existing = match self.fetch(&current) {
            Ok(f) => Some(f),
            Err(e) if e.failure == LinkFailure::PathMissing => None,
            Err(e) => return Err(e),
        };
        let text = match (json_key, &existing) {
            (None, _) => Zeroizing::new(value.expose_secret().to_owned()),
            (Some(k), None) => {
                Zeroizing::new(serde_json::json!({ k.as_str(): value.expose_secret() }).to_string())
            }
            (Some(k), Some(Fetched::Text(old))) => {
                let mut object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(old.expose_secret()).map_err(|_| {
                        Fetch::new(
                            LinkFailure::NotAString,
                            format!("the secret string of {secret_id} is not a JSON object, so it has no key {k:?} to write; publish the whole string"),
                        )
                    })?;
                object.insert(k.clone(), value.expose_secret().into());
                Zeroizing::new(serde_json::Value::Object(object).to_string())
            }
            (Some(_), Some(_)) => {
                return Err(Fetch::new(
                    LinkFailure::NotAString,
                    format!("{secret_id} is a binary secret; Coffer writes strings"),
                ))
            }
        };
        let token = crate::secret::SecretId(crate::crypto::random_id()).to_string();
        let write = Write {
            name: existing.is_none().then_some(secret_id.as_str()),
            secret_id: existing.is_some().then_some(secret_id.as_str()),
            secret_string: &text,
            client_request_token: &token,
        };
        let operation = if existing.is_none() {
            "CreateSecret"
        } else {
            "PutSecretValue"
        };
        let body = Zeroizing::new(serde_json::to_string(&write).unwrap_or_default());
        let answer = self.call(&region, operation, body.as_bytes())?;
        if answer.status == 200 {
            return Ok(());
        }
        let (code, message) = error_of(&answer);
        Err(Fetch::new(
            classify(&code, &message, answer.status),
            format!("{operation} of {secret_id}: {code}: {message}"),
        ))
    }
}

/// The error code and message of an error answer (JSON `__type`, or XML `<Code>`).
fn error_of(answer: &Answer) -> (String, String) {
    let (code, message) = match serde_json::from_str::<JsonError>(&answer.body) {
        Ok(e) => (e.kind.unwrap_or_default(), e.message.unwrap_or_default()),
        Err(_) => (
            between(&answer.body, "<Code>", "</Code>").unwrap_or_default(),
            between(&answer.body, "<Message>", "</Message>").unwrap_or_default(),
        ),
    };
    // `com.amazonaws.secretsmanager#Code:extra` → `Code`.
    let code = code
        .split(':')
        .next()
        .unwrap_or_default()
        .rsplit('#')
        .next()
        .unwrap_or_default()
        .to_owned();
    let code = http::clean(&code);
    let message = http::clean(&message);
    let code = if code.is_empty() {
        format!("HTTP {}", answer.status)
    } else {
        code
    };
    (code, message)
}

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].trim().to_owned())
}

/// Which failure an AWS error code is.
pub(crate) fn classify(code: &str, message: &str, status: u16) -> LinkFailure {
    match code {
        "ResourceNotFoundException" => LinkFailure::PathMissing,
        "InvalidRequestException"
            if message.contains("deleted") || message.contains("deletion") =>
        {
            LinkFailure::PathMissing
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            LinkFailure::AuthExpired
        }
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "InvalidSignatureException"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "AccessDenied"
        | "AccessDeniedException"
        | "DecryptionFailure" => LinkFailure::AuthRefused,
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "LimitExceededException" => LinkFailure::RateLimited,
        _ if status == 429 => LinkFailure::RateLimited,
        _ if status == 401 || status == 403 => LinkFailure::AuthRefused,
        _ => LinkFailure::Unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_in_every_shape_aws_writes_them() {
        let answer = |status: u16, body: &str| Answer {
            status,
            body: Zeroizing::new(body.to_owned()),
            retry_after: None,
        };
        let cases = [
            (400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, LinkFailure::RateLimited),
            (400, r#"{"__type":"com.amazonaws.secretsmanager#ExpiredTokenException:http://x","message":"expired"}"#, LinkFailure::AuthExpired),
            (404, r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#, LinkFailure::PathMissing),
            (400, r#"{"__type":"InvalidRequestException","message":"You tried to perform the operation on a secret that's currently marked deleted."}"#, LinkFailure::PathMissing),
            (403, "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error></Errors></ErrorResponse>", LinkFailure::AuthRefused),
            (400, r#"{"__type":"AccessDeniedException","Message":"User: x is not authorized"}"#, LinkFailure::AuthRefused),
            (500, "<html>oops</html>", LinkFailure::Unavailable),
            (429, "", LinkFailure::RateLimited),
        ];
        for (status, body, want) in cases {
            let (code, message) = error_of(&answer(status, body));
            assert_eq!(classify(&code, &message, status), want, "{body}");
        }
    }

    #[test]
    fn regions_come_from_the_arn_and_endpoints_from_the_region() {
        assert_eq!(
            region_of_arn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"),
            Some("eu-west-1")
        );
        assert_eq!(region_of_arn("app/db"), None);
        assert_eq!(
            default_endpoint("us-east-1"),
            "https://secretsmanager.us-east-1.amazonaws.com"
        );
        assert_eq!(
            default_endpoint("cn-north-1"),
            "https://secretsmanager.cn-north-1.amazonaws.com.cn"
        );
        check_region("us-east-1").expect("region");
        for bad in ["", "US-EAST-1", "us east", "-x", "x/../y"] {
            assert_eq!(check_region(bad).expect_err(bad).code(), "invalid_provider");
        }
    }
}
