//! Translation of AWS SDK errors for the S3 backend: the one place native error types are
//! looked at. A [`Failure`] becomes a [`super::StoreError`] (kind + lower-case message, never a
//! secret) for the raw store, or a rill-style raw error text for the rill-facing functions.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use super::ErrorKind;

/// An SDK error, classified. Both faces of the backend are built from it: `StoreError`s
/// (our lower-case message) and rill's raw error texts ([`Failure::raw`], what the JS SDK would
/// show a script).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub kind: ErrorKind,
    /// Lower case, no type names, never a secret.
    pub message: String,
    /// The S3 error code (`NoSuchKey`, `AccessDenied`…), when the server sent one.
    pub code: Option<String>,
    pub status: Option<u16>,
    /// The text a rill host would show: the server's message, else the error name.
    pub raw: String,
}

impl Failure {
    /// The one translation of SDK errors (every operation goes through it).
    pub(crate) fn from_sdk<E>(e: SdkError<E, HttpResponse>, bucket: &str) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        if has_cause::<aws_credential_types::provider::error::CredentialsError>(&e) {
            return Failure::plain(
                ErrorKind::PermissionDenied,
                format!(
                    "no usable credentials (environment, profile files, instance metadata): {}",
                    innermost(&e)
                ),
            );
        }
        match &e {
            SdkError::ServiceError(se) => {
                let status = se.raw().status().as_u16();
                let code = se.err().code().map(str::to_string);
                let server_msg = se.err().message().map(str::to_string);
                Self::service(status, code, server_msg, bucket)
            }
            SdkError::TimeoutError(_) => Failure::plain(ErrorKind::Timeout, "request timed out"),
            SdkError::DispatchFailure(d) => {
                let cause = innermost(&e);
                if d.is_timeout() {
                    Failure::plain(ErrorKind::Timeout, format!("timed out: {cause}"))
                } else if d.is_user() {
                    Failure::plain(ErrorKind::Config, format!("request failed: {cause}"))
                } else {
                    Failure::plain(ErrorKind::Connection, format!("cannot connect: {cause}"))
                }
            }
            SdkError::ResponseError(r) => Failure::plain(
                ErrorKind::Other,
                format!(
                    "unreadable response from the server (status {})",
                    r.raw().status().as_u16()
                ),
            ),
            SdkError::ConstructionFailure(_) => Failure::plain(
                ErrorKind::Config,
                format!("invalid request: {}", innermost(&e)),
            ),
            _ => Failure::plain(ErrorKind::Other, innermost(&e)),
        }
    }

    fn service(
        status: u16,
        code: Option<String>,
        server_msg: Option<String>,
        bucket: &str,
    ) -> Self {
        let c = code.as_deref().unwrap_or("");
        // The server's own words, for the errors we have no phrase for.
        let detail = match server_msg.as_deref() {
            Some(m) if !m.is_empty() => format!(": {}", lower_first(m)),
            _ => String::new(),
        };
        let (kind, message) = match (c, status) {
            ("NoSuchBucket", _) => (
                ErrorKind::NotFound,
                format!("bucket `{bucket}` does not exist"),
            ),
            ("NoSuchKey" | "NotFound", _) | (_, 404) => {
                (ErrorKind::NotFound, "no such object".to_string())
            }
            ("SignatureDoesNotMatch", _) => (
                ErrorKind::PermissionDenied,
                "access denied: the request signature does not match (check the secret access key)"
                    .to_string(),
            ),
            ("InvalidAccessKeyId", _) => (
                ErrorKind::PermissionDenied,
                "access denied: the access key id is not known to the server".to_string(),
            ),
            ("ExpiredToken" | "InvalidToken" | "TokenRefreshRequired", _) => (
                ErrorKind::PermissionDenied,
                "access denied: the session token is expired or invalid".to_string(),
            ),
            ("AccessDenied" | "AllAccessDisabled", _) | (_, 401 | 403) => (
                ErrorKind::PermissionDenied,
                "access denied (check the credentials and the bucket policy)".to_string(),
            ),
            ("PermanentRedirect" | "AuthorizationHeaderMalformed", _) | (_, 301) => (
                ErrorKind::Config,
                "the bucket is in another region or needs another endpoint".to_string(),
            ),
            (_, 408) | ("RequestTimeout", _) => (
                ErrorKind::Timeout,
                "the server timed out the request".to_string(),
            ),
            ("SlowDown", _) | (_, 429 | 500..=599) => (
                ErrorKind::Connection,
                format!("server error (status {status}{}){detail}", code_suffix(c)),
            ),
            _ => (
                ErrorKind::Other,
                format!(
                    "the server refused the request (status {status}{}){detail}",
                    code_suffix(c)
                ),
            ),
        };
        // The JS SDK names modelled errors after their code; a HEAD answer has no body, so the
        // name comes from the status (HeadObject on a missing key throws `NotFound`).
        let name = code.clone().unwrap_or_else(|| match status {
            404 => "NotFound".to_string(),
            403 => "Forbidden".to_string(),
            301 => "PermanentRedirect".to_string(),
            _ => "UnknownError".to_string(),
        });
        let raw = server_msg.filter(|m| !m.is_empty()).unwrap_or(name);
        Failure {
            kind,
            message,
            code,
            status: Some(status),
            raw,
        }
    }

    fn plain(kind: ErrorKind, message: impl Into<String>) -> Self {
        let message = message.into();
        Failure {
            kind,
            raw: message.clone(),
            message,
            code: None,
            status: None,
        }
    }

    /// A failure while streaming a response body.
    pub(crate) fn body(e: &(dyn std::error::Error + 'static)) -> Self {
        Failure::plain(
            ErrorKind::Connection,
            format!("download interrupted: {}", innermost(e)),
        )
    }

    /// The key (or object) does not exist: 404 without `NoSuchBucket`.
    pub(crate) fn is_missing_object(&self) -> bool {
        self.kind == ErrorKind::NotFound && self.code.as_deref() != Some("NoSuchBucket")
    }
}

fn code_suffix(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(", {code}")
    }
}

/// Whether `T` is somewhere in the cause chain of `e`.
fn has_cause<T: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<T>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The deepest cause's text, first letter lower-cased ("connection refused (os error 111)").
pub(crate) fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    lower_first(&cur.to_string())
}

/// `Connection refused` → `connection refused`; acronyms (`DNS error`) stay as they are.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !chars.clone().next().is_some_and(|c| c.is_uppercase()) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_are_classified() {
        let f = Failure::service(404, None, None, "b");
        assert_eq!(f.kind, ErrorKind::NotFound);
        assert_eq!(f.raw, "NotFound");
        assert!(f.is_missing_object());
        let f = Failure::service(404, Some("NoSuchBucket".into()), None, "b");
        assert!(!f.is_missing_object());
        assert_eq!(f.message, "bucket `b` does not exist");
        let f = Failure::service(
            403,
            Some("SignatureDoesNotMatch".into()),
            Some("The request signature we calculated does not match".into()),
            "b",
        );
        assert_eq!(f.kind, ErrorKind::PermissionDenied);
        assert!(f.message.starts_with("access denied"));
        assert!(f.raw.starts_with("The request signature"));
        assert_eq!(
            Failure::service(503, Some("SlowDown".into()), None, "b").kind,
            ErrorKind::Connection
        );
        let f = Failure::service(
            400,
            Some("InvalidArgument".into()),
            Some("Part number must be an integer".into()),
            "b",
        );
        assert_eq!(f.kind, ErrorKind::Other);
        assert_eq!(
            f.message,
            "the server refused the request (status 400, InvalidArgument): part number must be an integer"
        );
    }

    #[test]
    fn innermost_lowercases_sentences_not_acronyms() {
        let e = std::io::Error::other("Connection refused");
        assert_eq!(innermost(&e), "connection refused");
        let e = std::io::Error::other("DNS failure");
        assert_eq!(innermost(&e), "DNS failure");
    }
}
