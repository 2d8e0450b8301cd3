//! The behaviour every [`govshare_store::Store`] backend must show, as backend-independent
//! async functions taking a fresh, empty store. A backend's test file runs each function as its
//! own test (see `sled.rs`, `postgres.rs`): [`every_suite_test`] names each function once for
//! all of them. A function no backend runs is dead code, which clippy rejects.
//!
//! Concurrency tests spawn tasks: run them on a multi-thread runtime.

pub mod durability;
pub mod entries;
pub mod events;
pub mod exchange;
pub mod fixtures;
pub mod identity;
pub mod lifecycle;
pub mod listing;
pub mod model;
pub mod reads;
pub mod roles;
pub mod sharing;

/// Calls `$runner! { module::function, ... }` with every function of the suite that takes a
/// fresh store: each backend's test file defines the runner that makes them tests.
macro_rules! every_suite_test {
    ($runner:ident) => {
        $runner! {
        entries::registration_numbers_each_classification_from_000001,
        entries::registration_stores_version_one_as_a_draft,
        entries::concurrent_registrations_get_every_sequence_exactly_once,
        entries::update_of_the_head_appends_the_next_version,
        entries::update_of_a_stale_version_conflicts_and_changes_nothing,
        entries::concurrent_updates_of_one_version_have_exactly_one_winner,
        entries::stored_versions_never_change,
        entries::list_versions_pages_in_ascending_order_after_a_version,
        entries::unknown_versions_and_entries_are_absent,
        entries::changes_to_an_unknown_entry_are_not_found,

        lifecycle::submission_sends_the_head_to_review,
        lifecycle::submission_of_a_stale_version_conflicts,
        lifecycle::approval_publishes_the_submitted_version,
        lifecycle::review_of_another_version_than_the_submitted_one_conflicts,
        lifecycle::refusal_of_a_first_publication_rejects_it_until_edited,
        lifecycle::a_rejected_entry_can_be_resubmitted_unchanged,
        lifecycle::editing_a_published_entry_keeps_serving_the_published_version,
        lifecycle::approval_of_an_edit_publishes_the_new_version,
        lifecycle::refusal_of_an_edit_leaves_the_entry_published,
        lifecycle::approved_revocation_revokes_the_entry,
        lifecycle::refused_revocation_keeps_the_entry_published,
        lifecycle::revocation_review_names_the_published_version,
        lifecycle::a_draft_cannot_be_reviewed_or_revoked,
        lifecycle::an_entry_under_review_cannot_be_edited_or_resubmitted,
        lifecycle::a_published_entry_without_edits_cannot_be_submitted,
        lifecycle::an_entry_pending_revocation_cannot_be_edited,
        lifecycle::a_revoked_entry_is_final,

        listing::unfiltered_listing_returns_every_entry_in_code_order,
        listing::listing_filters_by_provider,
        listing::listing_filters_by_category,
        listing::listing_filters_by_share_type_of_the_head,
        listing::listing_filters_by_state,
        listing::listing_filters_by_update_cycle,
        listing::listing_combines_filters,
        listing::readers_see_their_own_entries_and_others_published_ones,
        listing::readers_without_a_department_see_only_published_entries,
        listing::revoked_entries_are_hidden_from_other_departments,
        listing::others_entries_are_filtered_on_their_published_version,
        listing::own_entries_are_filtered_on_their_head,
        listing::listing_pages_cover_every_match_exactly_once,
        listing::listing_after_the_last_entry_is_empty,

        model::random_operations_follow_the_lifecycle_rules,

        reads::a_read_entry_reads_back_changed_by_every_kind_of_change,
        reads::readers_of_an_entry_changing_never_go_back_and_end_on_the_last_change,

        events::every_change_yields_one_event_in_order,
        events::refused_changes_yield_no_event,
        events::reading_after_a_seq_resumes_without_loss_or_repetition,
        events::concurrent_changes_get_distinct_seqs,
        events::a_reader_following_the_feed_misses_nothing_written_meanwhile,
        events::revocation_events_name_the_published_version,

        identity::a_created_department_reads_back,
        identity::an_unknown_department_is_absent,
        identity::a_taken_department_code_already_exists,
        identity::departments_list_in_code_order_page_by_page,
        identity::an_inserted_token_is_found_by_its_digest,
        identity::a_taken_token_id_already_exists,
        identity::revoking_a_token_records_when,
        identity::revoking_a_token_twice_keeps_the_first_time,
        identity::revoking_an_unknown_token_is_not_found,
        identity::the_admin_token_is_bootstrapped_only_once,
        identity::the_bootstrapped_admin_token_can_be_revoked,
        identity::concurrent_bootstraps_store_one_admin_token,

        sharing::request_and_grant_numbers_are_issued_in_order_from_000001,
        sharing::an_unconditional_request_is_stored_approved_with_its_grant,
        sharing::a_conditional_request_is_stored_pending,
        sharing::a_request_against_another_version_than_the_published_one_conflicts,
        sharing::a_request_for_an_entry_never_published_conflicts,
        sharing::a_request_for_a_revoked_entry_is_refused_and_stores_nothing,
        sharing::a_request_while_revocation_is_pending_is_accepted,
        sharing::an_approval_stores_the_grant_and_approves_the_request,
        sharing::a_refusal_rejects_the_request_with_its_reason,
        sharing::a_decided_request_cannot_be_decided_again,
        sharing::an_approval_against_a_version_since_replaced_conflicts,
        sharing::an_approval_for_a_revoked_entry_is_refused_but_a_refusal_lands,
        sharing::concurrent_decisions_of_one_request_have_one_winner,
        sharing::a_pending_request_can_be_withdrawn_once,
        sharing::an_active_grant_can_be_revoked_once,
        sharing::an_expired_grant_cannot_be_revoked,
        sharing::unknown_requests_and_grants_are_absent,
        sharing::requests_list_by_party,
        sharing::requests_list_by_state_entry_and_deadline,
        sharing::request_pages_cover_every_match_exactly_once,
        sharing::grants_list_by_party_entry_and_state_at_an_instant,
        sharing::grant_pages_cover_every_match_exactly_once,
        sharing::concurrent_requests_get_distinct_consecutive_numbers,
        sharing::stats_count_entries_requests_and_grants_by_state,

        exchange::snapshots_are_numbered_in_order_and_kept_as_written,
        exchange::unknown_snapshots_are_absent,
        exchange::snapshots_list_newest_first_per_entry,
        exchange::snapshot_pages_walk_every_snapshot_once,
        exchange::concurrent_snapshots_get_distinct_consecutive_numbers,

        roles::each_role_held_alone_reads_what_the_others_wrote,
            }
    };
}
