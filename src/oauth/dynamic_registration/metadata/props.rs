//! Properties of registration metadata (RFC 7591 §2): any body is either
//! read or refused with `invalid_client_metadata`, never a panic; a member
//! of the wrong JSON type is always refused.

use super::*;
use proptest::prelude::*;
use serde_json::{json, Map};

const MEMBERS: [&str; 17] = [
    "redirect_uris",
    "client_name",
    "client_uri",
    "logo_uri",
    "grant_types",
    "response_types",
    "scope",
    "token_endpoint_auth_method",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "backchannel_logout_session_required",
    "subject_type",
    "sector_identifier_uri",
    "default_max_age",
    "require_auth_time",
    "id_token_signed_response_alg",
    "client_id",
];

/// A value a member might hold: the right shape with odd contents, or a
/// wrong shape.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "\\PC{0,40}".prop_map(Value::from),
        prop::collection::vec("\\PC{0,40}", 0..4).prop_map(|v| json!(v)),
        prop::collection::vec(
            prop_oneof![
                Just("https://app.example/cb".to_string()),
                Just("http://127.0.0.1/cb".to_string()),
                Just("https://app.example/#frag".to_string()),
                Just("authorization_code".to_string()),
                Just("implicit".to_string()),
                Just("code".to_string()),
                Just("token".to_string()),
            ],
            0..4
        )
        .prop_map(|v| json!(v)),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        Just(json!({"nested": [1, "two"]})),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(&MEMBERS[..]), value(), 0..10).prop_map(|members| {
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<Map<_, _>>(),
        )
    })
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn any_bytes_are_read_or_refused_without_a_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = ClientMetadata::from_json(&body);
    }

    #[test]
    fn any_document_of_real_members_is_read_or_refused_without_a_panic(doc in document(), public in any::<bool>()) {
        if let Ok(metadata) = ClientMetadata::from_json(doc.to_string().as_bytes()) {
            let _ = metadata.auth_method();
            let _ = metadata.into_new_client(public);
        }
    }

    #[test]
    fn a_list_member_holding_a_string_is_always_refused(member in prop::sample::select(&["redirect_uris", "grant_types", "response_types", "post_logout_redirect_uris"][..]), text in "\\PC{0,20}") {
        let doc = json!({ member: text });
        prop_assert!(ClientMetadata::from_json(doc.to_string().as_bytes()).is_err());
    }
}
