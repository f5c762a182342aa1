//! How a developer portal edit keeps what its form does not show.

use super::{FieldError, NewClient, NewOpenId, Registrant, ValidClient};
use crate::storage::clients::ClientRow;

/// What the developer portal's form offers, so that an edit keeps what the
/// form does not show.
#[derive(Debug, Clone)]
pub struct FormOffer {
    /// The scope catalogue's names.
    pub catalogue: Vec<String>,
    /// Whether the form offers the implicit grant.
    pub implicit: bool,
    /// Whether the form offers client credentials.
    pub client_credentials: bool,
}

/// A portal edit of the registration `row` as it stands: the client's type
/// stays; resources, operator-given grants the form does not offer, and
/// scopes outside the catalogue are kept; a developer's edit is held to
/// self-service rules, except that what the client already has counts as
/// offered; an administrator's keeps the client's trust.
pub fn portal_edit(
    row: &ClientRow,
    mut new: NewClient,
    offer: &FormOffer,
    by_admin: bool,
) -> Result<ValidClient, FieldError> {
    let had = |list: &str, item: &str| list.split_whitespace().any(|x| x == item);
    new.public = row.is_public;
    new.owner_id = row.owner_id.clone();
    // The form shows the logout settings; the rest of the relying party's
    // settings stay as registered.
    let shown = new.openid;
    new.openid = NewOpenId {
        post_logout_redirect_uris: shown.post_logout_redirect_uris,
        backchannel_logout_uri: shown.backchannel_logout_uri,
        backchannel_logout_session_required: shown.backchannel_logout_session_required,
        ..NewOpenId::from_stored(&row.openid)
    };
    new.resources = row.resources.split_whitespace().map(str::to_string).collect();
    for s in row.scopes.split_whitespace() {
        if !offer.catalogue.iter().any(|c| c == s) && !new.scopes.iter().any(|x| x == s) {
            new.scopes.push(s.to_string());
        }
    }
    for g in row.grant_types.split_whitespace() {
        let offered = matches!(g, "authorization_code" | "refresh_token")
            || (g == "client_credentials" && offer.client_credentials)
            || (g == "implicit" && offer.implicit);
        if !offered && !new.grant_types.iter().any(|x| x == g) {
            new.grant_types.push(g.to_string());
        }
    }
    if by_admin {
        new.trusted = row.is_trusted;
        return new.validate(&Registrant::Operator);
    }
    let mut catalogue = offer.catalogue.clone();
    catalogue.extend(row.scopes.split_whitespace().map(str::to_string));
    new.validate(&Registrant::SelfService {
        implicit_allowed: offer.implicit || had(&row.grant_types, "implicit"),
        client_credentials_allowed: offer.client_credentials || had(&row.grant_types, "client_credentials"),
        catalogue,
    })
}
