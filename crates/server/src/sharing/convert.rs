//! Sharing records to their proto messages. Every field is written out, so a field added to
//! a record breaks the build here until it is mapped.

use chrono::{DateTime, Utc};
use govshare_sharing::{
    Actor, GrantEvent, GrantEventKind, GrantFlag, GrantRecord, RequestEvent, RequestRecord,
};

use crate::convert::timestamp;
use crate::proto;

fn actor(a: &Actor) -> proto::Actor {
    let Actor {
        token_id,
        department,
    } = a;
    proto::Actor {
        token_id: token_id.clone(),
        department_code: department
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

fn request_event(e: &RequestEvent) -> proto::RequestEvent {
    let RequestEvent {
        at,
        actor: who,
        state,
        reason,
    } = e;
    proto::RequestEvent {
        at: Some(timestamp(*at)),
        actor: Some(actor(who)),
        state: state.code(),
        reason: reason.clone(),
    }
}

/// A request as seen at `now` (`overdue` depends on it).
pub(super) fn request(r: &RequestRecord, now: DateTime<Utc>) -> proto::SharingRequest {
    let RequestRecord {
        id,
        entry_code,
        entry_version,
        provider_code,
        requester_code,
        items,
        share_type,
        purpose,
        use_scope,
        business_system,
        requested_until,
        state,
        reason,
        submitted_at,
        due_at,
        decided_at,
        grant_id,
        history,
    } = r;
    proto::SharingRequest {
        id: id.to_string(),
        entry_code: entry_code.to_string(),
        requester_code: requester_code.to_string(),
        items: items.clone(),
        purpose: purpose.clone(),
        use_scope: use_scope.clone(),
        business_system: business_system.clone(),
        state: state.code(),
        reason: reason.clone(),
        submitted_at: Some(timestamp(*submitted_at)),
        due_at: due_at.map(timestamp),
        decided_at: decided_at.map(timestamp),
        grant_id: grant_id.map(|g| g.to_string()).unwrap_or_default(),
        provider_code: provider_code.to_string(),
        entry_version: *entry_version,
        share_type: share_type.code(),
        requested_until: requested_until.map(timestamp),
        overdue: r.is_overdue_at(now),
        history: history.iter().map(request_event).collect(),
    }
}

fn grant_event(e: &GrantEvent) -> proto::GrantEvent {
    let GrantEvent {
        at,
        actor: who,
        kind,
        reason,
    } = e;
    let kind = match kind {
        GrantEventKind::Issued => proto::GrantEventKind::Issued,
        GrantEventKind::Revoked => proto::GrantEventKind::Revoked,
    };
    proto::GrantEvent {
        at: Some(timestamp(*at)),
        actor: Some(actor(who)),
        kind: kind as i32,
        reason: reason.clone(),
    }
}

fn flag(f: &GrantFlag) -> proto::GrantFlag {
    let GrantFlag {
        item,
        kind,
        version,
        detail,
    } = f;
    proto::GrantFlag {
        item: item.clone(),
        kind: kind.code(),
        version: *version,
        detail: detail.clone(),
    }
}

/// A grant as seen at `now` (its state depends on it), with its flags.
pub(super) fn grant(g: &GrantRecord, flags: &[GrantFlag], now: DateTime<Utc>) -> proto::Grant {
    let GrantRecord {
        id,
        request_id,
        entry_code,
        entry_version,
        provider_code,
        consumer_code,
        items,
        purpose,
        valid_from,
        valid_until,
        revoked_at,
        revoke_reason,
        history,
    } = g;
    proto::Grant {
        id: id.to_string(),
        request_id: request_id.to_string(),
        entry_code: entry_code.to_string(),
        consumer_code: consumer_code.to_string(),
        items: items.clone(),
        valid_from: Some(timestamp(*valid_from)),
        valid_until: Some(timestamp(*valid_until)),
        state: g.state_at(now).code(),
        revoke_reason: revoke_reason.clone(),
        provider_code: provider_code.to_string(),
        entry_version: *entry_version,
        revoked_at: revoked_at.map(timestamp),
        purpose: purpose.clone(),
        flags: flags.iter().map(flag).collect(),
        history: history.iter().map(grant_event).collect(),
    }
}

#[cfg(test)]
mod tests {
    use govshare_model::{GrantFlagKind, GrantState, RequestState};

    use crate::proto;

    /// The wire enum of each value has the same number and the model's name after the enum's
    /// prefix.
    #[test]
    fn model_enums_match_the_contract() {
        macro_rules! check {
            ($($model:ty => $proto:ty, $prefix:literal);+ $(;)?) => {$(
                for &value in <$model>::ALL {
                    let wire = <$proto>::try_from(value.code()).expect("a contract value");
                    let name = format!("{}_{}", $prefix, value.name());
                    assert_eq!(wire.as_str_name(), name);
                }
            )+};
        }
        check! {
            RequestState => proto::RequestState, "REQUEST_STATE";
            GrantState => proto::GrantState, "GRANT_STATE";
            GrantFlagKind => proto::GrantFlagKind, "GRANT_FLAG_KIND";
        }
    }
}
