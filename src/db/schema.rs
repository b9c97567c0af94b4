//! The database schema in diesel's terms: one `table!` per table, in the SQL subset
//! both backends share (ids `BigInt`, times `Timestamp` in UTC, enums as `Text`).
//! Written by hand to match `migrations/{sqlite,postgres}`; the migration tests load
//! every table through these definitions on both backends.

diesel::table! {
    authorities (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        country -> Text,
        website -> Text,
        phone -> Text,
        address -> Text,
    }
}

diesel::table! {
    entities (id) {
        id -> BigInt,
        key -> Text,
        legal_name -> Text,
        trade_name -> Nullable<Text>,
        address -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        dpo_name -> Text,
        dpo_email -> Text,
        authority_id -> BigInt,
        notice_version -> Text,
        notice_url -> Text,
        description_en -> Text,
        description_nl -> Text,
        position -> Integer,
    }
}

diesel::table! {
    marketing_channels (id) {
        id -> BigInt,
        key -> Text,
        name_en -> Text,
        name_nl -> Text,
        sharing -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    entity_channels (entity_id, channel_id) {
        entity_id -> BigInt,
        channel_id -> BigInt,
    }
}

diesel::table! {
    data_categories (id) {
        id -> BigInt,
        key -> Text,
        name_en -> Text,
        name_nl -> Text,
        description_en -> Text,
        description_nl -> Text,
        special -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    category_fields (id) {
        id -> BigInt,
        category_id -> BigInt,
        key -> Text,
        label_en -> Text,
        label_nl -> Text,
        position -> Integer,
    }
}

diesel::table! {
    purposes (id) {
        id -> BigInt,
        key -> Text,
        entity_id -> BigInt,
        reference -> Text,
        name_en -> Text,
        name_nl -> Text,
        description_en -> Text,
        description_nl -> Text,
        legal_basis -> Text,
        legitimate_interest_en -> Nullable<Text>,
        legitimate_interest_nl -> Nullable<Text>,
        retention_months -> Nullable<Integer>,
        retention_from -> Text,
        retention_en -> Text,
        retention_nl -> Text,
        marketing -> Bool,
        automated_decision -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    purpose_categories (purpose_id, category_id) {
        purpose_id -> BigInt,
        category_id -> BigInt,
    }
}

diesel::table! {
    recipients (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        kind -> Text,
        country -> Text,
        safeguard -> Text,
        description_en -> Text,
        description_nl -> Text,
        contact_email -> Text,
        confirmation -> Text,
        due_days -> Integer,
        identifiers -> Text,
        position -> Integer,
    }
}

diesel::table! {
    recipient_channels (recipient_id, entity_id, channel_id) {
        recipient_id -> BigInt,
        entity_id -> BigInt,
        channel_id -> BigInt,
    }
}

diesel::table! {
    subjects (id) {
        id -> BigInt,
        public_id -> Text,
        display_name -> Text,
        language -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subject_emails (id) {
        id -> BigInt,
        subject_id -> BigInt,
        address -> Text,
        is_primary -> Bool,
        verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subject_oidc_identities (id) {
        id -> BigInt,
        subject_id -> BigInt,
        issuer -> Text,
        sub -> Text,
        linked_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    relationships (id) {
        id -> BigInt,
        subject_id -> BigInt,
        entity_id -> BigInt,
        role -> Text,
        reference -> Nullable<Text>,
        started_on -> Date,
        ended_on -> Nullable<Date>,
    }
}

diesel::table! {
    records (id) {
        id -> BigInt,
        subject_id -> BigInt,
        entity_id -> BigInt,
        category_id -> BigInt,
        field -> Text,
        value -> Text,
        source -> Text,
        source_recipient_id -> Nullable<BigInt>,
        collected_at -> Timestamp,
        updated_at -> Timestamp,
        restricted_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
        kept_reason -> Nullable<Text>,
        kept_until -> Nullable<Date>,
    }
}

diesel::table! {
    record_purposes (record_id, purpose_id) {
        record_id -> BigInt,
        entity_id -> BigInt,
        purpose_id -> BigInt,
    }
}

diesel::table! {
    disclosures (id) {
        id -> BigInt,
        subject_id -> BigInt,
        recipient_id -> BigInt,
        entity_id -> BigInt,
        purpose_id -> BigInt,
        disclosed_at -> Timestamp,
    }
}

diesel::table! {
    disclosure_categories (disclosure_id, category_id) {
        disclosure_id -> BigInt,
        category_id -> BigInt,
    }
}

diesel::table! {
    marketing_preferences (id) {
        id -> BigInt,
        subject_id -> BigInt,
        entity_id -> BigInt,
        channel_id -> BigInt,
        granted -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consent_events (id) {
        id -> BigInt,
        subject_id -> BigInt,
        entity_id -> BigInt,
        channel_id -> Nullable<BigInt>,
        purpose_id -> Nullable<BigInt>,
        granted -> Bool,
        method -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        notice_version -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    suppressions (id) {
        id -> BigInt,
        identifier_hash -> Text,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff_users (id) {
        id -> BigInt,
        public_id -> Text,
        email -> Text,
        display_name -> Text,
        role -> Text,
        oidc_issuer -> Nullable<Text>,
        oidc_sub -> Nullable<Text>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    processor_users (id) {
        id -> BigInt,
        public_id -> Text,
        recipient_id -> BigInt,
        email -> Text,
        display_name -> Text,
        invited_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rights_requests (id) {
        id -> BigInt,
        public_id -> Text,
        subject_id -> BigInt,
        kind -> Text,
        entity_id -> Nullable<BigInt>,
        status -> Text,
        filed_by -> Text,
        staff_user_id -> Nullable<BigInt>,
        channel -> Text,
        statement -> Text,
        received_at -> Timestamp,
        due_at -> Timestamp,
        extended_due_at -> Nullable<Timestamp>,
        extension_reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        decision_reason -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rights_request_items (id) {
        id -> BigInt,
        request_id -> BigInt,
        record_id -> Nullable<BigInt>,
        purpose_id -> Nullable<BigInt>,
        category_id -> Nullable<BigInt>,
        proposed_value -> Nullable<Text>,
        outcome -> Text,
        kept_reason -> Nullable<Text>,
        kept_until -> Nullable<Date>,
    }
}

diesel::table! {
    propagation_tasks (id) {
        id -> BigInt,
        public_id -> Text,
        recipient_id -> BigInt,
        subject_id -> BigInt,
        entity_id -> BigInt,
        request_id -> Nullable<BigInt>,
        consent_event_id -> Nullable<BigInt>,
        action -> Text,
        payload -> Text,
        status -> Text,
        created_at -> Timestamp,
        due_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        resolved_by_processor_user_id -> Nullable<BigInt>,
        resolved_via -> Nullable<Text>,
        resolution_reference -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        reminded_at -> Nullable<Timestamp>,
        resolved_by_token_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    recipient_webhooks (recipient_id) {
        recipient_id -> BigInt,
        url -> Text,
        secret_enc -> Binary,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        task_id -> BigInt,
        message_id -> Text,
        attempt -> Integer,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        delivered -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ingest_idempotency_keys (id) {
        id -> BigInt,
        token_id -> BigInt,
        key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    authenticators (id) {
        id -> BigInt,
        subject_id -> Nullable<BigInt>,
        staff_user_id -> Nullable<BigInt>,
        processor_user_id -> Nullable<BigInt>,
        secret_enc -> Binary,
        last_used_step -> Nullable<BigInt>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        authenticator_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        public_id -> Text,
        kind -> Text,
        recipient_id -> Nullable<BigInt>,
        source_system -> Nullable<Text>,
        entity_scope -> Nullable<Text>,
        label -> Text,
        prefix -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        stage -> Text,
        subject_id -> Nullable<BigInt>,
        staff_user_id -> Nullable<BigInt>,
        processor_user_id -> Nullable<BigInt>,
        csrf_token -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        authenticated_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
        auth_method -> Nullable<Text>,
        oidc_provider -> Nullable<Text>,
        id_token_enc -> Nullable<Binary>,
        acting_for_subject_id -> Nullable<BigInt>,
        acting_until -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    otp_challenges (id) {
        id -> BigInt,
        public_id -> Text,
        purpose -> Text,
        session_id -> BigInt,
        subject_id -> Nullable<BigInt>,
        staff_user_id -> Nullable<BigInt>,
        processor_user_id -> Nullable<BigInt>,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        attempts -> Integer,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_logins (id) {
        id -> BigInt,
        state_hash -> Text,
        session_id -> BigInt,
        provider -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        return_to -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limits (bucket, window_start) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        dedupe_key -> Nullable<Text>,
        payload -> Binary,
        created_at -> Timestamp,
        available_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject_id -> Nullable<BigInt>,
        target_kind -> Nullable<Text>,
        target_id -> Nullable<Text>,
        details -> Text,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
        chain_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    restriction_lifts (id) {
        id -> BigInt,
        request_id -> BigInt,
        reason -> Text,
        announced_at -> Timestamp,
        lift_at -> Timestamp,
        lifted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff_actions (id) {
        id -> BigInt,
        staff_user_id -> BigInt,
        subject_id -> BigInt,
        action -> Text,
        channel -> Text,
        detail -> Text,
        reason -> Text,
        at -> Timestamp,
    }
}

diesel::joinable!(entities -> authorities (authority_id));
diesel::joinable!(entity_channels -> entities (entity_id));
diesel::joinable!(entity_channels -> marketing_channels (channel_id));
diesel::joinable!(category_fields -> data_categories (category_id));
diesel::joinable!(purposes -> entities (entity_id));
diesel::joinable!(purpose_categories -> purposes (purpose_id));
diesel::joinable!(purpose_categories -> data_categories (category_id));
diesel::joinable!(recipient_channels -> recipients (recipient_id));
diesel::joinable!(subject_emails -> subjects (subject_id));
diesel::joinable!(subject_oidc_identities -> subjects (subject_id));
diesel::joinable!(relationships -> subjects (subject_id));
diesel::joinable!(relationships -> entities (entity_id));
diesel::joinable!(records -> subjects (subject_id));
diesel::joinable!(records -> entities (entity_id));
diesel::joinable!(records -> data_categories (category_id));
diesel::joinable!(record_purposes -> records (record_id));
diesel::joinable!(record_purposes -> purposes (purpose_id));
diesel::joinable!(disclosures -> subjects (subject_id));
diesel::joinable!(disclosures -> recipients (recipient_id));
diesel::joinable!(disclosures -> purposes (purpose_id));
diesel::joinable!(disclosure_categories -> disclosures (disclosure_id));
diesel::joinable!(disclosure_categories -> data_categories (category_id));
diesel::joinable!(marketing_preferences -> subjects (subject_id));
diesel::joinable!(marketing_preferences -> marketing_channels (channel_id));
diesel::joinable!(consent_events -> subjects (subject_id));
diesel::joinable!(processor_users -> recipients (recipient_id));
diesel::joinable!(rights_requests -> subjects (subject_id));
diesel::joinable!(rights_request_items -> rights_requests (request_id));
diesel::joinable!(propagation_tasks -> recipients (recipient_id));
diesel::joinable!(propagation_tasks -> subjects (subject_id));
diesel::joinable!(recovery_codes -> authenticators (authenticator_id));
diesel::joinable!(otp_challenges -> sessions (session_id));
diesel::joinable!(oidc_logins -> sessions (session_id));
diesel::joinable!(recipient_webhooks -> recipients (recipient_id));
diesel::joinable!(webhook_deliveries -> propagation_tasks (task_id));
diesel::joinable!(idempotency_keys -> recipients (recipient_id));
diesel::joinable!(ingest_idempotency_keys -> api_tokens (token_id));
diesel::joinable!(propagation_tasks -> rights_requests (request_id));
diesel::joinable!(restriction_lifts -> rights_requests (request_id));
diesel::joinable!(staff_actions -> staff_users (staff_user_id));
diesel::joinable!(staff_actions -> subjects (subject_id));

diesel::allow_tables_to_appear_in_same_query!(
    staff_actions,
    restriction_lifts,
    authorities,
    entities,
    marketing_channels,
    entity_channels,
    data_categories,
    category_fields,
    purposes,
    purpose_categories,
    recipients,
    recipient_channels,
    subjects,
    subject_emails,
    subject_oidc_identities,
    relationships,
    records,
    record_purposes,
    disclosures,
    disclosure_categories,
    marketing_preferences,
    consent_events,
    suppressions,
    staff_users,
    processor_users,
    rights_requests,
    rights_request_items,
    propagation_tasks,
    authenticators,
    recovery_codes,
    api_tokens,
    sessions,
    otp_challenges,
    oidc_logins,
    rate_limits,
    outbox,
    audit_events,
    recipient_webhooks,
    webhook_deliveries,
    idempotency_keys,
    ingest_idempotency_keys,
);
