//! Table definitions, written by hand to match `migrations/{sqlite,postgres}`.

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        parent_code -> Nullable<Text>,
    }
}

diesel::table! {
    countries (iso2) {
        iso2 -> Text,
        iso3 -> Text,
        name_en -> Text,
        name_id -> Text,
        diplomatic_relations -> Bool,
    }
}

diesel::table! {
    holidays (day) {
        day -> Date,
        name_id -> Text,
        kind -> Text,
    }
}

diesel::table! {
    reference_datasets (name) {
        name -> Text,
        sha256 -> Text,
        row_count -> Integer,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, idem_key) {
        scope -> Text,
        idem_key -> Text,
        fingerprint -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(regions, countries, holidays);

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        region_code -> Nullable<Text>,
        province_code -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    service_accounts (id) {
        id -> Text,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        region_code -> Nullable<Text>,
        province_code -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        id -> Text,
        occurred_at -> Timestamp,
        actor_type -> Text,
        actor_id -> Text,
        actor_name -> Text,
        action -> Text,
        record_type -> Text,
        record_id -> Text,
        region_code -> Nullable<Text>,
        request_id -> Nullable<Text>,
        changes -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}
