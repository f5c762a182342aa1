//! Table definitions shared by both backends (see `migrations/`).

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        suspended -> Bool,
        created_at -> BigInt,
        password_changed_at -> BigInt,
        email -> Nullable<Text>,
        email_verified -> Bool,
        name -> Nullable<Text>,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        homepage_uri -> Nullable<Text>,
        logo_uri -> Nullable<Text>,
        secret_hash -> Nullable<Text>,
        previous_secret_hash -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<BigInt>,
        redirect_uris -> Text,
        grant_types -> Text,
        scopes -> Text,
        resources -> Text,
        is_public -> Bool,
        is_trusted -> Bool,
        require_pkce -> Bool,
        allow_plain_pkce -> Bool,
        suspended -> Bool,
        owner_id -> Nullable<Text>,
        registration_token_hash -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        verified -> Bool,
        post_logout_redirect_uris -> Text,
        backchannel_logout_uri -> Nullable<Text>,
        backchannel_logout_session_required -> Bool,
        subject_type -> Text,
        sector_identifier -> Nullable<Text>,
        default_max_age -> Nullable<BigInt>,
        require_auth_time -> Bool,
        id_token_signed_response_alg -> Nullable<Text>,
        introspection_audiences -> Text,
        access_token_format -> Text,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        private_pkcs8 -> Binary,
        public_jwk -> Text,
        created_at -> BigInt,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        csrf_secret -> Text,
        authenticated_at -> BigInt,
        expires_at -> BigInt,
        ended_at -> Nullable<BigInt>,
        public_id -> Text,
        lapse_announced -> Bool,
        user_agent -> Nullable<Text>,
        address -> Nullable<Text>,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        granted_at -> BigInt,
    }
}

diesel::table! {
    authorization_codes (code_hash) {
        code_hash -> Text,
        client_id -> Text,
        user_id -> Text,
        session_id -> Nullable<Text>,
        redirect_uri -> Nullable<Text>,
        scope -> Text,
        audience -> Text,
        code_challenge -> Nullable<Text>,
        code_challenge_method -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        redeemed_at -> Nullable<BigInt>,
        issued_family_id -> Nullable<Text>,
        issued_access_jti -> Nullable<Text>,
        nonce -> Nullable<Text>,
        auth_time -> Nullable<BigInt>,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Text,
        parent_hash -> Nullable<Text>,
        client_id -> Text,
        user_id -> Nullable<Text>,
        session_id -> Nullable<Text>,
        scope -> Text,
        audience -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        auth_time -> Nullable<BigInt>,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    revoked_access_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    login_failures (subject) {
        subject -> Text,
        failures -> Integer,
        window_started_at -> BigInt,
        locked_until -> Nullable<BigInt>,
    }
}

diesel::joinable!(clients -> users (owner_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(consents -> clients (client_id));
diesel::joinable!(consents -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    clients,
    signing_keys,
    sessions,
    consents,
    authorization_codes,
    refresh_tokens,
    revoked_access_tokens,
    login_failures,
);

diesel::table! {
    scopes (name) {
        name -> Text,
        description -> Text,
        created_at -> BigInt,
        api_id -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(scopes, clients);

diesel::table! {
    consent_withdrawals (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        withdrawn_at -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> BigInt,
        kind -> Text,
        actor_user_id -> Nullable<Text>,
        actor_kind -> Text,
        user_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        address -> Nullable<Text>,
        detail_json -> Text,
    }
}

diesel::table! {
    pairwise_subjects (sector, user_id) {
        sector -> Text,
        user_id -> Text,
        sub -> Text,
    }
}

diesel::table! {
    session_clients (session_id, client_id) {
        session_id -> Text,
        client_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    logout_deliveries (id) {
        id -> Text,
        client_id -> Text,
        uri -> Text,
        sub -> Nullable<Text>,
        sid -> Nullable<Text>,
        created_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        abandoned_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(sessions, session_clients);

diesel::table! {
    apis (id) {
        id -> Text,
        identifier -> Text,
        name -> Text,
        introspection_client_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    api_roles (api_id, role) {
        api_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    user_roles (user_id, api_id, role) {
        user_id -> Text,
        api_id -> Text,
        role -> Text,
        granted_at -> BigInt,
    }
}

diesel::table! {
    client_roles (client_id, api_id, role) {
        client_id -> Text,
        api_id -> Text,
        role -> Text,
        granted_at -> BigInt,
    }
}

diesel::table! {
    event_outbox (seq) {
        seq -> BigInt,
        id -> Text,
        event_type -> Text,
        subject -> Nullable<Text>,
        data -> Text,
        created_at -> BigInt,
        attempts -> Integer,
        sent_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    session_store_queue (session_id) {
        session_id -> Text,
        version -> BigInt,
        queued_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
    }
}

diesel::joinable!(api_roles -> apis (api_id));
diesel::joinable!(user_roles -> apis (api_id));
diesel::joinable!(client_roles -> apis (api_id));
diesel::joinable!(scopes -> apis (api_id));

diesel::allow_tables_to_appear_in_same_query!(apis, api_roles, user_roles, client_roles, session_store_queue);
diesel::allow_tables_to_appear_in_same_query!(apis, scopes);
diesel::allow_tables_to_appear_in_same_query!(apis, users);
diesel::allow_tables_to_appear_in_same_query!(apis, clients);
diesel::allow_tables_to_appear_in_same_query!(user_roles, users);
diesel::allow_tables_to_appear_in_same_query!(user_roles, sessions);
diesel::allow_tables_to_appear_in_same_query!(client_roles, clients);
diesel::allow_tables_to_appear_in_same_query!(session_store_queue, sessions);

diesel::table! {
    revocation_log (seq) {
        seq -> BigInt,
        kind -> Text,
        subject -> Text,
        detail -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    token_exchange_policies (client_id, audience) {
        client_id -> Text,
        audience -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    opaque_tokens (token_hash) {
        token_hash -> Text,
        jti -> Text,
        client_id -> Text,
        claims -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    device_authorizations (device_code_hash) {
        device_code_hash -> Text,
        user_code -> Text,
        client_id -> Text,
        scope -> Text,
        resources -> Text,
        status -> Text,
        user_id -> Nullable<Text>,
        session_id -> Nullable<Text>,
        granted_scope -> Nullable<Text>,
        auth_time -> Nullable<BigInt>,
        interval_seconds -> BigInt,
        last_polled_at -> Nullable<BigInt>,
        created_at -> BigInt,
        expires_at -> BigInt,
        decided_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    pushed_authorization_requests (request_uri_hash) {
        request_uri_hash -> Text,
        client_id -> Text,
        parameters -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    used_jtis (purpose, key) {
        purpose -> Text,
        key -> Text,
        expires_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(device_authorizations, clients);
diesel::allow_tables_to_appear_in_same_query!(device_authorizations, users);
diesel::allow_tables_to_appear_in_same_query!(pushed_authorization_requests, clients);

diesel::table! {
    client_security (client_id) {
        client_id -> Text,
        token_endpoint_auth_method -> Nullable<Text>,
        jwks -> Nullable<Text>,
        jwks_uri -> Nullable<Text>,
        require_pushed_authorization_requests -> Bool,
        dpop_bound_access_tokens -> Bool,
        metadata_document_expires_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(client_security -> clients (client_id));
diesel::allow_tables_to_appear_in_same_query!(client_security, clients);

diesel::table! {
    client_branding (client_id) {
        client_id -> Text,
        organisation -> Nullable<Text>,
        logo -> Nullable<Binary>,
        logo_content_type -> Nullable<Text>,
        logo_updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    secret_handoffs (id) {
        id -> Text,
        client_id -> Text,
        user_id -> Text,
        nonce -> Binary,
        sealed -> Binary,
        expires_at -> BigInt,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        user_id -> Text,
        email -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    email_throttle (subject) {
        subject -> Text,
        sent -> Integer,
        window_started_at -> BigInt,
    }
}

diesel::joinable!(email_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(email_tokens, users);
