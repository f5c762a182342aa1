//! Clients no one registered: those a client ID metadata document
//! describes (`oauth::metadata_documents`). Their row mirrors the document
//! as last fetched; what an operator decided about them (a suspension, DPoP
//! binding, pushed requests) stays when the document is fetched again.

use super::{new_row, rules, signing_algs, FieldError, ValidClient};
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::client_assertion::PRIVATE_KEY_JWT;
use crate::storage::{self, Database, StorageError};

/// Writes what the document at `id` says, fresh until `expires_at`: a new
/// client (audited as registered by the system), or the same client's
/// details again. Never trusted, never verified, no secret; a
/// `private_key_jwt` client's keys are at `jwks_uri`. One transaction,
/// announced to the other instances.
pub async fn store_document_client(
    db: &Database,
    id: &str,
    client: ValidClient,
    jwks_uri: Option<String>,
    expires_at: i64,
    now: i64,
) -> Result<Result<(), FieldError>, StorageError> {
    let id = id.to_string();
    db.transaction(move |conn| {
        let details = client.details(now);
        if let Err(e) = rules::check_signing_alg(&details.openid, &signing_algs(conn)?) {
            return Ok(Err(e));
        }
        let exists = storage::clients::lock(conn, &id)?;
        let mut security = storage::clients::security_of(conn, &id)?;
        security.token_endpoint_auth_method = jwks_uri.is_some().then(|| PRIVATE_KEY_JWT.to_string());
        security.jwks = None;
        security.jwks_uri = jwks_uri;
        security.metadata_document_expires_at = Some(expires_at);
        if exists {
            storage::clients::update_details(conn, &id, &details, true)?;
            storage::clients::set_public(conn, &id, client.public)?;
        } else {
            storage::clients::insert(conn, &new_row(&client, id.clone(), now))?;
            let event = Event::ClientRegistered {
                client_id: id.clone(),
                owner_id: None,
            };
            audit::record_in(conn, &Actor::system(), event, now);
        }
        storage::clients::set_security(conn, &id, &security)?;
        storage::notifications::client_changed(conn, &id)?;
        Ok(Ok(()))
    })
    .await
}
