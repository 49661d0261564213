//! The tables, written once for both backends with the types they share: `BigInt` ids, `Text` enums,
//! `Timestamp` in UTC, `Bool`.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sla_plans (id) {
        id -> BigInt,
        name -> Text,
        first_response_minutes -> Integer,
        resolution_minutes -> Integer,
        business_hours_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        next_response_minutes -> Nullable<Integer>,
        priority_targets -> Text,
        escalate_raise_priority -> Bool,
        escalate_department_id -> Nullable<BigInt>,
        escalate_team_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        default_sla_plan_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agent_departments (agent_id, department_id) {
        agent_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    teams (id) {
        id -> BigInt,
        name -> Text,
        department_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    team_members (team_id, agent_id) {
        team_id -> BigInt,
        agent_id -> BigInt,
    }
}

diesel::table! {
    help_topics (id) {
        id -> BigInt,
        name -> Text,
        department_id -> BigInt,
        default_priority -> Integer,
        sla_plan_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        number -> Text,
        subject -> Text,
        status -> Text,
        priority -> Integer,
        department_id -> BigInt,
        team_id -> Nullable<BigInt>,
        assignee_id -> Nullable<BigInt>,
        requester_id -> BigInt,
        help_topic_id -> Nullable<BigInt>,
        sla_plan_id -> Nullable<BigInt>,
        source -> Text,
        first_response_due_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        first_responded_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        next_response_due_at -> Nullable<Timestamp>,
        sla_next_check_at -> Nullable<Timestamp>,
        sla_overdue -> Bool,
        external_id -> Nullable<Text>,
        external_key_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        event_kinds -> Text,
        secret -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inbound_emails (id) {
        id -> BigInt,
        message_id -> Text,
        ticket_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_feed_counter (id) {
        id -> Integer,
        last_id -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        caller -> Text,
        key -> Text,
        fingerprint -> Text,
        token -> Text,
        status -> Nullable<Integer>,
        location -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        internal -> Bool,
        author_type -> Text,
        author_id -> Nullable<BigInt>,
        author_name -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        kind -> Text,
        actor_type -> Text,
        actor_id -> Nullable<BigInt>,
        data -> Text,
        internal -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        key_hash -> Text,
        key_prefix -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        scopes -> Text,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    business_hours (id) {
        id -> BigInt,
        name -> Text,
        time_zone -> Text,
        intervals -> Text,
        holidays -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sla_breaches (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        clock -> Text,
        clock_started_at -> Timestamp,
        due_at -> Timestamp,
        breached_at -> Timestamp,
    }
}

diesel::joinable!(agent_departments -> users (agent_id));
diesel::joinable!(agent_departments -> departments (department_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (agent_id));
diesel::joinable!(teams -> departments (department_id));
diesel::table! {
    attachments (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        message_id -> BigInt,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbound_emails (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        event_id -> BigInt,
        recipient_id -> BigInt,
        to_address -> Text,
        to_name -> Text,
        subject -> Text,
        body -> Text,
        message_id -> Text,
        thread -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(messages -> tickets (ticket_id));
diesel::joinable!(attachments -> messages (message_id));
diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> ticket_events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    users,
    sla_plans,
    departments,
    agent_departments,
    teams,
    team_members,
    help_topics,
    tickets,
    messages,
    ticket_events,
    api_keys,
    business_hours,
    sla_breaches,
    idempotency_keys,
    event_feed_counter,
    inbound_emails,
    webhooks,
    webhook_deliveries,
    attachments,
    outbound_emails,
);
