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
