//! The department of a call from its client certificate (`tls.client_identity = "certificate"`).
//!
//! The certificate's subject names the department's 统一社会信用代码: its serialNumber attribute
//! (OID 2.5.4.5) if it has one, else its CN; the department must be registered. Then:
//! - with a department token as well, the token must be valid and of that same department;
//!   the token's roles apply;
//! - with no token, the call runs as the department with `tls.certificate_roles`, under the id
//!   `cert:<first 16 hex digits of the certificate's sha256>`; with no such roles configured
//!   the call is refused;
//! - a platform token (no department: the administrator's, an auditor's) applies as it is,
//!   with any client certificate the CA signed, whatever its subject: platform operators are
//!   not departments, and they must be able to register the first department.

use govshare_model::{CreditCode, Role};
use govshare_service::Caller;
use govshare_store::IdentityStore;
use sha2::{Digest as _, Sha256};
use x509_parser::oid_registry::OID_X509_SERIALNUMBER;
use x509_parser::prelude::{FromDer as _, X509Certificate};

use super::{Credentials, Principal, Refusal, bearer, valid_token};
use crate::config::{ClientIdentity, TlsConfig};
use crate::error::Reason;

/// What a client certificate grants on its own.
#[derive(Debug)]
pub(super) struct CertificateIdentity {
    roles: Vec<Role>,
}

impl CertificateIdentity {
    /// The identity rule `tls` configures, if certificates name departments.
    pub(super) fn configured(tls: &TlsConfig) -> Option<Self> {
        (tls.client_identity == ClientIdentity::Certificate && tls.client_ca_file.is_some()).then(
            || CertificateIdentity {
                roles: tls.certificate_roles.clone(),
            },
        )
    }

    /// Resolves the caller of a request from its client certificate and bearer token.
    pub(super) async fn authenticate(
        &self,
        credentials: &Credentials,
        headers: &http::HeaderMap,
        extensions: &http::Extensions,
    ) -> Result<Principal, Refusal> {
        let Some(der) = crate::tls::peer_certificate(extensions) else {
            return Err(Refusal::new(
                Reason::CredentialMissing,
                "缺少客户端证书 (no client certificate was presented)",
            ));
        };
        let id = certificate_id(&der);
        let token = match bearer(headers) {
            Some(token) => Some(valid_token(credentials, token).await?),
            None => None,
        };
        if let Some(platform) = token.as_ref().filter(|t| t.record.department.is_none()) {
            return Ok(platform.principal.clone());
        }
        let department = registered_department(credentials, &der)
            .await
            .map_err(|message| Refusal {
                reason: Reason::CertificateRefused,
                message,
                credential: Some((id.clone(), None)),
            })?;
        let Some(known) = token else {
            if self.roles.is_empty() {
                return Err(Refusal {
                    reason: Reason::CertificateRefused,
                    message: format!(
                        "客户端证书不授予任何角色，请同时提供 Bearer 令牌 \
                         (a client certificate alone grants no role on this server: send \
                         `authorization: Bearer <token>` of department {department} as well)"
                    ),
                    credential: Some((id, Some(department))),
                });
            }
            return Ok(Principal::from(Caller {
                token_id: id,
                token_name: format!("client certificate of {department}"),
                department: Some(department),
                roles: self.roles.clone(),
            }));
        };
        match &known.record.department {
            Some(of_token) if *of_token != department => Err(Refusal::of_token(
                Reason::CertificateRefused,
                format!(
                    "凭证与客户端证书的单位不一致 (the credential belongs to another department \
                     than the client certificate: {of_token}, not {department})"
                ),
                &known.record,
            )),
            _ => Ok(known.principal.clone()),
        }
    }
}

/// `cert:` and the first 16 hex digits of the sha256 of the certificate's DER.
fn certificate_id(der: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(der));
    format!("cert:{}", &digest[..16])
}

/// The registered department the certificate names; otherwise why not.
async fn registered_department(
    store: &dyn IdentityStore,
    der: &[u8],
) -> Result<CreditCode, String> {
    let named = subject_code(der)?;
    let code = CreditCode::parse(&named).map_err(|e| {
        format!(
            "客户端证书主题中的“{named}”不是有效的统一社会信用代码 (the client certificate's \
             subject names {named:?}, which is not a valid credit code): {e}"
        )
    })?;
    match store.get_department(&code).await {
        Ok(Some(_)) => Ok(code),
        Ok(None) => Err(format!(
            "客户端证书所属部门 {code} 未登记 (the department {code} of the client certificate \
             is not registered)"
        )),
        Err(e) => Err(format!("credential check failed: {e}")),
    }
}

/// The text of the subject's serialNumber attribute, else of its CN.
fn subject_code(der: &[u8]) -> Result<String, String> {
    let unreadable = |e: &dyn std::fmt::Display| {
        format!("无法解析客户端证书 (the client certificate cannot be parsed: {e})")
    };
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| unreadable(&e))?;
    let subject = cert.subject();
    let attribute = subject
        .iter_by_oid(&OID_X509_SERIALNUMBER)
        .next()
        .or_else(|| subject.iter_common_name().next())
        .ok_or_else(|| {
            "客户端证书主题中没有 serialNumber 或 CN (the client certificate's subject has no \
             serialNumber and no CN to name the department's credit code)"
                .to_string()
        })?;
    attribute
        .as_str()
        .map(|s| s.trim().to_owned())
        .map_err(|e| unreadable(&e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

    use super::*;

    /// The DER of a self-signed certificate whose subject has `attributes`.
    fn certificate(attributes: &[(DnType, &str)]) -> Vec<u8> {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        for (kind, value) in attributes {
            params.distinguished_name.push(kind.clone(), *value);
        }
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    const SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];

    #[test]
    fn the_serial_number_names_the_department_before_the_common_name() {
        let both = certificate(&[
            (DnType::CommonName, "91350100M000100Y43"),
            (
                DnType::CustomDnType(SERIAL_NUMBER.to_vec()),
                "91110000600037341L",
            ),
        ]);
        assert_eq!(subject_code(&both).unwrap(), "91110000600037341L");
        let cn = certificate(&[(DnType::CommonName, " 91350100M000100Y43 ")]);
        assert_eq!(subject_code(&cn).unwrap(), "91350100M000100Y43");
        let neither = certificate(&[(DnType::OrganizationName, "市大数据局")]);
        assert!(
            subject_code(&neither)
                .unwrap_err()
                .contains("no serialNumber")
        );
        assert!(subject_code(b"not a certificate").is_err());
    }

    #[test]
    fn certificates_are_told_apart_by_their_digest() {
        let a = certificate(&[(DnType::CommonName, "a")]);
        let b = certificate(&[(DnType::CommonName, "a")]);
        assert_eq!(certificate_id(&a), certificate_id(&a));
        assert_ne!(certificate_id(&a), certificate_id(&b));
        assert!(certificate_id(&a).starts_with("cert:"));
        assert_eq!(certificate_id(&a).len(), "cert:".len() + 16);
    }
}
