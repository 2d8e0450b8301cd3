//! What every call leaves behind: an access-log record (durable before the reply ends), the
//! gRPC metrics, and one log line, all with the same request id. The layer wraps every
//! service; handlers only add to the call's [`CallNote`].

mod body;
mod call;
mod layer;
mod methods;
mod note;
mod text_fields;

pub use layer::{ObserveLayer, REQUEST_ID_HEADER};
pub use methods::{GrpcType, MethodInfo, MethodTable};
pub use note::{CallNote, NoteFields, note};
pub use text_fields::EscapedFields;

/// The request id of a call, in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);
