//! OpenID Connect relying party (openidconnect crate): authorization code flow with
//! PKCE (S256), state and nonce, full ID-token verification (issuer, audience,
//! signature, expiry, issue time, nonce, at_hash), userinfo when the ID token carries
//! no address, and RP-initiated logout. Providers are discovered on first use, over an
//! HTTP client that follows no redirects (SSRF).

use std::sync::Arc;
use std::time::Duration;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreIdToken,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyAdditionalClaims,
    EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    StandardErrorResponse, TokenResponse,
};
use secrecy::ExposeSecret;
use tokio::sync::OnceCell;

use crate::settings::OidcProviderSettings;

type OidcClient = Client<
    EmptyAdditionalClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    CoreTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why an OpenID Connect sign-in failed. The message is for the log; people see a
/// generic page.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery or JWKS could not be fetched or did not match the configured issuer.
    #[error("provider unavailable or misconfigured: {0}")]
    Discovery(String),
    /// The code could not be exchanged.
    #[error("token exchange failed: {0}")]
    Exchange(String),
    /// The ID token did not verify.
    #[error("ID token rejected: {0}")]
    IdToken(String),
    /// Userinfo could not be fetched or did not match.
    #[error("userinfo failed: {0}")]
    UserInfo(String),
}

/// The registered providers, their discovery state and the shared HTTP client.
pub struct OidcProviders {
    providers: Vec<Provider>,
    http: openidconnect::reqwest::Client,
    redirect: RedirectUrl,
    post_logout: PostLogoutRedirectUrl,
}

/// One configured provider.
pub struct Provider {
    settings: OidcProviderSettings,
    discovered: OnceCell<Arc<Discovered>>,
}

struct Discovered {
    client: OidcClient,
    end_session: Option<EndSessionUrl>,
}

/// The start of a login: where to send the browser, and what to remember.
pub struct AuthStart {
    /// The provider's authorization URL.
    pub url: url::Url,
    /// `state` (store only its hash).
    pub state: String,
    /// `nonce`.
    pub nonce: String,
    /// PKCE verifier.
    pub pkce_verifier: String,
}

/// What a verified login says about the person.
pub struct VerifiedIdentity {
    /// Issuer (exact).
    pub issuer: String,
    /// Subject identifier at that issuer.
    pub subject: String,
    /// E-mail address, from the ID token or userinfo.
    pub email: Option<String>,
    /// Whether the provider marks that address verified.
    pub email_verified: bool,
    /// The raw ID token, kept (sealed) only as logout hint.
    pub id_token: String,
    /// The display name, when the provider gives one.
    pub name: Option<String>,
    /// The value of the extra claim asked for (a staff provider's role claim), from the
    /// verified ID token or else from userinfo.
    pub extra: Option<serde_json::Value>,
}

impl OidcProviders {
    /// Providers from settings, with callback URLs under `public_url`.
    pub fn new(settings: &[OidcProviderSettings], public_url: &url::Url) -> anyhow::Result<OidcProviders> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        let base = public_url.as_str().trim_end_matches('/');
        Ok(OidcProviders {
            providers: settings
                .iter()
                .cloned()
                .map(|settings| Provider { settings, discovered: OnceCell::new() })
                .collect(),
            http,
            redirect: RedirectUrl::new(format!("{base}/sign-in/oidc/callback"))?,
            post_logout: PostLogoutRedirectUrl::new(format!("{base}/"))?,
        })
    }

    /// Every provider, for the sign-in page.
    pub fn all(&self) -> impl Iterator<Item = &Provider> {
        self.providers.iter()
    }

    /// The providers customers may use.
    pub fn for_customers(&self) -> impl Iterator<Item = &Provider> {
        self.providers.iter().filter(|p| !p.for_processors() && !p.for_staff())
    }

    /// The staff identity providers.
    pub fn for_staff(&self) -> impl Iterator<Item = &Provider> {
        self.providers.iter().filter(|p| p.for_staff())
    }

    /// The providers processor users may use.
    pub fn for_processors(&self) -> impl Iterator<Item = &Provider> {
        self.providers.iter().filter(|p| p.for_processors())
    }

    /// The provider with this key.
    pub fn get(&self, key: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.settings.key == key)
    }

    async fn discovered(&self, provider: &Provider) -> Result<Arc<Discovered>, OidcError> {
        provider
            .discovered
            .get_or_try_init(|| async {
                let s = &provider.settings;
                let issuer = IssuerUrl::new(s.issuer.clone()).map_err(|e| OidcError::Discovery(e.to_string()))?;
                // discover_async rejects metadata whose issuer differs from ours (OIDC-06).
                let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
                    .await
                    .map_err(|e| OidcError::Discovery(format!("{}: {e}", s.issuer)))?;
                let end_session = metadata.additional_metadata().end_session_endpoint.clone();
                let secret = s.client_secret.expose_secret();
                let client = OidcClient::from_provider_metadata(
                    metadata,
                    ClientId::new(s.client_id.clone()),
                    (!secret.is_empty()).then(|| ClientSecret::new(secret.to_owned())),
                )
                .set_redirect_uri(self.redirect.clone());
                Ok(Arc::new(Discovered { client, end_session }))
            })
            .await
            .cloned()
    }

    /// Builds the authorization request (code flow, PKCE S256, state, nonce).
    pub async fn begin(&self, provider: &Provider) -> Result<AuthStart, OidcError> {
        let d = self.discovered(provider).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            d.client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in provider.settings.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(AuthStart {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code and verifies everything the provider returned.
    pub async fn finish(
        &self,
        provider: &Provider,
        code: String,
        pkce_verifier: String,
        nonce: String,
        extra_claim: Option<&str>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let d = self.discovered(provider).await?;
        let token = d
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(error_chain(&e)))?;
        let id_token =
            token.id_token().ok_or_else(|| OidcError::IdToken("the token response has no ID token".into()))?;
        // Issue time within five minutes of our clock (OIDC-05); the crate checks
        // issuer, audience, signature, algorithm and expiry.
        let verifier = d.client.id_token_verifier().set_issue_time_verifier_fn(|iat| {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let iat = iat.timestamp();
            if (iat - now).abs() <= 300 {
                Ok(())
            } else {
                Err(format!("issued at {iat}, more than 5 minutes from now ({now})"))
            }
        });
        let claims = id_token.claims(&verifier, &Nonce::new(nonce)).map_err(|e| OidcError::IdToken(e.to_string()))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token.signing_alg().map_err(|e| OidcError::IdToken(e.to_string()))?;
            let key = id_token.signing_key(&verifier).map_err(|e| OidcError::IdToken(e.to_string()))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| OidcError::IdToken(e.to_string()))?;
            if actual != *expected {
                return Err(OidcError::IdToken("at_hash does not match the access token".into()));
            }
        }
        let subject = claims.subject().to_string();
        let issuer = claims.issuer().to_string();
        let mut email = claims.email().map(|e| e.to_string());
        let mut email_verified = claims.email_verified().unwrap_or(false);
        if email.is_none() {
            // userinfo's `sub` must equal the ID token's (OIDC-08): the crate checks it.
            let info: CoreUserInfoClaims = d
                .client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| OidcError::UserInfo(e.to_string()))?
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::UserInfo(error_chain(&e)))?;
            email = info.email().map(|e| e.to_string());
            email_verified = info.email_verified().unwrap_or(false);
        }
        let (mut name, mut extra) = (None, None);
        if let Some(claim) = extra_claim {
            // The ID token was verified above, so its payload can be read as it is.
            let raw = id_token.to_string();
            let payload: serde_json::Value = raw
                .split('.')
                .nth(1)
                .and_then(|p| base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).ok())
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            extra = payload.get(claim).cloned();
            name = payload.get("name").and_then(|n| n.as_str()).map(str::to_owned);
            if extra.is_none() {
                let url = d.client.user_info_url().ok_or_else(|| OidcError::UserInfo("no userinfo endpoint".into()))?;
                let body = self
                    .http
                    .get(url.url().clone())
                    .bearer_auth(token.access_token().secret())
                    .send()
                    .await
                    .map_err(|e| OidcError::UserInfo(error_chain(&e)))?
                    .error_for_status()
                    .map_err(|e| OidcError::UserInfo(error_chain(&e)))?
                    .bytes()
                    .await
                    .map_err(|e| OidcError::UserInfo(error_chain(&e)))?;
                let info: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|e| OidcError::UserInfo(format!("not JSON: {e}")))?;
                // Userinfo must be about the same person as the ID token (OIDC-08).
                if info.get("sub").and_then(|s| s.as_str()) != Some(subject.as_str()) {
                    return Err(OidcError::UserInfo("userinfo sub differs from the ID token's".into()));
                }
                extra = info.get(claim).cloned();
                name = name.or_else(|| info.get("name").and_then(|n| n.as_str()).map(str::to_owned));
            }
        }
        Ok(VerifiedIdentity { issuer, subject, email, email_verified, id_token: id_token.to_string(), name, extra })
    }

    /// Where to send the browser to end the provider's session too, if it supports
    /// RP-initiated logout.
    pub async fn logout_url(&self, provider_key: &str, id_token: &str) -> Option<url::Url> {
        let provider = self.get(provider_key)?;
        let d = self.discovered(provider).await.ok()?;
        let end_session = d.end_session.clone()?;
        let token: CoreIdToken = id_token.parse().ok()?;
        Some(
            LogoutRequest::from(end_session)
                .set_id_token_hint(&token)
                .set_client_id(ClientId::new(provider.settings.client_id.clone()))
                .set_post_logout_redirect_uri(self.post_logout.clone())
                .http_get_url(),
        )
    }

    /// The configured issuer of a provider (for mix-up checks).
    pub fn issuer_of(&self, key: &str) -> Option<&str> {
        self.get(key).map(|p| p.settings.issuer.as_str())
    }
}

impl Provider {
    /// Catalog keys of the recipients whose processor users sign in here.
    pub fn processors_of(&self) -> &[String] {
        &self.settings.processors_of
    }

    /// Whether this is a recipient organisation's provider for its processor users.
    pub fn for_processors(&self) -> bool {
        !self.settings.processors_of.is_empty()
    }

    /// Whether this is the staff identity provider.
    pub fn for_staff(&self) -> bool {
        self.settings.staff
    }

    /// The claim holding a staff member's role.
    pub fn role_claim(&self) -> &str {
        &self.settings.role_claim
    }

    /// Key used in URLs.
    pub fn key(&self) -> &str {
        &self.settings.key
    }

    /// Button text.
    pub fn label(&self) -> &str {
        &self.settings.label
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}
