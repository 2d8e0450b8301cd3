//! The sharing policy of govshare (政务信息资源共享), with no I/O: how a request for a catalogue
//! entry is evaluated (无条件共享 granted at once, 有条件共享 sent to the provider with a
//! deadline in working days, 不予共享 refused with its basis), the working-day calendar those
//! deadlines count in, and the records of requests and grants with their transitions and
//! history. Backends store the records; the service layer authorizes the callers.

pub mod calendar;
mod error;
pub mod grant;
mod ids;
pub mod policy;
pub mod request;

pub use calendar::{CalendarError, WorkingCalendar};
pub use error::SharingError;
pub use govshare_model::{GrantFlagKind, GrantState, RequestState};
pub use grant::{GrantEvent, GrantEventKind, GrantFlag, GrantRecord, grant_flags};
pub use ids::{GrantId, IdError, RequestId, SnapshotId};
pub use policy::{
    DecisionInput, EntryView, RequestInput, SharingPolicy, check_item_count, evaluate,
    review_decision, shareable_items,
};
pub use request::{Actor, Decision, NewRequest, RequestEvent, RequestRecord};
