//! Table definitions, written by hand to match `migrations/` (one source for both backends).

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
        credentials_version -> BigInt,
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
        credentials_version -> BigInt,
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

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        name_normalized -> Text,
        native_name -> Nullable<Text>,
        kind -> Text,
        level -> Nullable<Text>,
        legal_personality -> Nullable<Bool>,
        political_party -> Bool,
        country -> Text,
        subdivision -> Nullable<Text>,
        website -> Nullable<Text>,
        contacts -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        reference_number -> Text,
        region_code -> Text,
        province_code -> Text,
        kind -> Text,
        subtype -> Text,
        instrument -> Text,
        parent_id -> Nullable<Text>,
        predecessor_id -> Nullable<Text>,
        title_id -> Text,
        title_en -> Nullable<Text>,
        objects -> Text,
        sectors -> Text,
        languages -> Text,
        details -> Text,
        creates_foreign_loan -> Bool,
        value_amount -> Nullable<Text>,
        value_currency -> Nullable<Text>,
        signed_on -> Nullable<Date>,
        signed_place -> Nullable<Text>,
        effective_from -> Nullable<Date>,
        expires_on -> Nullable<Date>,
        status -> Text,
        legacy -> Bool,
        level_justification -> Nullable<Text>,
        search_text -> Text,
        dormant_since -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreement_partners (agreement_id, partner_id) {
        agreement_id -> Text,
        partner_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    reference_counters (region_code, year) {
        region_code -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::joinable!(agreement_partners -> agreements (agreement_id));
diesel::joinable!(agreement_partners -> partners (partner_id));
diesel::allow_tables_to_appear_in_same_query!(agreements, agreement_partners, partners);

diesel::table! {
    documents (id) {
        id -> Text,
        agreement_id -> Text,
        name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        role -> Text,
        language -> Nullable<Text>,
        storage_key -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    workflow_cases (agreement_id) {
        agreement_id -> Text,
        definition_key -> Text,
        definition_version -> Integer,
        status -> Text,
        current_stage -> Nullable<Text>,
        stage_due_on -> Nullable<Date>,
        state -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(workflow_cases -> agreements (agreement_id));
diesel::allow_tables_to_appear_in_same_query!(workflow_cases, agreements);

diesel::table! {
    activities (id) {
        id -> Text,
        agreement_id -> Text,
        kind -> Text,
        title -> Text,
        description -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        location -> Nullable<Text>,
        participants -> Text,
        outputs -> Nullable<Text>,
        amount -> Nullable<Text>,
        currency -> Nullable<Text>,
        exchange_rate -> Nullable<Text>,
        rate_date -> Nullable<Date>,
        rate_source -> Nullable<Text>,
        idr_equivalent -> Nullable<Text>,
        document_ids -> Text,
        plan_items -> Text,
        indicator_values -> Text,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    action_plans (agreement_id) {
        agreement_id -> Text,
        kind -> Text,
        title -> Text,
        items -> Text,
        indicators -> Text,
        updated_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (id) {
        id -> Text,
        agreement_id -> Text,
        region_code -> Text,
        province_code -> Text,
        instrument_key -> Text,
        instrument_version -> Integer,
        period_start -> Date,
        period_end -> Date,
        status -> Text,
        answers -> Text,
        summary -> Nullable<Text>,
        total -> Nullable<Text>,
        category -> Nullable<Text>,
        review_note -> Nullable<Text>,
        created_by -> Text,
        submitted_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    annual_reports (id) {
        id -> Text,
        region_code -> Text,
        province_code -> Text,
        fiscal_year -> Integer,
        due_on -> Date,
        status -> Text,
        content -> Nullable<Text>,
        notes -> Nullable<Text>,
        submitted_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        submitted_on -> Nullable<Date>,
        on_time -> Nullable<Bool>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(activities -> agreements (agreement_id));
diesel::allow_tables_to_appear_in_same_query!(agreements, activities, evaluations, action_plans);

diesel::table! {
    travel_requests (id) {
        id -> Text,
        region_code -> Text,
        province_code -> Text,
        trip_type -> Text,
        purpose -> Text,
        destinations -> Text,
        departs_on -> Date,
        returns_on -> Date,
        funding -> Text,
        agreement_ids -> Text,
        travellers -> Text,
        head_or_deputy -> Bool,
        stage -> Text,
        records -> Text,
        returned_on -> Nullable<Date>,
        report_due_on -> Nullable<Date>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    travel_documents (id) {
        id -> Text,
        travel_request_id -> Text,
        kind -> Text,
        name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        target -> Text,
        kind -> Text,
        record_id -> Text,
        region_code -> Nullable<Text>,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        last_status -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inbound_messages (system, message_id) {
        system -> Text,
        message_id -> Text,
        travel_request_id -> Nullable<Text>,
        outcome -> Text,
        payload -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        region_code -> Nullable<Text>,
        secret -> Text,
        active -> Bool,
        consecutive_failures -> Integer,
        disabled_reason -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    potentials (id) {
        id -> Text,
        region_code -> Text,
        province_code -> Text,
        sector -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        figures -> Nullable<Text>,
        needs -> Nullable<Text>,
        search_text -> Text,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meetings (id) {
        id -> Text,
        region_code -> Nullable<Text>,
        province_code -> Nullable<Text>,
        kind -> Text,
        title -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        place -> Text,
        organiser -> Text,
        participants -> Text,
        agenda -> Nullable<Text>,
        audience -> Text,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Text,
        meeting_id -> Text,
        number -> Integer,
        text -> Text,
        owner_region_code -> Nullable<Text>,
        owner_province_code -> Nullable<Text>,
        owner_agency -> Nullable<Text>,
        due_on -> Nullable<Date>,
        status -> Text,
        notes -> Text,
        agreement_ids -> Text,
        region_codes -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    good_practices (id) {
        id -> Text,
        region_code -> Text,
        province_code -> Text,
        title -> Text,
        context -> Text,
        actions -> Text,
        results -> Text,
        figures -> Text,
        lessons -> Text,
        agreement_ids -> Text,
        activity_ids -> Text,
        status -> Text,
        review_note -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
diesel::allow_tables_to_appear_in_same_query!(agreements, regions);

diesel::table! {
    meeting_documents (id) {
        id -> Text,
        meeting_id -> Text,
        role -> Text,
        name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    calendar_year_versions (year, version) {
        year -> Integer,
        version -> Integer,
        decree_number -> Nullable<Text>,
        decree_date -> Nullable<Date>,
        source_note -> Text,
        source -> Text,
        loaded_by -> Text,
        loaded_at -> Timestamp,
        day_count -> Integer,
    }
}

diesel::table! {
    calendar_days (year, version, day) {
        year -> Integer,
        version -> Integer,
        day -> Date,
        name_id -> Text,
        kind -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(calendar_year_versions, calendar_days);

diesel::table! {
    regional_calendar_versions (region_code, year, version) {
        region_code -> Text,
        year -> Integer,
        version -> Integer,
        decree_number -> Nullable<Text>,
        decree_date -> Nullable<Date>,
        source_note -> Text,
        loaded_by -> Text,
        loaded_at -> Timestamp,
        day_count -> Integer,
    }
}

diesel::table! {
    regional_days_off (region_code, year, version, day) {
        region_code -> Text,
        year -> Integer,
        version -> Integer,
        day -> Date,
        name_id -> Text,
    }
}

diesel::table! {
    request_counters (counter_key) {
        counter_key -> Text,
        hits -> BigInt,
        first_at -> Timestamp,
        last_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(regional_calendar_versions, regional_days_off);

diesel::table! {
    letter_templates (kind, version) {
        kind -> Text,
        version -> Integer,
        content -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    region_letterheads (region_code) {
        region_code -> Text,
        content -> Text,
        version -> BigInt,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    annual_report_documents (id) {
        id -> Text,
        annual_report_id -> Text,
        format -> Text,
        name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}
